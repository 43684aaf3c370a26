"""A small synthetic corpus for the export and duplicate tests.

Every text here is SYNTHETIC, written for these tests (no third-party sentences). Articles,
screening rows and machine extractions are inserted the way the corpus/screen/extract stages
store them; reviewer acts go through the real review API, so the export is tested against the
real current dataset (``sseh_lit.dataset``).
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from sseh_lit import db as dbmod
from sseh_lit.codebook import dataset_columns
from sseh_lit.dataset import iter_patients
from sseh_lit.export import unneutralise
from sseh_lit.fields import FIELDS
from sseh_lit.review import corrections, reviewers
from sseh_lit.text import document_text

REVIEWER = "ann"
#: A label set by a reviewer, with a comma, a double quote and a newline (RFC 4180 round trip).
TRICKY_LABEL = 'Case 2, the "twin"\nsecond line'
#: A label a spreadsheet would run as a formula.
FORMULA_LABEL = '=HYPERLINK("http://example.invalid","x")'
#: An evidence sentence with a comma, a quote and a newline.
TRICKY_EVIDENCE = 'She said, "my legs are numb"\nand could not stand.'


def _abstract(*sentences: str) -> str:
    return " ".join(sentences)


def add_article(
    db: sqlite_utils.Database,
    pmid: str,
    *,
    year: int,
    authors: list[str],
    abstract: str,
    decision: str = "include",
    journal: str = "Synthetic Journal of Spine",
    doi: str | None = None,
) -> None:
    """One synthetic article with a rules screening row."""
    now = dbmod.utcnow()
    with dbmod.transaction(db):
        db["articles"].insert(
            {
                "pmid": pmid,
                "title": f"Synthetic case report {pmid}",
                "abstract": abstract,
                "journal": journal,
                "year": year,
                "authors": json.dumps(authors),
                "publication_types": json.dumps(["Case Reports"]),
                "doi": doi,
                "status": "active",
                "source": "demo",
                "first_seen": now,
                "updated_at": now,
            }
        )
        db["screening"].insert(
            {
                "pmid": pmid,
                "decision": decision,
                "reason": "sseh_case" if decision == "include" else "traumatic",
                "confidence": 0.9,
                "needs_review": 0,
                "rules_version": "test-rules-1",
                "screened_at": now,
            }
        )


def add_machine_patient(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int,
    values: dict[str, Any],
    *,
    evidence: dict[str, str] | None = None,
    label: str | None = None,
) -> None:
    """A machine patient; each value's evidence is the first abstract sentence (or given)."""
    article = db["articles"].get(pmid)
    text = document_text(article["title"], article["abstract"])
    default = article["abstract"].split(". ")[0]
    now = dbmod.utcnow()
    with dbmod.transaction(db):
        db["patients"].insert(
            {
                "pmid": pmid,
                "patient": patient,
                "label": label,
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
        )
        for name, value in values.items():
            sentence = (evidence or {}).get(name, default)
            start = text.find(sentence)
            db["extractions"].insert(
                {
                    "pmid": pmid,
                    "patient": patient,
                    "field": name,
                    "value": json.dumps(value),
                    "evidence": sentence,
                    "start": start if start >= 0 else None,
                    "end": start + len(sentence) if start >= 0 else None,
                    "assertion": "affirmed",
                    "confidence": 0.8,
                    "extractor_version": "test-extractor-1",
                    "extracted_at": now,
                }
            )
        db["extraction_state"].upsert(
            {"pmid": pmid, "extractor_version": "test-extractor-1", "extracted_at": now},
            pk="pmid",
        )


MAN_T4_T7 = {
    "age_years": 67,
    "sex": "male",
    "level_upper": "T4",
    "level_lower": "T7",
    "anticoagulant": True,
    "anticoagulant_agents": ["warfarin"],
    "preop_grade": {"scale": "ASIA", "grade": "C"},
    "treatment": "surgical",
    "procedure": "laminectomy",
    "time_to_surgery_hours": 10.5,
    "outcome": "complete_recovery",
}


def build_corpus(path: Path) -> sqlite_utils.Database:
    """Five synthetic records: three included with patients (one a probable duplicate of an
    earlier report), one included without patients yet, one excluded; plus reviewer acts."""
    db = dbmod.connect(path)
    reviewers.add_reviewer(db, REVIEWER, "correct horse battery")
    add_article(
        db,
        "90000001",
        year=2019,
        authors=["Doe J", "Roe RA"],
        doi="10.9999/synthetic.1",
        journal='Synthetic Journal, "Spine" edition',
        abstract=_abstract(
            "A 67-year-old man on warfarin had sudden back pain.",
            "MRI showed an epidural haematoma from T4 to T7.",
        ),
    )
    add_machine_patient(
        db,
        "90000001",
        1,
        MAN_T4_T7,
        evidence={"level_upper": "MRI showed an epidural haematoma from T4 to T7."},
    )
    add_article(
        db,
        "90000002",
        year=2021,
        authors=["Poe P", "Doe J"],
        abstract=_abstract(
            "We report two synthetic patients, a 67-year-old man and a 31-year-old woman.",
            TRICKY_EVIDENCE,
        ),
    )
    add_machine_patient(db, "90000002", 1, MAN_T4_T7)  # the same man, reported again
    add_machine_patient(
        db,
        "90000002",
        2,
        {
            "age_years": 31,
            "sex": "female",
            "level_upper": "L2",
            "level_lower": "L3",
            "pregnancy": True,
            "treatment": "surgical",
            "preop_grade": {"scale": "Frankel", "grade": "D"},
            "outcome": "partial_recovery",
        },
        evidence={"sex": TRICKY_EVIDENCE},
    )
    add_article(
        db,
        "90000003",
        year=2008,
        authors=["Xu Y"],
        abstract=_abstract("A 52-year-old man was treated without surgery.", "He recovered."),
    )
    add_machine_patient(
        db,
        "90000003",
        1,
        {
            "age_years": 52,
            "sex": "male",
            "level_upper": "C5",
            "level_lower": "C7",
            "coagulopathy": True,
            "treatment": "conservative",
            "outcome": "complete_recovery",
        },
        label=FORMULA_LABEL,
    )
    add_article(
        db,
        "90000004",
        year=2022,
        authors=["Ng K"],
        abstract="A synthetic record not yet extracted.",
    )
    add_article(
        db,
        "90000005",
        year=2020,
        authors=["Doe J"],
        decision="exclude",
        abstract="A 67-year-old man fell from a ladder.",
    )
    add_machine_patient(db, "90000005", 1, MAN_T4_T7)
    # Reviewer acts: a corrected value, and an added patient with a tricky label.
    corrections.correct(
        db, "90000001", 1, "outcome", "partial_recovery", reviewer=REVIEWER, reason="weakness left"
    )
    corrections.add_patient(
        db,
        "90000003",
        reviewer=REVIEWER,
        reason="second patient in the last sentence",
        label=TRICKY_LABEL,
        values={"age_years": 40, "sex": "female"},
    )
    with dbmod.transaction(db):
        db["refresh_runs"].insert(
            {
                "query_name": "sseh",
                "query_version": "1",
                "query_term": "spinal epidural hematoma",
                "search_date": "2026-11-01",
                "mode": "demo",
                "status": "ok",
            }
        )
    return db


def prisma_stub() -> types.ModuleType | None:
    """Until ``sseh_lit.prisma`` lands (helper 5), a stub with the pinned interface; else None."""
    try:
        import sseh_lit.prisma  # noqa: F401
    except ImportError:
        stub = types.ModuleType("sseh_lit.prisma")
        stub.prisma_counts = lambda db: {"identified": db["articles"].count, "stub": True}  # type: ignore[attr-defined]
        return stub
    return None


def _parse(text: str, kind: str) -> Any:
    """A dataset.csv cell back to the Python value the dataset holds."""
    if text == "":
        return None
    if kind in ("number", "integer"):
        return float(text)
    if kind == "bool":
        return {"true": True, "false": False}[text]
    if kind == "agents":
        return unneutralise(text).split(";")
    return unneutralise(text)


def _expected(value: Any, kind: str) -> Any:
    if value is None or value == []:
        return None
    if kind in ("number", "integer"):
        return float(value)
    return value


def assert_dataset_equals(csv_path: Path, db_path: Path) -> int:
    """Read dataset.csv with pandas and check every row, value, source and confidence equals the
    current dataset (``iter_patients``) of ``db_path``; return the number of rows compared."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    db = dbmod.connect(db_path)
    views = list(iter_patients(db))
    db.conn.close()
    assert len(frame) == len(views)
    kinds = {c.name: c.type for c in dataset_columns()}
    assert list(frame.columns) == list(kinds)
    for view, (_, row) in zip(views, frame.iterrows(), strict=True):
        where = f"{view.pmid}:{view.patient}"
        assert (row["pmid"], int(row["patient"])) == (view.pmid, view.patient)
        assert _parse(row["label"], "text") == view.label, where
        for f in FIELDS:
            current = view.values[f.name]
            if f.type == "grade":
                grade = current.value or {}
                assert _parse(row[f"{f.name}_scale"], "enum") == grade.get("scale"), where
                assert _parse(row[f"{f.name}_grade"], "text") == grade.get("grade"), where
            else:
                kind = kinds[f.name]
                got = _parse(row[f.name], kind)
                assert got == _expected(current.value, kind), f"{where} {f.name}"
            assert row[f"{f.name}_source"] == current.source, f"{where} {f.name}"
            confidence = _parse(row[f"{f.name}_confidence"], "number")
            expected = None if current.confidence is None else float(current.confidence)
            assert confidence == expected, f"{where} {f.name}"
        assert row["review_status"] == view.review_status
        assert row["origin"] == view.origin
        assert row["open_flags"] == ";".join(sorted(set(view.flags)))
    return len(views)
