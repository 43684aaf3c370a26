"""One refresh run: search PubMed, work out what changed, fetch it, store it, record the run.

A run, under the per-DB ``refresh`` lock (:mod:`sseh_lit.lock`):

1. records a ``refresh_runs`` row (query name, version, term, search date, mode: ``running``);
2. runs the query (esearch, split by date past 10,000 hits) and stores every hit in
   ``search_hits`` — PRISMA's "records identified";
3. decides what to fetch:

   * ``--full``: every hit, plus every active PubMed record the query no longer returns;
   * incremental (default): hits not yet stored (new, or previously failed), hits modified since
     the last successful run of this query (an esearch ``mdat`` window; ``--since`` overrides its
     start), and active records that vanished from the search and are not yet flagged;

4. efetches those in batches (POST for long ID lists) and stores each batch in one transaction:
   upserts by content hash (new / updated / unchanged), soft-deletes records named in a
   ``<DeleteCitation>`` or that efetch no longer returns, flags (``unmatched_since``) records that
   still exist but the query no longer matches, and writes unparseable records to
   ``failed_records``;
5. closes the run row with its counts, request count and status.

A run killed at any point leaves whole batches only; the next run (which marks the dead run
``failed``) fetches whatever is still missing and converges to the same corpus. Running twice in
a row changes nothing the second time.

Exit policy: the run *fails* (status ``failed``, the error is re-raised so the CLI exits 1) when
the search or a fetch batch cannot be completed after all retries, or NCBI reports a permanent
error. Single records that cannot be parsed are recorded in ``failed_records``, counted in
``failed``, retried by the next run, and do not fail the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .corpus import UpsertCounts, active_pmids, mark_deleted, upsert_articles
from .db import connect, transaction, utcnow
from .errors import ConfigError, ParseError, SsehLitError
from .lock import hold_lock
from .pubmed.eutils import EutilsClient
from .pubmed.parse import Article, Deletion, RecordError, iter_pubmed
from .pubmed.queries import Query, get_query

log = logging.getLogger(__name__)

#: Records per efetch request (and per transaction).
DEFAULT_BATCH_SIZE = 200

#: ``progress(stage, done, total)``; stage is ``search`` or ``fetch``.
Progress = Callable[[str, int, int], None]


@dataclass
class RefreshSummary:
    """What a run did (also stored in its ``refresh_runs`` row)."""

    run_id: int
    query_name: str
    query_version: str
    mode: str  # incremental | full
    search_date: str
    since: str | None = None  # start of the modification-date window (incremental)
    found: int = 0  # hits of the search
    fetched: int = 0  # PMIDs requested from efetch
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # soft-deleted in this run
    unmatched: int = 0  # newly flagged: exists, but the query no longer matches
    failed: int = 0  # records written to failed_records
    requests: int = 0  # HTTP requests, retries included
    status: str = "running"
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def refresh(
    db_path: str | Path,
    *,
    query_name: str | None = None,
    since: str | date | None = None,
    full: bool = False,
    base_url: str | None = None,
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    client: EutilsClient | None = None,
    queries_dir: str | Path | None = None,
) -> RefreshSummary:
    """Bring the corpus at ``db_path`` up to date with PubMed for one query (default ``sseh``).

    Raises LockHeldError when another refresh holds the lock, ConfigError for a bad query or
    date, and EutilsError/NetworkError (after recording the run as failed) when PubMed cannot be
    searched or fetched.
    """
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, not {batch_size}")
    query = get_query(query_name, queries_dir)
    since_date = parse_date(since) if since else None
    with hold_lock(db_path, "refresh"):
        db = connect(db_path)
        try:
            close_stale_runs(db)
            client = client or EutilsClient(base_url)
            return _run(db, client, query, since_date, full, progress, batch_size)
        finally:
            db.conn.close()


def _run(
    db: sqlite_utils.Database,
    client: EutilsClient,
    query: Query,
    since: date | None,
    full: bool,
    progress: Progress | None,
    batch_size: int,
) -> RefreshSummary:
    started = time.monotonic()
    requests_before = client.requests
    summary = RefreshSummary(
        run_id=0,
        query_name=query.name,
        query_version=query.version,
        mode="full" if full else "incremental",
        search_date=datetime.now(UTC).date().isoformat(),
    )
    if not full:
        since = since or last_success_date(db, query.name)
        summary.since = since.isoformat() if since else None
    summary.run_id = _start_run(db, query, summary)
    try:
        _search_and_fetch(db, client, query, since, full, progress, batch_size, summary)
        summary.status = "ok"
    except SsehLitError as e:
        summary.status, summary.error = "failed", str(e)
        raise
    except BaseException as e:  # KeyboardInterrupt, SIGTERM → SystemExit: record, re-raise
        summary.status, summary.error = "failed", f"interrupted ({type(e).__name__})"
        raise
    finally:
        summary.requests = client.requests - requests_before
        summary.seconds = round(time.monotonic() - started, 2)
        _finish_run(db, summary)
    return summary


def _search_and_fetch(
    db: sqlite_utils.Database,
    client: EutilsClient,
    query: Query,
    since: date | None,
    full: bool,
    progress: Progress | None,
    batch_size: int,
    summary: RefreshSummary,
) -> None:
    report = progress or (lambda stage, done, total: None)
    report("search", 0, 1)
    hits = client.search_ids(query.term)
    hit_set = set(hits.ids)
    summary.found = len(hit_set)
    _store_hits(db, summary.run_id, hits.ids)
    report("search", 1, 1)
    log.info("%s v%s: %d records match", query.name, query.version, summary.found)

    known = active_pmids(db)
    pubmed_known = _active_pubmed(db)
    if full:
        wanted = hit_set | pubmed_known
    else:
        modified: set[str] = set()
        if since is not None:
            window = client.search_ids(query.term, mindate=since, datetype="mdat")
            modified = set(window.ids)
            log.info("%d records modified since %s", len(modified), since.isoformat())
        vanished = pubmed_known - hit_set - _flagged_unmatched(db)
        wanted = (hit_set - known) | (modified & hit_set) | vanished | _retry_pmids(db, hit_set)
    todo = sorted(wanted, key=int)
    summary.fetched = len(todo)
    report("fetch", 0, len(todo))
    for i in range(0, len(todo), batch_size):
        batch = todo[i : i + batch_size]
        _fetch_batch(db, client, batch, hit_set, summary)
        report("fetch", min(i + batch_size, len(todo)), len(todo))


def _fetch_batch(
    db: sqlite_utils.Database,
    client: EutilsClient,
    batch: list[str],
    hits: set[str],
    summary: RefreshSummary,
) -> None:
    """Fetch one batch and store it in one transaction (whole or not at all)."""
    try:
        body = client.efetch(batch)
        articles, deletions, errors = _parse_batch(body)
    except ParseError as e:  # the client checked well-formedness, so this is rare
        _record_failures(db, summary, [(p, f"parse: {e}") for p in batch])
        return
    except SsehLitError as e:
        _record_failures(db, summary, [(p, f"fetch: {e}") for p in batch])
        raise
    now = utcnow()
    returned = {a.pmid for a in articles}
    failed_pmids = {e.pmid for e in errors if e.pmid}
    gone = [p for p in batch if p not in returned and p not in failed_pmids]
    known = _active_among(db, gone)
    with transaction(db):
        counts: UpsertCounts = upsert_articles(db, articles, source="pubmed", run_id=summary.run_id)
        summary.new += counts.new
        summary.updated += counts.updated
        summary.unchanged += counts.unchanged
        summary.deleted += mark_deleted(db, [*deletions, *(p for p in gone if p in known)], now)
        never_stored = [p for p in gone if p not in known and p not in deletions]
        failures = [(e.pmid, f"parse: {e.error}") for e in errors]
        failures += [(p, "fetch: efetch did not return this record") for p in never_stored]
        _record_failures(db, summary, failures)
        summary.unmatched += _flag_unmatched(db, returned - hits, now)


def _parse_batch(body: bytes) -> tuple[list[Article], list[str], list[RecordError]]:
    articles: list[Article] = []
    deletions: list[str] = []
    errors: list[RecordError] = []
    for item in iter_pubmed(body):
        if isinstance(item, Article):
            articles.append(item)
        elif isinstance(item, Deletion):
            deletions.append(item.pmid)
        else:
            errors.append(item)
    return articles, deletions, errors


# --- run bookkeeping ------------------------------------------------------------------------


def _start_run(db: sqlite_utils.Database, query: Query, summary: RefreshSummary) -> int:
    with transaction(db):
        table = db["refresh_runs"].insert(
            {
                "query_name": query.name,
                "query_version": query.version,
                "query_term": query.term,
                "search_date": summary.search_date,
                "mode": summary.mode,
                "since": summary.since,
                "started_at": utcnow(),
                "status": "running",
            }
        )
    return int(table.last_pk)


def _finish_run(db: sqlite_utils.Database, summary: RefreshSummary) -> None:
    fields = ("found", "new", "updated", "unchanged", "deleted", "failed", "requests")
    with transaction(db):
        db["refresh_runs"].update(
            summary.run_id,
            {
                **{f: getattr(summary, f) for f in fields},
                "status": summary.status,
                "error": summary.error,
                "finished_at": utcnow(),
            },
        )


def close_stale_runs(db: sqlite_utils.Database) -> int:
    """Mark runs left ``running`` by a dead process as failed (call only while holding the lock)."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE refresh_runs SET status = 'failed', finished_at = ?, "
            "error = 'interrupted: the process stopped before the run finished' "
            "WHERE status = 'running' AND mode != 'demo'",
            [utcnow()],
        )
    return cursor.rowcount


