"""Synthetic records for trying the review UI, its tests and its benchmark.

Every title and abstract here is SYNTHETIC, written for sseh-lit (no published text). Each
record gets an article row, a screening decision and machine extractions whose evidence offsets
point into :func:`sseh_lit.text.document_text`, exactly as the extractor stores them, so the
web app can be exercised before (or without) running the real pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils

from ...db import connect, transaction, utcnow
from ...text import document_text

#: (title, abstract, {field: (value, evidence substring)}) — synthetic, marked as such.
_TEMPLATES: list[tuple[str, str, dict[str, tuple[Any, str]]]] = [
    (
        "Synthetic case {n}: spontaneous cervical epidural haematoma on warfarin",
        "A {age}-year-old man taking warfarin presented with sudden neck pain and weakness. "
        "MRI showed a dorsal epidural haematoma from C5 to C7. He underwent laminectomy "
        "6 hours after onset and recovered completely.",
        {
            "age_years": ("{age}", "A {age}-year-old man"),
            "sex": ("male", "man"),
            "level_upper": ("C5", "from C5 to C7"),
            "level_lower": ("C7", "from C5 to C7"),
            "location": ("dorsal", "dorsal epidural haematoma"),
            "anticoagulant": (True, "taking warfarin"),
            "anticoagulant_agents": (["warfarin"], "warfarin"),
            "treatment": ("surgical", "He underwent laminectomy"),
            "procedure": ("laminectomy", "laminectomy"),
            "time_to_surgery_hours": (6, "6 hours after onset"),
            "outcome": ("complete_recovery", "recovered completely"),
        },
    ),
    (
        "Synthetic case {n}: thoracic epidural hematoma managed conservatively",
        "A {age}-year-old woman with hypertension developed back pain and leg numbness. "
        "Imaging revealed a ventral epidural hematoma at T4-T6. She was treated conservatively "
        "and had a partial recovery at 6 months.",
        {
            "age_years": ("{age}", "A {age}-year-old woman"),
            "sex": ("female", "woman"),
            "hypertension": (True, "with hypertension"),
            "level_upper": ("T4", "T4-T6"),
            "level_lower": ("T6", "T4-T6"),
            "location": ("ventral", "ventral epidural hematoma"),
            "treatment": ("conservative", "treated conservatively"),
            "outcome": ("partial_recovery", "partial recovery"),
            "follow_up_months": (6, "at 6 months"),
        },
    ),
    (
        "Synthetic case {n}: lumbar epidural haematoma with cauda equina syndrome <script>alert(1)</script>",
        "A {age}-year-old man on aspirin presented with cauda equina syndrome, Frankel C. "
        "An epidural haematoma extended from L3 to L5. Hemilaminectomy was performed; "
        "at follow-up he was Frankel D.",
        {
            "age_years": ("{age}", "A {age}-year-old man"),
            "sex": ("male", "man on aspirin"),
            "antiplatelet": (True, "on aspirin"),
            "antiplatelet_agents": (["aspirin"], "aspirin"),
            "preop_grade": ({"scale": "Frankel", "grade": "C"}, "Frankel C"),
            "level_upper": ("L3", "from L3 to L5"),
            "level_lower": ("L5", "from L3 to L5"),
            "treatment": ("surgical", "Hemilaminectomy was performed"),
            "procedure": ("hemilaminectomy", "Hemilaminectomy"),
            "outcome_grade": ({"scale": "Frankel", "grade": "D"}, "Frankel D"),
        },
    ),
]


def _age(n: int) -> int:
    return 30 + (n * 7) % 50


def sample_records(count: int) -> list[dict[str, Any]]:
    """``count`` synthetic records: article fields plus ``patients`` (one, with evidence)."""
    records = []
    for i in range(count):
        title_t, abstract_t, fields_t = _TEMPLATES[i % len(_TEMPLATES)]
        n, age = i + 1, _age(i + 1)
        title = title_t.format(n=n)
        abstract = abstract_t.format(age=age)
        text = document_text(title, abstract)
        values = {}
        for name, (value, evidence) in fields_t.items():
            ev = evidence.format(age=age)
            start = text.find(ev, len(title))
            start = text.find(ev) if start < 0 else start
            if isinstance(value, str) and "{age}" in value:
                value = age
            values[name] = {
                "value": value,
                "evidence": ev,
                "start": start,
                "end": start + len(ev),
                "confidence": 0.45 if name in ("location", "time_to_surgery_hours") else 0.9,
            }
        records.append(
            {"pmid": f"9{n:07d}", "title": title, "abstract": abstract, "patients": [values]}
        )
    return records


def build_sample_db(path: str | Path, count: int = 6) -> sqlite_utils.Database:
    """Create (or extend) a corpus DB at ``path`` holding ``count`` synthetic extracted records."""
    db = connect(path)
    now = utcnow()
    with transaction(db):
        for rec in sample_records(count):
            pmid = rec["pmid"]
            db["articles"].upsert(
                {
                    "pmid": pmid,
                    "title": rec["title"],
                    "abstract": rec["abstract"],
                    "journal": "Synthetic Journal of Spine",
                    "year": 2020,
                    "publication_types": json.dumps(["Case Reports"]),
                    "authors": json.dumps(["Synthetic A"]),
                    "status": "active",
                    "source": "demo",
                    "first_seen": now,
                    "updated_at": now,
                },
                pk="pmid",
            )
            db["screening"].upsert(
                {
                    "pmid": pmid,
                    "decision": "include",
                    "reason": "sseh_case",
                    "confidence": 0.9,
                    "needs_review": 0,
                    "flags": "[]",
                    "rules_version": "sample",
                    "screened_at": now,
                    "detail": "synthetic sample",
                },
                pk="pmid",
            )
            db["extraction_state"].upsert(
                {
                    "pmid": pmid,
                    "extractor_version": "sample",
                    "extracted_at": now,
                    "n_patients": len(rec["patients"]),
                },
                pk="pmid",
            )
            for number, values in enumerate(rec["patients"], start=1):
                db["patients"].upsert(
                    {
                        "pmid": pmid,
                        "patient": number,
                        "label": None,
                        "signature": "{}",
                        "status": "active",
                        "created_at": now,
                        "updated_at": now,
                    },
                    pk=("pmid", "patient"),
                )
                for name, fv in values.items():
                    db["extractions"].upsert(
                        {
                            "pmid": pmid,
                            "patient": number,
                            "field": name,
                            "value": json.dumps(fv["value"]),
                            "evidence": fv["evidence"],
                            "start": fv["start"],
                            "end": fv["end"],
                            "cue": None,
                            "assertion": "affirmed",
                            "confidence": fv["confidence"],
                            "extractor_version": "sample",
                            "extracted_at": now,
                        },
                        pk=("pmid", "patient", "field"),
                    )
    return db
