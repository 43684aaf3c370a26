"""Clinical course of one patient: pre-operative grade, treatment, procedure, time to surgery,
outcome, outcome grade and follow-up.

* treatment: ``surgical`` when any decompression/evacuation was done — even after a failed
  conservative trial — unless the operation is negated ("without surgical decompression",
  "refused surgery"); ``conservative`` when the text says so (conservative, non-operative,
  medical management, spontaneous resolution, factor replacement alone).
* procedure: the most specific operation named (hemilaminectomy > laminoplasty > laminotomy >
  laminectomy; costotransversectomy, corpectomy, instrumentation … are ``other``); a bare
  "decompression" or "evacuation" names no procedure.
* time_to_surgery_hours: "within 9 hours after symptom onset", "5 days after the onset",
  "after 28 h from onset", "surgery was delayed for two days", in a sentence about the operation.
* outcome: the last narrative statement wins (deficits usually improve over the course), except
  death which always wins; one sentence is classified death > no recovery > complete > partial,
  with residual deficits turning "complete" into ``partial_recovery``.
* grades: ASIA/AIS/Frankel A–E, JOA, Nurick; "from ASIA B to D" gives both; a single grade is
  the outcome grade when the sentence speaks of follow-up/discharge, else the pre-operative one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import ahocorasick

from ..regex_gate import finditer_lowered, folded, search_lowered, twin_of
from ..text import fold
from .model import FieldValue
from .patients import SentInfo, number
from .pipeline import Cues, alternation, evidence, lexicon, words_of

_ONE_WORD = re.compile(r"[a-z0-9]+")


#: Zero-width starts a :class:`CueScanner` pattern may have before its phrase group.
_LEADS = ("", r"\b", "(?<![A-Za-z])")


def _leads_with(regex: re.Pattern[str], alt: str) -> bool:
    """Does every match of ``regex`` start with one of the phrases of the alternation ``alt``?

    True when the pattern is one of :data:`_LEADS`, then ``(?:alt)`` or ``(alt)``, then a rest
    that neither quantifies that group nor has a ``|`` outside brackets (which would make the
    group one side of a top-level alternative).
    """
    pattern = regex.pattern
    for lead in _LEADS:
        for group in (f"(?:{alt})", f"({alt})"):
            if pattern.startswith(lead + group):
                return _plain_rest(pattern[len(lead + group) :])
    return False


def _plain_rest(rest: str) -> bool:
    """No leading quantifier and no ``|`` at bracket depth 0 in ``rest`` (see _leads_with)."""
    if rest[:1] in ("?", "*", "+", "{"):
        return False
    depth = 0
    i = 0
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a character class: up to its closing "]" (a first "]" is literal)
            j = i + 1
            if rest[j : j + 1] == "^":
                j += 1
            if rest[j : j + 1] == "]":
                j += 1
            while j < len(rest) and rest[j] != "]":
                j += 2 if rest[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return True


class CueScanner:
    """A phrase list matched with an Aho-Corasick automaton instead of its long alternation.

    Python's ``re`` tries every phrase of ``\\b(?:p1|p2|…)\\b`` at every position of a
    sentence, which costs tens of microseconds for the 200 outcome phrases. The scanner instead
    lists where a phrase starts in the lower-cased text (one automaton pass; for a sentence, one
    pass of a :class:`CueIndex` serves all its scanners) and tries the original regex only there.

    Exactness: the regex starts with ``(?:p1|…)`` or ``(p1|…)``, unquantified and not inside a
    top-level ``|``, after at most a zero-width ``\\b`` or ``(?<![A-Za-z])``; so every match
    starts with a phrase, whatever follows (``\\b``, more pattern). On a text
    without the four characters that ``re.IGNORECASE`` folds to ASCII letters
    (:func:`sseh_lit.regex_gate.folded`), an ASCII phrase can only match where the lower-cased
    phrase occurs in the lower-cased text (same length: only "İ" grows when lower-cased). The
    first such position where ``regex.match`` succeeds is therefore where ``regex.search``
    stops, with the very same Match; going on from each match's end gives ``regex.finditer``.
    Any other text, a non-ASCII phrase or a pattern of another shape takes the original path.
    """

    def __init__(
        self, regex: re.Pattern[str], phrases: Sequence[str], cues: Cues | None = None
    ) -> None:
        self.regex = regex
        self.cues = cues
        self.slot = -1  # position in its CueIndex (see there)
        self.index: CueIndex | None = None
        alt = alternation(list(phrases))
        self.phrases: tuple[str, ...] = ()
        self.automaton: ahocorasick.Automaton | None = None
        #: the lower-cased phrases when each is one word between ``\b``s (see :meth:`found`)
        self.single: frozenset[str] | None = None
        if not _leads_with(regex, alt) or not all(p and p.isascii() for p in phrases):
            return
        self.phrases = tuple(p.lower() for p in phrases)
        automaton = ahocorasick.Automaton()
        for low in self.phrases:
            automaton.add_word(low, len(low))
        automaton.make_automaton()
        self.automaton = automaton
        if regex.pattern == rf"\b(?:{alt})\b" and all(_ONE_WORD.fullmatch(w) for w in self.phrases):
            self.single = frozenset(self.phrases)

    @classmethod
    def of(cls, cues: Cues) -> CueScanner:
        """The scanner of a :class:`Cues` list (its regex and phrases)."""
        return cls(cues.regex, cues.phrases, cues)

    def may_match(self, words: frozenset[str]) -> bool:
        """:meth:`Cues.may_match`: could a sentence with these words match at all?"""
        return self.cues is None or self.cues.may_match(words)

    def _first(self, text: str, starts: list[int]) -> re.Match[str] | None:
        match = self.regex.match
        for start in sorted(set(starts)) if len(starts) > 1 else starts:
            m = match(text, start)
            if m is not None:
                return m
        return None

    def _all(self, text: str, starts: list[int]) -> list[re.Match[str]]:
        match = self.regex.match
        out: list[re.Match[str]] = []
        pos = 0
        for start in sorted(set(starts)) if len(starts) > 1 else starts:
            if start < pos:
                continue
            m = match(text, start)
            if m is not None:
                out.append(m)
                pos = m.end()  # a phrase is never empty: finditer goes on from here
        return out

    def _starts(self, text: str) -> list[int] | None:
        """Where a phrase starts in ``text`` (``None``: the text must take the original path)."""
        if self.automaton is None:
            return None
        low = folded(text)
        if low is None:
            return None
        return [end - n + 1 for end, n in self.automaton.iter(low)]

    def search(self, text: str, words: frozenset[str] | None = None) -> re.Match[str] | None:
        """``regex.search(text)``; for a :class:`Cues` list ``cues.search(text, words)``."""
        if words is not None and not self.may_match(words):
            return None
        starts = self._starts(text)
        if starts is None:
            return self.regex.search(text) if self.cues is None else self.cues.search(text, words)
        return self._first(text, starts) if starts else None

    def finditer(self, text: str, words: frozenset[str] | None = None) -> list[re.Match[str]]:
        """``list(regex.finditer(text))``; for a :class:`Cues` list ``cues.finditer(text, words)``."""
        if words is not None and not self.may_match(words):
            return []
        starts = self._starts(text)
        if starts is None:
            if self.cues is None:
                return finditer_lowered(self.regex, twin_of(self.regex), text)
            return list(self.cues.finditer(text, words))
        return self._all(text, starts) if starts else []

    def search_in(self, info: SentInfo) -> re.Match[str] | None:
        """:meth:`search` of a sentence with its words, through the sentence's index."""
        hits = self.index.hits(info) if self.index is not None else None
        if hits is None:
            return self.search(info.text, info.words)
        starts = hits.get(self.slot)
        return self._first(info.text, starts) if starts else None

    def finditer_in(self, info: SentInfo) -> list[re.Match[str]]:
        """:meth:`finditer` of a sentence with its words, through the sentence's index."""
        hits = self.index.hits(info) if self.index is not None else None
        if hits is None:
            return self.finditer(info.text, info.words)
        starts = hits.get(self.slot)
        return self._all(info.text, starts) if starts else []

    def found(self, info: SentInfo) -> bool:
        """Does the cue occur in the sentence (``search_in(info) is not None``)?

        When every phrase is one word between ``\\b``s and the sentence is ASCII without an
        underscore (the only ASCII word character :func:`words_of` splits on), a match is
        exactly one of the phrases among the sentence's words: no regex runs at all.
        """
        text = info.text
        if self.single is not None and text.isascii() and "_" not in text:
            return not self.single.isdisjoint(info.words)
        return self.search_in(info) is not None


