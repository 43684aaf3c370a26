"""How good is the machine on this corpus? Per-field agreement with reviewer-confirmed values.

Every field a reviewer has settled (an accept or a correction in force) is a reviewer-confirmed
value; comparing it with what the machine says now gives, per field:

* ``accepted`` — machine value confirmed (an accept, or a correction to the same value);
* ``changed`` — machine value replaced by a different value;
* ``cleared`` — machine value removed (the text does not say it);
* ``added`` — the reviewer filled a value the machine left empty (a miss);

and precision = TP / (TP + FP), recall = TP / (TP + FN), with the gold-scoring conventions
(:mod:`sseh_lit.evaluate`): a changed value is a false positive *and* a miss; a reviewer-added
patient's values are misses; a reviewer-removed machine patient's values are false positives.
The accuracy on the user's own corpus, growing with every review.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlite_utils

from ..dataset import iter_patients
from ..evaluate import rate
from ..fields import EXTRACTED_FIELDS


@dataclass
class FieldStats:
    """Counts and metrics for one field."""

    field: str
    reviewed: int = 0  # reviewer-confirmed values (either side non-null)
    accepted: int = 0
    changed: int = 0
    cleared: int = 0
    added: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return rate(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return rate(self.tp, self.tp + self.fn)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall}


@dataclass
class ReviewStats:
    """Per-field statistics plus patient-level counts."""

    fields: dict[str, FieldStats] = field(default_factory=dict)
    patients_reviewed: int = 0
    patients_added: int = 0
    patients_removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "patients_reviewed": self.patients_reviewed,
            "patients_added": self.patients_added,
            "patients_removed": self.patients_removed,
            "fields": {name: fs.to_dict() for name, fs in self.fields.items()},
        }


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, list):
        return frozenset(_norm(v) for v in value)
    if isinstance(value, dict):
        scale = str(value.get("scale") or "").casefold()
        scale = "asia" if scale in ("asia", "ais", "frankel") else scale
        return (scale, _norm(str(value.get("grade") or "")))
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Equal after the gold-scoring normalisation (case, agent sets, ASIA = AIS = Frankel)."""
    return _norm(a) == _norm(b)


def review_stats(db: sqlite_utils.Database) -> ReviewStats:
    """Machine vs reviewer per field over every record (included or not), streamed."""
    stats = ReviewStats(fields={name: FieldStats(name) for name in EXTRACTED_FIELDS})
    for view in iter_patients(db, included_only=False, include_removed=True):
        if view.removed and view.origin == "machine":
            stats.patients_removed += 1
            for name in EXTRACTED_FIELDS:
                if not _empty(view.values[name].machine_value):
                    stats.fields[name].fp += 1
            continue
        if view.removed:
            continue
        if view.origin == "reviewer":
            stats.patients_added += 1
        if view.review_status != "unreviewed":
            stats.patients_reviewed += 1
        for name in EXTRACTED_FIELDS:
            cv = view.values[name]
            if cv.source != "reviewer":
                continue
            _count(stats.fields[name], cv.machine_value, cv.value)
    return stats


def _count(fs: FieldStats, machine: Any, reviewer: Any) -> None:
    if _empty(machine) and _empty(reviewer):
        return  # null against null is not counted
    fs.reviewed += 1
    if _empty(machine):
        fs.added += 1
        fs.fn += 1
    elif _empty(reviewer):
        fs.cleared += 1
        fs.fp += 1
    elif same(machine, reviewer):
        fs.accepted += 1
        fs.tp += 1
    else:
        fs.changed += 1
        fs.fp += 1
        fs.fn += 1
