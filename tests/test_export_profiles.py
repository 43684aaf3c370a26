"""Profiles as data: loading, filtering and the good-outcome definition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sseh_lit.dataset import CurrentValue
from sseh_lit.errors import ConfigError, NotFoundError
from sseh_lit.profiles import get_profile, is_good_outcome, load_profiles, profile_matches

SURGICAL = {
    "treatment": "surgical",
    "preop_grade": {"scale": "ASIA", "grade": "B"},
    "outcome": "partial_recovery",
}


def test_bundled_profiles() -> None:
    assert list(load_profiles()) == ["all", "bakker2015"]
    assert get_profile("all").criteria == ()


def test_unknown_profile_lists_the_names() -> None:
    with pytest.raises(NotFoundError, match="known profiles: all, bakker2015"):
        get_profile("cochrane")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (SURGICAL, True),
        ({**SURGICAL, "pregnancy": None, "coagulopathy": None}, True),  # unknown is not "true"
        ({**SURGICAL, "pregnancy": True}, False),
        ({**SURGICAL, "coagulopathy": True}, False),
        ({**SURGICAL, "treatment": "conservative"}, False),
        ({**SURGICAL, "treatment": None}, False),
        ({**SURGICAL, "outcome": None}, False),  # no individual outcome
        ({**SURGICAL, "preop_grade": None}, False),  # no individual pre-op status
    ],
)
def test_bakker2015(values: dict[str, Any], expected: bool) -> None:
    assert profile_matches(get_profile("bakker2015"), values) is expected
    assert profile_matches(get_profile("all"), values) is True


def test_profile_reads_current_values() -> None:
    view_values = {k: CurrentValue(v, "reviewer", 1.0) for k, v in SURGICAL.items()}
    assert profile_matches(get_profile("bakker2015"), view_values)


@pytest.mark.parametrize(
    ("outcome", "good"),
    [("complete_recovery", True), ("partial_recovery", False), ("death", False), (None, None)],
)
def test_good_outcome_default(outcome: str | None, good: bool | None) -> None:
    assert is_good_outcome(get_profile("all"), {"outcome": outcome}) is good


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_profile_with_grade_outcome(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[profiles.cervical]
description = "Cervical, ASIA E at follow-up is good"
criteria = [{ field = "region", in = ["cervical", "cervicothoracic"] },
            { any_known = ["age_years", "sex"] }]
good_outcome = { field = "outcome_grade", in = ["E"] }
""",
    )
    profile = get_profile("cervical", path)
    assert profile_matches(profile, {"region": "cervical", "sex": "male"})
    assert not profile_matches(profile, {"region": "cervical"})
    assert not profile_matches(profile, {"region": "lumbar", "sex": "male"})
    assert is_good_outcome(profile, {"outcome_grade": {"scale": "ASIA", "grade": "E"}}) is True
    assert is_good_outcome(profile, {"outcome_grade": {"scale": "ASIA", "grade": "D"}}) is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[profiles.x]\ncriteria = [{ field = 'colour', equals = 'red' }]", "unknown field"),
        ("[profiles.x]\ncriteria = [{ field = 'sex' }]", "exactly one of"),
        ("[profiles.x]\ncriteria = [{ field = 'sex', known = false }]", "known = true"),
        ("[profiles.x]\ngood_outcome = { field = 'outcome' }", "good_outcome"),
        ("[profiles", "cannot read profiles"),
        ("title = 'no profiles'", "no [profiles"),
    ],
)
def test_malformed_profiles(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_profiles(_write(tmp_path, text))