class CueIndex:
    """One automaton of the phrases of several :class:`CueScanner` s, read once per sentence.

    ``hits(info)`` maps each scanner's slot to the positions where one of its phrases starts in
    the lower-cased sentence (kept in ``info.memo``); a scanner without an entry cannot match.
    A sentence whose words include no trigger of any scanner (see :meth:`Cues.may_match`) is not
    even read: none of them can match it.
    """

    def __init__(self, key: str, scanners: Sequence[CueScanner]) -> None:
        self.key = key  # the info.memo key of a sentence's hits
        slots: dict[str, list[int]] = {}
        triggers: set[str] | None = set()
        for k, scanner in enumerate(scanners):
            if scanner.automaton is None:
                continue  # it takes its own path
            scanner.slot, scanner.index = k, self
            for low in scanner.phrases:
                slots.setdefault(low, []).append(k)
            own = _triggers(scanner)
            triggers = None if own is None or triggers is None else triggers | own
        #: a word of every phrase of every scanner, or None (no such pre-check)
        self.triggers = None if triggers is None else frozenset(triggers)
        automaton = ahocorasick.Automaton()
        for low, ks in slots.items():
            automaton.add_word(low, (len(low), tuple(sorted(set(ks)))))
        if slots:
            automaton.make_automaton()
        self.automaton = automaton

    def hits(self, info: SentInfo) -> dict[int, list[int]] | None:
        """Slot → phrase starts in ``info.text``; ``None`` when the text must not be indexed."""
        got = info.memo.get(self.key)
        if got is None:
            if self.triggers is not None and self.triggers.isdisjoint(info.words):
                got = {}  # no scanner can match
            elif (low := folded(info.text)) is None:
                got = False
            else:
                got = {}
                for end, (n, ks) in self.automaton.iter(low):
                    start = end - n + 1
                    for k in ks:
                        starts = got.get(k)
                        if starts is None:
                            got[k] = [start]
                        else:
                            starts.append(start)
            info.memo[self.key] = got
        return got if got is not False else None  # type: ignore[return-value]

    def empty(self, info: SentInfo) -> bool:
        """True when no scanner of the index can match the sentence."""
        return self.hits(info) == {}


