"""Anticoagulants, antiplatelets and reversal agents a patient received, with evidence.

The lexicon (``lexicons/drugs.csv``: term, generic name, class, ATC code) maps generic and brand
names and class words ("DOAC", "vitamin K antagonist", "dual antiplatelet therapy") to a class:
``anticoagulant``, ``antiplatelet``, ``thrombolytic``, ``reversal``, plus two classes that only
count when negated — ``antithrombotic`` ("no antithrombotic medication" → neither class) and
``medication`` ("was not taking any medications" → neither class). Thrombolytics (alteplase,
streptokinase …) are recognised so they are never taken for anticoagulants: a thrombolytic alone
leaves ``anticoagulant`` null.

Each mention gets an assertion status (:mod:`sseh_lit.extract.assertion`). A class is ``True``
when any mention of it is the patient's own (affirmed or historical); ``False`` only when the
text explicitly negates it (or all medication) and nothing affirms it; otherwise absent (null).
General and literature statements never count either way.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

from .assertion import (
    HISTORICAL,
    NEGATED,
    Assertion,
    DocView,
    TermMatcher,
    asserted_value,
    fold,
    per_sentence,
)
from .model import FieldValue

if TYPE_CHECKING:
    from spacy.tokens import Span

ANTICOAGULANT = "anticoagulant"
ANTIPLATELET = "antiplatelet"
THROMBOLYTIC = "thrombolytic"
REVERSAL = "reversal"
ANTITHROMBOTIC = "antithrombotic"  # negation covers both anticoagulant and antiplatelet
MEDICATION = "medication"  # negation ("no medications") covers both, too
AGENT_CLASSES = (ANTICOAGULANT, ANTIPLATELET, THROMBOLYTIC, REVERSAL)

_LEXICON_FILE = "drugs.csv"


@dataclass(frozen=True)
class DrugEntry:
    """One lexicon row: a surface ``term`` naming ``generic`` (empty for a class word)."""

    term: str
    generic: str
    drug_class: str
    atc: str


@dataclass(frozen=True)
class Lexicon:
    """The drug lexicon, indexed by term key (folded, hyphens as spaces)."""

    entries: dict[str, tuple[DrugEntry, ...]]  # term key → rows (Aggrenox has two)


def _read_rows() -> list[dict[str, str]]:
    text = resources.files("sseh_lit.extract.lexicons").joinpath(_LEXICON_FILE).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _term_key(text: str) -> str:
    return " ".join(fold(text).replace("-", " ").split())


@cache
def lexicon() -> Lexicon:
    """The drug lexicon, loaded and compiled once per process."""
    entries: dict[str, list[DrugEntry]] = {}
    for row in _read_rows():
        term = " ".join(fold(row["term"]).split())
        entry = DrugEntry(term, row["generic"].strip(), row["class"].strip(), row["atc"].strip())
        entries.setdefault(_term_key(term), []).append(entry)
    return Lexicon({k: tuple(v) for k, v in entries.items()})


@cache
def target_matcher() -> TermMatcher:
    """One matcher for drug *and* condition terms (and the lab words conditions needs), so each
    Doc is matched once for both; each module keeps only the keys of its own table."""
    from .conditions import LAB_TRIGGERS, condition_terms

    terms = {e.term for rows in lexicon().entries.values() for e in rows}
    terms.update(condition_terms())
    terms.update(LAB_TRIGGERS)
    return TermMatcher(terms)


def known_agents() -> dict[str, str]:
    """Generic name → class for every named agent (anticoagulant, antiplatelet, thrombolytic,
    reversal); the review helper validates reviewer-entered agents against it."""
    return {
        e.generic: e.drug_class
        for rows in lexicon().entries.values()
        for e in rows
        if e.generic and e.drug_class
    }


def atc_codes() -> dict[str, str]:
    """Generic name → ATC code (first listed), so exports can report the class code."""
    return dict(_atc_codes())


@cache
def _atc_codes() -> dict[str, str]:
    """:func:`atc_codes`, built once (the extractor reads it for every record)."""
    out: dict[str, str] = {}
    for rows in lexicon().entries.values():
        for e in rows:
            if e.generic and e.atc:
                out.setdefault(e.generic, e.atc)
    return out


class Mention(NamedTuple):
    """A lexicon hit in a sentence with its assertion status (a named tuple: a few are made
    for every patient, and a frozen dataclass costs a ``object.__setattr__`` per field)."""

    entry: DrugEntry
    sent_index: int
    start: int  # sentence-relative
    end: int
    assertion: Assertion
    anchored: bool


def _lookup(matched: str) -> tuple[DrugEntry, ...]:
    """Lexicon rows for the matched term (without any plural ending)."""
    return lexicon().entries.get(_term_key(matched), ())


@cache
def _rows_by_key() -> dict[str, tuple[DrugEntry, ...]]:
    """:func:`_lookup` of every key the target matcher's PhraseMatcher reports, computed once
    (glued-token and long-form hits can report other keys: those are looked up as they come)."""
    return {key: _lookup(key) for key in target_matcher().phrase_keys()}


_SentenceMentions = tuple[tuple[DrugEntry, int, int, Assertion, bool], ...]


def _sentence_mentions(view: DocView, sent: Span) -> _SentenceMentions:
    """(entry, start, end, assertion, anchored) of every drug mention in ``sent``."""
    hits = view.hits(target_matcher(), sent)
    if not hits:
        return ()
    out = []
    ctx = None  # built for the first drug: many hits are conditions or look-alikes
    rows_by_key = _rows_by_key()
    for start, end, matched in hits:
        rows = rows_by_key.get(matched)
        if rows is None:
            rows = _lookup(matched)
        for entry in rows:
            if not entry.drug_class:
                continue  # a look-alike such as "ASA grade"
            if ctx is None:
                ctx = view.context(sent)
            out.append((entry, start, end, ctx.assess(start, end), ctx.anchored))
    return tuple(out)


def find_mentions(sents: Sequence[Span]) -> list[Mention]:
    """Every drug mention in ``sents`` with its assertion status (each sentence's mentions are
    found once per Doc: :func:`extract` runs again for the conditions' lab rule)."""
    return [
        Mention(entry, i, start, end, status, anchored)
        for i, found in per_sentence(sents, "drugs", _sentence_mentions, target_matcher())
        for entry, start, end, status, anchored in found
    ]


def _evidence(sents: Sequence[Span], m: Mention, value: object, confidence: float) -> FieldValue:
    return asserted_value(sents[m.sent_index], value, m.assertion, confidence)


def _confidence(m: Mention) -> float:
    if m.assertion.status == NEGATED:
        return 0.8
    return 0.9 if m.anchored else 0.75


def _best(mentions: list[Mention]) -> Mention:
    """The most convincing mention: anchored to the patient first, then earliest."""
    return min(mentions, key=lambda m: (not m.anchored, m.sent_index, m.start))


_LMWH = "lmwh"
_LMWH_ATC = "B01AB"


def _specific(agents: list[str]) -> list[str]:
    """Drop the group name "lmwh" when a specific low-molecular-weight heparin is named."""
    if _LMWH not in agents:
        return agents
    atc = _atc_codes()
    named_lmwh = [
        a for a in agents if a not in (_LMWH, "heparin") and atc.get(a, "").startswith(_LMWH_ATC)
    ]
    return [a for a in agents if a != _LMWH] if named_lmwh else agents


def _same_heparin(named: list[Mention]) -> list[Mention]:
    """Drop a bare "heparin" when a low-molecular-weight heparin is named: "on enoxaparin … the
    heparin was stopped" is one drug ("unfractionated heparin" / "UFH" still counts)."""
    atc = _atc_codes()
    if not any(
        m.entry.generic == _LMWH
        or (atc.get(m.entry.generic, "").startswith(_LMWH_ATC) and m.entry.generic != "heparin")
        for m in named
    ):
        return named
    return [m for m in named if not (m.entry.generic == "heparin" and m.entry.term == "heparin")]


def extract(sents: Sequence[Span]) -> dict[str, FieldValue]:
    """anticoagulant, anticoagulant_agents, antiplatelet, antiplatelet_agents, reversal_agents.

    ``sents`` are the sentences about one patient (spaCy spans of the document built from
    :func:`sseh_lit.text.document_text`, so offsets are document offsets). Only fields with a
    value are returned: a missing key means null (unknown), an agents list is never empty.
    """
    mentions = find_mentions(sents)
    out: dict[str, FieldValue] = {}
    if not mentions:
        return out  # no mention, no value (most patients' sentences name no drug)
    negated_all = [
        m
        for m in mentions
        if m.entry.drug_class in (ANTITHROMBOTIC, MEDICATION) and m.assertion.status == NEGATED
    ]
    for cls, flag, agents_field in (
        (ANTICOAGULANT, "anticoagulant", "anticoagulant_agents"),
        (ANTIPLATELET, "antiplatelet", "antiplatelet_agents"),
    ):
        own = [m for m in mentions if m.entry.drug_class == cls]
        positive = [m for m in own if m.assertion.positive]
        negated = [m for m in own if m.assertion.status == NEGATED] + negated_all
        if negated and positive and all(m.assertion.status == HISTORICAL for m in positive):
            # "had taken warfarin in the past …, and was on no anticoagulant at the time"
            positive = []
        if positive:
            out[flag] = _evidence(sents, _best(positive), True, _confidence(_best(positive)))
            named = _same_heparin([m for m in positive if m.entry.generic])
            if named:
                agents = _specific(sorted({m.entry.generic for m in named}))
                out[agents_field] = _evidence(
                    sents, _best(named), agents, _confidence(_best(named))
                )
            continue
        if negated:
            best = _best(negated)
            out[flag] = _evidence(sents, best, False, _confidence(best))
    reversal = [m for m in mentions if m.entry.drug_class == REVERSAL and m.assertion.positive]
    if reversal:
        agents = sorted({m.entry.generic for m in reversal})
        out["reversal_agents"] = _evidence(sents, _best(reversal), agents, 0.8)
    return out
