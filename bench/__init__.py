"""`make bench`: the benchmarks, outside the installed package (the top of the layer diagram).

Each module is run from the repository root as `python -m bench.<name>`; see BENCHMARKS.md.
"""
