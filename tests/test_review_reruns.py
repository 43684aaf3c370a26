"""Re-runs never erase work: corrections survive `refresh`, `screen --all` and `extract --all`.

The corpus comes from the fake E-utilities server on 127.0.0.1 (synthetic records), through the
real `sseh-lit refresh`; corrections are made with `sseh-lit correct`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from fakeserver import FakeEutils
from review_helpers import set_machine

from sseh_lit import dataset
from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.review import corrections
from sseh_lit.review.reviewers import add_reviewer
from sseh_lit.screen import override


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    with FakeEutils(records=4, rate_limit=None) as fake:
        monkeypatch.setenv("NCBI_EUTILS_URL", fake.url)
        yield fake


def sseh(db_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    return result.output


def correct(db_path: Path, pmid: str, patient: int, field: str, value: str) -> None:
    sseh(
        db_path,
        "correct", pmid, "--patient", str(patient), "--field", field, "--value", value,
        "--reason", "checked against the text", "--reviewer", "ann",
    )  # fmt: skip


@pytest.fixture
def corpus(server: FakeEutils, db_path: Path) -> tuple[sqlite_utils.Database, list[str]]:
    """Four refreshed synthetic records, screened in, one machine patient each, a reviewer."""
    sseh(db_path, "refresh")
    db = connect(db_path)
    pmids = sorted(server.records)
    assert [r["pmid"] for r in db.query("select pmid from articles order by pmid")] == pmids
    now = "2026-01-01T00:00:00Z"
    for pmid in pmids:
        db["screening"].upsert(
            {"pmid": pmid, "decision": "include", "reason": "sseh_case", "screened_at": now},
            pk="pmid",
        )
        set_machine(
            db, pmid, 1, {"age_years": (50, "synthetic", 0.9), "level_upper": ("C5", "s", 0.8)}
        )
    add_reviewer(db, "ann", "secret-1")
    return db, pmids


def _snapshot(db: sqlite_utils.Database) -> list[tuple[str, int, bool, object, str]]:
    return [
        (v.pmid, v.patient, v.removed, v.values["age_years"].value, v.values["age_years"].source)
        for v in dataset.iter_patients(db, included_only=False, include_removed=True)
    ]


def test_corrections_survive_refresh(
    server: FakeEutils, corpus: tuple[sqlite_utils.Database, list[str]], db_path: Path
) -> None:
    db, (a, b, c, _) = corpus
    correct(db_path, a, 1, "age_years", "61")
    corrections.remove_patient(db, b, 1, reviewer="ann", reason="not an individual patient")
    added = corrections.add_patient(db, c, reviewer="ann", reason="missed", values={"age_years": 8})
    before = _snapshot(db)
    log_before = list(db.query("select * from reviewer_log order by id"))

    server.modify(a, abstract="Synthetic abstract, revised: a 62-year-old patient at C5-C6.")
    server.delete(c)
    sseh(db_path, "refresh")
    sseh(db_path, "refresh")  # idempotent: a second run changes nothing either

    assert db["articles"].get(a)["abstract"].startswith("Synthetic abstract, revised")
    assert list(db.query("select * from reviewer_log order by id")) == log_before
    age = dataset.patient_view(db, a, 1).values["age_years"]
    assert (age.value, age.source, age.reviewer) == (61, "reviewer", "ann")
    assert dataset.patient_view(db, b, 1).removed
    assert dataset.patient_view(db, c, added).values["age_years"].value == 8
    # the withdrawn record keeps its history and its reviewer-added patient
    assert db["articles"].get(c)["status"] == "deleted"
    assert [h["action"] for h in dataset.record_view(db, c).history][:1] == ["add_patient"]
    assert [row for row in _snapshot(db) if row[0] != c] == [r for r in before if r[0] != c]


def test_corrections_and_overrides_survive_screen_all(
    corpus: tuple[sqlite_utils.Database, list[str]], db_path: Path
) -> None:
    db, (a, b, _, _) = corpus
    correct(db_path, a, 1, "level_upper", "C4")
    override(db, b, "include", reason="spontaneous", reviewer="ann")
    before = _snapshot(db)
    sseh(db_path, "screen", "--all")
    assert _snapshot(db) == before
    cv = dataset.patient_view(db, a, 1).values["level_upper"]
    assert (cv.value, cv.source) == ("C4", "reviewer")
    decision = dataset.screening_decision(db, b)
    assert decision is not None and decision["decision"] == "include"


def test_corrections_survive_extract_all(
    server: FakeEutils, corpus: tuple[sqlite_utils.Database, list[str]], db_path: Path
) -> None:
    db, (a, b, c, d) = corpus
    db.execute("delete from extractions")  # start from what the real extractor finds
    db.execute("delete from patients")
    sseh(db_path, "extract", "--all")
    assert {(v.pmid, v.patient) for v in dataset.iter_patients(db, included_only=False)} == {
        (a, 1), (b, 1), (c, 1), (d, 1)
    }  # fmt: skip
    assert dataset.patient_view(db, b, 1).values["outcome"].value == "partial_recovery"
    correct(db_path, a, 1, "age_years", "77")
    correct(db_path, b, 1, "outcome", "complete_recovery")
    correct(db_path, c, 1, "level_upper", "C4")
    corrections.remove_patient(db, d, 1, reviewer="ann", reason="not a patient")
    added = corrections.add_patient(db, a, reviewer="ann", reason="missed", values={"sex": "male"})
    log_before = list(db.query("select * from reviewer_log order by id"))

    # b: same patient, but the machine now reads another outcome under the corrected field;
    # c: the text now describes a different patient (the patient set changes)
    server.modify(b, abstract=db["articles"].get(b)["abstract"].replace("recovered", "died"))
    server.modify(c, abstract="Synthetic abstract: a 40-year-old patient had a haematoma at T2-T4.")
    sseh(db_path, "refresh")
    sseh(db_path, "extract", "--all")

    assert list(db.query("select * from reviewer_log order by id")) == log_before
    age = dataset.patient_view(db, a, 1).values["age_years"]
    assert (age.value, age.source) == (77, "reviewer")
    assert dataset.patient_view(db, a, added).values["sex"].value == "male"
    outcome = dataset.patient_view(db, b, 1)
    assert (outcome.values["outcome"].value, outcome.values["outcome"].source) == (
        "complete_recovery",
        "reviewer",
    )
    assert outcome.values["outcome"].machine_value == "death"
    assert "machine_changed" in outcome.flags
    gone = dataset.patient_view(db, c, 1)  # no longer found, but a reviewer corrected it
    assert (gone.values["level_upper"].value, gone.removed) == ("C4", False)
    assert {"machine_changed", "machine_gone"} <= set(gone.flags)
    assert [v.patient for v in dataset.record_view(db, c).patients] == [1, 2]
    assert dataset.patient_view(db, d, 1).removed
