"""The review queue: machine values no reviewer has confirmed yet, lowest confidence first.

Pure data (no terminal I/O) so it can be tested directly and shared by the terminal queue
(:mod:`sseh_lit.review.tui`) and anything else that wants "what should a reviewer look at next".
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..dataset import PatientView, iter_patients, record_view
from ..fields import EXTRACTED_FIELDS


@dataclass(frozen=True)
class QueueFilters:
    """Which items to queue. ``None`` means "any"."""

    pmid: str | None = None
    fields: tuple[str, ...] | None = None
    max_confidence: float | None = None
    included_only: bool = True
    flagged_only: bool = False
    limit: int | None = None


@dataclass(frozen=True)
class QueueItem:
    """One machine value awaiting a reviewer, with the sentence it came from."""

    pmid: str
    patient: int
    label: str | None
    field: str
    value: Any
    confidence: float | None
    evidence: str | None
    start: int | None
    end: int | None
    flags: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[float, str, int, int]:
        order = EXTRACTED_FIELDS.index(self.field)
        conf = self.confidence if self.confidence is not None else 0.0
        return (conf, self.pmid, self.patient, order)


def _items(view: PatientView, filters: QueueFilters) -> Iterator[QueueItem]:
    if filters.flagged_only and not view.flags:
        return
    for name in filters.fields or EXTRACTED_FIELDS:
        cv = view.values.get(name)
        if cv is None or cv.source != "machine" or cv.value in (None, [], ""):
            continue
        if filters.max_confidence is not None and (cv.confidence or 0.0) > filters.max_confidence:
            continue
        yield QueueItem(
            pmid=view.pmid,
            patient=view.patient,
            label=view.label,
            field=name,
            value=cv.value,
            confidence=cv.confidence,
            evidence=cv.evidence,
            start=cv.start,
            end=cv.end,
            flags=tuple(view.flags),
        )


def review_queue(
    db: sqlite_utils.Database, *, filters: QueueFilters | None = None
) -> list[QueueItem]:
    """Unreviewed machine values (non-null, no reviewer act in force), lowest confidence first.

    Removed patients never appear; ``filters.limit`` keeps only the lowest-confidence items
    without holding the whole queue in memory.
    """
    filters = filters or QueueFilters()
    if filters.pmid is not None:
        record = record_view(db, filters.pmid)  # NotFoundError for an unknown PMID
        views: Iterator[PatientView] = (v for v in record.patients if not v.removed)
    else:
        views = iter_patients(db, included_only=filters.included_only)
    items = (item for view in views for item in _items(view, filters))
    if filters.limit is not None:
        return heapq.nsmallest(filters.limit, items, key=lambda i: i.sort_key)
    return sorted(items, key=lambda i: i.sort_key)
