"""Search strategies as data: ``queries/<name>.toml`` files, each a named, versioned PubMed query.

A query file holds ``name``, ``version``, ``description`` and ``term`` (the PubMed search string).
Every refresh records the name, version and term it ran, so a PRISMA diagram can say exactly which
search produced the corpus on which date.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import queries_dir
from ..errors import ConfigError, NotFoundError

DEFAULT_QUERY = "sseh"
_REQUIRED = ("name", "version", "term")


@dataclass(frozen=True)
class Query:
    """One search strategy."""

    name: str
    version: str
    description: str
    term: str  # whitespace-normalised PubMed query string
    path: Path | None = None


def load_query(path: str | Path) -> Query:
    """Read one query file; ConfigError when it is not valid TOML or lacks a required key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read query file {path}: {e}") from e
    missing = [key for key in _REQUIRED if not str(data.get(key, "")).strip()]
    if missing:
        raise ConfigError(f"query file {path} lacks {', '.join(missing)}")
    # A list or table would be sent to PubMed as its Python repr, and a float version loses
    # digits (1.10 reads as 1.1): these must be quoted text (a whole-number version may stay).
    not_text = [
        key
        for key in _REQUIRED
        if not isinstance(data[key], str)
        and not (
            key == "version" and isinstance(data[key], int) and not isinstance(data[key], bool)
        )
    ]
    if not_text:
        raise ConfigError(
            f'query file {path}: {", ".join(not_text)} must be quoted text, e.g. version = "1.10"'
        )
    return Query(
        name=str(data["name"]).strip(),
        version=str(data["version"]).strip(),
        description=str(data.get("description", "")).strip(),
        term=" ".join(str(data["term"]).split()),
        path=path,
    )


def load_queries(directory: str | Path | None = None) -> list[Query]:
    """Every ``*.toml`` query in ``directory`` (default: the project's ``queries/``), by name."""
    folder = queries_dir(directory)
    if not folder.is_dir():
        raise ConfigError(f"query folder {folder} does not exist (set SSEH_LIT_QUERIES)")
    queries = [load_query(p) for p in sorted(folder.glob("*.toml"))]
    names = [q.name for q in queries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"query name used by more than one file in {folder}: {', '.join(dupes)}")
    return sorted(queries, key=lambda q: q.name)


def get_query(name: str | None = None, directory: str | Path | None = None) -> Query:
    """The query called ``name`` (default ``sseh``); NotFoundError lists the ones that exist."""
    name = name or DEFAULT_QUERY
    queries = load_queries(directory)
    for query in queries:
        if query.name == name:
            return query
    known = ", ".join(q.name for q in queries) or "none"
    raise NotFoundError(f"no query named {name!r} (known: {known})")
