"""The corrections service: validated, logged, ordered, concurrent-safe, append-only."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlite_utils
from review_helpers import (
    add_article,
    correct_in_process,
    extract_in_process,
    log_count,
    make_corpus,
    open_db,
)

from sseh_lit import dataset
from sseh_lit.errors import NotFoundError, ValidationError
from sseh_lit.review import corrections, log
from sseh_lit.review.reviewers import add_reviewer
from sseh_lit.review.validate import validate

A, B = "90000001", "90000002"


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = make_corpus(db_path, (A, B))
    add_reviewer(database, "ann", "secret-1")
    add_reviewer(database, "bob", "secret-2")
    return database


def test_correct_logs_old_and_new_value(db: sqlite_utils.Database) -> None:
    saved = corrections.correct(db, A, 1, "preop_grade", "AIS C", reviewer="ann", reason="text")
    assert saved.value == {"scale": "ASIA", "grade": "C"} and saved.source == "reviewer"
    (row,) = corrections.history(db, A)
    assert row["action"] == "correct" and row["role"] == "single"
    assert (row["old_value"], row["new_value"]) == (None, {"scale": "ASIA", "grade": "C"})
    assert (row["reviewer"], row["reason"], row["patient"]) == ("ann", "text", 1)


def test_accept_records_the_machine_value(db: sqlite_utils.Database) -> None:
    saved = corrections.accept(db, A, 1, "level_upper", reviewer="ann")
    assert (saved.value, saved.source, saved.confidence) == ("T4", "reviewer", 1.0)
    (row,) = corrections.history(db, A, 1, "level_upper")
    assert row["action"] == "accept" and row["new_value"] == "T4"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age_years", "400", "between 0 and 120"),
        ("level_upper", "Q9", "not a vertebral level"),
        ("preop_grade", "ASIA F", "A, B, C, D or E"),
        ("outcome_grade", "F", "Give the scale and grade"),
        ("anticoagulant_agents", "warfrin", "Did you mean: warfarin"),
        ("level_upper", "L1", "caudal"),  # below the machine's T7 lower level
        ("segments", "2", "derived"),
    ],
)
def test_bad_value_is_refused_and_nothing_stored(
    db: sqlite_utils.Database, field: str, value: str, message: str
) -> None:
    before = log_count(db)
    with pytest.raises(ValidationError, match=message):
        corrections.correct(db, A, 1, field, value, reviewer="ann", reason="test")
    assert log_count(db) == before


@pytest.mark.parametrize(
    ("pmid", "patient", "reviewer", "message"),
    [
        (A, 1, "mallory", "unknown reviewer"),
        ("11111111", 1, "ann", "no record with PMID 11111111"),
        (A, 7, "ann", "no patient 7"),
    ],
)
def test_unknown_reviewer_record_or_patient(
    db: sqlite_utils.Database, pmid: str, patient: int, reviewer: str, message: str
) -> None:
    with pytest.raises(NotFoundError, match=message):
        corrections.correct(db, pmid, patient, "sex", "male", reviewer=reviewer, reason="x")
    assert log_count(db) == 0


def test_removed_patient_cannot_be_corrected_until_restored(db: sqlite_utils.Database) -> None:
    corrections.remove_patient(db, A, 1, reviewer="ann", reason="not a patient")
    with pytest.raises(ValidationError, match="restore it first"):
        corrections.correct(db, A, 1, "sex", "female", reviewer="ann", reason="x")
    with pytest.raises(ValidationError, match="not removed"):
        corrections.restore_patient(db, B, 1, reviewer="ann", reason="x")
    corrections.restore_patient(db, A, 1, reviewer="bob", reason="it is one")
    corrections.correct(db, A, 1, "sex", "female", reviewer="ann", reason="x")
    actions = [r["action"] for r in corrections.history(db, A)]
    assert actions == ["remove_patient", "add_patient", "correct"]


def test_add_patient_validates_all_values_first(db: sqlite_utils.Database) -> None:
    with pytest.raises(ValidationError, match="between 0 and 120"):
        corrections.add_patient(
            db, A, reviewer="ann", reason="x", values={"sex": "male", "age_years": "400"}
        )
    assert log_count(db) == 0
    assert db.execute("select count(*) from patients where pmid = ?", [A]).fetchone()[0] == 1
    first = corrections.add_patient(db, A, reviewer="ann", reason="case 2", label="Case 2")
    second = corrections.add_patient(db, A, reviewer="bob", reason="case 3")
    assert (first, second) == (2, 3)
    assert dataset.patient_view(db, A, 2).label == "Case 2"


def test_resolve_flag_clears_it_and_logs_who(db: sqlite_utils.Database) -> None:
    flag_id = db["flags"].insert({"pmid": A, "patient": 1, "kind": "machine_changed"}).last_pk
    corrections.resolve_flag(db, flag_id, reviewer="ann", reason="checked")
    assert dataset.patient_view(db, A, 1).flags == []
    (row,) = log.entries(db, A, action="flag_resolved")
    assert (row["reviewer"], row["field"], row["reason"]) == ("ann", "machine_changed", "checked")
    with pytest.raises(ValidationError, match="already resolved by ann"):
        corrections.resolve_flag(db, flag_id, reviewer="bob")
    with pytest.raises(NotFoundError):
        corrections.resolve_flag(db, 999, reviewer="bob")


@pytest.mark.parametrize(
    "sql",
    [
        "update reviewer_log set new_value = '1'",
        "delete from reviewer_log",
    ],
)
def test_log_is_append_only(db: sqlite_utils.Database, sql: str) -> None:
    corrections.correct(db, A, 1, "age_years", 68, reviewer="ann", reason="typo")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute(sql)
    assert corrections.history(db, A)[0]["new_value"] == 68


def test_fifty_concurrent_corrections_during_an_extract_lose_none(db_path: Path) -> None:
    """50 corrections from 4 processes while another process runs `extract --all` twice."""
    from sseh_lit.extract.storage import extract_db

    pmids = [f"9100{i:04d}" for i in range(10)]
    db = open_db(db_path)
    for pmid in pmids:
        add_article(db, pmid)
    extract_db(db, all=True)  # the patients reviewers work on
    assert [v.pmid for v in dataset.iter_patients(db)] == pmids
    add_reviewer(db, "ann", "secret-1")
    add_reviewer(db, "bob", "secret-2")
    values = {
        "sex": "female",
        "location": "ventral",
        "outcome": "death",
        "hypertension": "true",
        "procedure": "laminotomy",
    }
    marker = str(db_path.parent / "extract-started")
    jobs = [
        (str(db_path), pmid, 1, field, value, ("ann", "bob")[n % 2], marker)
        for n, (pmid, (field, value)) in enumerate(
            (p, item) for p in pmids for item in values.items()
        )
    ]
    assert len(jobs) == 50
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=5, mp_context=ctx) as pool:
        extraction = pool.submit(extract_in_process, str(db_path), 2, marker)
        results = list(pool.map(correct_in_process, jobs))
        assert extraction.result() == 20  # both full runs processed all 10 records
    assert len(results) == 50
    assert log_count(db) == 50
    for pmid in pmids:
        view = dataset.patient_view(db, pmid, 1)
        assert not view.removed
        for field, value in values.items():
            cv = view.values[field]
            assert (cv.source, cv.value) == ("reviewer", validate(field, value))


def test_two_reviewers_on_the_same_field_keep_both_in_order(db_path: Path) -> None:
    db = make_corpus(db_path, (A,))
    add_reviewer(db, "ann", "secret-1")
    add_reviewer(db, "bob", "secret-2")
    jobs = [
        (str(db_path), A, 1, "age_years", 60 + i, ("ann", "bob")[i % 2], None) for i in range(10)
    ]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        list(pool.map(correct_in_process, jobs))
    rows = corrections.history(db, A, 1, "age_years")
    assert sorted(r["new_value"] for r in rows) == list(range(60, 70))
    # each entry's old value is the previous entry's new value: saved one after the other
    assert [r["old_value"] for r in rows[1:]] == [r["new_value"] for r in rows[:-1]]
    assert dataset.patient_view(db, A, 1).values["age_years"].value == rows[-1]["new_value"]


@pytest.mark.parametrize(
    "act",
    [
        lambda db, who: corrections.correct(db, A, 1, "sex", "male", reviewer=who, reason="r"),
        lambda db, who: corrections.accept(db, A, 1, "level_upper", reviewer=who),
        lambda db, who: corrections.add_patient(db, A, reviewer=who, reason="missed"),
        lambda db, who: corrections.remove_patient(db, A, 1, reviewer=who, reason="pooled"),
    ],
    ids=["correct", "accept", "add_patient", "remove_patient"],
)
@pytest.mark.parametrize("typed", [" ann", "ann ", "\tann"])
def test_the_log_gets_the_account_name_not_the_typed_spacing(
    db: sqlite_utils.Database, act, typed: str
) -> None:
    act(db, typed)
    assert {row["reviewer"] for row in log.entries(db, A)} == {"ann"}
