"""The screening rule engine: patterns from ``rules/screening.json`` applied to one record.

Pure functions only (no DB, no network). :func:`decide` reads a record's title, abstract and
metadata and returns a :class:`Verdict`: a reason code (``sseh_case`` or an exclusion code), a
confidence, flags, and the ids of the rules that fired.

How a record is read, in order (the first step that decides wins):

1. **Notices** — a retraction (publication type, retraction link or "Retracted:" title) or an
   erratum is not a case.
2. **Non-human, post-mortem** — veterinary and autopsy material is ``other``.
3. **What bleeds where** — an epidural haematoma, a subdural/subarachnoid/intramedullary/
   intracranial one (``not_epidural``), or a lesion that is not a haematoma at all (abscess,
   tumour: ``other``). The title is the strongest witness; the abstract decides when the title
   is silent. Mentions in a negated or contrastive context ("unlike subdural haematoma", "no
   history of trauma") do not count.
4. **Cause** — a title that says *spontaneous*/*idiopathic*/*non-traumatic* or names a drug
   keeps the record in; a title that names a procedure or trauma excludes it. When the title is
   silent, causal phrases and narrative events in the case sentences of the abstract decide,
   while background sentences ("SEH may follow trauma, surgery or lumbar puncture") are ignored.
5. **Design** — reviews, meta-analyses, guidelines, aggregate series and imaging studies without
   an individual patient are ``no_individual_patient``. The publication type "Review" alone
   never excludes.

Sensitivity first: conflicting evidence resolves towards *include* with a low confidence, and any
decision below :data:`REVIEW_BELOW` is queued for a reviewer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

from .errors import ConfigError
from .regex_gate import (
    Scanner,
    TriggerIndex,
    finditer_fast,
    folded,
    has_match,
    scanner_of,
    slice_safe,
)

#: Decisions with a confidence below this go to the review queue.
REVIEW_BELOW = 0.75

_RULES_FILE = files("sseh_lit").joinpath("rules", "screening.json")


@dataclass
class Verdict:
    """Raw engine output; :func:`sseh_lit.screen.screen_record` turns it into a Decision."""

    reason: str
    confidence: float
    needs_review: bool
    flags: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    from_metadata: bool = False  # decided by a notice/publication type, not by reading the text


@dataclass(frozen=True)
class Rule:
    """One compiled pattern with its id and optional label (e.g. the haematoma space)."""

    id: str
    regex: re.Pattern[str]
    label: str = ""


@dataclass(frozen=True)
class RuleSet:
    """The rules file, compiled: pattern groups by name plus the plain lists (publication types)."""

    version: str
    groups: dict[str, tuple[Rule, ...]]
    lists: dict[str, tuple[str, ...]]
    flags: dict[str, re.Pattern[str]]
    mesh: dict[str, tuple[str, ...]]
    negation: re.Pattern[str]
    #: which rules can match a text at all (see :mod:`sseh_lit.regex_gate`)
    gate: TriggerIndex = field(compare=False, repr=False, default_factory=lambda: TriggerIndex(()))
    #: per group, what :meth:`_Reader.matches` needs of each rule, looked up once (see
    #: :func:`_plan`)
    plans: dict[str, _Plan] = field(compare=False, repr=False, default_factory=dict)
    #: the flags as a plan of their own (a flag name stands for its rule id)
    flag_plan: _Plan = field(compare=False, repr=False, default=(0, ()))
    #: one-rule plans of the regexes the reader tries on slices of a text it has seen: the
    #: negation's look-back and look-ahead (``"negation"``, ``"post_negation"``, see
    #: :func:`is_negated`), and the first rule of the ``provisional_context``,
    #: ``provisional_after`` and ``cause_negation`` groups (see :meth:`_Reader.window`)
    windows: dict[str, _Plan] = field(compare=False, repr=False, default_factory=dict)


#: "… was denied/excluded …" right after a match (see :func:`is_negated`).
_POST_NEGATION = re.compile(
    r"^[\s,]*(?:[\w-]+\s+){0,3}(?:was|were|is|are|had been|has been)\s+(?:denied|excluded|"
    r"ruled out|absent|not|negative|unremarkable|declined|refused|avoided|withheld|"
    r"contraindicated|abandoned|cancell?ed|omitted)\b",
    re.IGNORECASE,
)


#: One rule of a group as the reader scans it: the rule, its regex's :class:`Scanner`, the
#: regex's bit in the gate's live masks and the masks of the required trigger sets the live
#: mask does not cover (see :meth:`TriggerIndex.masks`).
_Step = tuple[Rule, Scanner, int, tuple[int, ...]]
#: A group's scan plan: the bits of its regexes (a text whose live mask has none of them has
#: no match of the group) and its steps.
_Plan = tuple[int, tuple[_Step, ...]]


def _plan(gate: TriggerIndex, rules: tuple[Rule, ...]) -> _Plan:
    """The scan plan of a group: the live mask already tests a regex's most selective trigger
    set, so only the others are left for :meth:`_Reader._gated` (together they are exactly
    :meth:`TriggerIndex.may_match`)."""
    steps = tuple(
        (rule, scanner_of(rule.regex), gate.bit_of(rule.regex), gate.word_bits(rule.regex)[1:])
        for rule in rules
    )
    return sum(step[2] for step in steps), steps


def _expand(pattern: str, terms: dict[str, str]) -> str:
    """Replace ``{name}`` with the named term alternation (repeat counts like ``{0,4}`` stay)."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: f"(?:{terms[m.group(1)]})", pattern)


def _compile(rule_id: str, pattern: str, terms: dict[str, str]) -> re.Pattern[str]:
    try:
        return re.compile(_expand(pattern, terms), re.IGNORECASE)
    except (re.error, KeyError) as e:
        raise ConfigError(f"screening rule {rule_id}: bad pattern ({e})") from e


def parse_rules(data: dict[str, Any]) -> RuleSet:
    """Compile the rules document (the JSON file's content).

    The version is the file's own ``version`` plus a hash of its content, so editing any
    pattern changes :data:`RULES_VERSION` and ``screen_db`` re-screens every record. A bad
    pattern raises :class:`~sseh_lit.errors.ConfigError` naming the rule.
    """
    terms: dict[str, str] = {}
    for name, raw in data["terms"].items():  # later terms may use earlier ones
        terms[name] = _expand(raw, terms)
    groups: dict[str, tuple[Rule, ...]] = {}
    lists: dict[str, tuple[str, ...]] = {}
    for name, value in data["rules"].items():
        if name in ("flags", "mesh"):
            continue
        if value and isinstance(value[0], str):
            lists[name] = tuple(v.lower() for v in value)
            continue
        groups[name] = tuple(
            Rule(rule["id"], _compile(rule["id"], rule["pattern"], terms), rule.get("label", ""))
            for rule in value
        )
    flags = {
        name: _compile(f"flag {name}", raw, terms) for name, raw in data["rules"]["flags"].items()
    }
    mesh = {k: tuple(v.lower() for v in vals) for k, vals in data["rules"]["mesh"].items()}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()
    negation = re.compile(terms["neg"], re.IGNORECASE)
    windows = {"negation": negation, "post_negation": _POST_NEGATION}
    gate = TriggerIndex(
        [rule.regex for rules in groups.values() for rule in rules]
        + list(flags.values())
        + list(windows.values())
    )
    return RuleSet(
        version=f"{data['version']}+{digest[:8]}",
        groups=groups,
        lists=lists,
        flags=flags,
        mesh=mesh,
        negation=negation,
        gate=gate,
        plans={name: _plan(gate, rules) for name, rules in groups.items()},
        flag_plan=_plan(gate, tuple(Rule(name, regex) for name, regex in flags.items())),
        windows={
            **{name: _plan(gate, (Rule(name, regex),)) for name, regex in windows.items()},
            **{
                name: _plan(gate, groups[name][:1])
                for name in ("provisional_context", "provisional_after", "cause_negation")
                if name in groups
            },
        },
    )


