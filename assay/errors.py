"""The root of every error Assay raises; each message says what the user should fix."""

from __future__ import annotations


class AssayError(Exception):
    """Base class of all Assay errors; catch this to handle any of them."""

    hint: str | None = None
    """What to do about it, where the message alone does not say (the CLI prints it after)."""


class ConfigError(AssayError):
    """A setting, environment variable or config file is missing or invalid."""


class ProtocolError(AssayError):
    """A protocol value (hash, proof, identifier) is malformed."""