_PHRASE_WORDS = re.compile(r"[a-z0-9]+(?:[^a-z0-9]+[a-z0-9]+)*")


def _triggers(scanner: CueScanner) -> frozenset[str] | None:
    """Words of which every match of ``scanner`` contains one as a whole word, or None.

    A :class:`Cues` list has its triggers. A ``\\b(p1|…)\\b`` pattern whose phrases start and
    end with a letter or digit has every word of the matched phrase as a whole word of the
    text, so the longest word of each phrase serves.
    """
    cues = scanner.cues
    if cues is not None:
        return None if cues.always else cues.triggers
    alt = alternation(list(scanner.phrases))
    if scanner.regex.pattern not in (rf"\b({alt})\b", rf"\b(?:{alt})\b"):
        return None
    if not all(_PHRASE_WORDS.fullmatch(p) for p in scanner.phrases):
        return None
    return frozenset(max(_ONE_WORD.findall(p), key=len) for p in scanner.phrases)


_MODAL_WORDS = frozenset({"may", "might", "can", "could", "should", "must", "would", "shall"})
_GRADE_WORDS = frozenset(
    {"asia", "ais", "frankel", "joa", "nurick", "grade", "japanese", "american"}
)
_FOLLOW_WORDS = frozenset({"follow", "followed", "followup"})


@dataclass(frozen=True)
class _Rules:
    surgery: CueScanner
    negator: CueScanner
    negated_after: re.Pattern[str]
    conservative: CueScanner
    procedure: CueScanner
    procedures: dict[str, str]
    rank: list[str]
    time: re.Pattern[str]
    time_needs: tuple[frozenset[str], ...]
    #: (pattern, its lowered twin, the word sets a match needs), in the order they are tried
    time_patterns: tuple[
        tuple[re.Pattern[str], re.Pattern[str] | None, tuple[frozenset[str], ...]], ...
    ]
    delayed: re.Pattern[str]
    units: dict[str, float]
    complete: CueScanner
    partial: CueScanner
    strong_partial: CueScanner
    no_recovery: CueScanner
    death: CueScanner
    not_clinical: CueScanner
    clinical: CueScanner
    grade: re.Pattern[str]
    grade_after_letter: re.Pattern[str]
    numeric_grade: re.Pattern[str]
    scales: dict[str, str]
    after_cues: CueScanner
    follow_up: re.Pattern[str]
    follow_up_before: re.Pattern[str]
    presentation: CueScanner
    management: CueScanner
    deterioration: CueScanner


def _alt(words: list[str]) -> str:
    return alternation(words)


