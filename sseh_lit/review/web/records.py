"""The browser's queue: records to review, built on :mod:`sseh_lit.review.queue` and the dataset.

The review store queues *field values* (unreviewed machine values, lowest confidence first);
a reviewer in the browser works a *record* at a time, so this module groups those items by
record and adds the record-level filters of the queue page: conflicts between dual reviewers,
"machine changed since review" flags and doubtful screening decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ... import dataset, screen
from ...fields import EXTRACTED_FIELDS
from .. import dual
from ..queue import QueueFilters, review_queue

LOW_CONFIDENCE = 0.5
#: Filters offered on the queue page (value → label); "" lists every included record.
FILTERS = {
    "": "all included",
    "unreviewed": "unreviewed",
    "low_confidence": "low confidence",
    "conflicts": "conflicts",
    "machine_changed": "machine changed",
    "screening_doubtful": "screening doubtful",
}


@dataclass
class RecordEntry:
    """One record in the browser queue."""

    pmid: str
    title: str = ""
    pending: int = 0  # machine values no reviewer has acted on
    min_confidence: float | None = None
    fields: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _add(entries: dict[str, RecordEntry], pmid: str) -> RecordEntry:
    return entries.setdefault(str(pmid), RecordEntry(str(pmid)))


def record_queue(
    db: sqlite_utils.Database, *, filter: str = "", field: str | None = None
) -> list[RecordEntry]:
    """Records for the queue page, in queue order (lowest confidence first, then PMID)."""
    fields = (field,) if field in EXTRACTED_FIELDS else None
    entries: dict[str, RecordEntry] = {}
    if filter in ("", "unreviewed", "low_confidence"):
        limit = LOW_CONFIDENCE if filter == "low_confidence" else None
        for item in review_queue(db, filters=QueueFilters(fields=fields, max_confidence=limit)):
            entry = _add(entries, item.pmid)
            entry.pending += 1
            if item.field not in entry.fields:
                entry.fields.append(item.field)
            if item.confidence is not None and (
                entry.min_confidence is None or item.confidence < entry.min_confidence
            ):
                entry.min_confidence = item.confidence
            entry.flags = sorted({*entry.flags, *item.flags})
        if filter == "" and fields is None:
            for pv in dataset.iter_patients(db):
                if not pv.removed:
                    _add(entries, pv.pmid).flags = sorted(
                        {*_add(entries, pv.pmid).flags, *pv.flags}
                    )
    elif filter == "conflicts":
        for d in dual.disagreements(db):
            if fields and d.field not in fields:
                continue
            entry = _add(entries, d.pmid)
            entry.pending += 1
            entry.fields.append(d.field)
            entry.flags = ["conflict"]
    elif filter == "machine_changed":
        for pv in dataset.iter_patients(db, included_only=False):
            if "machine_changed" in pv.flags:
                _add(entries, pv.pmid).flags = sorted({*pv.flags})
    elif filter == "screening_doubtful":
        doubtful = {
            pmid for pmid, dec in screen.effective_decisions(db).items() if dec.needs_review
        }
        doubtful |= {
            r["pmid"]
            for r in db.query(
                "select pmid from flags where kind = 'screening_doubtful' and cleared_at is null"
            )
        }
        for pmid in doubtful:
            _add(entries, pmid).flags = ["screening_doubtful"]
    _titles(db, entries)
    return sorted(
        entries.values(),
        key=lambda e: (e.min_confidence if e.min_confidence is not None else 2.0, e.pmid),
    )


def _titles(db: sqlite_utils.Database, entries: dict[str, RecordEntry]) -> None:
    if not entries:
        return
    keys = list(entries)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"select pmid, title from articles where pmid in ({marks})", chunk):
            entries[row["pmid"]].title = row["title"] or ""


def progress(db: sqlite_utils.Database) -> dict[str, Any]:
    """Progress counts for the queue header: included records and patients by review status."""
    statuses: dict[str, int] = {"reviewed": 0, "partial": 0, "unreviewed": 0}
    records: dict[str, set[str]] = {}
    for pv in dataset.iter_patients(db):
        if pv.removed:
            continue
        statuses[pv.review_status] = statuses.get(pv.review_status, 0) + 1
        records.setdefault(pv.pmid, set()).add(pv.review_status)
    return {
        "records": len(records),
        "records_reviewed": sum(1 for s in records.values() if s == {"reviewed"}),
        "patients": sum(statuses.values()),
        **statuses,
        "disagreements": len(dual.disagreements(db)),
    }
