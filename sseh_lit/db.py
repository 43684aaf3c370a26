"""The corpus database: connection, schema and named migrations.

One SQLite file holds every stage's tables; each stage writes only its own (see DESIGN.md):

=================  ============================================================================
table              written by / holds
=================  ============================================================================
articles           refresh / demo — one row per PubMed record (soft-deleted, never dropped)
refresh_runs       refresh — one row per query run with its counts and status
search_hits        refresh — which PMIDs each run's search returned (PRISMA "identified")
failed_records     refresh — records that could not be parsed or fetched, kept for a re-try
screening          screen — the rules' decision per record
extraction_state   extract — per record: content hash and extractor version last extracted
patients           extract — stable patient numbers per record (pmid, patient from 1)
extractions        extract — machine value + evidence per (pmid, patient, field)
reviewer_log       review — the one append-only log of every reviewer act (triggers forbid
                   UPDATE and DELETE)
reviewers          review — reviewer accounts (hashed credentials, role)
flags              several — "machine changed since review", "full text needed", duplicates …
settings           review — project settings such as dual review
web_sessions       serve — browser sessions with their CSRF token
=================  ============================================================================

Lists (authors, MeSH, agents …) are stored as JSON text, never as ``;``-joined strings; the
join happens only at the CSV edge.

Migrations are named and applied once each, in list order, and recorded in ``_migrations``;
to change the schema append a new ``(name, function)`` pair to :data:`MIGRATIONS`, never edit an
applied one. An older DB therefore upgrades in place when it is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from .errors import DatabaseError, NotFoundError

BUSY_TIMEOUT_MS = 30_000


def utcnow() -> str:
    """Current time as an ISO-8601 UTC string with seconds, the format of every timestamp column."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "pmid": str,
            "title": str,
            "abstract": str,
            "journal": str,
            "journal_abbrev": str,
            "year": int,
            "pub_date": str,
            "authors": str,  # JSON list of "Last Initials"
            "publication_types": str,  # JSON list
            "mesh": str,  # JSON list of descriptor names
            "keywords": str,  # JSON list
            "language": str,
            "doi": str,
            "pmcid": str,
            "date_revised": str,  # PubMed DateRevised (YYYY-MM-DD)
            "date_completed": str,
            "retraction": str,  # JSON list of {type, ref, pmid} comment/correction links
            "status": str,  # active | deleted
            "deleted_at": str,
            "unmatched_since": str,  # set by a --full run the query no longer matches
            "content_hash": str,
            "source": str,  # pubmed | demo | file
            "first_seen": str,
            "updated_at": str,
        },
        pk="pmid",
        not_null={"pmid"},
        defaults={"status": "active"},
    )
    db["articles"].create_index(["status"])
    db["articles"].enable_fts(["title", "abstract"], create_triggers=True)

    db["refresh_runs"].create(
        {
            "id": int,
            "query_name": str,
            "query_version": str,
            "query_term": str,
            "search_date": str,  # date the search ran (YYYY-MM-DD), for PRISMA
            "mode": str,  # incremental | full | demo
            "since": str,
            "started_at": str,
            "finished_at": str,
            "found": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "deleted": int,
            "failed": int,
            "requests": int,
            "status": str,  # running | ok | failed
            "error": str,
        },
        pk="id",
    )
    db["search_hits"].create(
        {"run_id": int, "pmid": str},
        pk=("run_id", "pmid"),
        foreign_keys=[("run_id", "refresh_runs", "id")],
    )
    db["failed_records"].create(
        {"id": int, "run_id": int, "pmid": str, "stage": str, "error": str, "created_at": str},
        pk="id",
    )

    db["screening"].create(
        {
            "pmid": str,
            "decision": str,  # include | exclude
            "reason": str,  # sseh_case | not_epidural | traumatic | iatrogenic | ...
            "confidence": float,
            "needs_review": int,
            "flags": str,  # JSON list, e.g. ["anticoagulant", "full_text_needed"]
            "rules_version": str,
            "content_hash": str,
            "screened_at": str,
            "detail": str,  # which rule fired, for the reviewer
        },
        pk="pmid",
    )

    db["extraction_state"].create(
        {
            "pmid": str,
            "content_hash": str,
            "extractor_version": str,
            "extracted_at": str,
            "n_patients": int,
        },
        pk="pmid",
    )
    db["patients"].create(
        {
            "pmid": str,
            "patient": int,  # stable number from 1, never reused for another patient
            "label": str,
            "signature": str,  # JSON {age, sex, level_upper, level_lower} used to re-match
            "status": str,  # active | gone (the machine no longer finds it)
            "created_at": str,
            "updated_at": str,
        },
        pk=("pmid", "patient"),
        defaults={"status": "active"},
    )
    db["extractions"].create(
        {
            "pmid": str,
            "patient": int,
            "field": str,
            "value": str,  # JSON-encoded value (str, number, bool, list, {scale, grade})
            "evidence": str,  # the supporting sentence
            "start": int,  # character offsets of the evidence in title + "\n\n" + abstract
            "end": int,
            "cue": str,  # assertion cue that fired (e.g. "denied"), if any
            "assertion": str,  # affirmed | negated | historical | hypothetical | family
            "confidence": float,
            "extractor_version": str,
            "extracted_at": str,
        },
        pk=("pmid", "patient", "field"),
    )

    db["reviewers"].create(
        {
            "name": str,
            "role": str,  # reviewer | adjudicator | admin
            "password_hash": str,
            "created_at": str,
            "active": int,
        },
        pk="name",
        defaults={"role": "reviewer", "active": 1},
    )
    db["reviewer_log"].create(
        {
            "id": int,
            "pmid": str,
            "patient": int,  # null for record-level acts (screening override)
            "field": str,  # null for add/remove patient
            "action": str,  # correct | accept | clear | add_patient | remove_patient |
            #                 screen_override | duplicate_decision | flag_resolved
            "old_value": str,  # JSON
            "new_value": str,  # JSON
            "reviewer": str,
            "role": str,  # single | first | second | adjudicator (dual review)
            "timestamp": str,
            "reason": str,
        },
        pk="id",
    )
    db["reviewer_log"].create_index(["pmid", "patient", "field"])
    for op in ("UPDATE", "DELETE"):
        db.execute(
            f"""CREATE TRIGGER reviewer_log_no_{op.lower()} BEFORE {op} ON reviewer_log
            BEGIN SELECT RAISE(ABORT, 'reviewer_log is append-only'); END"""
        )

    db["flags"].create(
        {
            "id": int,
            "pmid": str,
            "patient": int,
            "kind": str,  # machine_changed | full_text_needed | probable_duplicate | screening_doubtful
            "detail": str,
            "created_at": str,
            "cleared_at": str,
            "cleared_by": str,
        },
        pk="id",
    )
    db["flags"].create_index(["pmid", "kind"])
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["web_sessions"].create(
        {"token": str, "reviewer": str, "csrf": str, "created_at": str, "expires_at": str},
        pk="token",
    )