@cache
def _rules() -> _Rules:
    lex = lexicon("clinical.json")
    nums = lexicon("numbers.json")
    num_words = _alt(
        [w for w in (*nums["units"], *nums["tens"]) if w not in ("a", "an", "several")]
    )
    num = rf"(\d{{1,4}}(?:\.\d+)?|{num_words})"
    unit = r"(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|months?)"
    anchors = _alt(lex["time_anchors"])
    scales = {k.lower(): v for k, v in lex["grade_scales"].items()}
    letter_scales = _alt([k for k, v in scales.items() if v in ("ASIA", "Frankel")])
    numeric_scales = _alt([k for k, v in scales.items() if v in ("JOA", "Nurick")])
    fu_unit = r"(years?|yrs?|months?|mos?|weeks?|wks?|days?)"
    time = re.compile(
        rf"\b{num}\s*{unit}\b\s*(?:after|from|of|following|since|post)\s+(?:the\s+)?"
        rf"(?:[\w-]+\s+){{0,3}}?(?:{anchors})\b",
        re.I,
    )
    time_needs = _time_needs(lex["time_anchors"])
    delayed = re.compile(
        rf"\b(?:(?:delayed|postponed)\s+(?:for|by)|after\s+a\s+delay\s+of|"
        rf"(?:interval|time)\s+(?:from|between)\s+(?:the\s+)?(?:symptom\s+|initial\s+)?"
        rf"(?:onset|presentation|admission)\s+(?:of\s+symptoms\s+)?(?:to|and)\s+"
        rf"(?:surgery|operation|decompression)\s+(?:was\s+)?(?:about\s+|approximately\s+)?)"
        rf"\s*{num}\s*{unit}\b",
        re.I,
    )
    rules = _Rules(
        surgery=CueScanner.of(Cues(lex["surgery_cues"])),
        negator=CueScanner(
            re.compile(rf"\b(?:{_alt(lex['surgery_negators'])})\b", re.I),
            lex["surgery_negators"],
        ),
        negated_after=re.compile(
            rf"^[\s,]*(?:\w+\s+)?(?:{_alt(lex['surgery_negated_after'])})\b", re.I
        ),
        conservative=CueScanner.of(Cues(lex["conservative_cues"])),
        procedure=CueScanner(
            re.compile(rf"\b({_alt(list(lex['procedures']))})\b", re.I), list(lex["procedures"])
        ),
        procedures={k.lower(): v for k, v in lex["procedures"].items()},
        rank=lex["procedure_rank"],
        time=time,
        time_needs=time_needs,
        delayed=delayed,
        time_patterns=(
            (time, twin_of(time), time_needs),
            (delayed, twin_of(delayed), _DELAYED_NEEDS),
            (_BARE_HOURS, twin_of(_BARE_HOURS), _BARE_HOURS_NEEDS),
        ),
        units={k.lower(): float(v) for k, v in lex["time_units"].items()},
        complete=CueScanner.of(Cues(lex["complete_cues"])),
        partial=CueScanner.of(Cues(lex["partial_cues"])),
        strong_partial=CueScanner.of(Cues(lex["strong_partial"])),
        no_recovery=CueScanner.of(Cues(lex["no_recovery_cues"])),
        death=CueScanner.of(Cues(lex["death_cues"])),
        not_clinical=CueScanner.of(Cues(lex["outcome_not_clinical"], prefix="", suffix="")),
        clinical=CueScanner.of(Cues(lex["clinical_words"], suffix="")),
        grade=re.compile(
            rf"\b({letter_scales})\b(?:\s*\([^()]{{1,12}}\))?"
            r"(?:\s+(?:impairment\s+)?(?:scale|grade|score|classification))?"
            r"(?:\s*(?:was|of|:|=|grade|score|(?:improved|changed|went|progressed)\s+from|from"
            r"|(?:(?:had|has|was)\s+)?(?:improved|recovered|progressed|returned|changed)\s+to))?"
            r"[\s(-]{0,3}(?-i:([A-E]))(?![\w-])",
            re.I,
        ),
        grade_after_letter=re.compile(
            rf"\b(?i:grade)\s+([A-E])\b"
            rf"(?:\s+(?i:on|of|according\s+to)\s+(?i:the\s+)?(?i:({letter_scales})))?"
        ),
        numeric_grade=re.compile(
            rf"\b({numeric_scales})\b(?:\s*\([^()]{{1,12}}\))?(?:\s+(?:score|grade|scale))?"
            r"(?:\s*(?:was|of|:|=|(?:improved|changed|went|increased|decreased)\s+from|from"
            r"|(?:(?:had|has|was)\s+)?(?:improved|recovered|increased|rose|returned)\s+to))?\s*"
            r"(\d{1,2}(?:\.\d)?)(?:\s*/\s*\d{1,2})?",
            re.I,
        ),
        scales=scales,
        presentation=CueScanner.of(Cues(lex["outcome_presentation_cues"])),
        management=CueScanner.of(Cues(lex["management_cues"], suffix="")),
        deterioration=CueScanner.of(Cues(lex["deterioration_cues"])),
        after_cues=CueScanner.of(Cues(lex["grade_after_cues"])),
        follow_up=re.compile(
            rf"(?:{_alt(lex['follow_up_cues'])})\s+(?:(?:period|duration|time|visit)\s+)?"
            rf"(?:of|for|at|after|was|lasted|examination)?\s*(?:about|approximately|over)?\s*"
            rf"{num}\s*{fu_unit}\b",
            re.I,
        ),
        follow_up_before=re.compile(
            rf"\b{num}[\s-]*{fu_unit}[\s-]+(?:of\s+)?(?:follow[- ]?up|followup)\b", re.I
        ),
    )
    # the cues searched in every usable sentence share one automaton pass per sentence (the
    # others, looked for in the few sentences with surgery or an outcome, scan on their own)
    CueIndex(
        "clinical cues",
        [
            rules.surgery,
            rules.conservative,
            rules.death,
            rules.no_recovery,
            rules.complete,
            rules.partial,
        ],
    )
    return rules


def _usable(info: SentInfo) -> bool:
    return info.patient and _MODAL_WORDS.isdisjoint(info.words)


#: A patient's usable sentences (:func:`_usable`), in order, each with whether a cue of the
#: sentence index (surgery, conservative, death, recovery) occurs in it: a sentence without
#: one has no surgical mention and no outcome.
_Course = list[tuple[SentInfo, bool]]


def _course(sents: Sequence[SentInfo]) -> _Course:
    """The usable sentences of ``sents`` with their cue flags, tested once per patient for
    :func:`treatment`, :func:`time_to_surgery`, :func:`outcome` and the management rule
    (each used to test every sentence again)."""
    index = _rules().surgery.index
    modal = _MODAL_WORDS
    if index is None:
        return [(info, True) for info in sents if info.patient and modal.isdisjoint(info.words)]
    return [
        (info, not index.empty(info))
        for info in sents
        if info.patient and modal.isdisjoint(info.words)  # _usable(info)
    ]


# ---------------------------------------------------------------- treatment and procedure


