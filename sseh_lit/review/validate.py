"""Validation of reviewer-entered values, per field and per scale.

:func:`validate` turns what a reviewer typed (``"ASIA C"``, ``"Th10"``, ``"yes"``, ``"Xarelto"``)
or sent as JSON into the stored, normalised value, or raises
:class:`~sseh_lit.errors.ValidationError` with a message that says how to fix it. Nothing is
stored before a value passed here. :func:`validate_patient` checks the rules that involve more
than one field (upper level not caudal to lower, …).

The vocabulary comes from :mod:`sseh_lit.fields` (one definition for extractor, codebook and
reviewer) and the agent names from :func:`sseh_lit.extract.drugs.known_agents`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from ..errors import ValidationError
from ..fields import FIELD_BY_NAME, LEVEL_INDEX, SCALES_NUMERIC, Field, normalise_level

#: Text a reviewer types to say "not stated / unknown" (clears the field).
NULL_WORDS = frozenset({"", "null", "none", "unknown", "na", "n/a", "-"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})
GRADE_LETTERS = ("A", "B", "C", "D", "E")
#: Scale spellings → the scale stored (AIS is the ASIA impairment scale).
SCALE_ALIASES = {
    "asia": "ASIA",
    "ais": "ASIA",
    "frankel": "Frankel",
    "joa": "JOA",
    "nurick": "Nurick",
    "other": "other",
}
#: Reviewer-friendly synonyms for enumerated values.
ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {"m": "male", "man": "male", "f": "female", "woman": "female"},
    "location": {"posterior": "dorsal", "anterior": "ventral"},
    "treatment": {"surgery": "surgical", "operative": "surgical", "nonoperative": "conservative"},
}
#: The drug class each agent-list field holds (thrombolytics belong to none of them).
AGENT_FIELD_CLASS = {
    "anticoagulant_agents": "anticoagulant",
    "antiplatelet_agents": "antiplatelet",
    "reversal_agents": "reversal",
}


def _fail(field: str, problem: str, fix: str) -> ValidationError:
    return ValidationError(f"{field}: {problem}. {fix}")


def is_null(value: Any) -> bool:
    """True for ``None`` and the words a reviewer types for "unknown" ("null", "", "n/a" …)."""
    return value is None or (isinstance(value, str) and value.strip().lower() in NULL_WORDS)


def get_field(name: str) -> Field:
    """The :class:`~sseh_lit.fields.Field` called ``name``; refuses unknown and derived fields."""
    spec = FIELD_BY_NAME.get((name or "").strip())
    if spec is None:
        close = difflib.get_close_matches(name or "", list(FIELD_BY_NAME), n=3)
        editable = [f.name for f in FIELD_BY_NAME.values() if not f.derived]
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else f"the fields are: {', '.join(editable)}."
        )
        raise ValidationError(f"unknown field {name!r}; {hint}")
    if spec.derived:
        raise ValidationError(
            f"{spec.name} is derived from level_upper and level_lower; correct those instead"
        )
    return spec


def validate(field: str, value: Any) -> Any:
    """Check and normalise one value for ``field``; ``None`` means unknown (clears the field).

    Raises :class:`ValidationError` whose message names the field, the problem and the fix.
    """
    spec = get_field(field)
    if is_null(value) or (spec.type == "agents" and value == []):
        return None
    checker = _CHECKERS[spec.type]
    return checker(spec, value)


def _number(spec: Field, value: Any) -> int | float:
    unit = f" {spec.unit}" if spec.unit else ""
    span = f"between {spec.minimum:g} and {spec.maximum:g}{unit}"
    if isinstance(value, bool):
        raise _fail(spec.name, f"{value!r} is not a number", f"Give a number {span}.")
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise _fail(
            spec.name, f"{value!r} is not a number", f"Give a number {span}, or 'null'."
        ) from None
    if math.isnan(number) or math.isinf(number):
        raise _fail(spec.name, f"{value!r} is not a number", f"Give a number {span}.")
    low = spec.minimum if spec.minimum is not None else -math.inf
    high = spec.maximum if spec.maximum is not None else math.inf
    if not low <= number <= high:
        extra = " (infants: months/12)" if spec.name == "age_years" else ""
        raise _fail(spec.name, f"{value} is out of range", f"Give a number {span}{extra}.")
    return int(number) if number.is_integer() else round(number, 3)


def _enum(spec: Field, value: Any) -> str:
    text = re.sub(r"[\s-]+", "_", str(value).strip().lower())
    text = ENUM_SYNONYMS.get(spec.name, {}).get(text, text)
    if text in spec.allowed:
        return text
    close = difflib.get_close_matches(text, spec.allowed, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise _fail(
        spec.name,
        f"{value!r} is not an allowed value",
        f"Use one of: {', '.join(spec.allowed)}, or 'null'.{hint}",
    )


def _bool(spec: Field, value: Any) -> bool:
    if isinstance(value, bool):
        result = value
    else:
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            result = True
        elif text in FALSE_WORDS:
            result = False
        else:
            choices = "'true' or 'null'" if spec.true_or_null else "'true', 'false' or 'null'"
            raise _fail(spec.name, f"{value!r} is not a yes/no value", f"Use {choices}.")
    if result is False and spec.true_or_null:
        raise _fail(
            spec.name,
            "is true or null only, never false (unknown is not no)",
            "Use 'null' when the text does not state it.",
        )
    return result


def _level(spec: Field, value: Any) -> str:
    level = normalise_level(str(value))
    if level is None:
        raise _fail(
            spec.name,
            f"{value!r} is not a vertebral level",
            "Use C1–C7, T1–T12, L1–L5 or S1–S5 (Th10 and D10 mean T10).",
        )
    return level


_GRADE_TEXT = re.compile(
    r"^\s*([A-Za-z]+)\s*(?:grade|score)?\s*[:=]?\s*([A-Za-z]|\d+(?:\.\d+)?)\s*$"
)


def _grade(spec: Field, value: Any) -> dict[str, str]:
    example = "e.g. 'ASIA C', 'Frankel D', 'JOA 9' or 'Nurick 3'"
    if isinstance(value, Mapping):
        scale_text, grade_text = str(value.get("scale") or ""), str(value.get("grade") or "")
    else:
        m = _GRADE_TEXT.match(str(value))
        if not m:
            raise _fail(
                spec.name, f"{value!r} is not a grade", f"Give the scale and grade, {example}."
            )
        scale_text, grade_text = m.group(1), m.group(2)
    scale = SCALE_ALIASES.get(scale_text.strip().lower())
    if scale is None:
        raise _fail(
            spec.name,
            f"unknown scale {scale_text!r}",
            f"Use ASIA (AIS), Frankel, JOA, Nurick or other, {example}.",
        )
    grade_text = grade_text.strip()
    if scale == "other":
        if not grade_text:
            raise _fail(spec.name, "the grade is missing", f"Give the scale and grade, {example}.")
        return {"scale": scale, "grade": grade_text}
    if scale in SCALES_NUMERIC:
        low, high = SCALES_NUMERIC[scale]
        try:
            number = float(grade_text)
        except ValueError:
            number = math.nan
        if not low <= number <= high:  # NaN fails too
            raise _fail(
                spec.name,
                f"{grade_text!r} is not a score on the {scale} scale",
                f"{scale} scores run from {low:g} to {high:g}.",
            )
        return {"scale": scale, "grade": f"{number:g}"}
    letter = grade_text.upper()
    if letter not in GRADE_LETTERS:
        raise _fail(
            spec.name,
            f"{grade_text!r} is not a grade on the {scale} scale",
            f"{scale} grades are A, B, C, D or E.",
        )
    return {"scale": scale, "grade": letter}


def _agent_key(text: str) -> str:
    return " ".join(str(text).lower().replace("-", " ").split())


@cache
def agent_lexicon() -> Mapping[str, tuple[tuple[str, str], ...]]:
    """Every accepted agent name (generic or brand, lower case) → its ``(generic, class)`` pairs.

    Built once per process from the extractor's drug lexicon (:mod:`sseh_lit.extract.drugs`), so
    reviewers and the machine share one vocabulary; a combination brand (Aggrenox) has two
    pairs. The mapping is shared: read it, do not change it.
    """
    from ..extract.drugs import known_agents, lexicon

    table: dict[str, tuple[tuple[str, str], ...]] = {}
    for term, rows in lexicon().entries.items():
        pairs = tuple((e.generic, e.drug_class) for e in rows if e.generic and e.drug_class)
        if pairs:
            table[_agent_key(term)] = pairs
    for generic, drug_class in known_agents().items():
        table.setdefault(_agent_key(generic), ((generic, drug_class),))
    return MappingProxyType(table)


def _agents(spec: Field, value: Any) -> list[str] | None:
    items = re.split(r"[;,]", value) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        raise _fail(spec.name, f"{value!r} is not a list of agents", "Give names like 'warfarin'.")
    wanted = AGENT_FIELD_CLASS.get(spec.name)
    table = agent_lexicon()
    result: list[str] = []
    for item in items:
        name = _agent_key(item)
        if not name:
            continue
        pairs = table.get(name)
        if pairs is None:
            close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.6)
            hint = (
                f"Did you mean: {', '.join(close)}?"
                if close
                else "Use a generic name from the drug lexicon (e.g. warfarin, aspirin)."
            )
            raise _fail(spec.name, f"unknown agent {str(item).strip()!r}", hint)
        generics = [g for g, c in pairs if wanted is None or c == wanted]
        if not generics:
            classes = " / ".join(sorted({c for _, c in pairs}))
            raise _fail(
                spec.name,
                f"{str(item).strip()!r} is a {classes} agent, not {wanted}",
                "List it under its own field (thrombolytics are not listed as anticoagulants).",
            )
        result.extend(g for g in generics if g not in result)
    return result or None


_CHECKERS = {
    "number": _number,
    "enum": _enum,
    "bool": _bool,
    "level": _level,
    "grade": _grade,
    "agents": _agents,
}


def _rule_levels(values: Mapping[str, Any]) -> str | None:
    upper, lower = (
        normalise_level(values.get("level_upper")),
        normalise_level(values.get("level_lower")),
    )
    if upper and lower and LEVEL_INDEX[upper] > LEVEL_INDEX[lower]:
        return (
            f"level_upper {upper} is caudal to level_lower {lower}: the upper level is the more "
            "cranial one (swap them, or correct the wrong one)"
        )
    return None


def _rule_conservative(values: Mapping[str, Any]) -> str | None:
    if values.get("treatment") != "conservative":
        return None
    if values.get("procedure") or values.get("time_to_surgery_hours") is not None:
        return (
            "treatment is conservative but a procedure or time to surgery is set: use "
            "treatment 'surgical', or clear procedure and time_to_surgery_hours"
        )
    return None


def _rule_agents(values: Mapping[str, Any]) -> str | None:
    for flag in ("anticoagulant", "antiplatelet"):
        if values.get(flag) is False and values.get(f"{flag}_agents"):
            return (
                f"{flag} is false but {flag}_agents lists {', '.join(values[f'{flag}_agents'])}: "
                f"set {flag} to true, or clear the agents"
            )
    return None


#: Cross-field rules with the fields each one involves.
PATIENT_RULES = (
    (("level_upper", "level_lower"), _rule_levels),
    (("treatment", "procedure", "time_to_surgery_hours"), _rule_conservative),
    (
        ("anticoagulant", "anticoagulant_agents", "antiplatelet", "antiplatelet_agents"),
        _rule_agents,
    ),
)


def validate_patient(values: Mapping[str, Any], *, changed: str | None = None) -> None:
    """Check the cross-field rules on one patient's ``{field: value}``.

    With ``changed`` only the rules involving that field are checked, so a reviewer correcting
    one field is not blocked by an unrelated inconsistency in the machine values.
    """
    for fields, rule in PATIENT_RULES:
        if changed is not None and changed not in fields:
            continue
        problem = rule(values)
        if problem:
            raise ValidationError(problem)
