"""Reviewer values are validated per field and scale, with messages that say how to fix them."""

from __future__ import annotations

from typing import Any

import pytest

from sseh_lit.errors import ValidationError
from sseh_lit.review.validate import agent_lexicon, get_field, validate, validate_patient


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("age_years", "67", 67),
        ("age_years", "0.5", 0.5),
        ("age_years", 120, 120),
        ("sex", "Female", "female"),
        ("sex", "m", "male"),
        ("level_upper", "Th10", "T10"),
        ("level_lower", "d 4", "T4"),
        ("level_upper", "s1", "S1"),
        ("location", "posterior", "dorsal"),
        ("location", "Circumferential", "circumferential"),
        ("treatment", "surgery", "surgical"),
        ("procedure", "hemilaminectomy", "hemilaminectomy"),
        ("outcome", "partial recovery", "partial_recovery"),
        ("anticoagulant", "yes", True),
        ("antiplatelet", "false", False),
        ("hypertension", False, False),
        ("pregnancy", "true", True),
        ("coagulopathy", "null", None),
        ("preop_grade", "ASIA C", {"scale": "ASIA", "grade": "C"}),
        ("preop_grade", "AIS b", {"scale": "ASIA", "grade": "B"}),
        ("preop_grade", "Frankel D", {"scale": "Frankel", "grade": "D"}),
        ("preop_grade", "JOA 9", {"scale": "JOA", "grade": "9"}),
        ("outcome_grade", "JOA 13.5", {"scale": "JOA", "grade": "13.5"}),
        ("outcome_grade", "Nurick 3", {"scale": "Nurick", "grade": "3"}),
        ("outcome_grade", {"scale": "asia", "grade": "e"}, {"scale": "ASIA", "grade": "E"}),
        ("anticoagulant_agents", "Xarelto, warfarin", ["rivaroxaban", "warfarin"]),
        ("antiplatelet_agents", ["Aspirin", "aspirin"], ["aspirin"]),
        ("anticoagulant_agents", "", None),
        ("time_to_surgery_hours", "0", 0),
        ("follow_up_months", "6", 6),
        ("age_years", "null", None),
        ("sex", "", None),
    ],
)
def test_valid_values_are_normalised(field: str, raw: Any, expected: Any) -> None:
    assert validate(field, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("age_years", "400", "between 0 and 120"),
        ("age_years", "-1", "between 0 and 120"),
        ("age_years", "old", "not a number"),
        ("age_years", True, "not a number"),
        ("sex", "unknownish", "male, female"),
        ("level_upper", "Q9", "C1–C7, T1–T12, L1–L5 or S1–S5"),
        ("level_lower", "T13", "not a vertebral level"),
        ("level_lower", "C8", "not a vertebral level"),
        ("location", "inside", "dorsal, ventral"),
        ("treatment", "pills", "surgical, conservative"),
        ("outcome", "better", "complete_recovery"),
        ("anticoagulant", "maybe", "'true', 'false' or 'null'"),
        ("pregnancy", "false", "never false"),
        ("vascular_malformation", "no", "never false"),
        ("preop_grade", "ASIA F", "A, B, C, D or E"),
        ("preop_grade", "Frankel 3", "A, B, C, D or E"),
        ("preop_grade", "JOA 18", "from 0 to 17"),
        ("preop_grade", "Nurick 6", "from 0 to 5"),
        ("preop_grade", "Nurick C", "from 0 to 5"),
        ("preop_grade", "Glasgow 3", "unknown scale"),
        ("preop_grade", "C", "Give the scale and grade"),
        ("time_to_surgery_hours", "-3", "between 0"),
        ("follow_up_months", "nan", "not a number"),
        ("segments", "3", "derived"),
        ("agee_years", "3", "age_years"),
    ],
)
def test_invalid_values_are_refused_with_a_fix(field: str, raw: Any, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate(field, raw)
    assert message in str(err.value)


def test_unknown_agent_gets_closest_suggestions() -> None:
    with pytest.raises(ValidationError) as err:
        validate("anticoagulant_agents", "warfrin")
    assert "unknown agent 'warfrin'" in str(err.value)
    assert "warfarin" in str(err.value)


def test_agent_lexicon_maps_brands_to_generics() -> None:
    lexicon = agent_lexicon()
    assert lexicon["warfarin"] == (("warfarin", "anticoagulant"),)
    assert lexicon["xarelto"] == (("rivaroxaban", "anticoagulant"),)


@pytest.mark.parametrize(
    ("field", "agent"),
    [("anticoagulant_agents", "alteplase"), ("antiplatelet_agents", "warfarin")],
)
def test_agent_of_another_class_is_refused(field: str, agent: str) -> None:
    with pytest.raises(ValidationError, match=f"'{agent}' is a .* agent, not"):
        validate(field, agent)


@pytest.mark.parametrize(
    ("values", "changed", "message"),
    [
        ({"level_upper": "T9", "level_lower": "T4"}, "level_upper", "caudal"),
        ({"level_upper": "L1", "level_lower": "C5"}, None, "caudal"),
        ({"treatment": "conservative", "procedure": "laminectomy"}, "treatment", "conservative"),
        ({"anticoagulant": False, "anticoagulant_agents": ["warfarin"]}, None, "set anticoagulant"),
    ],
)
def test_cross_field_rules(values: dict[str, Any], changed: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_patient(values, changed=changed)


def test_cross_field_rules_only_for_the_changed_field() -> None:
    inconsistent = {"level_upper": "T9", "level_lower": "T4", "sex": "male"}
    validate_patient(inconsistent, changed="sex")  # unrelated field: not blocked
    validate_patient({"level_upper": "T4", "level_lower": "T4"})  # one level is fine


@pytest.mark.parametrize("name", ["colour", "", "zzz"])
def test_unknown_field_without_a_close_match_lists_the_fields(name: str) -> None:
    """The hint must name fields that exist, not point to a command the CLI does not have."""
    with pytest.raises(ValidationError) as info:
        get_field(name)
    message = str(info.value)
    assert message.startswith(f"unknown field {name!r}; the fields are: age_years, sex,")
    assert "sseh-lit codebook" not in message
    assert "region" not in message  # derived: corrected through the levels
