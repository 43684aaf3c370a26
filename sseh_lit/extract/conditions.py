"""Comorbidities: hypertension, pregnancy, coagulopathy and vascular malformation, with evidence.

Terms live in ``lexicons/conditions.csv`` (term → condition; an empty condition marks a
look-alike such as "pulmonary hypertension" or "portal hypertension" that must not count).
Each mention gets an assertion status (:mod:`sseh_lit.extract.assertion`):

* ``hypertension`` is ``True`` when affirmed (history counts), ``False`` only on an explicit
  negation ("no history of hypertension") with nothing affirming it, else absent (null);
* ``pregnancy``, ``coagulopathy`` and ``vascular_malformation`` are ``True`` or absent — never
  ``False`` (the schema's rule: "no known coagulopathy" leaves it null).

Coagulopathy also comes from a deranged coagulation test (INR ≥ 1.5, "prolonged aPTT") — but
only when no anticoagulant is affirmed for the patient: an INR raised by warfarin is
anticoagulation, not coagulopathy.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

from . import drugs
from .assertion import (
    AFFIRMED,
    NEGATED,
    Assertion,
    DocView,
    asserted_value,
    fold,
    per_sentence,
)
from .model import FieldValue
from .pipeline import span_text

if TYPE_CHECKING:
    from spacy.tokens import Span

HYPERTENSION = "hypertension"
PREGNANCY = "pregnancy"
COAGULOPATHY = "coagulopathy"
VASCULAR_MALFORMATION = "vascular_malformation"
CONDITIONS = (HYPERTENSION, PREGNANCY, COAGULOPATHY, VASCULAR_MALFORMATION)
_LAB = "coagulopathy_lab"  # a deranged coagulation test: coagulopathy unless anticoagulated
#: Words that deny hypertension when affirmed ("normotensive") and groups whose negation denies
#: it ("no vascular risk factors": hypertension is one).
_NO_HYPERTENSION = "no_hypertension"
_VASCULAR_RISK = "vascular_risk_factors"
#: Lexicon classes that are not fields but feed one (lab values, hypertension denials).
HELPER_CLASSES = (_LAB, _NO_HYPERTENSION, _VASCULAR_RISK)
TRUE_OR_NULL = frozenset({PREGNANCY, COAGULOPATHY, VASCULAR_MALFORMATION})
#: Words that make a sentence worth a look for an INR value or a platelet count.
_INR_KEYS = frozenset({"inr", "international normalized ratio", "international normalised ratio"})
_PLATELET_KEYS = frozenset({"platelet", "platelet count"})
_LAB_KEYS = _INR_KEYS | _PLATELET_KEYS
LAB_TRIGGERS = tuple(sorted(_LAB_KEYS))
#: An INR at or above this, with no anticoagulant to explain it, is a coagulopathy.
INR_COAGULOPATHY = 1.5

_LEXICON_FILE = "conditions.csv"
# "INR 4.8", "INR was 2.1", "international normalized ratio (INR) of 3" — bounded gap, no nesting.
_INR_RE = re.compile(
    r"(?<![a-z])(?:inr|international normali[sz]ed ratio)(?![a-z])[^0-9;.]{0,30}?(\d{1,2}(?:\.\d+)?)"
)


#: A platelet count below this (per µL) is thrombocytopenia, i.e. a coagulopathy.
PLATELETS_LOW = 100_000
# "platelet count of 35,000/µL", "platelets 42 × 10^9/L" — bounded gaps, no nesting.
_PLATELET_RE = re.compile(
    r"(?<![a-z])platelets?(?: count)?(?![a-z])([^0-9;.]{0,25}?)(\d{1,3}(?:[ ,]\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s*[x×*]\s*10\s*\^?\s*([0-9⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2}))?(?!\s*(?:units?|bags?|packs?|pools?|doses?|%|mg|ml)\b)"
)
_NOT_A_COUNT = ("transfus", "concentrate", "unit", "function", "aggregation")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def platelet_count(number: str, exponent: str | None) -> float | None:
    """Platelets per µL from a reported number and optional power of ten.

    ``"35,000"`` → 35 000; ``"42"`` (the usual ×10⁹/L) → 42 000; ``"1.2"`` with exponent 5
    (×10⁵/µL) → 120 000; exponents of 9 and above are per litre.
    """
    try:
        value = float(number.replace(",", "").replace(" ", ""))
    except ValueError:
        return None
    if exponent:
        exp = int(exponent.translate(_SUPERSCRIPTS))
        return value * 10**exp / 1e6 if exp >= 9 else value * 10**exp
    return value if value >= 1000 else value * 1000


@cache
def _lexicon() -> dict[str, str]:
    text = resources.files("sseh_lit.extract.lexicons").joinpath(_LEXICON_FILE).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    table: dict[str, str] = {}
    for row in csv.DictReader(lines):
        term = " ".join(fold(row["term"]).split())
        table[_key(term)] = row["condition"].strip()
    return table


def _key(text: str) -> str:
    return " ".join(fold(text).replace("-", " ").split())


def condition_terms() -> dict[str, str]:
    """Term → condition (empty for ignored look-alikes), as loaded from the lexicon."""
    return dict(_lexicon())


class _Mention(NamedTuple):  # a named tuple: cheaper to make than a frozen dataclass
    condition: str
    sent_index: int
    assertion: Assertion
    anchored: bool


def _inr_values(text: str) -> list[tuple[int, int, float]]:
    out = []
    for m in _INR_RE.finditer(text):
        try:
            out.append((m.start(), m.end(), float(m.group(1))))
        except ValueError:
            continue
    return out


_SentenceMentions = tuple[tuple[str, Assertion, bool], ...]


def _sentence_mentions(view: DocView, sent: Span) -> _SentenceMentions:
    """(condition, assertion, anchored) of every condition mention in ``sent`` (lexicon terms,
    then deranged INR values and low platelet counts, in that order)."""
    found = view.hits(drugs.target_matcher(), sent)
    if not found:
        return ()
    table = _lexicon()
    hits = [(a, b, table.get(key, "")) for a, b, key in found]
    hits = [h for h in hits if h[2]]
    triggers = {key for _, _, key in found if key in _LAB_KEYS}
    text = fold(span_text(sent)) if triggers else ""
    if triggers & _INR_KEYS:
        hits += [(a, b, _LAB) for a, b, v in _inr_values(text) if v >= INR_COAGULOPATHY]
    if triggers & _PLATELET_KEYS:
        for m in _PLATELET_RE.finditer(text):
            if any(w in m.group(1) for w in _NOT_A_COUNT):
                continue  # "platelet transfusion of 2 units" is not a count
            count = platelet_count(m.group(2), m.group(3))
            if count is not None and 0 < count < PLATELETS_LOW:
                hits.append((m.start(), m.end(), COAGULOPATHY))
    if not hits:
        return ()
    ctx = view.context(sent)
    return tuple(
        (condition, ctx.assess(start, end), ctx.anchored) for start, end, condition in hits
    )


def extract(sents: Sequence[Span]) -> dict[str, FieldValue]:
    """hypertension, pregnancy, coagulopathy, vascular_malformation for one patient's sentences.

    Only fields with a value are returned (a missing key means null). Offsets are the evidence
    sentence's document offsets.
    """
    mentions = [
        _Mention(condition, i, assertion, anchored)
        for i, found in per_sentence(
            sents, "conditions", _sentence_mentions, drugs.target_matcher()
        )
        for condition, assertion, anchored in found
    ]
    if not mentions:
        return {}  # no mention, no value

    if any(m.condition == _LAB for m in mentions):
        anticoagulated = drugs.extract(sents).get("anticoagulant")
        lab_counts = anticoagulated is None or anticoagulated.value is not True
        mentions = [
            _Mention(COAGULOPATHY, m.sent_index, m.assertion, m.anchored)
            if m.condition == _LAB
            else m
            for m in mentions
            if m.condition != _LAB or lab_counts
        ]

    out: dict[str, FieldValue] = {}
    denials = [
        m
        for m in mentions
        # "no neuraxial procedure, was normotensive": a denial word inside a negation's reach
        if (m.condition == _NO_HYPERTENSION and m.assertion.status != "hypothetical")
        or (m.condition == _VASCULAR_RISK and m.assertion.status == NEGATED)
    ]
    for condition in CONDITIONS:
        own = [m for m in mentions if m.condition == condition]
        positive = [m for m in own if m.assertion.positive]
        if condition == PREGNANCY:  # a past pregnancy is not pregnancy or the puerperium now
            positive = [m for m in positive if m.assertion.status == AFFIRMED]
        if positive:
            best = min(positive, key=lambda m: (not m.anchored, m.sent_index))
            out[condition] = _value(sents, best, True, 0.9 if best.anchored else 0.75)
            continue
        if condition in TRUE_OR_NULL:
            continue
        negated = [m for m in own if m.assertion.status == NEGATED]
        if condition == HYPERTENSION:
            negated += denials
        if negated:
            out[condition] = _value(sents, negated[0], False, 0.8)
    return out


def _value(sents: Sequence[Span], m: _Mention, value: bool, confidence: float) -> FieldValue:
    return asserted_value(sents[m.sent_index], value, m.assertion, confidence)
