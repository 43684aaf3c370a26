"""The review queue (lowest confidence first) and the interactive `sseh-lit review` loop."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from review_helpers import add_article, log_count, make_corpus, set_machine

from sseh_lit import dataset
from sseh_lit.cli import cli
from sseh_lit.review import corrections
from sseh_lit.review.queue import QueueFilters, review_queue
from sseh_lit.review.reviewers import add_reviewer

A, B = "90000001", "90000002"


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = make_corpus(db_path, (A, B))
    add_reviewer(database, "ann", "secret-1")
    return database


def test_queue_is_lowest_confidence_first_and_skips_reviewed(db: sqlite_utils.Database) -> None:
    items = review_queue(db)
    confidences = [i.confidence for i in items]
    assert confidences == sorted(confidences)
    assert (items[0].field, items[0].confidence) == ("time_to_surgery_hours", 0.4)
    assert items[0].evidence == "He underwent laminectomy 10 hours after onset"
    assert len(items) == 22  # 11 non-null machine values × 2 records
    corrections.accept(db, A, 1, "time_to_surgery_hours", reviewer="ann")
    corrections.correct(db, B, 1, "outcome", "death", reviewer="ann", reason="x")
    remaining = review_queue(db)
    assert len(remaining) == 20
    assert (A, 1, "time_to_surgery_hours") not in {(i.pmid, i.patient, i.field) for i in remaining}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (QueueFilters(fields=("sex", "location")), 4),
        (QueueFilters(max_confidence=0.6), 4),
        (QueueFilters(pmid=A), 11),
        (QueueFilters(limit=3), 3),
        (QueueFilters(flagged_only=True), 0),
    ],
)
def test_queue_filters(db: sqlite_utils.Database, filters: QueueFilters, expected: int) -> None:
    assert len(review_queue(db, filters=filters)) == expected


def test_queue_leaves_out_removed_patients_and_excluded_records(
    db: sqlite_utils.Database,
) -> None:
    corrections.remove_patient(db, A, 1, reviewer="ann", reason="not a patient")
    add_article(db, "90000003", decision="exclude")
    set_machine(db, "90000003", 1)
    assert {i.pmid for i in review_queue(db)} == {B}


def _review(db_path: Path, keys: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["review", "--reviewer", "ann", "--db", str(db_path), *extra], input=keys
    )
    return result.exit_code, result.output


def test_review_accepts_edits_skips_and_quits(db: sqlite_utils.Database, db_path: Path) -> None:
    # item 1 (A time 0.4): accept; item 2 (B time 0.4): edit with a bad then a good value;
    # item 3 (A outcome 0.6): skip; item 4: quit
    # (a blank reason is asked again)
    keys = "a\ne\nabc\n12\n  \nonset was 12 h before\ns\nq\n"
    code, out = _review(db_path, keys)
    assert code == 0, out
    assert "evidence: He underwent laminectomy 10 hours after onset" in out
    assert "refused: time_to_surgery_hours: 'abc' is not a number" in out
    assert out.count("a reason is required") == 1
    assert "Done: accepted 1, corrected 1, skipped 1." in out
    values = {p.pmid: p.values["time_to_surgery_hours"] for p in dataset.iter_patients(db)}
    assert (values[A].value, values[A].source) == (10, "reviewer")
    assert (values[B].value, values[B].source) == (12, "reviewer")
    rows = corrections.history(db, B)
    assert [(r["action"], r["reason"]) for r in rows] == [("correct", "onset was 12 h before")]


def test_review_end_of_input_keeps_what_was_saved(db: sqlite_utils.Database, db_path: Path) -> None:
    code, out = _review(db_path, "a\n")
    assert code == 0 and "Done: accepted 1, corrected 0, skipped 0." in out
    assert log_count(db) == 1


def test_review_with_nothing_to_do_and_bad_options(
    db: sqlite_utils.Database, db_path: Path
) -> None:
    code, out = _review(db_path, "", "--field", "hypertension")
    assert code == 0 and "Nothing to review" in out
    code, out = _review(db_path, "", "--field", "agee")
    assert code == 1 and "unknown field 'agee'" in out
    result = CliRunner().invoke(cli, ["review", "--reviewer", "zed", "--db", str(db_path)])
    assert result.exit_code == 1 and "unknown reviewer 'zed'" in result.output
