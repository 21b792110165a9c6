"""Errors of the services database; each message says what the operator should do."""

from __future__ import annotations

from assay.errors import AssayError, ConfigError


class DatabaseError(AssayError):
    """Root of every services-database error."""


class DatabaseConfigError(DatabaseError, ConfigError):
    """The database URL (ASSAY_DATABASE_URL or an explicit one) is malformed or unsupported."""


class DatabaseUnreachableError(DatabaseError):
    """The database server did not answer (down, wrong host/port/user, or no such database)."""


class MigrationError(DatabaseError):
    """The schema migrations could not be found or did not apply."""


class RollbackError(DatabaseError):
    """A reorg rollback was asked for something it cannot undo."""
