"""The referee role: serve on adjudication committees, recompute one disputed operator, vote.

decide     the pure decision on a request (RequestView, RefereeLocal, now -> actions)
recompute  the `Recompute` seam and its replay implementation
peer       the recompute from the operator's inputs fetched from peers, checked (replay fallback)

A `VerifierAgent` given a `Recompute` carries the referee duty (`assay referee run`,
`assay verifier run --referee`).
"""