@cache
def load_rules() -> RuleSet:
    """The packaged rule set (compiled once per process)."""
    return parse_rules(json.loads(_RULES_FILE.read_text(encoding="utf-8")))


RULES_VERSION: str = load_rules().version


# --------------------------------------------------------------------------- text helpers

#: A sentence ends at whitespace after [.!?] before a capital or digit, or at newlines: the
#: split points of ``(?<=[.!?])\s+(?=["'(\[]?[A-Z0-9])|\n+``. That pattern is tried at every
#: position; this one starts with a character of the class ``[.!?\n]``, so ``re`` skips to the
#: next one. Its match starts one character early for the first alternative (the [.!?] the
#: lookbehind tested; group 1 is the split point) and at the split point for the second. No
#: split point can begin inside an earlier match (those end in whitespace, never in [.!?]),
#: so the split points are the same (see :func:`sentences`).
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])(\s+)(?=[\"'(\[]?[A-Z0-9])|(?<=\n)\n*)")
_CLAUSE_START = re.compile(
    r"[;:]|\bbut\b|\bhowever\b|\balthough\b|\bwhereas\b|\bwhile\b|\bthen\b|\band (?:he|she|the patient)\b",
    re.IGNORECASE,
)
_REMOTE_PAST = re.compile(
    r"^[^.;]{0,40}?\b(?:months?|years?|decades?)\s+(?:before|prior|earlier|ago|previously)\b",
    re.IGNORECASE,
)
_SPONT_NOT_CAUSE = re.compile(
    r"spontan\w*\s+(?:resolution|resolving|resolved|regression|recovery|improvement|"
    r"remission|reabsorption|absorption|disappearance|decompression)|resolv\w+\s+spontan\w*|"
    r"spontaneously\s+(?:resolv|regress|improv|recover|disappear|absorb)",
    re.IGNORECASE,
)
_NEG_WINDOW = 70
_SENTENCE_BREAK = re.compile(r"[.!?]\s")
_PUNCTURE = re.compile(r"puncture|\bLP\b|\btap\b", re.I)
_FALL = re.compile(
    r"\b(?:falls?|fell|falling|tripped|stumbled|slipped|struck|hit|banged|bumped|landed)\b", re.I
)
_GENERIC_LESION = frozenset({"mass", "masses", "lesion", "lesions"})
_INTERVAL_BEFORE = re.compile(r"\b(?:months?|years?|decades?)\s*$", re.I)
_REMOTE_AFTER = re.compile(r"\b(?:months?|years?|decades?)\s+(?:after|following|post)\b", re.I)
#: Rule groups whose matches name a cause; their cause term must not be negated either.
_CAUSE_GROUPS = frozenset(
    {"traumatic_cause", "iatrogenic_cause", "procedure_event", "trauma_event"}
)
_CAUSE_TERM_GROUPS = ("trauma_term", "procedure_term", "specific_procedure")
_CLAUSE_END = re.compile(r"[.;:!?\n]")
_CASE_TITLE = re.compile(r"\bcase\b(?!\s+series)|\bpatient\b|year-old|month-old", re.I)


def sentences(text: str) -> list[str]:
    """Split an abstract into sentences (and structured-section paragraphs)."""
    text = text or ""
    out = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        start, end = m.span(1) if m.group(1) is not None else m.span()
        piece = text[pos:start].strip()
        if piece:
            out.append(piece)
        pos = end
    piece = text[pos:].strip()
    if piece:
        out.append(piece)
    return out


def clause_before(text: str, start: int, width: int = _NEG_WINDOW) -> str:
    """The text of the clause that ends at ``start`` (at most ``width`` characters of it)."""
    before = text[max(0, start - width) : start]
    boundaries = finditer_fast(_CLAUSE_START, before)
    cut = boundaries[-1].end() if boundaries else 0  # the clause starts after the last one
    return _SENTENCE_BREAK.split(before[cut:])[-1]


def is_negated(text: str, start: int, end: int, negation: re.Pattern[str]) -> bool:
    """True when the match at ``start:end`` sits in a negated or contrastive context.

    Looks back to the start of the clause (at most ~70 characters) for a cue such as "no",
    "without", "denied", "unlike", "rather than", and forward for "... was denied/excluded".
    """
    if has_match(negation, clause_before(text, start)):
        return True
    return has_match(_POST_NEGATION, text[end : end + 60])


def _remote_past(text: str, end: int, start: int | None = None) -> bool:
    """True when the event is dated months/years away from the bleed, so not its cause.

    "a fall two years earlier" (after the match) or "3 months after the accident" (before a
    match that starts with after/following: a follow-up date or a remote event).
    """
    if start is not None and _INTERVAL_BEFORE.search(text[max(0, start - 30) : start]):
        return True
    return bool(_REMOTE_PAST.search(text[end : end + 60]))


class _Text:
    """A title and an abstract, the abstract split into sentences.

    The split, and which sentences are background (hedged, generic statements about the
    disease) and which tell the case, are worked out on first use: many records are decided
    by their title and never ask (:func:`decide_reason` skips the flags, the only step that
    always asks).
    """

    def __init__(self, reader: _Reader, title: str, abstract: str) -> None:
        self.title = title
        self.abstract = abstract
        self._reader = reader

    @cached_property
    def sents(self) -> list[str]:
        """The abstract's sentences (see :func:`sentences`)."""
        return sentences(self.abstract)

    def known_statements(self) -> list[str] | None:
        """:attr:`statements` when worked out already, else ``None`` (not worked out here)."""
        return self.__dict__.get("statements")  # where cached_property keeps it

    @cached_property
    def statements(self) -> list[str]:
        """Every sentence without a hedge (narrative or a plain statement)."""
        generic = self._reader.generic
        return [s for s in self.sents if not generic(s)]

    @cached_property
    def narrative(self) -> list[str]:
        """The sentences about this record's patient(s): the statements from the first
        sentence that introduces an individual patient on (an age, "a 45-year-old man", "we
        report a case", "Case presentation:")."""
        has, generic = self._reader.has, self._reader.generic
        for i, s in enumerate(self.sents):
            if has("individual", s):
                return [t for t in self.sents[i:] if not generic(t)]
        return []


#: What a reader knows of a text after one look: folded text, the masks of the triggers in it
#: and of the live regexes (see :meth:`TriggerIndex.masks`); all ``None`` when the text is
#: not foldable (see :func:`sseh_lit.regex_gate.folded`): every rule may match it then.
_Seen = tuple[str | None, int | None, int | None]


def _live_steps(plan: _Plan, seen: _Seen) -> Sequence[_Step]:
    """The steps of ``plan`` the gate lets through for a text: a rule is left out when its
    most selective trigger set is absent (its bit is not live) or one of its other required
    sets is (a mask without a hit), so it provably has no match."""
    _low, hit, live = seen
    bits, steps = plan
    if live is None or hit is None:
        return steps
    if not live & bits:
        return ()
    kept = []
    for step in steps:
        if step[2] & live:
            for needed in step[3]:  # a loop, not any(): hot
                if not needed & hit:
                    break
            else:
                kept.append(step)
    return kept


class _Reader:
    """Applies one rule set to one record; keeps the list of rule ids that fired."""

    def __init__(self, rules: RuleSet, *, full: bool = True) -> None:
        self.rules = rules
        #: False when only the reason is wanted (:func:`decide_reason`): the ids of the rules
        #: that fired are then not listed (they only feed the verdict's ``fired`` detail), and
        #: no flag will read every sentence (see :meth:`count_sents`)
        self.full = full
        self.fired: list[str] = []
        self.mixed = False
        self.questioned = False  # spontaneity put in doubt (question, scare quotes)
        self.doubts: list[str] = []  # evidence set aside that a reviewer should see
        self._memo: dict[tuple[str, str, bool], list[tuple[Rule, re.Match[str]]]] = {}
        # by Scanner (hashed by identity: hashing a Pattern hashes its compiled code)
        self._raw: dict[tuple[Scanner, str], list[re.Match[str]]] = {}
        self._texts: dict[str, _Seen] = {}
        self._has: dict[tuple[str | Scanner, str], bool] = {}  # by group or by Scanner

    def matches(
        self, group: str, text: str, *, affirmed: bool = True, note: bool = True
    ) -> list[tuple[Rule, re.Match[str]]]:
        """Matches of a rule group in ``text``; with ``affirmed``, negated ones are dropped.

        Results are memoised per (group, text, affirmed): the steps of a decision ask the same
        questions of the same sentences many times.
        """
        key = (group, text, affirmed)
        found = self._memo.get(key)
        if found is None:
            seen = self._texts.get(text)
            if seen is None:
                seen = self._see(text)
            live = seen[2]
            if live is not None and not live & self.rules.plans[group][0]:
                found = self._memo[key] = []  # no rule of the group is live: the common case
            else:
                found = self._memo[key] = self._scan(group, text, affirmed)
        if note and found and self.full:
            ids = sorted({r.id for r, _ in found})
            self.fired.append(f"{'+'.join(ids)}")
        return found

    def _scan(self, group: str, text: str, affirmed: bool) -> list[tuple[Rule, re.Match[str]]]:
        """The matches of :meth:`matches`, not memoised."""
        raw = self._raw
        low = self._texts[text][0] if text in self._texts else self._see(text)[0]
        found: list[tuple[Rule, re.Match[str]]] = []
        for rule, scanner, _bit, _rest in self._gated(group, text):
            key = (scanner, text)
            ms = raw.get(key)
            if ms is None:  # regex.finditer(text), shared by affirmed and plain reads
                ms = raw[key] = scanner.finditer(text, low)
            if not ms:
                continue
            if not affirmed:
                found.extend([(rule, m) for m in ms])
                continue
            for m in ms:
                if self.negated(text, m.start(), m.end()):
                    continue
                if group in _CAUSE_GROUPS and self._not_a_cause(group, rule, text, m):
                    continue
                found.append((rule, m))
        return found

    def window(self, name: str, text: str) -> Scanner | None:
        """The scanner of window regex ``name`` (see :attr:`RuleSet.windows`), or ``None`` when
        the gate proves it has no match in ``text`` nor in any slice of it.

        A slice holds no trigger that ``text`` lacks: on foldable text lower-casing maps each
        character to one (and only non-ASCII letters, never an ASCII trigger, depend on their
        neighbours: the final sigma), so the ASCII triggers of the slice's folded form are
        those of the text's found inside it. The windows the reader asks about (the clause
        before a match, the text after it, a match itself) are all slices of a text it has
        seen; a window regex dead in the text is dead in each of them.
        """
        seen = self._texts.get(text)
        if seen is None:
            seen = self._see(text)
        steps = _live_steps(self.rules.windows[name], seen)
        return steps[0][1] if steps else None

    def negated(self, text: str, start: int, end: int) -> bool:
        """``is_negated(text, start, end, rules.negation)``; a window whose regex the gate
        finds dead in ``text`` is not cut out and read (see :meth:`window`)."""
        neg = self.window("negation", text)
        if neg is not None and neg.has(clause_before(text, start)):
            return True
        post = self.window("post_negation", text)
        return post is not None and post.has(text[end : end + 60])

    def _gated(self, group: str, text: str) -> Sequence[_Step]:
        """The rules of ``group`` the gate lets through for ``text`` (see :func:`_live_steps`)."""
        seen = self._texts.get(text)
        if seen is None:
            seen = self._see(text)
        return _live_steps(self.rules.plans[group], seen)

    def has(self, group: str, text: str, *, but: str = "") -> bool:
        """``any(group, text, affirmed=False)`` without listing every match: each rule's scan
        stops at its first match, and the rules' at the first rule that has one. ``but`` names
        a rule left out of the question."""
        if but:
            return self._has_any(group, text, but)
        key = (group, text)
        found = self._has.get(key)
        if found is None:
            listed = self._memo.get((group, text, False))
            found = self._has[key] = (
                bool(listed) if listed is not None else self._has_any(group, text, "")
            )
        return found

    def _has_any(self, group: str, text: str, but: str) -> bool:
        """:meth:`has` without the memo: the gated rules in order, the first match ends it (a
        loop, not a generator: hot)."""
        seen = self._texts.get(text)
        if seen is None:
            seen = self._see(text)
        has_rule = self._has_rule
        for step in _live_steps(self.rules.plans[group], seen):
            if step[0].id != but and has_rule(step[1], text):
                return True
        return False

    def _has_rule(self, scanner: Scanner, text: str) -> bool:
        """True when the scanner's regex has a match in ``text`` (memoised per record)."""
        key = (scanner, text)
        listed = self._raw.get(key)
        if listed is not None:
            return bool(listed)
        found = self._has.get(key)
        if found is None:
            seen = self._texts.get(text)  # its folded form, when read already
            found = self._has[key] = scanner.has(text, seen[0] if seen is not None else None)
        return found

    def _see(self, text: str) -> _Seen:
        """Read ``text`` once: its folded form and the rule triggers in it (memoised)."""
        low = folded(text)
        if low is None:
            seen = self._texts[text] = (None, None, None)
        else:
            hit, live = self.rules.gate.masks(low)
            seen = self._texts[text] = (low, hit, live)
        return seen

    def seen(self, text: str) -> _Seen:
        """What :meth:`_see` found in ``text`` (memoised per record)."""
        seen = self._texts.get(text)
        return seen if seen is not None else self._see(text)

    def _finditer(self, scanner: Scanner, text: str) -> list[re.Match[str]]:
        """``regex.finditer(text)`` of the scanner's regex, memoised per record (affirmed and
        plain reads share it)."""
        key = (scanner, text)
        found = self._raw.get(key)
        if found is None:
            seen = self._texts.get(text)
            low = seen[0] if seen is not None else None
            found = self._raw[key] = scanner.finditer(text, low)
        return found

    def affirmed_where(
        self, group: str, text: str, wanted: Callable[[Rule, re.Match[str]], bool]
    ) -> Iterator[tuple[Rule, re.Match[str]]]:
        """The matches of ``matches(group, text)`` for which ``wanted`` holds, found one at a
        time, each tested by ``wanted`` before the costly affirmed checks (negation, and for a
        cause group :meth:`_not_a_cause`). The affirmed list is the raw list less the matches
        those per-match checks drop, so the result is the same set, in the same order."""
        listed = self._memo.get((group, text, True))
        if listed is not None:
            yield from (hit for hit in listed if wanted(*hit))
            return
        cause = group in _CAUSE_GROUPS
        for step in self._gated(group, text):
            rule = step[0]
            for m in self._finditer(step[1], text):
                if not wanted(rule, m) or self.negated(text, m.start(), m.end()):
                    continue
                if cause and self._not_a_cause(group, rule, text, m):
                    continue
                yield rule, m

    def _not_a_cause(self, group: str, rule: Rule, text: str, m: re.Match[str]) -> bool:
        """True when a cause match names no cause after all.

        Its cause terms are negated or refused; an operation is the treatment ("full recovery
        after emergency laminectomy"); a fall is the consequence of the weakness ("her legs gave
        way and she fell", "fell because of leg weakness"); abuse or injury is only considered
        ("was considered", "to exclude"); a lumbar puncture is part of the work-up (its result
        is told: "showed clear CSF") — the last is noted as a doubt for the reviewer.
        """
        if group in ("iatrogenic_cause", "procedure_event"):
            treatment = self.matches("treatment_context", m.group(0), affirmed=False, note=False)
            if treatment:  # a cause told before the treatment still counts
                head = m.group(0)[: treatment[0][1].start()]
                return not rule.regex.search(head)
        if group in ("trauma_event", "traumatic_cause") and self.any(
            "cause_doubt_after", text[m.end() :], affirmed=False
        ):
            return True  # "non-accidental injury was considered" (and then excluded)
        if (
            group == "procedure_event"
            and _PUNCTURE.search(m.group(0))
            and self.any("diagnostic_puncture", text[m.end() :], affirmed=False)
        ):
            self.doubts.append("puncture in the work-up, not counted as the cause")
            return True  # "a lumbar puncture to exclude SAH showed clear CSF": the work-up
        if (
            group == "trauma_event"
            and _FALL.search(m.group(0))
            and (
                self.any("fall_consequence", text[: m.start()], affirmed=False)
                or self.any("fall_consequence_after", text[m.end() :], affirmed=False)
            )
        ):
            return True
        return self._cause_negated(text, m)

    def _cause_negated(self, text: str, m: re.Match[str]) -> bool:
        """True when every cause term inside a cause match is itself negated or refused.

        "haematoma after delivery *without* neuraxial analgesia", "she had *declined* epidural
        analgesia": the match starts affirmed, but the procedure or trauma it names did not
        happen. Only the few words right before each term count, so "without apparent cause
        two weeks after laminoplasty" keeps its laminoplasty.
        """
        cue = self.window("cause_negation", text)
        if cue is None:  # no clause before a term can hold a cue: none is negated (terms,
            return False  # below, is never empty)
        terms = [
            (m.start() + t.start(), t)
            for group in _CAUSE_TERM_GROUPS
            for step in self.rules.plans[group][1]
            for t in step[1].finditer(m.group(0))
        ]
        if not terms:  # an event named without a cause term ("child abuse", "MVA")
            terms = [(m.start(), m)]
        return all(cue.has(clause_before(text, start, 60)) for start, _ in terms)

    def final(
        self, group: str, text: str, *, note: bool = False
    ) -> list[tuple[Rule, re.Match[str]]]:
        """Affirmed matches that are not a provisional diagnosis ("initially reported as …").

        A lesion first read as a haematoma (or a haematoma first read as a tumour) is told with
        the wrong name before the right one; only the final reading counts.
        """
        return [
            (rule, m)
            for rule, m in self.matches(group, text, note=note)
            if not self.provisional(text, m.start(), m.end())
        ]

    def provisional(self, text: str, start: int, end: int) -> bool:
        """True when ``start:end`` is named as a first, presumed or mistaken diagnosis."""
        before = self.window("provisional_context", text)  # None: no match in any slice
        if before is not None and before.has(clause_before(text, start, 90)):
            return True
        after = self.window("provisional_after", text)
        return after is not None and after.has(text[end:])

    def count(
        self, group: str, texts: Sequence[str], *, affirmed: bool = True, upto: int = 0
    ) -> int:
        """How many matches of ``group`` the ``texts`` hold together (memo read inline: hot).

        With ``upto``, the texts after the one where the count reaches ``upto`` are not read
        (the count returned is then at least ``upto``): enough for a caller that only asks
        whether it is below ``upto`` (the look-ups are pure, so skipping them changes nothing).
        """
        memo, seen_texts, bits = self._memo, self._texts, self.rules.plans[group][0]
        n = 0
        for text in texts:
            if upto and n >= upto:
                break
            found = memo.get((group, text, affirmed))
            if found is None:
                seen = seen_texts.get(text)
                if seen is not None and seen[2] is not None and not seen[2] & bits:
                    continue  # no rule of the group is live: no match (what matches() says)
                found = self.matches(group, text, affirmed=affirmed, note=False)
            n += len(found)
        return n

    def count_sents(self, group: str, doc: _Text, *, affirmed: bool = True, upto: int = 0) -> int:
        """``count(group, doc.sents)`` (``upto`` as there), without reading the sentences when
        no rule of the group matches the abstract.

        Each sentence is a slice of the abstract whose neighbours are whitespace (see
        :func:`sentences`), so for rules that :func:`~sseh_lit.regex_gate.slice_safe` accepts a
        match in a sentence is a match in the abstract: one anchored scan of the abstract then
        answers for every sentence (the animal words' triggers, "rat" and "cat", wake up in
        nearly every sentence, so the per-sentence gate lets almost all of them through).
        Only when the reason alone is wanted: for a full verdict the flags look at every
        sentence anyway, and the sentence scans then cost less than one more of the abstract.
        """
        if not doc.abstract:
            return 0  # no sentences
        rules = self.rules.groups[group]
        if (
            not self.full
            and all(slice_safe(rule.regex) for rule in rules)
            and not any(
                self._has_rule(step[1], doc.abstract) for step in self.rules.plans[group][1]
            )
        ):
            return 0
        return self.count(group, doc.sents, affirmed=affirmed, upto=upto)

    def any(self, group: str, text: str, *, affirmed: bool = True) -> bool:
        """True when ``group`` has a match in ``text`` (affirmed unless told otherwise); a
        plain question is :meth:`has` (each rule's scan stops at its first match)."""
        found = self._memo.get((group, text, affirmed))
        if found is None:
            if not affirmed:
                return self.has(group, text)
            found = self.matches(group, text, note=False)
        return bool(found)

    def affirmed_rule(self, group: str, rule_id: str, text: str) -> bool:
        """True when rule ``rule_id`` of ``group`` has a match in ``text`` that is not negated:
        ``any(r.id == rule_id for r, _ in matches(group, text))`` for a group without cause
        checks, without scanning the group's other rules."""
        assert group not in _CAUSE_GROUPS  # their matches pass further checks
        listed = self._memo.get((group, text, True))
        if listed is not None:
            return any(rule.id == rule_id for rule, _ in listed)
        seen = self.seen(text)
        for step in _live_steps(self.rules.plans[group], seen):
            if step[0].id != rule_id:
                continue
            for m in self._finditer(step[1], text):
                if not self.negated(text, m.start(), m.end()):
                    return True
        return False

    def statements_for(self, group: str, doc: _Text) -> list[str]:
        """The statements of ``doc`` in which a rule of ``group`` is live, in order.

        The other statements hold no match of the group (the gate is exact), so a count, scan
        or ``any`` of the group over ``doc.statements`` gives the same over these; whether a
        sentence is generic is asked only of these (when the statements are not known yet),
        so a record whose later steps never need every sentence classified is spared that.
        """
        known = doc.known_statements()
        bits = self.rules.plans[group][0]
        texts = self._texts
        out = []
        for sent in doc.sents if known is None else known:
            live = (texts.get(sent) or self._see(sent))[2]
            if live is not None and not live & bits:
                continue
            if known is None and self.generic(sent):
                continue
            out.append(sent)
        return out

    def generic(self, sentence: str) -> bool:
        """True when ``sentence`` is hedged or generic ("may", "usually", "such as" …)."""
        return self.has("generic_sentence", sentence)


def _has(items: list[Any] | frozenset[str], wanted: tuple[str, ...]) -> bool:
    """True when one of the lower-case ``wanted`` names is among ``items`` (compared stripped
    and lower-cased; a frozenset is taken as already so, see :func:`_lowered`)."""
    lowered = items if isinstance(items, frozenset) else _lowered(items)
    return not lowered.isdisjoint(wanted)


def _lowered(items: list[Any]) -> frozenset[str]:
    """``items`` as :func:`_has` compares them, once per record instead of once per test."""
    return frozenset([str(i).strip().lower() for i in items])


# --------------------------------------------------------------------------- the decision


def decide(
    *,
    title: str,
    abstract: str,
    publication_types: list[Any],
    mesh: list[Any],
    language: str,
    retraction: list[Any],
    rules: RuleSet | None = None,
) -> Verdict:
    """Screen one record. See the module docstring for the order of reading."""
    rules = rules or load_rules()
    reader = _Reader(rules)
    title = (title or "").strip()
    abstract = (abstract or "").strip()
    doc = _read(reader, title, abstract)
    pubtypes = _lowered(publication_types)
    flags = _flags(reader, doc, pubtypes, language)
    verdict = _decide(reader, doc, pubtypes, mesh, retraction)
    if not abstract and verdict.reason == "sseh_case":
        flags.append("full_text_needed")
        verdict.confidence = min(verdict.confidence, 0.8)
    if not abstract and verdict.reason != "sseh_case" and not verdict.from_metadata:
        verdict.confidence = min(verdict.confidence, 0.7)  # a title alone never excludes for sure
    if reader.questioned and not verdict.from_metadata:
        reader.doubts.append("spontaneity questioned")
    if reader.doubts and not verdict.from_metadata:
        verdict.confidence = min(verdict.confidence, 0.7)
        verdict.fired.extend(sorted(set(reader.doubts)))
    verdict.flags = sorted(set(flags))
    verdict.needs_review = verdict.confidence < REVIEW_BELOW
    verdict.fired = [*reader.fired, *verdict.fired]
    return verdict


def decide_reason(
    *,
    title: str,
    abstract: str,
    publication_types: list[Any],
    mesh: list[Any],
    retraction: list[Any],
    rules: RuleSet | None = None,
) -> str:
    """The reason code of :func:`decide` for the same record, and nothing else.

    :func:`decide` takes its reason from :func:`_decide` unchanged: everything it does after
    that (flags, the ``full_text_needed`` flag, confidence caps, doubts, the review mark, the
    detail) touches other fields of the verdict only. So this runs :func:`_decide` alone, on a
    reader that lists no fired rules, and skips the flags (:func:`_flags`) and the language.
    The reader's state flags (``mixed``, ``questioned``, ``doubts``) only ever lower the
    confidence, and its memos hold pure results, so the reason is the same.
    """
    rules = rules or load_rules()
    reader = _Reader(rules, full=False)
    doc = _read(reader, (title or "").strip(), (abstract or "").strip())
    return _decide(reader, doc, _lowered(publication_types), mesh, retraction).reason


def _read(reader: _Reader, title: str, abstract: str) -> _Text:
    """The record's texts as the steps read them (see :class:`_Text`)."""
    return _Text(reader, title, abstract)


def _flags(
    reader: _Reader, doc: _Text, publication_types: frozenset[str], language: str
) -> list[str]:
    """Affirmed risk factors and context (never exclusion reasons): anticoagulant, pregnancy …

    Read from the title and the unhedged sentences only, so "SSEH may be caused by coagulopathy
    or a vascular malformation" flags nothing.
    """
    found: list[str] = []  # the caller sorts them: text by text is as good as flag by flag
    for text in (doc.title, *doc.statements):
        for step in _live_steps(reader.rules.flag_plan, reader.seen(text)):
            name = step[0].id
            if name not in found and any(
                not reader.negated(text, m.start(), m.end())
                for m in reader._finditer(step[1], text)
            ):
                found.append(name)
    lang = (language or "").strip().lower()
    if (lang and lang not in ("eng", "en", "english")) or _has(
        publication_types, ("english abstract",)
    ):
        found.append("non_english")
    return found


def _decide(
    reader: _Reader,
    doc: _Text,
    publication_types: frozenset[str],
    mesh: list[Any],
    retraction: list[Any],
) -> Verdict:
    rules = reader.rules
    lists = rules.lists

    # 1. notices
    links = [
        (item.get("type") if isinstance(item, dict) else str(item)) or "" for item in retraction
    ]
    if (
        _has(publication_types, lists["retracted_pubtypes"])
        or _has(links, lists["retracted_links"])  # lower-cased by parse_rules
        or reader.any("retracted_title", doc.title, affirmed=False)
    ):
        return Verdict("retracted", 0.95, False, fired=["RET"], from_metadata=True)
    if _has(publication_types, lists["not_case_pubtypes"]):
        return Verdict("other", 0.85, False, fired=["OT-NOTICE"], from_metadata=True)
    if _has(publication_types, lists["commentary_pubtypes"]) and not _has(
        publication_types, lists["case_pubtypes"]
    ):
        return Verdict(
            "no_individual_patient",
            0.75,
            False,
            fired=["commentary publication type"],
            from_metadata=True,
        )
    notice = reader.matches("notice_title", doc.title, affirmed=False)
    if notice:
        rule = notice[0][0]
        reason = "other" if rule.id.startswith("OT") else "no_individual_patient"
        return Verdict(reason, 0.8, False, fired=[rule.label], from_metadata=True)

    # 2. non-human and post-mortem material
    mesh_l = _lowered(mesh)
    animals_only = _has(mesh_l, rules.mesh["animals_only"]) and not _has(
        mesh_l, rules.mesh["humans"]
    )
    if reader.matches("non_human", doc.title) or animals_only:
        return Verdict("other", 0.9, False, fired=["non-human"])
    if reader.count_sents("non_human", doc, upto=2) >= 2 and not reader.has(
        "individual", doc.abstract
    ):
        return Verdict("other", 0.7, False, fired=["non-human (abstract)"])
    if reader.matches("post_mortem", doc.title):
        return Verdict("other", 0.85, False, fired=["post-mortem"])

    # 3. what bleeds where
    where = _where(reader, doc, mesh_l)
    if where is not None:
        return where

    # 4. cause, 5. design
    cause = _cause(reader, doc)
    if cause.reason != "sseh_case":
        return cause
    design = _design(reader, doc, publication_types)
    if design is not None:
        return design
    if reader.mixed:
        cause.confidence = min(cause.confidence, 0.6)
        cause.fired.append("title names epidural and another space")
    return cause


def _where(reader: _Reader, doc: _Text, mesh_l: frozenset[str]) -> Verdict | None:
    """Exclude when the bleed is not a spinal epidural haematoma (or not a haematoma at all).

    Names given as a first or mistaken reading ("an abscess initially reported as a haematoma",
    "a metastasis mimicking a haematoma") do not count: only the final diagnosis does.
    """
    if reader.full:
        reader.matches("epidural_haematoma", doc.title)  # noted in the detail
    t_epi = reader.final("epidural_haematoma", doc.title)
    t_other = reader.final("other_space_haematoma", doc.title, note=True)
    title_hem = bool(t_epi or reader.final("haematoma", doc.title))
    if t_other and not t_epi:
        space = t_other[0][0].label
        return Verdict("not_epidural", 0.9, False, fired=[f"title: {space} haematoma"])
    if t_other and t_epi:
        reader.mixed = True  # both spaces named: decide on cause, but never confidently

    spinal_title = reader.any("spinal_context", doc.title, affirmed=False)
    # background or contrasted places ("better known in the spine", "unlike the spinal form",
    # "no intracranial bleed") do not place this patient's bleed
    if t_epi:  # the common case: only the places are needed (the look-ups are pure)
        if spinal_title:
            return None
        cranial_title = reader.any("cranial_context", doc.title, affirmed=False)
        if (
            cranial_title
            or reader.count(
                "cranial_context", reader.statements_for("cranial_context", doc), upto=1
            )
        ) and not reader.count(
            "spinal_context", reader.statements_for("spinal_context", doc), upto=1
        ):
            conf = 0.85 if cranial_title else 0.7
            return Verdict("not_epidural", conf, False, fired=["intracranial epidural"])
        return None
    abs_ = _AbstractPlaces(reader, doc)  # each count worked out on first use (pure look-ups)
    lesion = reader.final("not_a_haematoma", doc.title, note=True)
    if lesion and not title_hem:
        what = lesion[0][0].label
        if abs_.epi_final:
            return Verdict("sseh_case", 0.55, True, fired=[f"{what} in title, haematoma in text"])
        if abs_.blood_final and not abs_.lesion:  # "… mass": a clot at surgery, no lesion named
            return Verdict("sseh_case", 0.55, True, fired=[f"{what} in title, blood in text"])
        fired = f"{what}, not a haematoma" + (
            " (haematoma only as a first reading)" if abs_.epi_first_reading else ""
        )
        return Verdict("other", 0.8, False, fired=[fired])
    if lesion and title_hem:
        return Verdict("sseh_case", 0.6, True, fired=["bleeding lesion"])

    if _has(mesh_l, ("hematoma, subdural, spinal",)) and not abs_.epi:
        return Verdict("not_epidural", 0.8, False, fired=["MeSH subdural"])
    if abs_.other and len(abs_.other) > abs_.epi_final:
        space = abs_.other[0][0].label
        return Verdict("not_epidural", 0.7, True, fired=[f"abstract: {space} haematoma"])
    if (
        abs_.epi
        and not abs_.epi_final
        and abs_.epi_first_reading
        and abs_.lesion
        and not abs_.blood_final
    ):
        what = abs_.lesion[0][0].label
        return Verdict("other", 0.7, True, fired=[f"haematoma only as a first reading; {what}"])
    if abs_.epi:
        if not spinal_title and abs_.cranial and not abs_.spinal:
            return Verdict("not_epidural", 0.7, True, fired=["intracranial epidural"])
        return None
    if _has(mesh_l, ("hematoma, epidural, spinal",)):
        return None
    if doc.abstract and (spinal_title or abs_.spinal) and not abs_.lesion:
        # the epidural place and the blood told apart: "an extradural mass … a clot was removed"
        collection = reader.count(
            "epidural_collection", reader.statements_for("epidural_collection", doc), upto=1
        )
        if collection and (abs_.blood_final or title_hem):
            return Verdict(
                "sseh_case", 0.55, True, fired=["epidural collection and blood named apart"]
            )
    if title_hem or reader.any("spontaneous", doc.title):
        if (spinal_title or abs_.spinal) and doc.abstract:
            return Verdict("other", 0.6, True, fired=["spinal haematoma, epidural not stated"])
        if not doc.abstract and (spinal_title or reader.any("epidural_haematoma", doc.title)):
            return Verdict("sseh_case", 0.55, True, fired=["title only, may be a case"])
    if not doc.abstract and reader.any("acute_spinal_presentation", doc.title):
        return Verdict(
            "sseh_case", 0.5, True, fired=["title only: acute cord syndrome, may be a case"]
        )
    return Verdict("other", 0.85, False, fired=["not about a spinal epidural haematoma"])


class _AbstractPlaces:
    """What the abstract says of the bleed and its place, for :func:`_where` when the title
    names no epidural haematoma; each count is worked out on first use, as most records are
    decided before the last of them is asked (the look-ups are pure: the order of asking
    changes no answer)."""

    def __init__(self, reader: _Reader, doc: _Text) -> None:
        self._reader = reader
        self._doc = doc

    def _statements(self, group: str) -> list[str]:
        return self._reader.statements_for(group, self._doc)

    # spinal, cranial and epi are only asked whether they are zero: counted up to one

    @cached_property
    def spinal(self) -> int:
        """Spinal places named in the statements (1: some)."""
        return self._reader.count("spinal_context", self._statements("spinal_context"), upto=1)

    @cached_property
    def cranial(self) -> int:
        """Cranial places named in the statements (1: some)."""
        return self._reader.count("cranial_context", self._statements("cranial_context"), upto=1)

    @cached_property
    def epi(self) -> int:
        """Affirmed epidural haematomas in all sentences (1: some)."""
        return self._reader.count("epidural_haematoma", self._doc.sents, upto=1)

    @cached_property
    def epi_final(self) -> int:
        """Epidural haematomas in the statements that are the final reading."""
        final = self._reader.final
        return sum(
            len(final("epidural_haematoma", s)) for s in self._statements("epidural_haematoma")
        )

    @cached_property
    def epi_first_reading(self) -> int:
        """Epidural haematomas in the statements named only as a first reading."""
        count = self._reader.count("epidural_haematoma", self._statements("epidural_haematoma"))
        return count - self.epi_final

    @cached_property
    def other(self) -> list[tuple[Rule, re.Match[str]]]:
        """Haematomas in another space (final readings) in the statements."""
        final = self._reader.final
        return [
            hit
            for s in self._statements("other_space_haematoma")
            for hit in final("other_space_haematoma", s)
        ]

    @cached_property
    def lesion(self) -> list[tuple[Rule, re.Match[str]]]:
        """A named lesion; "mass"/"lesion" alone is what a haematoma is called too."""
        final = self._reader.final
        return [
            hit
            for s in self._statements("not_a_haematoma")
            for hit in final("not_a_haematoma", s)
            if hit[1].group(0).lower() not in _GENERIC_LESION
        ]

    @cached_property
    def blood_final(self) -> int:
        """Blood named in the statements (final readings)."""
        final = self._reader.final
        return sum(len(final("blood_evidence", s)) for s in self._statements("blood_evidence"))


def _cause(reader: _Reader, doc: _Text) -> Verdict:
    """Traumatic or iatrogenic, or spontaneous (include).

    A spine operation or neuraxial procedure named in the title with a short interval
    ("two weeks after laminoplasty") outweighs "spontaneous"/"without apparent cause": the
    bleed is post-procedural (queued for review). An operation elsewhere in the body
    ("postoperative" alone) or one years before does not.
    """
    if not reader.full:  # decide_reason reads the reason alone
        return Verdict(_cause_reason(reader, doc), 0.0, False)
    t_spont = _spontaneity(reader, doc.title)
    title_bleed = _title_bleed(reader, doc)
    t_iatro = list(_title_procedures(reader, doc, title_bleed))
    t_specific = [
        hit for hit in t_iatro if reader.any("specific_procedure", hit[1].group(0), affirmed=False)
    ]
    t_trauma = _title_trauma(reader, doc)
    t_drug = reader.matches("drug", doc.title) if title_bleed else []
    if t_spont:
        if t_specific:
            return Verdict(
                "iatrogenic",
                0.7,
                True,
                fired=["spine/neuraxial procedure in title despite spontaneous"],
            )
        if t_iatro or t_trauma:
            return Verdict("sseh_case", 0.65, True, fired=["spontaneous in title despite cause"])
        return Verdict("sseh_case", 0.92, False, fired=["spontaneous in title"])
    if t_iatro:
        return Verdict("iatrogenic", 0.9, False, fired=["procedure in title"])
    if t_trauma:
        if t_drug:  # a fall on an anticoagulant: traumatic, but worth a look
            return Verdict("traumatic", 0.7, True, fired=["trauma in title, on antithrombotics"])
        return Verdict("traumatic", 0.9, False, fired=["trauma in title"])

    story = _Story(reader, doc)
    a_spont = story.spontaneous()
    a_iatro = story.iatrogenic()
    a_trauma = story.traumatic()
    if a_iatro or a_trauma:
        reason = "iatrogenic" if a_iatro >= a_trauma else "traumatic"
        if a_spont:
            return Verdict("sseh_case", 0.55, True, fired=[f"spontaneous vs {reason} in text"])
        if t_drug:  # "… on warfarin" in the title, a fall or a puncture in the story
            return Verdict(reason, 0.7, True, fired=[f"drug in title, {reason} in text"])
        conf = 0.8 if max(a_iatro, a_trauma) >= 2 else 0.7
        return Verdict(reason, conf, conf < REVIEW_BELOW, fired=[f"{reason} in text"])
    if t_drug:
        return Verdict("sseh_case", 0.85, False, fired=["drug-associated in title"])
    conf = 0.88 if a_spont else 0.78
    return Verdict("sseh_case", conf, False, fired=["epidural haematoma, no cause excluding it"])


def _cause_reason(reader: _Reader, doc: _Text) -> str:
    """The reason :func:`_cause` gives, asking only what can still change it.

    The same steps in the same order, minus those that only move the confidence: a drug in
    the title never changes the reason (its verdicts keep the reason of the same branch
    without it); with spontaneity in the title only a spine/neuraxial procedure there counts;
    a procedure in the title makes trauma there moot; the title's neuraxial procedures count
    only when the title names a bleed; and in the abstract, spontaneity makes it a case
    whatever the causes' counts, so they are not asked then (the look-ups are pure, so
    leaving some out changes no answer; ``tests/test_screen_reason.py`` checks the reasons
    against :func:`decide`).
    """
    t_spont = _spontaneity(reader, doc.title)
    title_bleed = _title_bleed(reader, doc)
    if t_spont:
        # a spine/neuraxial procedure passes _counts by its first test, so the (costly) rest
        # of _counts is not asked here: only such procedures change the reason
        specific = any(
            reader.any("specific_procedure", hit[1].group(0), affirmed=False)
            for hit in _title_procedure_hits(reader, doc, title_bleed)
        )
        return "iatrogenic" if specific else "sseh_case"
    if next(_title_procedures(reader, doc, title_bleed), None) is not None:
        return "iatrogenic"
    if _title_trauma(reader, doc):
        return "traumatic"
    story = _Story(reader, doc)
    # _cause: with spontaneity in the abstract every branch is a case (a cause with it is a
    # case, no cause is a case), so spontaneity is asked first and the causes, whose count
    # reads the whole story (the costliest look-up), only when there is none
    if story.spontaneous():
        return "sseh_case"
    a_iatro = story.iatrogenic()
    if a_iatro:
        return "iatrogenic" if a_iatro >= story.traumatic() else "traumatic"
    return "traumatic" if story.traumatic() else "sseh_case"


def _title_bleed(reader: _Reader, doc: _Text) -> bool:
    """True when the title names an epidural haematoma or a haematoma (affirmed)."""
    return reader.any("epidural_haematoma", doc.title) or reader.any("haematoma", doc.title)


def _title_procedures(
    reader: _Reader, doc: _Text, title_bleed: bool
) -> Iterator[tuple[Rule, re.Match[str]]]:
    """The title's procedures that count as the cause (:func:`_title_procedure_hits` that
    pass :func:`_counts`), in order, found one at a time."""
    for hit in _title_procedure_hits(reader, doc, title_bleed):
        if _counts(reader, doc, hit):
            yield hit


def _title_procedure_hits(
    reader: _Reader, doc: _Text, title_bleed: bool
) -> Iterator[tuple[Rule, re.Match[str]]]:
    """The title's iatrogenic-cause matches, then (when the title names a bleed) its
    neuraxial procedures, each not dated months or years before, in order, found one at a
    time."""
    if reader.full:  # as the full verdict always read them: the fired detail lists the
        # title's iatrogenic-cause rules, and a procedure's checks may note a doubt
        reader.matches("iatrogenic_cause", doc.title)
        reader.matches("procedure_event", doc.title, note=False)
    yield from reader.affirmed_where(
        "iatrogenic_cause", doc.title, lambda _rule, m: not _REMOTE_AFTER.search(m.group(0))
    )
    if title_bleed:
        yield from reader.affirmed_where(
            "procedure_event",
            doc.title,
            lambda rule, m: rule.id == "IA-EVT-NEURAXIAL" and not _REMOTE_AFTER.search(m.group(0)),
        )


def _title_trauma(reader: _Reader, doc: _Text) -> list[tuple[Rule, re.Match[str]]]:
    """The title's affirmed trauma (a traumatic cause, else a trauma event)."""
    return reader.matches("traumatic_cause", doc.title) or reader.matches("trauma_event", doc.title)


class _Story:
    """The abstract's counts of causes and spontaneity, each worked out on first use.

    A sentence naming two or more causes enumerates them: background, not this patient's
    cause. That is asked only of sentences with something to count (the look-ups are pure;
    the counts find nothing in the others either way).
    """

    def __init__(self, reader: _Reader, doc: _Text) -> None:
        self._reader = reader
        self._doc = doc
        self._kept: dict[str, bool] = {}
        self._spont: int | None = None
        self._iatro: int | None = None
        self._trauma: int | None = None

    def _counted(self, group: str) -> list[tuple[str, list[tuple[Rule, re.Match[str]]]]]:
        reader, kept = self._reader, self._kept
        out = []
        for sent in reader.statements_for(group, self._doc):
            hits = reader.matches(group, sent, note=False)
            if hits:
                keep = kept.get(sent)
                if keep is None:
                    keep = kept[sent] = _causes_named(reader, sent) < 2
                if keep:
                    out.append((sent, hits))
        return out

    def spontaneous(self) -> int:
        """Affirmed spontaneity words in the counted sentences."""
        if self._spont is None:
            self._spont = sum(
                len(_spontaneity(self._reader, sent)) for sent, _ in self._counted("spontaneous")
            )
        return self._spont

    def iatrogenic(self) -> int:
        """Procedures named as the cause, plus those of the patient's story."""
        if self._iatro is None:
            reader, doc = self._reader, self._doc
            self._iatro = sum(
                1
                for _sent, hits in self._counted("iatrogenic_cause")
                for hit in hits
                if _counts(reader, doc, hit)
            ) + _procedure_events(reader, doc.narrative)
        return self._iatro

    def traumatic(self) -> int:
        """Traumatic causes named, plus the trauma events of the patient's story."""
        if self._trauma is None:
            self._trauma = sum(len(hits) for _sent, hits in self._counted("traumatic_cause"))
            self._trauma += _events(self._reader, "trauma_event", self._doc.narrative)
        return self._trauma


def _counts(reader: _Reader, doc: _Text, hit: tuple[Rule, re.Match[str]]) -> bool:
    """False for a bare "postoperative" haematoma when the only operation named is not spinal.

    "Postoperative epidural haematoma after hip arthroplasty": an operation elsewhere in the body
    (with its anticoagulation) is the setting of a spontaneous bleed, not its iatrogenic cause.
    A named spine operation or neuraxial procedure, or the word "iatrogenic", always counts.
    """
    text = hit[1].group(0)
    if "iatrogen" in text.lower() or reader.any("specific_procedure", text, affirmed=False):
        return True
    # the look-ups are pure: the spine operations are looked for only when another one is
    # named, each only in the statements where a rule of its group is live
    if any(
        reader.any("other_surgery", t)
        for t in (doc.title, *reader.statements_for("other_surgery", doc))
    ) and not any(
        reader.any("specific_procedure", t)
        for t in (doc.title, *reader.statements_for("specific_procedure", doc))
    ):
        reader.doubts.append("postoperative, but the operation named is not spinal")
        return False
    return True


def _spontaneity(reader: _Reader, text: str) -> list[re.Match[str]]:
    """Affirmed words saying the bleed had no cause ("spontaneous", "without apparent cause").

    Left out: "spontaneous resolution" (the course, not the cause) and spontaneity in doubt —
    a question ("Is it really spontaneous?"), scare quotes ("'spontaneous'"), "so-called".
    Doubt marks the reader, which caps the decision's confidence.
    """
    doubt = reader.rules.groups["questioned"][0].regex
    kept = []
    for _, m in reader.matches("spontaneous", text, note=False):
        if _SPONT_NOT_CAUSE.search(text[max(0, m.start() - 20) : m.end() + 25]):
            continue
        if _questioned(text, m, doubt):
            reader.questioned = True
            continue
        kept.append(m)
    return kept


def _questioned(text: str, m: re.Match[str], doubt: re.Pattern[str]) -> bool:
    """True when the word at ``m`` is put in doubt: a question, scare quotes, "so-called"."""
    if doubt.search(text[max(0, m.start() - 30) : m.start()]):
        return True
    quotes = "'\"‘’“”"
    if m.start() > 0 and text[m.start() - 1] in quotes and text[m.end() : m.end() + 1] in quotes:
        return bool(text[m.end() : m.end() + 1])
    clause_end = _CLAUSE_END.search(text, m.end())
    return bool(clause_end and clause_end.group(0) == "?")


def _causes_named(reader: _Reader, sentence: str) -> int:
    """How many different trauma/procedure terms an (unhedged) sentence names."""
    terms = {
        m.group(0).lower()
        for group in ("trauma_term", "procedure_term")
        for _, m in reader.matches(group, sentence, note=False)
    }
    return len(terms)


def _procedure_events(reader: _Reader, narrative: list[str]) -> int:
    """Procedures in the patient's story that can have caused the bleed.

    A neuraxial procedure or a manipulation counts wherever it is told. Surgery counts only
    before the haematoma is first described as a finding ("we report a case of …" summaries
    aside): laminectomy, decompression or "after surgery" later in the story are the treatment,
    not the cause. "Three days after surgery" or "postoperative day 2" without a spinal
    operation named counts only when the story names no operation elsewhere in the body
    (a hip replacement or bypass on anticoagulants is the classic setting of a spontaneous
    bleed, not an iatrogenic one).
    """
    found, ids, seen_bleed = 0, set(), False
    told: list[str] = []  # the sentences up to the bleed's first description
    for sent in narrative:
        if not seen_bleed:
            told.append(sent)
        for rule, m in reader.matches("procedure_event", sent, note=False):
            if _remote_past(sent, m.end(), m.start()):
                continue
            if (  # a generic operation, only another one named so far (pure look-ups, lazily)
                rule.id == "IA-EVT-SURGERY"
                and not reader.any("specific_procedure", m.group(0), affirmed=False)
                and any(reader.any("other_surgery", t) for t in told)
                and not any(reader.any("specific_procedure", t) for t in told)
            ):
                continue
            if rule.id == "IA-EVT-NEURAXIAL" or not seen_bleed:
                found += 1
                ids.add(rule.id)
        if (
            not seen_bleed
            and (reader.any("epidural_haematoma", sent) or reader.any("haematoma", sent))
            and not reader.affirmed_rule("individual", "IP-REPORT", sent)
        ):
            seen_bleed = True
    if ids:
        reader.fired.append("+".join(sorted(ids)))
    return found


def _events(reader: _Reader, group: str, narrative: list[str]) -> int:
    """Affirmed events of the patient's own story, minus those dated months or years before."""
    ids, n = set(), 0
    for sent in narrative:
        for rule, m in reader.matches(group, sent, note=False):
            if not _remote_past(sent, m.end(), m.start()):
                ids.add(rule.id)
                n += 1
    if ids:
        reader.fired.append("+".join(sorted(ids)))
    return n


def _design(reader: _Reader, doc: _Text, publication_types: frozenset[str]) -> Verdict | None:
    """no_individual_patient when the record reports aggregates without an individual patient.

    An age ("a 45-year-old man"), "case report", "we report a case" or the publication type
    "Case Reports" keeps the record in whatever else it says; "one patient" or "he/she" alone is
    weak (series abstracts say "one patient died") and only lowers the confidence.
    """
    lists = reader.rules.lists
    if _has(publication_types, lists["case_pubtypes"]):
        return None
    if _CASE_TITLE.search(doc.title):
        return None
    texts = (doc.title, *doc.sents)
    if any(reader.has("individual", text, but="IP-WEAK") for text in texts):
        return None

    def weak() -> bool:  # only IP-WEAK is left; asked only when it matters (pure look-ups)
        return any(reader.has("individual", text) for text in texts)

    t_agg = reader.matches("aggregate", doc.title, affirmed=False)
    if _has(publication_types, lists["aggregate_pubtypes"]) or t_agg:
        conf = 0.7 if reader.full and weak() else 0.85  # the confidence: full verdicts only
        return Verdict("no_individual_patient", conf, False, fired=["aggregate design"])
    if reader.count("aggregate", doc.sents, affirmed=False, upto=2) < 2:
        return None
    if not weak():
        return Verdict("no_individual_patient", 0.7, False, fired=["aggregate wording"])
    return Verdict("sseh_case", 0.6, True, fired=["aggregate wording, one patient mentioned"])
