"""The ``articles`` table: idempotent upserts, soft deletion and the active view.

:func:`upsert_articles` stores parsed :class:`~sseh_lit.pubmed.parse.Article` records in one
transaction per call (a batch is stored whole or not at all). A SHA-256 content hash over the
stored fields decides whether a record is new, updated or unchanged, so re-storing the same
records writes nothing and leaves ``updated_at`` alone. Records are never dropped: PubMed
deletions are soft (:func:`mark_deleted` sets ``status='deleted'`` and ``deleted_at``), so reviewer
history keeps its record and PRISMA can count it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .db import transaction, utcnow
from .pubmed.parse import Article

#: Article fields covered by the content hash (everything PubMed supplies).
HASHED_FIELDS = (
    "pmid",
    "title",
    "abstract",
    "journal",
    "journal_abbrev",
    "year",
    "pub_date",
    "authors",
    "publication_types",
    "mesh",
    "keywords",
    "language",
    "doi",
    "pmcid",
    "date_revised",
    "date_completed",
    "retraction",
)
_JSON_FIELDS = ("authors", "publication_types", "mesh", "keywords", "retraction")
_CHUNK = 500


@dataclass
class UpsertCounts:
    """What one upsert did."""

    new: int = 0
    updated: int = 0  # content changed, or a deleted record came back
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def content_hash(article: Article) -> str:
    """SHA-256 over the stored fields in a canonical JSON form."""
    data = article.to_dict()
    payload = json.dumps({k: data[k] for k in HASHED_FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def article_row(article: Article, *, source: str) -> dict[str, Any]:
    """The ``articles`` row for ``article`` (lists as JSON text), without timestamps."""
    data = article.to_dict()
    row = {k: data[k] for k in HASHED_FIELDS}
    for key in _JSON_FIELDS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    row["content_hash"] = content_hash(article)
    row["source"] = source
    return row


def upsert_articles(
    db: sqlite_utils.Database,
    articles: Iterable[Article],
    *,
    source: str,
    run_id: int | None = None,
) -> UpsertCounts:
    """Insert or update ``articles`` atomically; count new / updated / unchanged.

    An article whose hash matches the stored one and which is active is left untouched. A
    changed one is rewritten (``first_seen`` and any ``unmatched_since`` flag are kept); a
    soft-deleted one that PubMed returns again becomes active. ``run_id`` is the refresh run
    doing the upsert; it is not stored on the article (``search_hits`` links runs and records).
    """
    del run_id  # provenance lives in refresh_runs/search_hits; kept for a stable signature
    batch = list({a.pmid: a for a in articles}.values())  # last copy of a PMID wins
    counts = UpsertCounts()
    if not batch:
        return counts
    now = utcnow()
    with transaction(db):
        existing = _existing(db, [a.pmid for a in batch])
        for article in batch:
            row = article_row(article, source=source)
            old = existing.get(article.pmid)
            if old is None:
                row.update(status="active", first_seen=now, updated_at=now)
                db["articles"].insert(row)
                counts.new += 1
            elif old["content_hash"] == row["content_hash"] and old["status"] == "active":
                counts.unchanged += 1
            else:
                row.update(status="active", deleted_at=None, updated_at=now)
                db["articles"].update(article.pmid, row)
                counts.updated += 1
    return counts


def _existing(db: sqlite_utils.Database, pmids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(pmids), _CHUNK):
        chunk = pmids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for pmid, chash, status in db.execute(
            f"SELECT pmid, content_hash, status FROM articles WHERE pmid IN ({marks})", chunk
        ):
            found[pmid] = {"content_hash": chash, "status": status}
    return found


def mark_deleted(db: sqlite_utils.Database, pmids: Iterable[str], when: str | None = None) -> int:
    """Soft-delete ``pmids`` (status ``deleted``, ``deleted_at``); returns how many changed.

    Already-deleted and unknown PMIDs are skipped, so calling it twice is harmless.
    """
    when = when or utcnow()
    changed = 0
    pmid_list = sorted(set(pmids))
    with transaction(db):
        for i in range(0, len(pmid_list), _CHUNK):
            chunk = pmid_list[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            cursor = db.execute(
                "UPDATE articles SET status = 'deleted', deleted_at = ?, updated_at = ? "
                f"WHERE status != 'deleted' AND pmid IN ({marks})",
                [when, when, *chunk],
            )
            changed += cursor.rowcount
    return changed


def active_articles(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every active (not soft-deleted) article row, by PMID, lists decoded from JSON."""
    for row in db.query(
        "SELECT * FROM articles WHERE status = 'active' ORDER BY CAST(pmid AS INTEGER)"
    ):
        for key in _JSON_FIELDS:
            if row.get(key):
                row[key] = json.loads(row[key])
        yield row


def active_pmids(db: sqlite_utils.Database) -> set[str]:
    """PMIDs of every active article."""
    return {r[0] for r in db.execute("SELECT pmid FROM articles WHERE status = 'active'")}
