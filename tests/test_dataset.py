"""The current dataset: machine values overlaid with the latest effective reviewer act."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from review_helpers import MACHINE, add_article, make_corpus, set_machine

from sseh_lit import dataset
from sseh_lit.errors import NotFoundError
from sseh_lit.fields import FIELDS
from sseh_lit.review import corrections, log
from sseh_lit.review.reviewers import add_reviewer
from sseh_lit.screen import override

A, B = "90000001", "90000002"


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    database = make_corpus(db_path, (A, B))
    add_reviewer(database, "ann", "secret-1")
    add_reviewer(database, "bob", "secret-2")
    return database


def test_machine_values_come_with_evidence_and_confidence(db: sqlite_utils.Database) -> None:
    view = dataset.patient_view(db, A, 1)
    assert set(view.values) == {f.name for f in FIELDS}
    age = view.values["age_years"]
    assert (age.value, age.source, age.confidence) == (67, "machine", 0.95)
    text = db["articles"].get(A)
    doc = f"{text['title']}\n\n{text['abstract']}"
    assert doc[age.start : age.end] == age.evidence
    assert view.values["hypertension"].value is None  # not stated: unknown, not false
    assert view.review_status == "unreviewed" and view.origin == "machine"


def test_correction_overrides_machine_value(db: sqlite_utils.Database) -> None:
    corrections.correct(db, A, 1, "age_years", "68", reviewer="ann", reason="typo")
    age = dataset.patient_view(db, A, 1).values["age_years"]
    assert (age.value, age.source, age.confidence, age.reviewer) == (68, "reviewer", 1.0, "ann")
    assert age.machine_value == 67
    assert dataset.patient_view(db, A, 1).review_status == "partial"


def test_latest_correction_wins_and_both_are_kept(db: sqlite_utils.Database) -> None:
    corrections.correct(db, A, 1, "sex", "female", reviewer="ann", reason="first look")
    corrections.correct(db, A, 1, "sex", "male", reviewer="bob", reason="re-read")
    assert dataset.patient_view(db, A, 1).values["sex"].value == "male"
    rows = corrections.history(db, A, 1, "sex")
    assert [(r["reviewer"], r["old_value"], r["new_value"]) for r in rows] == [
        ("ann", "male", "female"),
        ("bob", "female", "male"),
    ]


def test_derived_fields_follow_the_current_levels(db: sqlite_utils.Database) -> None:
    assert dataset.patient_view(db, A, 1).values["segments"].value == 4  # T4–T7
    corrections.correct(db, A, 1, "level_lower", "L3", reviewer="ann", reason="MRI")
    corrections.correct(db, A, 1, "level_upper", "L2", reviewer="ann", reason="MRI")
    values = dataset.patient_view(db, A, 1).values
    assert values["segments"].value == 2
    assert values["segments"].source == "derived"
    assert values["region"].value == "lumbar"
    assert values["compression"].value == "cauda_equina"
    assert values["compression"].machine_value == "cord"


def test_cleared_value_is_unknown_from_the_reviewer(db: sqlite_utils.Database) -> None:
    corrections.correct(db, A, 1, "location", "null", reviewer="ann", reason="not stated")
    loc = dataset.patient_view(db, A, 1).values["location"]
    assert (loc.value, loc.source, loc.machine_value) == (None, "reviewer", "dorsal")


@pytest.mark.parametrize("role", ["first", "second"])
def test_blind_dual_review_entries_are_not_current(db: sqlite_utils.Database, role: str) -> None:
    corrections.correct(db, A, 1, "age_years", 70, reviewer="ann", reason="blind", role=role)
    assert dataset.patient_view(db, A, 1).values["age_years"].source == "machine"
    corrections.correct(db, A, 1, "age_years", 71, reviewer="bob", reason="adj", role="adjudicator")
    assert dataset.patient_view(db, A, 1).values["age_years"].value == 71


def test_removed_patient_leaves_the_dataset_and_restore_brings_it_back(
    db: sqlite_utils.Database,
) -> None:
    corrections.remove_patient(db, B, 1, reviewer="ann", reason="pooled data")
    assert [v.pmid for v in dataset.iter_patients(db)] == [A]
    removed = [v for v in dataset.iter_patients(db, include_removed=True) if v.removed]
    assert [(v.pmid, v.patient) for v in removed] == [(B, 1)]
    corrections.restore_patient(db, B, 1, reviewer="bob", reason="it is a patient")
    assert [v.pmid for v in dataset.iter_patients(db)] == [A, B]


def test_reviewer_added_patient_gets_next_number_and_reviewer_origin(
    db: sqlite_utils.Database,
) -> None:
    number = corrections.add_patient(
        db, A, reviewer="ann", reason="second case", values={"age_years": "45", "sex": "F"}
    )
    assert number == 2
    view = dataset.patient_view(db, A, number)
    assert view.origin == "reviewer"
    assert view.values["sex"].value == "female" and view.values["sex"].source == "reviewer"
    assert view.review_status == "reviewed"


def test_gone_patient_disappears_unless_a_reviewer_touched_it(db: sqlite_utils.Database) -> None:
    set_machine(db, A, 2, {"age_years": (30, "synthetic", 0.5)})
    set_machine(db, B, 2, {"age_years": (31, "synthetic", 0.5)})
    corrections.accept(db, B, 2, "age_years", reviewer="ann")
    for pmid in (A, B):  # a re-run no longer finds patient 2
        set_machine(db, pmid, 2, {}, status="gone")
    numbers = [(v.pmid, v.patient) for v in dataset.iter_patients(db)]
    assert numbers == [(A, 1), (B, 1), (B, 2)]
    kept = dataset.patient_view(db, B, 2)
    assert "machine_gone" in kept.flags
    assert kept.values["age_years"].value == 31  # the accepted value stays in force
    with pytest.raises(NotFoundError):
        dataset.patient_view(db, A, 2)


def test_accepted_value_survives_a_machine_change_and_is_flagged(
    db: sqlite_utils.Database,
) -> None:
    corrections.accept(db, A, 1, "level_upper", reviewer="ann")
    changed = {**MACHINE, "level_upper": ("T5", "synthetic re-run", 0.6)}
    set_machine(db, A, 1, changed)
    cv = dataset.patient_view(db, A, 1).values["level_upper"]
    assert (cv.value, cv.source, cv.machine_value) == ("T4", "reviewer", "T5")
    assert "machine_changed" in dataset.patient_view(db, A, 1).flags


def test_stored_flags_are_shown_on_record_and_patient(db: sqlite_utils.Database) -> None:
    db["flags"].insert(
        {"pmid": A, "patient": None, "kind": "machine_changed", "detail": "patient set changed"}
    )
    view = dataset.record_view(db, A)
    assert [f["kind"] for f in view.flags] == ["machine_changed"]
    assert view.patients[0].flags == ["machine_changed"]
    assert dataset.patient_view(db, B, 1).flags == []


def test_included_only_follows_the_effective_screening_decision(
    db: sqlite_utils.Database,
) -> None:
    add_article(db, "90000003", decision="exclude")
    set_machine(db, "90000003", 1)
    assert [v.pmid for v in dataset.iter_patients(db)] == [A, B]
    override(db, B, "exclude", code="traumatic", reason="fall", reviewer="ann")
    override(db, "90000003", "include", reason="spontaneous after all", reviewer="ann")
    assert [v.pmid for v in dataset.iter_patients(db)] == [A, "90000003"]
    everything = [v.pmid for v in dataset.iter_patients(db, included_only=False)]
    assert everything == [A, B, "90000003"]


def test_iter_patients_is_ordered_and_streams(db: sqlite_utils.Database) -> None:
    for pmid in ("90000010", "90000005"):
        add_article(db, pmid)
        set_machine(db, pmid, 2)
        set_machine(db, pmid, 1)
    stream = dataset.iter_patients(db)
    assert iter(stream) is stream  # a generator, not a list built up front
    keys = [(v.pmid, v.patient) for v in stream]
    assert keys == sorted(keys) and len(keys) == 6


def test_record_view_has_history_and_screening(db: sqlite_utils.Database) -> None:
    corrections.correct(db, A, 1, "outcome", "partial_recovery", reviewer="ann", reason="deficit")
    view = dataset.record_view(db, A)
    assert view.article["publication_types"] == ["Case Reports"]
    assert view.screening is not None and view.screening["decision"] == "include"
    assert [h["action"] for h in view.history] == ["correct"]
    assert view.history[0]["new_value"] == "partial_recovery"


@pytest.mark.parametrize("call", ["record", "patient"])
def test_unknown_record_or_patient_is_not_found(db: sqlite_utils.Database, call: str) -> None:
    with pytest.raises(NotFoundError):
        if call == "record":
            dataset.record_view(db, "11111111")
        else:
            dataset.patient_view(db, A, 9)


def test_patient_only_in_the_log_is_still_shown(db: sqlite_utils.Database) -> None:
    """Nothing lost: a reviewer-added patient whose patients row went missing stays visible."""
    log.append(db, pmid=A, patient=5, action="add_patient", reviewer="ann", reason="missed")
    log.append(
        db, pmid=A, patient=5, field="age_years", action="correct", reviewer="ann", new_value=50
    )
    view = dataset.patient_view(db, A, 5)
    assert view.origin == "reviewer" and view.values["age_years"].value == 50
    assert json.loads(json.dumps(view.values["age_years"].to_dict()))["source"] == "reviewer"
