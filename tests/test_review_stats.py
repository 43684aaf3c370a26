"""review-stats: per field accepted / changed / cleared / added, precision and recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from review_helpers import make_corpus

from sseh_lit.cli import cli
from sseh_lit.review import corrections
from sseh_lit.review.reviewers import add_reviewer
from sseh_lit.review.stats import review_stats, same

PMIDS = ("90000001", "90000002", "90000003", "90000004")


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = make_corpus(db_path, PMIDS)
    add_reviewer(database, "ann", "secret-1")
    a, b, c, d = PMIDS
    for pmid in (a, b):  # confirmed
        corrections.accept(database, pmid, 1, "location", reviewer="ann")
    corrections.correct(database, c, 1, "location", "ventral", reviewer="ann", reason="x")
    corrections.correct(database, d, 1, "location", "null", reviewer="ann", reason="x")
    corrections.correct(database, a, 1, "hypertension", "true", reviewer="ann", reason="x")
    corrections.correct(database, a, 1, "sex", "male", reviewer="ann", reason="same")
    return database


def test_counts_and_metrics(db: sqlite_utils.Database) -> None:
    stats = review_stats(db)
    loc = stats.fields["location"]
    assert (loc.reviewed, loc.accepted, loc.changed, loc.cleared) == (4, 2, 1, 1)
    assert (loc.tp, loc.fp, loc.fn) == (2, 2, 1)
    assert loc.precision == pytest.approx(0.5) and loc.recall == pytest.approx(2 / 3)
    hyp = stats.fields["hypertension"]
    assert (hyp.added, hyp.fn, hyp.precision, hyp.recall) == (1, 1, None, 0.0)
    assert stats.fields["sex"].accepted == 1  # a correction to the same value confirms it
    assert stats.fields["outcome"].reviewed == 0
    assert stats.patients_reviewed == 4


def test_added_and_removed_patients_count(db: sqlite_utils.Database) -> None:
    corrections.remove_patient(db, PMIDS[3], 1, reviewer="ann", reason="not a patient")
    corrections.add_patient(db, PMIDS[0], reviewer="ann", reason="missed", values={"sex": "f"})
    stats = review_stats(db)
    assert (stats.patients_added, stats.patients_removed) == (1, 1)
    assert stats.fields["sex"].added == 1
    assert stats.fields["age_years"].fp == 1  # the removed patient's machine age was false


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (["warfarin", "aspirin"], ["Aspirin", "warfarin"], True),
        ({"scale": "AIS", "grade": "c"}, {"scale": "Frankel", "grade": "C"}, True),
        ({"scale": "JOA", "grade": "9"}, {"scale": "JOA", "grade": "10"}, False),
        (67, 67.0, True),
        (True, False, False),
    ],
)
def test_same_uses_gold_normalisation(a: object, b: object, equal: bool) -> None:
    assert same(a, b) is equal


def test_review_stats_command(db: sqlite_utils.Database, db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["review-stats", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("location"))
    assert row.split() == ["location", "4", "2", "1", "1", "0", "0.50", "0.67"]
    result = CliRunner().invoke(cli, ["review-stats", "--json", "--db", str(db_path)])
    data = json.loads(result.output)
    assert data["fields"]["location"]["precision"] == 0.5