def _m002_corpus_indexes(db: sqlite_utils.Database) -> None:
    """Indexes refresh needs: hits and failures by PMID, flagged records."""
    db["search_hits"].create_index(["pmid"], if_not_exists=True)
    db["failed_records"].create_index(["pmid"], if_not_exists=True)
    db["articles"].create_index(["unmatched_since"], if_not_exists=True)


#: Named migrations, applied once each in this order. Append; never edit or reorder.
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_initial", _m001_initial),
    ("002_corpus_indexes", _m002_corpus_indexes),
]


@contextmanager
def transaction(db: sqlite_utils.Database, *, immediate: bool = True) -> Iterator[None]:
    """Run the block in one transaction: committed whole, or rolled back whole on any exception.

    Connections are opened in autocommit mode, so every multi-row write that must be atomic (a
    refresh batch, one record's extraction, one reviewer save) goes through here. ``BEGIN
    IMMEDIATE`` takes the write lock up front, so two writers queue on the busy timeout instead
    of failing half-way.
    """
    conn = db.conn
    if conn.in_transaction:  # nested: join the outer transaction
        yield
        return
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded in ``_migrations``; return the names applied."""
    if not db["_migrations"].exists():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, func in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            func(db)
            db["_migrations"].insert({"name": name, "applied_at": utcnow()})
        applied.append(name)
    return applied


def check_not_newer(db: sqlite_utils.Database, path: str | Path) -> None:
    """Refuse a DB that a newer sseh-lit migrated: this version would misread or damage it."""
    if not db["_migrations"].exists():
        return
    known = {name for name, _ in MIGRATIONS}
    unknown = sorted(row["name"] for row in db["_migrations"].rows if row["name"] not in known)
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer sseh-lit (schema migration {', '.join(unknown)} is "
            "unknown to this version); upgrade sseh-lit to use it"
        )


def connect(path: str | Path, *, migrate_schema: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the corpus DB at ``path`` in WAL mode and bring its schema up to date.

    WAL plus a 30 s busy timeout lets a refresh or extraction run while reviewers save; writers
    keep their transactions short.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        db = sqlite_utils.Database(conn)
        db.enable_wal()
        try:
            check_not_newer(db, path)
        except DatabaseError:
            conn.close()
            raise
        if migrate_schema:
            migrate(db)
    except (sqlite3.Error, OSError) as e:
        raise DatabaseError(f"cannot open corpus database {path}: {e}") from e
    return db


def connect_existing(path: str | Path) -> sqlite_utils.Database:
    """:func:`connect` for commands that work on a corpus: a missing file is NotFoundError.

    Only ``refresh`` and ``demo`` create a corpus; anything else given a mistyped path would
    otherwise create an empty DB there and report on nothing.
    """
    if not Path(path).exists():
        raise NotFoundError(
            f"no corpus database at {path}; build one with `sseh-lit refresh` or `sseh-lit demo`"
        )
    return connect(path)
