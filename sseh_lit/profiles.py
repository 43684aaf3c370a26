"""Export and analysis profiles, declared as data in ``profiles.toml``.

A profile names a subset of the included patients (``all``; ``bakker2015``: surgically treated,
not pregnant, no coagulopathy, pre-operative status and outcome reported) and says what counts as
a *good outcome* for the analysis stage. Profiles are plain TOML so a meta-analyst can add one
without touching code; this module parses them once into frozen dataclasses and evaluates them
against a patient's current values. "Unknown is not No": ``not_equals = true`` lets an unknown
value through, ``known = true`` is how a profile asks for a stated value.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError, NotFoundError
from .fields import FIELD_BY_NAME

#: The tests a criterion may use (exactly one per criterion).
TESTS = ("equals", "not_equals", "in", "known", "any_known")


@dataclass(frozen=True)
class Criterion:
    """One condition on a patient's current values."""

    test: str  # one of TESTS
    field: str | None = None  # None only for any_known
    value: Any = None  # the compared value, the list for ``in``, the fields for ``any_known``

    def to_dict(self) -> dict[str, Any]:
        """The criterion as it is written in TOML (for the export manifest)."""
        if self.test == "any_known":
            return {"any_known": list(self.value)}
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, self.test: value}


@dataclass(frozen=True)
class GoodOutcome:
    """Good outcome: ``field``'s value (a grade's grade) is one of ``values``."""

    field: str = "outcome"
    values: tuple[Any, ...] = ("complete_recovery",)


@dataclass(frozen=True)
class Profile:
    """A named subset of the included patients and its definition of a good outcome."""

    name: str
    description: str
    criteria: tuple[Criterion, ...]
    good_outcome: GoodOutcome

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain data (recorded in manifest.json)."""
        return {
            "name": self.name,
            "description": self.description,
            "criteria": [c.to_dict() for c in self.criteria],
            "good_outcome": {
                "field": self.good_outcome.field,
                "in": list(self.good_outcome.values),
            },
        }


def _check_field(name: Any, where: str) -> str:
    if not isinstance(name, str) or name not in FIELD_BY_NAME:
        raise ConfigError(
            f"{where}: unknown field {name!r}; use a name from sseh_lit.fields.FIELDS"
        )
    return name


def _parse_criterion(raw: Any, where: str) -> Criterion:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a criterion must be an inline table, got {raw!r}")
    tests = [t for t in TESTS if t in raw]
    extra = set(raw) - set(TESTS) - {"field"}
    if len(tests) != 1 or extra:
        raise ConfigError(
            f"{where}: a criterion needs exactly one of {', '.join(TESTS)} "
            f"(and `field` unless any_known); got keys {sorted(raw)}"
        )
    test = tests[0]
    if test == "any_known":
        names = raw["any_known"]
        if not isinstance(names, list) or not names or "field" in raw:
            raise ConfigError(f"{where}: any_known takes a non-empty list of fields and no `field`")
        return Criterion("any_known", None, tuple(_check_field(n, where) for n in names))
    field = _check_field(raw.get("field"), where)
    value = raw[test]
    if test == "in":
        if not isinstance(value, list):
            raise ConfigError(f"{where}: `in` takes a list of values")
        value = tuple(value)
    if test == "known" and value is not True:
        raise ConfigError(f"{where}: write `known = true`")
    return Criterion(test, field, value)


def _parse_profile(name: str, raw: Any, source: str) -> Profile:
    where = f"{source}: profile {name!r}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    criteria = tuple(
        _parse_criterion(c, f"{where} criterion {i + 1}")
        for i, c in enumerate(raw.get("criteria", []))
    )
    good_raw = raw.get("good_outcome", {"field": "outcome", "in": ["complete_recovery"]})
    if not isinstance(good_raw, dict) or not isinstance(good_raw.get("in"), list):
        raise ConfigError(f"{where}: good_outcome must be {{ field = ..., in = [...] }}")
    good = GoodOutcome(
        _check_field(good_raw.get("field", "outcome"), f"{where} good_outcome"),
        tuple(good_raw["in"]),
    )
    return Profile(name, str(raw.get("description", "")).strip(), criteria, good)


def load_profiles(path: str | Path | None = None) -> dict[str, Profile]:
    """Every profile in ``path`` (default: the bundled ``profiles.toml``), by name, in file order.

    Raises :class:`ConfigError` for a file that cannot be read or a malformed profile, naming
    the profile and criterion so the fix is obvious.
    """
    try:
        if path is None:
            source = "profiles.toml"
            text = resources.files("sseh_lit").joinpath("profiles.toml").read_text("utf-8")
        else:
            source = str(path)
            text = Path(path).read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read profiles from {path or 'profiles.toml'}: {e}") from e
    table = data.get("profiles")
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{source}: no [profiles.<name>] tables found")
    return {name: _parse_profile(name, raw, source) for name, raw in table.items()}


def get_profile(name: str, path: str | Path | None = None) -> Profile:
    """The profile called ``name``; :class:`NotFoundError` listing the known names otherwise."""
    profiles = load_profiles(path)
    try:
        return profiles[name]
    except KeyError:
        raise NotFoundError(
            f"unknown profile {name!r}; known profiles: {', '.join(profiles)}"
        ) from None


def _plain(value: Any) -> Any:
    """A plain value from either a plain value or a dataset ``CurrentValue`` (has ``.value``)."""
    return value.value if hasattr(value, "value") and hasattr(value, "source") else value


def _is_known(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def _values_of(patient: Any) -> Mapping[str, Any]:
    values = (
        patient.values
        if hasattr(patient, "values") and not isinstance(patient, Mapping)
        else patient
    )
    return values


def criterion_holds(criterion: Criterion, values: Mapping[str, Any]) -> bool:
    """Whether one criterion holds for ``values`` (field → plain value or CurrentValue)."""
    if criterion.test == "any_known":
        return any(_is_known(_plain(values.get(f))) for f in criterion.value)
    value = _plain(values.get(criterion.field or ""))
    if criterion.test == "known":
        return _is_known(value)
    if criterion.test == "equals":
        return value is not None and value == criterion.value
    if criterion.test == "not_equals":
        return value is None or value != criterion.value
    return value is not None and value in criterion.value  # "in"


def profile_matches(profile: Profile, patient: Any) -> bool:
    """Whether a patient (a dataset ``PatientView`` or a ``{field: value}`` dict) is in the profile."""
    values = _values_of(patient)
    return all(criterion_holds(c, values) for c in profile.criteria)


def is_good_outcome(profile: Profile, values: Any) -> bool | None:
    """True/False by the profile's good-outcome definition; ``None`` when the field is unknown.

    For a grade field (``{scale, grade}``) the grade is compared, so ``in = ["E"]`` on
    ``outcome_grade`` means ASIA/Frankel E.
    """
    value = _plain(_values_of(values).get(profile.good_outcome.field))
    if isinstance(value, dict):
        value = value.get("grade")
    if not _is_known(value):
        return None
    return value in profile.good_outcome.values
