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

from ..regex_gate import TwinScanner, folded, twin_of
from ..text import fold
from .cuescan import CueIndex, CueScanner, Hits
from .model import FieldValue
from .patients import SentInfo, number
from .pipeline import Cues, alternation, evidence, lexicon, words_of

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
    #: the lowered twin of ``negated_after`` (:func:`~sseh_lit.regex_gate.twin_of`: the same
    #: matches on lower-cased ASCII text), ``None`` when it has none
    negated_after_low: re.Pattern[str] | None
    #: one word of each ``surgery_negated_after`` phrase (lower-cased): every match has one
    negated_after_words: tuple[str, ...]
    conservative: CueScanner
    procedure: CueScanner
    procedures: dict[str, str]
    rank: list[str]
    time: re.Pattern[str]
    time_needs: tuple[frozenset[str], ...]
    #: (pattern tried at its leaders, the word sets a match needs), in the order they are tried
    time_patterns: tuple[tuple[TwinScanner, tuple[frozenset[str], ...]], ...]
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
    #: ``follow_up`` and ``follow_up_before`` tried only where one of their leading literals
    #: starts (a cue word; a digit or number word), not at every position
    follow_up_scans: tuple[TwinScanner, TwinScanner]
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
    follow_up = re.compile(
        rf"(?:{_alt(lex['follow_up_cues'])})\s+(?:(?:period|duration|time|visit)\s+)?"
        rf"(?:of|for|at|after|was|lasted|examination)?\s*(?:about|approximately|over)?\s*"
        rf"{num}\s*{fu_unit}\b",
        re.I,
    )
    follow_up_before = re.compile(
        rf"\b{num}[\s-]*{fu_unit}[\s-]+(?:of\s+)?(?:follow[- ]?up|followup)\b", re.I
    )
    negated_after = re.compile(
        rf"^[\s,]*(?:\w+\s+)?(?:{_alt(lex['surgery_negated_after'])})\b", re.I
    )
    rules = _Rules(
        surgery=CueScanner.of(Cues(lex["surgery_cues"])),
        negator=CueScanner(
            re.compile(rf"\b(?:{_alt(lex['surgery_negators'])})\b", re.I),
            lex["surgery_negators"],
        ),
        negated_after=negated_after,
        negated_after_low=twin_of(negated_after),
        negated_after_words=tuple(
            sorted({min(p.lower().split(), key=len) for p in lex["surgery_negated_after"]})
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
            (TwinScanner(time), time_needs),
            (TwinScanner(delayed), _DELAYED_NEEDS),
            (TwinScanner(_BARE_HOURS), _BARE_HOURS_NEEDS),
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
        follow_up=follow_up,
        follow_up_before=follow_up_before,
        follow_up_scans=(TwinScanner(follow_up), TwinScanner(follow_up_before)),
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


#: A patient's usable sentences (about the patient, without a modal word), in order, each
#: with its hits in the sentence index (surgery, conservative, death, recovery; ``None``: not
#: indexed, each cue scans on its own). A sentence with ``{}`` has none of these cues: no
#: surgical mention and no outcome.
_Course = list[tuple[SentInfo, Hits | None]]


def _course(sents: Sequence[SentInfo]) -> _Course:
    """The usable sentences of ``sents`` with their index hits, read once per patient for
    :func:`treatment`, :func:`time_to_surgery`, :func:`outcome` and the management rule
    (each used to test every sentence again)."""
    index = _rules().surgery.index
    modal = _MODAL_WORDS
    if index is None:
        return [(info, None) for info in sents if info.patient and modal.isdisjoint(info.words)]
    hits = index.hits
    return [(info, hits(info)) for info in sents if info.patient and modal.isdisjoint(info.words)]


def _hits(info: SentInfo) -> Hits | None:
    """The sentence's hits in the sentence index (see :data:`_Course`)."""
    index = _rules().surgery.index
    return None if index is None else index.hits(info)


# ---------------------------------------------------------------- treatment and procedure


_NON = re.compile(r"\bnon[\s-]?$", re.I)  # "non-operative", "non surgical"
#: Every match of this case-sensitive pattern contains ";", "but", "however", "then" or "later".
_CLAUSE_START = re.compile(r"[;]|\bbut\b|\bhowever\b|\bthen\b|\blater\b")


def _surgery_mentions(info: SentInfo, hits: Hits | None) -> tuple[list[str], list[str]]:
    """(affirmed, negated) surgical cues in one sentence (``hits``: its :func:`_hits`)."""
    r = _rules()
    text = info.text
    affirmed: list[str] = []
    negated: list[str] = []
    matches = r.surgery.finditer_hit(info, hits)
    if not matches:
        return affirmed, negated
    absent = r.negator.absent(info)
    for m in matches:
        start = m.start()
        before = text[max(0, start - 45) : start]
        # the split changes nothing unless one of the words of _CLAUSE_START is there
        if (
            ";" in before
            or "but" in before
            or "however" in before
            or "then" in before
            or "later" in before
        ):
            before = _CLAUSE_START.split(before)[-1]
        after = text[m.end() : m.end() + 30]
        neg = (
            _negator_before(text, start - len(before), start, absent)
            or _negated_after(after)
            # a match ends at the end of ``before`` (or before a final newline): it starts in
            # its last five characters, which then hold "non" in some case ("N", "O" are the
            # only characters re.I matches to "n", "o"); \b still sees the character before
            # ``pos``
            or ("non" in before[-5:].lower() and _NON.search(before, max(0, len(before) - 5)))
        )
        (negated if neg else affirmed).append(m.group(0))
    return affirmed, negated


def _negated_after(after: str) -> bool:
    """``negated_after.match(after) is not None``; on ASCII text, only when one of
    ``negated_after_words`` occurs in the lower-cased text (a match contains a phrase, each
    phrase one of the words) and then by the lowered twin on the lower-cased text (``re``'s
    case-insensitive alternation is several times slower)."""
    r = _rules()
    if r.negated_after_low is None or not after.isascii():
        return r.negated_after.match(after) is not None
    low = after.lower()
    if not any(map(low.__contains__, r.negated_after_words)):
        return False
    return r.negated_after_low.match(low) is not None


def _negator_before(text: str, start: int, end: int, absent: bool) -> re.Match[str] | None:
    """``negator.search(text[start:end])``, where a cue that starts with ``\\b`` matched at
    ``end``; ``absent`` is the negator scanner's
    :meth:`~sseh_lit.extract.cuescan.CueScanner.absent` of the sentence ``text``.

    Exact: a ``negator`` match in the slice has ``\\b`` at both ends. Inside the slice that is
    the text's own ``\\b``; at the slice's end, a phrase ending in a letter or digit is followed
    in the text by a non-word character (the cue's ``\\b`` at ``end``). So its words are whole
    words of the text (see :func:`.cuescan._needs`), unless the slice starts inside a word
    (a letter or digit on both sides of ``start``): only then is the search still needed.
    """
    if absent and not (start > 0 and text[start - 1].isalnum() and text[start].isalnum()):
        return None
    return _rules().negator.search(text[start:end])


def _surgery_of(info: SentInfo, hits: Hits | None) -> tuple[list[str], list[str]]:
    """:func:`_surgery_mentions` of a sentence, computed once per sentence."""
    got = info.memo.get("surgery")
    if got is None:
        got = info.memo["surgery"] = _surgery_mentions(info, hits)
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
    for info, hits in course:
        if hits == {}:
            continue  # no cue
        text = info.text
        affirmed, negated = _surgery_of(info, hits)
        if affirmed and surgical is None:
            surgical = (info, affirmed[0])
        m = r.conservative.search_hit(info, hits)
        if (m or negated) and conservative is None:
            conservative = (info, m.group(0) if m else negated[0])
        if affirmed:
            pms = r.procedure.finditer_in(info)
            absent = r.negator.absent(info) if pms else False
            for pm in pms:
                # the procedure pattern starts with \b, as _negator_before needs
                if _negator_before(text, max(0, pm.start() - 45), pm.start(), absent):
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
_SURGERY_WORD_LOW = re.compile(r"\bsurg|\boperat")  # the same on lower-cased ASCII text


def _surgery_word(info: SentInfo) -> bool:
    """``_SURGERY_WORD.search(info.text)``, not run when the lower-cased text lacks both stems
    (on text :func:`folded` accepts, a case-insensitive match is a lower-cased occurrence)."""
    text = info.text
    low = folded(text)
    if low is not None and "surg" not in low and "operat" not in low:
        return False
    if low is not None and text.isascii():  # lower-cased: the same \b places and letters
        return _SURGERY_WORD_LOW.search(low) is not None
    return _SURGERY_WORD.search(text) is not None


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
    for info, hits in course:
        text = info.text
        # no cue of the index: no surgical mention
        affirmed = _surgery_of(info, hits)[0] if hits != {} else None
        if not affirmed and not _surgery_word(info):
            continue
        day = _ORDINAL_DAY.search(text) if "day" in info.words else None
        if day:  # "on the second day after symptom onset": one full day had passed
            hours = 24.0 * (_ORDINALS[fold(day.group(1))] - 1)
            return {"time_to_surgery_hours": evidence(hours, info, 0.6, day.group(0))}
        for scan, needs in r.time_patterns:
            if any(map(info.words.isdisjoint, needs)):
                continue  # a word every match contains is missing
            m = scan.search(text)
            if m:
                hours = _hours(m.group(1), m.group(2))
                if hours is not None and 0 <= hours <= 24 * 365:
                    return {"time_to_surgery_hours": evidence(hours, info, 0.75, m.group(0))}
    return {}


# ---------------------------------------------------------------- outcome


def _mask(text: str, pattern: CueScanner) -> str:
    """``text`` with every match of ``pattern`` blanked out by spaces (same length)."""
    return _blank(text, pattern.finditer(text))


def _blank(text: str, matches: Sequence[re.Match[str]]) -> str:
    """``text`` with the spans of ``matches`` (in order, not overlapping) blanked by spaces."""
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
    return _classify_outcome(
        text, got, lambda cues: cues.search(text, got), lambda cues: cues.finditer(text)
    )


def _classify_outcome(
    text: str,
    words: frozenset[str],
    search: Callable[[CueScanner], re.Match[str] | None],
    finditer: Callable[[CueScanner], list[re.Match[str]]],
) -> tuple[str, str] | None:
    """:func:`classify_outcome`, the sentence's own cues found by ``search`` and ``finditer``
    (``cues.search(text)``, ``list(cues.finditer(text))``: through the sentence index for a
    :class:`SentInfo`)."""
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
    if r.not_clinical.occurs(clause) and not r.clinical.search(_mask(clause, r.not_clinical)):
        return None  # "complete resolution of the hematoma on MRI" is imaging, not the patient
    rest = text
    if no_rec:
        rest = _blank(rest, finditer(r.no_recovery))
    if complete:
        rest = _mask(rest, r.complete) if no_rec else _blank(rest, finditer(r.complete))
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


@cache
def _outcome_slots() -> frozenset[int] | None:
    """The sentence-index slots of the cues :func:`_classify_outcome` looks for first (a
    sentence with none of them has no outcome: it ends in ``cue is None``); None when one of
    them is not in the index."""
    r = _rules()
    cues = (r.death, r.no_recovery, r.complete, r.partial)
    if any(c.index is None or c.index is not r.surgery.index for c in cues):
        return None
    return frozenset(c.slot for c in cues)


def _outcome_of(info: SentInfo, hits: Hits | None) -> tuple[str, str] | None:
    """:func:`classify_outcome` of a sentence, computed once per sentence (``hits``: its
    :func:`_hits`)."""
    got = info.memo.get("outcome")
    if got is not None:  # computed before (for another field or patient)
        return None if got is _NO_OUTCOME else got  # type: ignore[return-value]
    slots = _outcome_slots()
    if hits is not None and slots is not None and slots.isdisjoint(hits):
        # no death, recovery or partial-recovery cue in the sentence index: no cue, no outcome
        got = info.memo["outcome"] = _NO_OUTCOME
    else:
        got = info.memo["outcome"] = (
            _classify_outcome(
                info.text,
                info.words,
                lambda cues: cues.search_hit(info, hits),
                lambda cues: cues.finditer_hit(info, hits),
            )
            or _NO_OUTCOME
        )
    return None if got is _NO_OUTCOME else got  # type: ignore[return-value]


#: Where one clause of a sentence ends: "…had a hematoma at T5–T8 and improved", "MRI showed a
#: hematoma at C6; he underwent laminoplasty and recovered completely".
_CLAUSE_BREAK = re.compile(
    r";|,\s+(?:and|but|with|which)\b|[\s\u2013\u2014](?:and|but|whereas|while)\s", re.I
)


#: The lowered twin of :data:`_CLAUSE_BREAK` (:func:`~sseh_lit.regex_gate.twin_of`: the same
#: matches on lower-cased ASCII text; ``None`` if it had none).
_CLAUSE_BREAK_LOW = twin_of(_CLAUSE_BREAK)


def _clause(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around the cue at ``start``–``end``."""
    pattern, scanned = (
        (_CLAUSE_BREAK_LOW, text.lower())
        if _CLAUSE_BREAK_LOW is not None and text.isascii()
        else (_CLAUSE_BREAK, text)
    )
    left = 0
    for m in pattern.finditer(scanned, 0, start):
        left = m.end()
    nxt = pattern.search(scanned, end)
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
    for info, hits in course:
        if info.section == "title":
            continue
        got = _outcome_of(info, hits) if hits != {} else None  # no cue: no outcome
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
                got = _outcome_of(info, _hits(info))
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
        stated = _outcome_of(info, _hits(info)) if outcome_at == info.span.start_char else None
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
        for scan in r.follow_up_scans:
            for m in scan.finditer(text):
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
        for info, _hits_of_info in course:
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
