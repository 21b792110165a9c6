"""The whistleblower service: honeypot planning, planting, revealing and the verifier audit.

See docs/whistleblower.md.
"""
