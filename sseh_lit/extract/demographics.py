"""Age and sex of one patient.

Ages are read in every notation case reports use: "a 65-year-old", "aged 65", "65 years of age",
"at the age of 65", "a man of 65 years", "a 4-month-old", "a 3-week-old", "a sixty-five-year-old";
months/weeks/days are converted to years. A hedged age ("almost 80-year-old") or a vague word
("octogenarian", "elderly") gives ``None`` rather than a guess. Sex comes from the noun next to
the age ("65-year-old man"), another sex noun about the patient, or — when unambiguous — the
pronouns of the patient's sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ..regex_gate import TwinScanner, twin_of
from ..text import fold
from .model import FieldValue
from .patients import PatientSlot, SentInfo, number
from .pipeline import alternation, evidence, lexicon

_D = r"[\s\-\u2010-\u2015\u2212]"
_UNIT_YEARS = {"year": 1.0, "yr": 1.0, "month": 1 / 12, "mo": 1 / 12, "week": 1 / 52, "wk": 1 / 52}
_UNIT_YEARS["day"] = 1 / 365.25
#: The nouns of "a man of 65 years", "a woman, 65 years" (before the age).
_LEAD_NOUNS = (
    "man",
    "woman",
    "male",
    "female",
    "boy",
    "girl",
    "lady",
    "patient",
    "case",
    "gentleman",
)


@dataclass
class AgeMention:
    """An age found in a sentence (``age`` is ``None`` when hedged) and the sex noun next to it."""

    age: float | None
    sex: str | None
    start: int
    end: int


@dataclass(frozen=True)
class _AgeRule:
    """One age notation, with what every match of it needs (see :func:`age_mentions`)."""

    regex: re.Pattern[str]
    scan: TwinScanner  # the regex tried at its leaders by its lowered twin (same matches)
    literals: tuple[str, ...] = ()  # every match has one of these (lower-cased)
    words: frozenset[str] = frozenset()  # every match has one of these as a whole word
    # every match has this literal (lower-cased) after its leading literal ("65-year-old"):
    # the leaders are looked for only before its last occurrence
    tail: str | None = None


def _age_rule(
    pattern: str,
    literals: tuple[str, ...] = (),
    words: frozenset[str] = frozenset(),
    tail: str | None = None,
) -> _AgeRule:
    regex = re.compile(pattern, re.I)
    return _AgeRule(regex, TwinScanner(regex), literals, words, tail)


@dataclass(frozen=True)
class _Rules:
    age_rules: tuple[_AgeRule, ...]
    hedge: re.Pattern[str]
    hedge_scan: TwinScanner
    noun_after: re.Pattern[str]
    male: frozenset[str]
    female: frozenset[str]
    core_sex: re.Pattern[str]
    pronoun: re.Pattern[str]
    male_pronouns: frozenset[str]
    female_pronouns: frozenset[str]
    sex_words: frozenset[str]
    pronouns: frozenset[str]


@cache
def _rules() -> _Rules:
    lex = lexicon("demographics.json")
    nums = lexicon("numbers.json")
    words = [w for w in (*nums["units"], *nums["tens"]) if w not in ("a", "an", "both", "several")]
    word_num = rf"(?:{alternation(list(nums['tens']))}){_D}?(?:{alternation(list(nums['units']))})?"
    num = rf"(\d{{1,3}}(?:\.\d+)?|{word_num}|{alternation(words)})"
    unit = r"(years?|yrs?|months?|mos?|weeks?|wks?|days?)"
    # Each notation with what every one of its matches contains (case-insensitive matching maps
    # only "İ ı ſ K" to ASCII letters other than through lower(), none in these literals).
    age_rules = (
        # a 65-year-old, a 4-month-old, a sixty-five-year-old, 65 years old
        # (the leader is the number, at most one character past it: "old" follows the unit)
        _age_rule(rf"\b{num}{_D}{{0,2}}{unit}{_D}{{0,2}}old\b", literals=("old",), tail="old"),
        # aged 65 (years), age 65, at the age of 65, a man of 65 years, 65 years of age
        # ("aged"/"age" are whole words: a word boundary before them, white space after them)
        _age_rule(
            rf"\b(?:aged|age(?:\s+of)?)\s+{num}(?:{_D}{{0,2}}{unit})?\b",
            literals=("age",),
            words=frozenset({"aged", "age"}),
        ),
        _age_rule(rf"\b{num}\s+{unit}\s+of\s+age\b", literals=("age",), words=frozenset({"age"})),
        # the noun is a whole word: a word boundary before it, white space or "," after it
        _age_rule(
            rf"\b(?:{'|'.join(_LEAD_NOUNS)})\s*,?\s+(?:of\s+)?"
            rf"{num}\s*{unit}\b(?!\s+(?:ago|later|after|before|history|of\s+(?!age)))",
            words=frozenset(_LEAD_NOUNS),
        ),
        _age_rule(r"\b(\d{1,3})\s*(?:y/o|yo|y\.o\.)(?!\w)", literals=("yo", "y/o", "y.o")),
    )
    sex_words = alternation([*lex["male_nouns"], *lex["female_nouns"]])
    core_m = [w for w in lex["male_nouns"] if w not in lex["non_patient_relatives"]]
    core_f = [w for w in lex["female_nouns"] if w not in lex["non_patient_relatives"]]
    pronouns = [*lex["male_pronouns"], *lex["female_pronouns"]]
    hedge = re.compile(rf"\b(?:{alternation(lex['age_hedges'])})\s+(?:an?\s+)?$", re.I)
    return _Rules(
        age_rules=age_rules,
        hedge=hedge,
        hedge_scan=TwinScanner(hedge),
        noun_after=re.compile(
            rf"^[\s,]*(?:[\w'-]+\s+){{0,3}}?({sex_words})\b",
            re.I,
        ),
        male=frozenset(lex["male_nouns"]),
        female=frozenset(lex["female_nouns"]),
        core_sex=re.compile(rf"\b({alternation(core_m + core_f)})\b", re.I),
        pronoun=re.compile(rf"\b({alternation(pronouns)})\b", re.I),
        male_pronouns=frozenset(lex["male_pronouns"]),
        female_pronouns=frozenset(lex["female_pronouns"]),
        sex_words=frozenset(core_m + core_f),
        pronouns=frozenset(pronouns),
    )


def _sex_of(word: str) -> str | None:
    w = fold(word)
    r = _rules()
    if w in r.male:
        return "male"
    if w in r.female:
        return "female"
    return None


def _years(num: str, unit: str | None) -> float | None:
    value = number(num.replace("\u2010", "-"))
    if value is None:
        return None
    u = unit or "year"
    u = fold(u).rstrip("s")
    factor = _UNIT_YEARS.get(u)
    if factor is None:
        return None
    years = value * factor
    return round(years, 2) if years < 2 else round(years, 1) if years % 1 else float(int(years))


_AGE_WORDS = frozenset(
    {
        "old",
        "aged",
        "age",
        "years",
        "year",
        "yrs",
        "yr",
        "y",
        "yo",
        "o",
        "months",
        "month",
        "weeks",
        "week",
        "days",
        "day",
        "mos",
        "mo",
        "wks",
        "wk",
    }
)


_LEAD_WORD = re.compile(r"\w+")
_WORD_BEFORE = re.compile(r"(\w+)\W*(?:\w+\W+)?$")


def _has_any(text: str, literals: tuple[str, ...]) -> bool:
    """Does ``text`` contain one of ``literals``?"""
    for lit in literals:  # noqa: SIM110 (a loop: hot)
        if lit in text:
            return True
    return False


def age_mentions(text: str, words: frozenset[str] | None = None) -> list[AgeMention]:
    """Every age stated in ``text``, in order of appearance, with the sex noun beside it.

    ``words`` (:attr:`SentInfo.words` of ``text``) rules sentences without any age word out at
    once. Each notation is scanned only when the text has what all its matches need (a literal,
    or with ``words`` a noun): a notation without a match takes no span from the others.
    """
    r = _rules()
    if words is not None and _AGE_WORDS.isdisjoint(words):
        return []
    found: list[AgeMention] = []
    taken: list[tuple[int, int]] = []
    low = text.lower()
    ascii = text.isascii()
    noun_twin = twin_of(r.noun_after) if ascii else None
    for rule in r.age_rules:
        tail_at: int | None = None
        if rule.tail is not None:  # a literal of every match: the literal test, cheaper
            tail_at = low.rfind(rule.tail)
            if tail_at < 0:
                continue
        # (the word gate first: "age" is also a part of "hemorrhage")
        if rule.words and words is not None and rule.words.isdisjoint(words):
            continue
        if tail_at is None and rule.literals and not _has_any(low, rule.literals):
            continue
        # tried only where one of the notation's leading literals starts (same matches as a scan)
        for m in rule.scan.finditer(text, low, tail_at):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            unit = m.group(2) if m.lastindex and m.lastindex >= 2 else None
            age = _years(m.group(1), unit)
            if age is None or not 0 <= age <= 120:
                continue
            hedge_from = max(0, m.start() - 25)
            if r.hedge_scan.has_match(
                text[hedge_from : m.start()], low[hedge_from : m.start()] if ascii else None
            ):
                age = None
            # on ASCII text the lowered twin matches the same spans in the lower-cased text, and
            # _sex_of reads the noun case-folded anyway
            after = (
                noun_twin.match(low[m.end() : m.end() + 40])
                if noun_twin is not None
                else r.noun_after.match(text[m.end() : m.end() + 40])
            )
            sex = _sex_of(after.group(1)) if after else None
            if sex is None:  # "a man of 65 years", "a woman, 65 years"
                lead = _LEAD_WORD.match(m.group(0))
                sex = _sex_of(lead.group(0)) if lead else None
            if sex is None:
                before = _WORD_BEFORE.search(text[max(0, m.start() - 20) : m.start()])
                sex = _sex_of(before.group(1)) if before else None
            found.append(AgeMention(age, sex, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda a: a.start)


def _ordered(sents: Sequence[SentInfo]) -> list[SentInfo]:
    """Narrative sentences first, the title last (titles repeat the abstract's facts)."""
    body = [s for s in sents if s.section not in ("title", "shared")]
    title = [s for s in sents if s.section == "title"]
    return body + title


def extract(sents: Sequence[SentInfo], slot: PatientSlot | None = None) -> dict[str, FieldValue]:
    """``age_years`` and ``sex`` from the patient's sentences (and any hints of a series)."""
    r = _rules()
    out: dict[str, FieldValue] = {}
    ordered = _ordered(sents)
    use_text = slot is None or slot.use_demographics
    first_mention: tuple[AgeMention, SentInfo] | None = None
    if use_text:
        for info in ordered:
            mentions = age_mentions(info.text, info.words)
            if mentions:
                first_mention = (mentions[0], info)
                break
    if slot is not None and slot.age_hint is not None and ordered:
        out["age_years"] = evidence(slot.age_hint, ordered[0], 0.6, cue="listed ages")
    elif first_mention is not None:
        mention, info = first_mention
        if mention.age is not None:
            out["age_years"] = evidence(mention.age, info, 0.9)
    if slot is not None and slot.sex_hint is not None and ordered:
        out["sex"] = evidence(slot.sex_hint, ordered[0], 0.6, cue="listed")
        return out
    if not use_text:
        return out
    if first_mention is not None and first_mention[0].sex:
        out["sex"] = evidence(first_mention[0].sex, first_mention[1], 0.95)
        return out
    for info in ordered:
        if info.section == "shared":
            continue
        m = r.core_sex.search(info.text) if not r.sex_words.isdisjoint(info.words) else None
        if m:
            sex = _sex_of(m.group(1))
            if sex:
                out["sex"] = evidence(sex, info, 0.8, cue=m.group(1))
                return out
    male = female = 0
    first: dict[str, SentInfo] = {}
    for info in ordered:
        if info.section in ("title", "shared") or not info.patient:
            continue
        if r.pronouns.isdisjoint(info.words):
            continue
        for m in r.pronoun.finditer(info.text):
            w = fold(m.group(1))
            if w in r.male_pronouns:
                male += 1
                first.setdefault("male", info)
            elif w in r.female_pronouns:
                female += 1
                first.setdefault("female", info)
    if male and not female:
        out["sex"] = evidence("male", first["male"], 0.7, cue="pronoun")
    elif female and not male:
        out["sex"] = evidence("female", first["female"], 0.7, cue="pronoun")
    return out


def series_hints(slots: Sequence[PatientSlot]) -> None:
    """Hand out the ages stated in a series' shared text, in order, one per patient.

    Used for series without "Case N" markers, where the text's sentences are shared: "a
    45-year-old man and a 67-year-old woman" gives patient 1 the first age and sex, patient 2
    the second. Ages already listed ("aged 34, 51 and 70 years") are kept.
    """
    if not slots or slots[0].use_demographics:
        return
    mentions: list[tuple[AgeMention, SentInfo]] = []
    for info in slots[0].sents:
        if info.section in ("title", "shared"):
            continue
        mentions.extend((m, info) for m in age_mentions(info.text, info.words))
    for slot, (mention, _info) in zip(slots, mentions, strict=False):
        if slot.age_hint is None and mention.age is not None:
            slot.age_hint = mention.age
        if mention.sex:
            slot.sex_hint = mention.sex