_NON = re.compile(r"\bnon[\s-]?$", re.I)  # "non-operative", "non surgical"
_CLAUSE_START = re.compile(r"[;]|\bbut\b|\bhowever\b|\bthen\b|\blater\b")
#: Every match of the case-sensitive :data:`_CLAUSE_START` contains one of these.
_CLAUSE_WORDS = (";", "but", "however", "then", "later")


def _surgery_mentions(info: SentInfo) -> tuple[list[str], list[str]]:
    """(affirmed, negated) surgical cues in one sentence."""
    r = _rules()
    text = info.text
    affirmed, negated = [], []
    for m in r.surgery.finditer_in(info):
        before = text[max(0, m.start() - 45) : m.start()]
        if any(word in before for word in _CLAUSE_WORDS):  # else the split changes nothing
            before = _CLAUSE_START.split(before)[-1]
        after = text[m.end() : m.end() + 30]
        neg = r.negator.search(before) or r.negated_after.match(after) or _NON.search(before)
        (negated if neg else affirmed).append(m.group(0))
    return affirmed, negated


def _surgery_of(info: SentInfo) -> tuple[list[str], list[str]]:
    """:func:`_surgery_mentions` of a sentence, computed once per sentence."""
    got = info.memo.get("surgery")
    if got is None:
        got = info.memo["surgery"] = _surgery_mentions(info)
    return got  # type: ignore[return-value]


def treatment(sents: Sequence[SentInfo]) -> dict[str, FieldValue]:
    """``treatment`` and ``procedure``."""
    return _treatment(_course(sents))


def _treatment(course: _Course) -> dict[str, FieldValue]:
    """:func:`treatment` from the patient's :func:`_course` (its sentences with a cue)."""
    r = _rules()
    surgical: tuple[SentInfo, str] | None = None
    conservative: tuple[SentInfo, str] | None = None
    procedure: tuple[str, SentInfo, str] | None = None
    for info, cue in course:
        if not cue:
            continue
        text = info.text
        affirmed, negated = _surgery_of(info)
        if affirmed and surgical is None:
            surgical = (info, affirmed[0])
        m = r.conservative.search_in(info)
        if (m or negated) and conservative is None:
            conservative = (info, m.group(0) if m else negated[0])
        if affirmed:
            for pm in r.procedure.finditer_in(info):
                before = text[max(0, pm.start() - 45) : pm.start()]
                if r.negator.search(before):
                    continue
                proc = r.procedures[fold(pm.group(1))]
                if procedure is None or r.rank.index(proc) < r.rank.index(procedure[0]):
                    procedure = (proc, info, pm.group(0))
    out: dict[str, FieldValue] = {}
    if surgical is not None:
        info, cue = surgical
        conf = 0.9 if info.section != "title" else 0.7
        out["treatment"] = evidence("surgical", info, conf, cue=cue)
    elif conservative is not None:
        info, cue = conservative
        out["treatment"] = evidence("conservative", info, 0.8, cue=cue)
    if procedure is not None and surgical is not None:
        proc, info, cue = procedure
        out["procedure"] = evidence(proc, info, 0.85, cue=cue)
    return out


def _hours(num: str, unit: str) -> float | None:
    value = number(num)
    if value is None:
        return None
    u = fold(unit)
    u = u[:-1] if u.endswith("s") and len(u) > 2 else u
    factor = _rules().units.get(u)
    return None if factor is None else round(value * factor, 2)


#: "decompression at 20 hours", "within 8 h": hours (only) with no stated reference point.
_BARE_HOURS = re.compile(
    r"\b(?:at|within|after)\s+(?:about\s+|approximately\s+|around\s+)?(\d{1,3}(?:\.\d)?)\s*"
    r"(hours?|hrs?|h)\b(?!\s*(?:after|of|from|following|post|later|before)\b)",
    re.I,
)


_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7}
#: "on the third day after (the) (symptom) onset": counted from the onset only.
_ORDINAL_DAY = re.compile(
    r"\bon\s+the\s+(second|third|fourth|fifth|sixth|seventh)\s+day\s+(?:after|from|following)\s+"
    r"(?:the\s+)?(?:symptom\s+|initial\s+)?(?:onset|ictus)\b",
    re.I,
)


_SURGERY_WORD = re.compile(r"\bsurg|\boperat", re.I)


def _surgery_word(info: SentInfo) -> bool:
    """``_SURGERY_WORD.search(info.text)``, not run when the lower-cased text lacks both stems
    (on text :func:`folded` accepts, a case-insensitive match is a lower-cased occurrence)."""
    low = folded(info.text)
    if low is not None and "surg" not in low and "operat" not in low:
        return False
    return _SURGERY_WORD.search(info.text) is not None


#: Word sets of which a match of a time pattern contains one word each, as whole words of
#: :func:`words_of`: each stands between whitespace or ``\b``s in its pattern ("day" in
#: :data:`_ORDINAL_DAY`; the link word and the anchor's last word of ``time``; the delay word of
#: ``delayed``; the preposition of :data:`_BARE_HOURS`). A sentence without one cannot match.
_DELAYED_NEEDS = (frozenset({"delayed", "postponed", "delay", "interval", "time"}),)
_BARE_HOURS_NEEDS = (frozenset({"at", "within", "after"}),)
_ANCHOR = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def _time_needs(anchors: list[str]) -> tuple[frozenset[str], ...]:
    """The word sets for ``time``: a link word, and the last word of an anchor (none when an
    anchor is not plain words)."""
    links = frozenset({"after", "from", "of", "following", "since", "post"})
    if not all(_ANCHOR.fullmatch(a.lower()) for a in anchors):
        return (links,)
    return links, frozenset(a.lower().split(" ")[-1] for a in anchors)


