"""`sseh-lit extract`: DB rows with evidence, stable patient numbers, flags, reviewer rows untouched.

All abstracts here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit.cli import cli
from sseh_lit.db import connect, transaction
from sseh_lit.extract import EXTRACTOR_VERSION
from sseh_lit.extract.storage import extract_db
from sseh_lit.review import log
from sseh_lit.text import document_text

SINGLE = (
    "Synthetic case: cervical haematoma",
    "A 67-year-old woman taking apixaban developed neck pain and tetraparesis. MRI showed a "
    "dorsal epidural hematoma from C4 to C6. She underwent C4-C6 laminectomy 10 hours after "
    "symptom onset and recovered completely.",
)
SERIES = (
    "Synthetic series: two patients",
    "We report two patients with spontaneous spinal epidural hematoma. Case 1: A 45-year-old "
    "man had a hematoma at T4-T6 and underwent laminectomy. Case 2: A 70-year-old woman had a "
    "hematoma at L2-L3 and was treated conservatively.",
)
REVIEW = (
    "Synthetic retrospective series",
    "We retrospectively reviewed 48 patients treated at our institution. The mean age was 61 "
    "years and 58% were men. Surgery was performed in 40 patients.",
)


def _add(db, pmid: str, title: str, abstract: str) -> None:
    with transaction(db):
        db["articles"].upsert(
            {
                "pmid": pmid,
                "title": title,
                "abstract": abstract,
                "publication_types": json.dumps(["Case Reports"]),
                "status": "active",
            },
            pk="pmid",
        )


@pytest.fixture
def db(db_path: Path):
    db = connect(db_path)
    _add(db, "1", *SINGLE)
    _add(db, "2", *SERIES)
    _add(db, "3", *REVIEW)
    return db


def _values(db, pmid: str, patient: int) -> dict:
    rows = db.query("select * from extractions where pmid = ? and patient = ?", [pmid, patient])
    return {r["field"]: r for r in rows}


def test_rows_carry_value_evidence_offsets_and_version(db) -> None:
    summary = extract_db(db)
    assert (summary.processed, summary.patients, summary.failed) == (3, 3, [])
    rows = _values(db, "1", 1)
    assert json.loads(rows["age_years"]["value"]) == 67
    assert json.loads(rows["level_upper"]["value"]) == "C4"
    assert json.loads(rows["anticoagulant_agents"]["value"]) == ["apixaban"]
    assert json.loads(rows["hypertension"]["value"]) is None  # unknown stays null
    doc = document_text(*SINGLE)
    for name in ("age_years", "level_upper", "treatment", "time_to_surgery_hours"):
        row = rows[name]
        assert doc[row["start"] : row["end"]] == row["evidence"], name
        assert row["extractor_version"] == EXTRACTOR_VERSION
    state = db["extraction_state"].get("1")
    assert state["n_patients"] == 1 and state["extractor_version"] == EXTRACTOR_VERSION


def test_series_gives_numbered_patients_and_aggregate_gives_none(db) -> None:
    extract_db(db)
    pts = list(db.query("select patient, status from patients where pmid = '2' order by patient"))
    assert [p["patient"] for p in pts] == [1, 2]
    assert json.loads(_values(db, "2", 1)["level_upper"]["value"]) == "T4"
    assert json.loads(_values(db, "2", 2)["treatment"]["value"]) == "conservative"
    assert db["extraction_state"].get("3")["n_patients"] == 0
    assert not list(db.query("select * from patients where pmid = '3'"))


def test_second_run_skips_unchanged_and_all_redoes_everything(db) -> None:
    extract_db(db)
    again = extract_db(db)
    assert (again.processed, again.unchanged) == (0, 3)
    forced = extract_db(db, all=True)
    assert (forced.processed, forced.flagged) == (3, 0)


def test_changed_patient_set_keeps_numbers_and_flags(db) -> None:
    extract_db(db)
    # reviewer-added patient 3 must survive untouched
    with transaction(db):
        db["patients"].insert(
            {"pmid": "2", "patient": 3, "status": "reviewer_added", "label": "added by reviewer"}
        )
    new_abstract = SERIES[1].replace("We report two", "We report three") + (
        " Case 3: An 81-year-old man had a hematoma at C5-C6 and died."
    )
    _add(db, "2", SERIES[0], new_abstract.replace("45-year-old", "46-year-old"))
    summary = extract_db(db)
    assert summary.processed == 1
    pts = {p["patient"]: p for p in db.query("select * from patients where pmid = '2'")}
    assert pts[2]["status"] == "active"  # same age/sex/levels: same number
    assert pts[1]["status"] == "gone"  # age changed: no longer the same machine patient
    assert pts[3]["status"] == "reviewer_added" and pts[3]["label"] == "added by reviewer"
    new_numbers = sorted(n for n, p in pts.items() if n > 3)
    assert new_numbers == [4, 5]  # never reuse 1 or the reviewer's 3
    flags = list(db.query("select * from flags where pmid = '2' and kind = 'machine_changed'"))
    assert len(flags) == 1 and "new" in flags[0]["detail"]


def test_value_change_under_reviewed_field_is_flagged_and_log_untouched(db) -> None:
    extract_db(db)
    log.append(
        db,
        pmid="1",
        action="accept",
        reviewer="ann",
        patient=1,
        field="treatment",
        new_value="surgical",
    )
    changed = SINGLE[1].replace(
        "She underwent C4-C6 laminectomy 10 hours after symptom onset and recovered completely.",
        "She was managed conservatively and recovered completely.",
    )
    _add(db, "1", SINGLE[0], changed)
    extract_db(db)
    flags = list(db.query("select * from flags where pmid = '1'"))
    assert len(flags) == 1 and flags[0]["patient"] == 1 and "treatment" in flags[0]["detail"]
    assert [e["action"] for e in log.entries(db, "1")] == ["accept"]
    assert json.loads(_values(db, "1", 1)["treatment"]["value"]) == "conservative"


def test_cli_extract_reports_counts(db_path: Path, db) -> None:
    result = CliRunner().invoke(cli, ["extract", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "3 record(s) extracted" in result.output
    result = CliRunner().invoke(cli, ["extract", "--db", str(db_path), "--all"])
    assert result.exit_code == 0 and "3 record(s) extracted" in result.output


def test_deleted_articles_are_not_extracted(db) -> None:
    with transaction(db):
        db["articles"].update("3", {"status": "deleted"})
    assert extract_db(db).candidates == 2


def _fail_planning(monkeypatch: pytest.MonkeyPatch, pmid: str) -> None:
    """Make planning (the first per-record stage of a batch) raise for record ``pmid``."""
    import sseh_lit.extract.core as core

    real = core.plan_doc

    def flaky(doc, record, text=None):
        if record["pmid"] == pmid:
            raise ValueError("synthetic extractor bug")
        return real(doc, record, text)

    monkeypatch.setattr(core, "plan_doc", flaky)


def _fail_levels(monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    """Make the level extractor (a later, per-patient stage) raise for the patient whose
    sentences contain ``marker``."""
    import sseh_lit.extract.levels as levels

    real = levels.extract

    def flaky(sents):
        if any(marker in info.text for info in sents):
            raise ValueError("synthetic extractor bug")
        return real(sents)

    monkeypatch.setattr(levels, "extract", flaky)


@pytest.mark.parametrize("stage", ["planning", "levels"])
def test_a_failing_record_is_recorded_and_the_run_goes_on(
    db, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    if stage == "planning":
        _fail_planning(monkeypatch, "2")
    else:
        _fail_levels(monkeypatch, "Case 2: A 70-year-old woman")  # record 2's second patient
    summary = extract_db(db)
    assert (summary.processed, summary.failed) == (2, ["2"])
    failure = next(db.query("select * from failed_records where pmid = '2'"))
    assert failure["stage"] == "extract" and "synthetic extractor bug" in failure["error"]
    assert db["extraction_state"].count == 2  # retried on the next run
    monkeypatch.undo()
    assert extract_db(db).processed == 1
