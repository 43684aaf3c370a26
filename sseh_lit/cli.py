"""The ``sseh-lit`` command line: one click group, thin commands.

Each command parses its options and calls one public function of a library module; library
errors (:class:`~sseh_lit.errors.SsehLitError`) become a one-line message and a non-zero exit
here, never a traceback. Commands live in ``sseh_lit/commands/<stage>.py`` (one file per stage,
registered on :data:`cli` when this module is imported); shared options are defined once below.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .config import default_db_path
from .errors import LockHeldError, SsehLitError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes: 1 any failure, 2 usage (click's own), 3 another run holds the lock.
EXIT_FAILURE = 1
EXIT_LOCKED = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sseh-lit")
def cli() -> None:
    """sseh-lit: find, screen and extract spontaneous spinal epidural haematoma case reports.

    Example: sseh-lit demo
    """


def db_option(func: F) -> F:
    """``--db PATH``: the corpus database (default ``$SSEH_LIT_DB`` or ~/.local/share/sseh-lit/sseh.db)."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Corpus database [default: $SSEH_LIT_DB or ~/.local/share/sseh-lit/sseh.db].",
    )(func)


def resolve_db(db_path: Path | None) -> Path:
    """The ``--db`` value, or the configured default."""
    return db_path if db_path is not None else default_db_path()


def handle_errors(func: F) -> F:
    """Turn library errors into a clear message and exit code instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LockHeldError as e:
            click.echo(f"Error: {e}", err=True)
            raise SystemExit(EXIT_LOCKED) from e
        except SsehLitError as e:
            raise click.ClickException(str(e)) from e
        except sqlite3.Error as e:  # a damaged or locked file, met after it opened fine
            where = kwargs.get("db_path") or default_db_path()
            raise click.ClickException(
                f"the corpus database {where} failed: {e}. If it is malformed, check it with "
                f"`sqlite3 {where} 'PRAGMA integrity_check'` and restore a backup."
            ) from e

    return wrapper  # type: ignore[return-value]


# Register every stage's commands on ``cli`` (import for side effect, after ``cli`` exists).
from .commands import (  # noqa: E402
    analysis,
    corpus,
    export,
    extract,
    review,
    screen,
    web,
)

__all__ = [
    "analysis",
    "cli",
    "corpus",
    "db_option",
    "export",
    "extract",
    "handle_errors",
    "resolve_db",
    "review",
    "screen",
    "web",
]
