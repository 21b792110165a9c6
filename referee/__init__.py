"""The referee role: serve on adjudication committees, recompute one disputed operator, vote.

decide     the pure decision on a request (RequestView, RefereeLocal, now -> actions)
duty       the duty's state an agent carries (recompute, outputs, recomputes in flight)
agent      RefereeAgent (the duty alone: `assay referee run`) and its per-tick loop
recompute  the `Recompute` seam and its replay implementation
peer       the recompute from the operator's inputs fetched from peers, checked (replay fallback)

A `VerifierAgent` given a `Recompute` carries the same duty beside its own
(`assay verifier run --referee`).
"""
