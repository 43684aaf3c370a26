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

#: Machine values below this confidence form the "low confidence" filter (and are shaded).
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


def _blind_done(db: sqlite_utils.Database, reviewer: str | None) -> tuple[set[tuple], set[str]]:
    """In dual review: the items ``reviewer`` already entered, and the records now closed to them
    (two other blind reviewers assigned). Empty sets in single review."""
    if not reviewer or dual.review_mode(db) != "dual":
        return set(), set()
    done = {
        (r["pmid"], r["patient"], r["field"])
        for r in db.query(
            "select distinct pmid, patient, field from reviewer_log where reviewer = ? "
            "and role in ('first', 'second') and action in ('correct', 'accept')",
            [reviewer],
        )
    }
    per_record: dict[str, set[str]] = {}
    for r in db.query(
        "select distinct pmid, reviewer from reviewer_log where role in ('first', 'second')"
    ):
        per_record.setdefault(r["pmid"], set()).add(r["reviewer"])
    closed = {p for p, names in per_record.items() if len(names) >= 2 and reviewer not in names}
    return done, closed


def record_queue(
    db: sqlite_utils.Database,
    *,
    filter: str = "",
    field: str | None = None,
    reviewer: str | None = None,
) -> list[RecordEntry]:
    """Records for the queue page, in queue order (lowest confidence first, then PMID).

    In dual review, pass the signed-in ``reviewer``: values they already entered blind count as
    done for them, and records that already have two other blind reviewers are left out.
    """
    fields = (field,) if field in EXTRACTED_FIELDS else None
    entries: dict[str, RecordEntry] = {}
    done, closed = _blind_done(db, reviewer)
    if filter in ("", "unreviewed", "low_confidence"):
        limit = LOW_CONFIDENCE if filter == "low_confidence" else None
        for item in review_queue(db, filters=QueueFilters(fields=fields, max_confidence=limit)):
            if (item.pmid, item.patient, item.field) in done or item.pmid in closed:
                continue
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
                if not pv.removed and pv.pmid not in closed:
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
