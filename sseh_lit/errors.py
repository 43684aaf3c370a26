"""Exceptions raised by sseh-lit.

Every error the library raises on purpose derives from :class:`SsehLitError`, so the CLI can turn
them into clear messages (``click.ClickException``) in one place and callers can catch them as one
family. Library code raises; only ``cli.py`` / ``commands/`` converts to exit codes.
"""


class SsehLitError(Exception):
    """Root of all sseh-lit errors."""


class ConfigError(SsehLitError):
    """A setting is missing or has an unusable value."""


class DatabaseError(SsehLitError):
    """The corpus database cannot be opened, migrated or written."""


class LockHeldError(SsehLitError):
    """Another process holds the lock (e.g. a refresh or update is already running)."""


class NetworkError(SsehLitError):
    """NCBI E-utilities could not be reached or kept failing after all retries."""


class EutilsError(SsehLitError):
    """NCBI answered with a permanent error (unknown database, malformed term, bad request)."""


class ParseError(SsehLitError):
    """A PubMed XML document (or one record in it) could not be parsed."""


class ValidationError(SsehLitError):
    """A value a reviewer (or file) supplied is not valid for its field."""


class NotFoundError(SsehLitError):
    """A record, patient, reviewer or profile does not exist."""