def last_success_date(db: sqlite_utils.Database, query_name: str) -> date | None:
    """Start of the incremental modification window for ``query_name``.

    The search date of its last successful run; when none succeeded yet but earlier runs stored
    records before dying, the date of the first such run (so records stored then and revised
    since are refetched); None for a fresh DB.
    """
    row = db.execute(
        "SELECT search_date FROM refresh_runs WHERE query_name = ? AND status = 'ok' "
        "AND mode IN ('incremental', 'full') ORDER BY id DESC LIMIT 1",
        [query_name],
    ).fetchone()
    if row is None:
        row = db.execute(
            "SELECT MIN(search_date) FROM refresh_runs WHERE query_name = ? "
            "AND mode IN ('incremental', 'full')",
            [query_name],
        ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def _store_hits(db: sqlite_utils.Database, run_id: int, pmids: Iterable[str]) -> None:
    rows = [{"run_id": run_id, "pmid": p} for p in pmids]
    with transaction(db):
        db["search_hits"].insert_all(rows, ignore=True, batch_size=1000)
        db.execute(
            "UPDATE articles SET unmatched_since = NULL WHERE unmatched_since IS NOT NULL "
            "AND pmid IN (SELECT pmid FROM search_hits WHERE run_id = ?)",
            [run_id],
        )


def _record_failures(
    db: sqlite_utils.Database, summary: RefreshSummary, failures: list[tuple[str | None, str]]
) -> None:
    if not failures:
        return
    now = utcnow()
    with transaction(db):
        db["failed_records"].insert_all(
            {"run_id": summary.run_id, "pmid": p, "stage": "refresh", "error": e, "created_at": now}
            for p, e in failures
        )
    summary.failed += len(failures)
    for pmid, error in failures[:5]:
        log.warning("record %s failed: %s", pmid, error)


def _flag_unmatched(db: sqlite_utils.Database, pmids: set[str], when: str) -> int:
    flagged = 0
    for pmid in sorted(pmids):
        cursor = db.execute(
            "UPDATE articles SET unmatched_since = ? WHERE pmid = ? AND unmatched_since IS NULL",
            [when, pmid],
        )
        flagged += cursor.rowcount
    return flagged


def _active_pubmed(db: sqlite_utils.Database) -> set[str]:
    return {
        r[0]
        for r in db.execute(
            "SELECT pmid FROM articles WHERE status = 'active' AND source = 'pubmed'"
        )
    }


def _active_among(db: sqlite_utils.Database, pmids: list[str]) -> set[str]:
    """Those of ``pmids`` stored as active articles."""
    if not pmids:
        return set()
    marks = ",".join("?" * len(pmids))
    sql = f"SELECT pmid FROM articles WHERE status = 'active' AND pmid IN ({marks})"
    return {r[0] for r in db.execute(sql, pmids)}


def _flagged_unmatched(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT pmid FROM articles WHERE unmatched_since IS NOT NULL")}


def _retry_pmids(db: sqlite_utils.Database, hits: set[str]) -> set[str]:
    """PMIDs that failed in the last successful run or any run after it, still hits.

    Not only the previous run: when that one died early (NCBI down) it recorded no failures,
    and a record that failed before it would never be fetched again — its revision date lies
    before the next modification window.
    """
    rows = db.execute(
        "SELECT DISTINCT pmid FROM failed_records WHERE pmid IS NOT NULL AND stage = 'refresh' "
        "AND run_id >= coalesce((SELECT MAX(id) FROM refresh_runs "
        "WHERE mode IN ('incremental', 'full') AND status = 'ok'), 0)"
    )
    return {r[0] for r in rows} & hits


def parse_date(value: str | date) -> date:
    """``YYYY-MM-DD`` (or ``YYYY/MM/DD``) → date; ConfigError with the expected form otherwise."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError as e:
        raise ConfigError(f"not a date: {value!r} (use YYYY-MM-DD, e.g. 2024-01-31)") from e