def time_to_surgery(sents: Sequence[SentInfo]) -> dict[str, FieldValue]:
    """``time_to_surgery_hours`` from a sentence about the operation."""
    return _time_to_surgery(_course(sents))


def _time_to_surgery(course: _Course) -> dict[str, FieldValue]:
    """:func:`time_to_surgery` from the patient's :func:`_course`."""
    r = _rules()
    for info, _cue in course:
        text = info.text
        affirmed, _ = _surgery_of(info)
        if not affirmed and not _surgery_word(info):
            continue
        day = _ORDINAL_DAY.search(text) if "day" in info.words else None
        if day:  # "on the second day after symptom onset": one full day had passed
            hours = 24.0 * (_ORDINALS[fold(day.group(1))] - 1)
            return {"time_to_surgery_hours": evidence(hours, info, 0.6, day.group(0))}
        for pat, twin, needs in r.time_patterns:
            if any(map(info.words.isdisjoint, needs)):
                continue  # a word every match contains is missing
            m = search_lowered(pat, twin, text)
            if m:
                hours = _hours(m.group(1), m.group(2))
                if hours is not None and 0 <= hours <= 24 * 365:
                    return {"time_to_surgery_hours": evidence(hours, info, 0.75, m.group(0))}
    return {}


# ---------------------------------------------------------------- outcome


def _mask(text: str, pattern: CueScanner) -> str:
    """``text`` with every match of ``pattern`` blanked out by spaces (same length)."""
    matches = pattern.finditer(text)
    if not matches:
        return text
    parts = []
    last = 0
    for m in matches:
        start, end = m.span()
        parts.append(text[last:start])
        parts.append(" " * (end - start))
        last = end
    parts.append(text[last:])
    return "".join(parts)


_DENIED = re.compile(r"\b(?:no|without|nor|neither)\s+(?:[\w-]+\s+){0,3}$", re.I)


def classify_outcome(text: str, words: frozenset[str] | None = None) -> tuple[str, str] | None:
    """The outcome one sentence states, with the cue; ``None`` when it states none."""
    got = words_of(text) if words is None else words
    return _classify_outcome(text, got, lambda cues: cues.search(text, got))


def _classify_outcome(
    text: str,
    words: frozenset[str],
    search: Callable[[CueScanner], re.Match[str] | None],
) -> tuple[str, str] | None:
    """:func:`classify_outcome`, the sentence's own cues found by ``search`` (the sentence
    index for a :class:`SentInfo`)."""
    r = _rules()
    m = search(r.death)
    if m:
        return "death", m.group(0)
    no_rec = search(r.no_recovery)
    complete = search(r.complete)
    if not (no_rec or complete or r.partial.may_match(words)):
        return None
    cue = complete or no_rec or search(r.partial)
    if cue is None:  # no outcome cue at all: every path below ends in None
        return None
    clause = _clause(text, cue.start(), cue.end()) if cue else text
    if r.not_clinical.search(clause) and not r.clinical.search(_mask(clause, r.not_clinical)):
        return None  # "complete resolution of the hematoma on MRI" is imaging, not the patient
    rest = text
    if no_rec:
        rest = _mask(rest, r.no_recovery)
    if complete:
        rest = _mask(rest, r.complete)
    partial = r.partial.search(rest, words) if rest is not text else search(r.partial)
    if no_rec:
        return (
            ("partial_recovery", partial.group(0)) if partial else ("no_recovery", no_rec.group(0))
        )
    if complete:
        for strong in r.strong_partial.finditer(rest, words):
            # "no residual deficit persisted" denies the residuum
            if not _DENIED.search(text, max(0, strong.start() - 30), strong.start()):
                return "partial_recovery", strong.group(0)
        return "complete_recovery", complete.group(0)
    if partial:
        return "partial_recovery", partial.group(0)
    return None


_NO_OUTCOME = ("", "")


def _outcome_of(info: SentInfo) -> tuple[str, str] | None:
    """:func:`classify_outcome` of a sentence, computed once per sentence."""
    got = info.memo.get("outcome")
    if got is None:
        got = info.memo["outcome"] = (
            _classify_outcome(info.text, info.words, lambda cues: cues.search_in(info))
            or _NO_OUTCOME
        )
    return None if got is _NO_OUTCOME else got  # type: ignore[return-value]


#: Where one clause of a sentence ends: "…had a hematoma at T5–T8 and improved", "MRI showed a
#: hematoma at C6; he underwent laminoplasty and recovered completely".
_CLAUSE_BREAK = re.compile(
    r";|,\s+(?:and|but|with|which)\b|[\s\u2013\u2014](?:and|but|whereas|while)\s", re.I
)


