"""Builders for review/dataset tests: synthetic articles, screening rows and machine extractions.

Every text here is SYNTHETIC, written for these tests (no third-party sentences). The rows are
written straight into the tables the extract/screen stages own, the way those stages write them,
so review tests do not depend on the extractor's quality.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from sseh_lit import db as dbmod
from sseh_lit.text import document_text

SYNTHETIC_TITLE = "Synthetic case: spontaneous spinal epidural haematoma in an older adult"
SYNTHETIC_ABSTRACT = (
    "A 67-year-old man on warfarin presented with sudden back pain and paraparesis. "
    "MRI showed a dorsal epidural haematoma from T4 to T7. "
    "He underwent laminectomy 10 hours after onset and recovered completely."
)

#: Machine values of the synthetic patient, with the sentence each came from.
MACHINE: dict[str, tuple[Any, str, float]] = {
    "age_years": (67, "A 67-year-old man on warfarin presented", 0.95),
    "sex": ("male", "A 67-year-old man on warfarin presented", 0.9),
    "level_upper": ("T4", "MRI showed a dorsal epidural haematoma from T4 to T7.", 0.8),
    "level_lower": ("T7", "MRI showed a dorsal epidural haematoma from T4 to T7.", 0.8),
    "location": ("dorsal", "MRI showed a dorsal epidural haematoma from T4 to T7.", 0.7),
    "anticoagulant": (True, "A 67-year-old man on warfarin presented", 0.9),
    "anticoagulant_agents": (["warfarin"], "A 67-year-old man on warfarin presented", 0.9),
    "treatment": ("surgical", "He underwent laminectomy 10 hours after onset", 0.85),
    "procedure": ("laminectomy", "He underwent laminectomy 10 hours after onset", 0.85),
    "time_to_surgery_hours": (10, "He underwent laminectomy 10 hours after onset", 0.4),
    "outcome": ("complete_recovery", "and recovered completely.", 0.6),
}


def open_db(path: Path) -> sqlite_utils.Database:
    """A migrated corpus DB at ``path``."""
    return dbmod.connect(path)


def add_article(
    db: sqlite_utils.Database,
    pmid: str,
    *,
    title: str = SYNTHETIC_TITLE,
    abstract: str = SYNTHETIC_ABSTRACT,
    decision: str | None = "include",
) -> None:
    """One synthetic article, with a rules screening row when ``decision`` is given."""
    now = dbmod.utcnow()
    with dbmod.transaction(db):
        db["articles"].upsert(
            {
                "pmid": pmid,
                "title": title,
                "abstract": abstract,
                "journal": "Synthetic Journal",
                "year": 2024,
                "publication_types": json.dumps(["Case Reports"]),
                "status": "active",
                "source": "demo",
                "first_seen": now,
                "updated_at": now,
            },
            pk="pmid",
        )
        if decision is not None:
            db["screening"].upsert(
                {
                    "pmid": pmid,
                    "decision": decision,
                    "reason": "sseh_case" if decision == "include" else "traumatic",
                    "confidence": 0.9,
                    "needs_review": 0,
                    "rules_version": "test",
                    "screened_at": now,
                },
                pk="pmid",
            )


def set_machine(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int,
    values: dict[str, tuple[Any, str, float]] | None = None,
    *,
    status: str = "active",
    label: str | None = None,
) -> None:
    """Write one machine patient and its extractions (replacing the previous machine values)."""
    values = MACHINE if values is None else values
    row = db["articles"].get(pmid)
    text = document_text(row["title"], row["abstract"])
    now = dbmod.utcnow()
    with dbmod.transaction(db):
        db["patients"].upsert(
            {
                "pmid": pmid,
                "patient": patient,
                "label": label,
                "status": status,
                "created_at": now,
                "updated_at": now,
            },
            pk=("pmid", "patient"),
        )
        db.execute("delete from extractions where pmid = ? and patient = ?", [pmid, patient])
        for name, (value, evidence, confidence) in values.items():
            start = text.find(evidence)
            db["extractions"].insert(
                {
                    "pmid": pmid,
                    "patient": patient,
                    "field": name,
                    "value": json.dumps(value),
                    "evidence": evidence,
                    "start": start if start >= 0 else None,
                    "end": start + len(evidence) if start >= 0 else None,
                    "assertion": "affirmed",
                    "confidence": confidence,
                    "extractor_version": "test",
                    "extracted_at": now,
                }
            )


def log_count(db: sqlite_utils.Database) -> int:
    """Number of rows in the reviewer log."""
    return int(db.execute("select count(*) from reviewer_log").fetchone()[0])


def make_corpus(path: Path, pmids: tuple[str, ...] = ("90000001",)) -> sqlite_utils.Database:
    """A DB with one included synthetic record per PMID, each with one machine patient."""
    db = open_db(path)
    for pmid in pmids:
        add_article(db, pmid)
        set_machine(db, pmid, 1)
    return db


# ---------------------------------------------------------------- concurrency workers
# Top-level functions so a process pool can pickle them. Each opens its own connection, as a
# separate ``sseh-lit correct`` process or web request would.


def _wait_for(marker: str | None, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while marker and not Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def correct_in_process(args: tuple[str, str, int, str, Any, str, str | None]) -> int:
    """Save one correction from a fresh connection once ``marker`` exists; return the log size."""
    from sseh_lit.review import corrections

    path, pmid, patient, field, value, reviewer, marker = args
    _wait_for(marker)
    db = open_db(Path(path))
    corrections.correct(db, pmid, patient, field, value, reviewer=reviewer, reason="concurrent")
    return log_count(db)


def extract_in_process(path: str, rounds: int, marker: str) -> int:
    """Run the real ``extract --all`` ``rounds`` times, creating ``marker`` once the pipeline is
    loaded (so corrections start while extraction writes); return records processed."""
    from sseh_lit.extract.pipeline import load
    from sseh_lit.extract.storage import extract_db

    load()
    db = open_db(Path(path))
    Path(marker).touch()
    return sum(extract_db(db, all=True).processed for _ in range(rounds))
