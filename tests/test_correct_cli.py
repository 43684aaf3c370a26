"""The review CLI: reviewer, correct, add/remove/restore-patient, resolve-flag, show, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from review_helpers import log_count, make_corpus

from sseh_lit import dataset
from sseh_lit.cli import cli
from sseh_lit.review.reviewers import add_reviewer, verify_password

A = "90000001"


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = make_corpus(db_path, (A,))
    add_reviewer(database, "ann", "secret-1")
    return database


def run(db_path: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)], input=input)
    return result.exit_code, result.output


def correct_args(field: str, value: str, reviewer: str = "ann") -> list[str]:
    return [
        "correct", A, "--patient", "1", "--field", field, "--value", value,
        "--reason", "read the abstract again", "--reviewer", reviewer,
    ]  # fmt: skip


def test_reviewer_add_and_list(db_path: Path) -> None:
    code, out = run(db_path, "reviewer", "add", "bob", "--password-stdin", input="pw-bob-1\n")
    assert (code, out.strip()) == (0, "Added reviewer bob (reviewer).")
    code, out = run(
        db_path, "reviewer", "add", "cy", "--role", "adjudicator", input="pw-cy-12\npw-cy-12\n"
    )
    assert code == 0, out
    code, out = run(db_path, "reviewer", "list")
    assert code == 0
    assert [line.split("\t")[:2] for line in out.splitlines()] == [
        ["bob", "reviewer"],
        ["cy", "adjudicator"],
    ]
    db = sqlite_utils.Database(db_path)
    assert verify_password(db, "bob", "pw-bob-1") and verify_password(db, "cy", "pw-cy-12")


def test_reviewer_add_refuses_duplicates_and_short_passwords(
    db: sqlite_utils.Database, db_path: Path
) -> None:
    code, out = run(db_path, "reviewer", "add", "ann", "--password-stdin", input="another-1\n")
    assert code == 1 and "already exists" in out
    code, out = run(db_path, "reviewer", "add", "dan", "--password-stdin", input="x\n")
    assert code == 1 and "at least" in out
    assert [r["name"] for r in db["reviewers"].rows] == ["ann"]


def test_correct_stores_and_prints(db: sqlite_utils.Database, db_path: Path) -> None:
    code, out = run(db_path, *correct_args("level_upper", "Th5"))
    assert code == 0, out
    assert out.strip() == f"{A} patient 1: level_upper = T5 (reviewer)"
    cv = dataset.patient_view(db, A, 1).values["level_upper"]
    assert (cv.value, cv.source, cv.reviewer) == ("T5", "reviewer", "ann")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age_years", "400", "age_years: 400 is out of range"),
        ("level_upper", "Q9", "'Q9' is not a vertebral level"),
        ("preop_grade", "ASIA F", "'F' is not a grade on the ASIA scale"),
        ("outcome_grade", "F", "Give the scale and grade"),
        ("anticoagulant_agents", "warfrin", "unknown agent 'warfrin'. Did you mean: warfarin"),
        ("agee", "4", "unknown field 'agee'"),
    ],
)
def test_correct_refuses_bad_values_with_exit_1_and_stores_nothing(
    db: sqlite_utils.Database, db_path: Path, field: str, value: str, message: str
) -> None:
    code, out = run(db_path, *correct_args(field, value))
    assert code == 1
    assert out.startswith("Error: ") and message in out
    assert log_count(db) == 0


def test_correct_needs_a_known_reviewer_and_reason(
    db: sqlite_utils.Database, db_path: Path
) -> None:
    code, out = run(db_path, *correct_args("sex", "female", reviewer="mallory"))
    assert code == 1 and "unknown reviewer 'mallory'" in out
    code, out = run(db_path, "correct", A, "--patient", "1", "--field", "sex", "--value", "female")
    assert code == 2 and "--reason" in out
    assert log_count(db) == 0


def test_add_remove_restore_patient(db: sqlite_utils.Database, db_path: Path) -> None:
    base = ["--reason", "second case in the text", "--reviewer", "ann"]
    code, out = run(db_path, "add-patient", A, "--set", "age_years=54", "--set", "sex=F", *base)
    assert (code, out.strip()) == (0, f"Added patient 2 to {A}.")
    code, out = run(db_path, "add-patient", A, "--set", "age_years=999", *base)
    assert code == 1 and "out of range" in out
    code, out = run(db_path, "add-patient", A, "--set", "age_years", *base)
    assert code == 1 and "FIELD=VALUE" in out
    code, _ = run(db_path, "remove-patient", A, "--patient", "1", *base)
    assert code == 0
    assert [v.patient for v in dataset.iter_patients(db)] == [2]
    code, _ = run(db_path, "restore-patient", A, "--patient", "1", *base)
    assert code == 0
    assert [v.patient for v in dataset.iter_patients(db)] == [1, 2]


def test_show_prints_values_with_source_confidence_and_evidence(
    db: sqlite_utils.Database, db_path: Path
) -> None:
    run(db_path, *correct_args("age_years", "68"))
    db["flags"].insert({"pmid": A, "patient": None, "kind": "machine_changed", "detail": "rerun"})
    code, out = run(db_path, "show", A)
    assert code == 0, out
    lines = out.splitlines()
    age = next(line for line in lines if line.strip().startswith("age_years"))
    assert "68" in age and "reviewer" in age and "conf 1.00" in age and "(machine: 67)" in age
    sex = lines.index(next(line for line in lines if line.strip().startswith("sex ")))
    assert "machine" in lines[sex] and "conf 0.90" in lines[sex]
    assert "evidence [" in lines[sex + 1] and "67-year-old man" in lines[sex + 1]
    assert any("flag #1" in line and "machine_changed" in line for line in lines)
    assert any(line.strip().startswith("segments") and "derived" in line for line in lines)


def test_show_json_and_unknown_record(db: sqlite_utils.Database, db_path: Path) -> None:
    code, out = run(db_path, "show", A, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["patients"][0]["values"]["level_upper"]["value"] == "T4"
    assert data["screening"]["decision"] == "include"
    code, out = run(db_path, "show", "11111111")
    assert code == 1 and "no record with PMID 11111111" in out


def test_history_lists_every_act_in_order(db: sqlite_utils.Database, db_path: Path) -> None:
    run(db_path, *correct_args("age_years", "68"))
    run(db_path, *correct_args("age_years", "69"))
    code, out = run(db_path, "history", A)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert "ann correct patient 1 age_years 67 -> 68 — read the abstract again" in lines[0]
    assert "68 -> 69" in lines[1]
    code, out = run(db_path, "history", A, "--json", "--field", "age_years")
    assert [r["new_value"] for r in json.loads(out)] == [68, 69]
    code, out = run(db_path, "history", A, "--field", "agee")
    assert code == 1 and "unknown field 'agee'; did you mean age_years?" in out


def test_resolve_flag_command(db: sqlite_utils.Database, db_path: Path) -> None:
    flag_id = db["flags"].insert({"pmid": A, "patient": 1, "kind": "machine_changed"}).last_pk
    code, out = run(db_path, "resolve-flag", str(flag_id), "--reviewer", "ann")
    assert (code, out.strip()) == (0, f"Resolved flag {flag_id} (machine_changed) on {A}.")
    code, out = run(db_path, "resolve-flag", str(flag_id), "--reviewer", "ann")
    assert code == 1 and "already resolved" in out


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize(
    "args",
    [
        ["correct", A, "--patient", "1", "--field", "sex", "--value", "female"],
        ["add-patient", A],
        ["remove-patient", A, "--patient", "1"],
        ["restore-patient", A, "--patient", "1"],
    ],
    ids=lambda a: a[0],
)
def test_a_blank_reason_is_refused_and_nothing_is_logged(
    db: sqlite_utils.Database, db_path: Path, args: list[str], reason: str
) -> None:
    code, out = run(db_path, *args, "--reason", reason, "--reviewer", "ann")
    assert code == 2, out
    assert "Invalid value for '--reason': give a reason" in out
    assert log_count(db) == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [("--limit", "0"), ("--limit", "-1"), ("--max-confidence", "-5"), ("--max-confidence", "2")],
)
def test_review_refuses_limits_that_select_nothing_silently(
    db: sqlite_utils.Database, db_path: Path, option: str, value: str
) -> None:
    code, out = run(db_path, "review", "--reviewer", "ann", option, value)
    assert code == 2, out
    assert f"Invalid value for '{option}'" in out