def _clause(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around the cue at ``start``–``end``."""
    left = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, start):
        left = m.end()
    nxt = _CLAUSE_BREAK.search(text, end)
    return text[left : nxt.start() if nxt else len(text)]


_COMPARED = re.compile(r"(?:\bfrom|\bthan|\bcompared\s+(?:to|with)|\bsince)\s+(?:that\s+)?$", re.I)


def _at_presentation(info: SentInfo) -> bool:
    """Does the sentence describe the state at presentation (and not a later one)?"""
    r = _rules()
    if r.after_cues.found(info):
        return False
    text = info.text
    for m in r.presentation.finditer_in(info):
        if not _COMPARED.search(text[max(0, m.start() - 30) : m.start()]):
            return True
    return False


def outcome(sents: Sequence[SentInfo]) -> dict[str, FieldValue]:
    """``outcome``: the last narrative statement of the course, death always winning."""
    return _outcome(sents, _course(sents))


def _outcome(sents: Sequence[SentInfo], course: _Course) -> dict[str, FieldValue]:
    """:func:`outcome` from the patient's sentences and their :func:`_course`."""
    found: tuple[str, SentInfo, str] | None = None
    for info, cue in course:
        if info.section == "title":
            continue
        got = _outcome_of(info) if cue else None  # no cue: no outcome
        if got is not None and _at_presentation(info):
            continue  # the state on admission is not the outcome
        if found is not None and found[0] == "death":
            continue
        if got is None:
            # a later deterioration makes an earlier improvement not the outcome
            if found is not None and _rules().deterioration.found(info):
                found = None
            continue
        found = (got[0], info, got[1])
    if found is None:
        for info in sents:  # titles such as "complete recovery without surgery"
            if info.section == "title":
                got = _outcome_of(info)
                if got:
                    return {"outcome": evidence(got[0], info, 0.6, cue=got[1])}
        return {}
    value, info, cue = found
    return {"outcome": evidence(value, info, 0.75, cue=cue)}


# ---------------------------------------------------------------- grades and follow-up


def _number_grade(g: str) -> str:
    return g[:-2] if g.endswith(".0") else g


#: The bare letter of a later grade after a lettered one: "B to D", "C on arrival and had
#: improved to D".
_GRADE_TAIL = re.compile(
    r"\s*(?:[\w\s,]{0,40}?\b(?:improved|recovered|progressed|returned|changed|went)\s+)?"
    r"(?:to|into|->|→)\s*(?:(?:grade|ASIA|AIS|Frankel)\s+)?(?-i:([A-E]))(?![\w-])",
    re.I,
)


#: The number of a later score after a first one: "from 8 to 15", "4 preoperatively to 1",
#: "8 on admission and improved to 15".
_NUMERIC_TAIL = re.compile(
    r"\s*(?:points?\s+)?(?:[a-z][\w\s,]{0,40}?\s)?(?:to|->|→)\s*(\d{1,2}(?:\.\d)?)\b(?!\s*(?:h|hours?|days?|"
    r"weeks?|months?|years?|mg|%)\b)",
    re.I,
)


def _grades_in(text: str) -> list[tuple[int, dict[str, str]]]:
    r = _rules()
    out: list[tuple[int, dict[str, str]]] = []
    for m in r.grade.finditer(text):
        out.append((m.start(), {"scale": r.scales[fold(m.group(1))], "grade": m.group(2).upper()}))
        # "from ASIA B to D": the bare letter after "to" is the same scale
        tail = _GRADE_TAIL.match(text, m.end())
        if tail:
            out.append((m.end(), {"scale": r.scales[fold(m.group(1))], "grade": tail.group(1)}))
    for m in r.grade_after_letter.finditer(text):
        if m.group(2):
            out.append((m.start(), {"scale": r.scales[fold(m.group(2))], "grade": m.group(1)}))
    for m in r.numeric_grade.finditer(text):
        scale = r.scales[fold(m.group(1))]
        out.append((m.start(), {"scale": scale, "grade": _number_grade(m.group(2))}))
        tail = _NUMERIC_TAIL.match(text, m.end())
        if tail:
            out.append((m.end(), {"scale": scale, "grade": _number_grade(tail.group(1))}))
    seen: set[int] = set()
    unique = []
    for pos, grade in sorted(out, key=lambda t: t[0]):
        if pos not in seen:
            seen.add(pos)
            unique.append((pos, grade))
    return unique


#: A time later in the course: "at 6 months", "at one year", "by 8 weeks", "at the 3-month visit".
_LATER = re.compile(
    r"\b(?:at|by|after|within|over)\s+(?:the\s+)?(?:\d{1,3}|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|eighteen|twenty-four|a)[\s-]+(?:years?|months?|weeks?|yrs?|mos?)\b",
    re.I,
)


def grades(sents: Sequence[SentInfo], outcome_at: int | None = None) -> dict[str, FieldValue]:
    """``preop_grade`` and ``outcome_grade``; a grade in the outcome sentence (which starts at
    ``outcome_at``) is the outcome grade ("regained full function (ASIA E)")."""
    r = _rules()
    pre: FieldValue | None = None
    post: FieldValue | None = None
    for info in sents:
        if info.section == "title" or _GRADE_WORDS.isdisjoint(info.words):
            continue
        # a stated grade is about an individual unless the sentence is generic ("patients with
        # ASIA A are …"); verbless notes such as "ASIA C on admission" count
        if not (info.patient or (not info.literature and not info.modal)):
            continue
        text = info.text
        found = _grades_in(text)
        if not found:
            continue
        if len(found) >= 2:
            if pre is None:
                pre = evidence(found[0][1], info, 0.8)
            post = evidence(found[-1][1], info, 0.8)
            continue
        _pos, grade = found[0]
        # "At 6 months he was AIS D", "ASIA D at follow-up" — but not "mild (ASIA D), and after
        # conservative treatment she recovered completely at follow-up"
        later = any(
            m.start() < _pos or m.start() - _pos < 40
            for m in (*r.after_cues.finditer_in(info), *_LATER.finditer(text))
        )
        stated = _outcome_of(info) if outcome_at == info.span.start_char else None
        if later or (
            stated is not None and stated[0] != "death" and 0 <= text.find(stated[1]) < _pos
        ):
            # "At 6 months he was AIS D", "regained full function (ASIA E)"
            post = evidence(grade, info, 0.7)
        elif pre is None:
            pre = evidence(grade, info, 0.75)
    out: dict[str, FieldValue] = {}
    if pre is not None:
        out["preop_grade"] = pre
    if post is not None:
        out["outcome_grade"] = post
    return out


def _months(num: str, unit: str) -> float | None:
    value = number(num)
    if value is None:
        return None
    u = fold(unit)[0]
    factor = {"y": 12.0, "m": 1.0, "w": 12 / 52, "d": 12 / 365.25}[u]
    return round(value * factor, 1)


def follow_up(sents: Sequence[SentInfo]) -> dict[str, FieldValue]:
    """``follow_up_months``: the longest follow-up stated for the patient."""
    r = _rules()
    best: tuple[float, SentInfo, str] | None = None
    for info in sents:
        if not info.patient or info.section == "title":
            continue
        if _FOLLOW_WORDS.isdisjoint(info.words):
            continue
        text = info.text
        for pat in (r.follow_up, r.follow_up_before):
            for m in finditer_lowered(pat, twin_of(pat), text):
                months = _months(m.group(1), m.group(2))
                if months is not None and 0 < months <= 600 and (best is None or months > best[0]):
                    best = (months, info, m.group(0))
    if best is None:
        return {}
    return {"follow_up_months": evidence(best[0], best[1], 0.75, cue=best[2])}


#: Grades that mean no deficit: ASIA/Frankel E, JOA 17 (the cervical score's maximum).
_NORMAL_GRADES = {("ASIA", "E"), ("Frankel", "E"), ("JOA", "17")}


def _reconcile(out: dict[str, FieldValue]) -> None:
    """An outcome grade corrects a recovery word: "recovered and was ASIA E" is complete,
    "regained walking (Frankel D)" is partial."""
    g, o = out.get("outcome_grade"), out.get("outcome")
    if g is None or o is None or o.value in ("death", "no_recovery"):
        return
    normal = (g.value.get("scale"), g.value.get("grade")) in _NORMAL_GRADES
    if normal and o.value == "partial_recovery" and (o.start or 0) <= (g.start or 0):
        out["outcome"] = FieldValue("complete_recovery", g.evidence, g.start, g.end, confidence=0.6)
    elif (
        not normal
        and o.value == "complete_recovery"
        and g.value.get("scale") in ("ASIA", "Frankel")
        and (g.start or 0) >= (o.start or 0)
    ):
        out["outcome"] = FieldValue("partial_recovery", g.evidence, g.start, g.end, confidence=0.6)


def extract(sents: Sequence[SentInfo]) -> dict[str, FieldValue]:
    """All clinical-course fields of one patient."""
    out: dict[str, FieldValue] = {}
    course = _course(sents)
    out.update(_treatment(course))
    if out.get("treatment") and out["treatment"].value == "surgical":
        out.update(_time_to_surgery(course))
    out.update(_outcome(sents, course))
    if "treatment" not in out and "outcome" in out:
        # a course that ends in recovery with only medical measures named was conservative
        management = _rules().management
        for info, _cue in course:
            m = management.search_in(info)
            if m:
                out["treatment"] = evidence("conservative", info, 0.5, cue=m.group(0))
                break
    stated = out.get("outcome")
    out.update(grades(sents, stated.start if stated else None))  # evidence = its sentence
    out.update(follow_up(sents))
    _reconcile(out)
    if "outcome" not in out and "outcome_grade" in out:
        g = out["outcome_grade"]
        pre = out.get("preop_grade")
        if g.value.get("grade") == "E" and g.value.get("scale") in ("ASIA", "Frankel"):
            out["outcome"] = FieldValue(
                "complete_recovery", g.evidence, g.start, g.end, confidence=0.6
            )
        elif pre is not None and pre.value != g.value:
            out["outcome"] = FieldValue(
                "partial_recovery", g.evidence, g.start, g.end, None, "affirmed", 0.5
            )
    return out
