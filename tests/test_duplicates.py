"""Probable duplicate patients: matching rules, flags in the review queue, reviewer decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from export_helpers import MAN_T4_T7, REVIEWER, add_article, add_machine_patient, build_corpus

from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.duplicates import (
    DuplicateMatch,
    decide_duplicate,
    find_duplicates,
    flag_duplicates,
    parse_patient_id,
    surname,
)
from sseh_lit.errors import NotFoundError, ValidationError
from sseh_lit.review import log


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    return build_corpus(db_path)


def _open_flags(db: sqlite_utils.Database) -> list[tuple[str, int, str]]:
    sql = """select pmid, patient, detail from flags where kind = 'probable_duplicate'
             and cleared_at is null order by pmid, patient"""
    return [tuple(r) for r in db.execute(sql).fetchall()]


def _second_report(
    db: sqlite_utils.Database, *, year: int, authors: list[str], **changes: Any
) -> None:
    add_article(db, "91000001", year=year, authors=authors, abstract="A synthetic repeat report.")
    add_machine_patient(db, "91000001", 1, {**MAN_T4_T7, **changes})


def test_later_report_points_at_the_earlier(db: sqlite_utils.Database) -> None:
    assert find_duplicates(db) == {"90000002:1": DuplicateMatch("90000001:1", "probable")}


@pytest.mark.parametrize(
    ("year", "authors", "changes", "duplicate"),
    [
        (2030, ["Doe J"], {}, True),  # shared surname, years far apart
        (2022, ["Lee K"], {}, True),  # no shared author, 3 years after 2019
        (2030, ["Lee K"], {}, False),  # neither
        (2022, ["Lee K"], {"age_years": 68}, False),  # different age
        (2022, ["Lee K"], {"level_lower": "T8"}, False),  # different levels
        (2022, ["Lee K"], {"anticoagulant_agents": ["apixaban"]}, False),  # different agents
        (2022, ["Lee K"], {"sex": None}, False),  # unknown sex never matches
    ],
)
def test_matching_rule(
    db: sqlite_utils.Database,
    year: int,
    authors: list[str],
    changes: dict[str, Any],
    duplicate: bool,
) -> None:
    _second_report(db, year=year, authors=authors, **changes)
    match = find_duplicates(db).get("91000001:1")
    assert (match is not None) == duplicate
    if match:
        assert match.of == "90000001:1"  # the earliest report, not the 2021 one


def test_patients_of_one_record_are_not_duplicates(db: sqlite_utils.Database) -> None:
    add_machine_patient(db, "90000001", 2, MAN_T4_T7)
    assert "90000001:2" not in find_duplicates(db)


def test_flags_are_idempotent(db: sqlite_utils.Database) -> None:
    first = flag_duplicates(db)
    assert (first.probable, first.flags_added) == (1, 1)
    assert _open_flags(db) == [("90000002", 1, "90000001:1")]
    again = flag_duplicates(db)
    assert (again.flags_added, again.flags_cleared) == (0, 0)
    assert _open_flags(db) == [("90000002", 1, "90000001:1")]


def test_rejected_pair_is_not_flagged_again(db: sqlite_utils.Database) -> None:
    flag_duplicates(db)
    decide_duplicate(db, "90000002:1", "90000001:1", False, REVIEWER, "different hospitals")
    assert _open_flags(db) == []
    report = flag_duplicates(db)
    assert report.matches == {} and report.flags_added == 0
    [entry] = log.entries(db, action="duplicate_decision")
    assert entry["new_value"] == {"a": "90000002:1", "b": "90000001:1", "is_duplicate": False}
    assert (entry["reviewer"], entry["reason"]) == (REVIEWER, "different hospitals")


def test_confirmed_pair_holds_even_when_rules_do_not_match(db: sqlite_utils.Database) -> None:
    decide_duplicate(db, "90000003:1", "90000002:2", True, REVIEWER, "same hospital number")
    matches = find_duplicates(db)
    assert matches["90000002:2"] == DuplicateMatch("90000003:1", "confirmed")  # 2008 before 2021
    assert flag_duplicates(db).confirmed == 1


def test_latest_decision_wins(db: sqlite_utils.Database) -> None:
    decide_duplicate(db, "90000001:1", "90000002:1", False, REVIEWER, "first look")
    decide_duplicate(db, "90000002:1", "90000001:1", True, REVIEWER, "same case number")
    assert find_duplicates(db)["90000002:1"].status == "confirmed"


@pytest.mark.parametrize(
    ("a", "b", "reviewer", "reason", "error"),
    [
        ("90000001:1", "90000001:1", REVIEWER, "x", ValidationError),
        ("90000001", "90000002:1", REVIEWER, "x", ValidationError),
        ("90000001:9", "90000002:1", REVIEWER, "x", NotFoundError),
        ("90000001:1", "90000002:1", "mallory", "x", ValidationError),
        ("90000001:1", "90000002:1", REVIEWER, " ", ValidationError),
    ],
)
def test_bad_decisions_are_refused(
    db: sqlite_utils.Database, a: str, b: str, reviewer: str, reason: str, error: type
) -> None:
    with pytest.raises(error):
        decide_duplicate(db, a, b, True, reviewer, reason)
    assert list(log.entries(db, action="duplicate_decision")) == []


@pytest.mark.parametrize(
    ("author", "name"),
    [("Doe J", "doe"), ("van der Berg JH", "van der berg"), ("Consortium", "consortium")],
)
def test_surname(author: str, name: str) -> None:
    assert surname(author) == name


def test_parse_patient_id() -> None:
    assert parse_patient_id(" 31234567:2 ") == ("31234567", 2)
    with pytest.raises(ValidationError):
        parse_patient_id("31234567:0")


def test_cli(db_path: Path) -> None:
    build_corpus(db_path).conn.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["duplicates", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "90000002:1\tprobable\tduplicate of 90000001:1" in result.output
    base = ["duplicate-decision", "--db", str(db_path), "90000002:1", "90000001:1"]
    who = ["--reviewer", REVIEWER, "--reason", "two people"]
    assert runner.invoke(cli, [*base, *who]).exit_code == 2  # neither --is nor --not
    result = runner.invoke(cli, [*base, "--not", *who])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(cli, [*base[:-1], "90000009:1", "--is", *who])
    assert bad.exit_code == 1 and "no patient 90000009:1" in bad.output
    result = runner.invoke(cli, ["duplicates", "--db", str(db_path)])
    assert "0 probable" in result.output
    assert _open_flags(connect(db_path)) == []
