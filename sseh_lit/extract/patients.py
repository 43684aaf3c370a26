"""How many individual patients a record describes, and which sentences belong to each.

Two steps, both pure functions over the sentences of one Doc:

1. :func:`classify` marks every sentence: its section (structured abstracts: ``Case:``,
   ``Conclusion:`` …), whether it talks about the literature ("previously reported", "in the
   literature"), and whether it narrates *this* patient (a case section, an explicit reference
   such as "the patient", "a 45-year-old", "he", or a past-tense narrative verb in a sentence
   without modal or generic present-tense wording). Background statements ("SSEH is associated
   with anticoagulants") and literature sentences are never attributed to a patient.
2. :func:`plan` decides the patients: none for aggregate-only texts (retrospective series with
   pooled numbers, reviews without a case of their own); several for a case series ("two
   patients", "Case 1 … Case 2", "a 45-year-old man and a 67-year-old woman", "three women aged
   34, 51 and 70 years"); otherwise one. Each patient gets its own sentences (after a
   "Case N" / "the second patient" marker) plus the shared narrative; ages and sexes listed
   together are handed out in order.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from spacy.tokens import Span

from ..regex_gate import (
    TwinScanner,
    finditer_lowered,
    search_lowered,
    twin_of,
)
from ..text import fold
from .pipeline import Cues, alternation, lexicon, words_of

_DASH = r"[-\u2010-\u2015\u2212 ]"


@dataclass(slots=True, init=False)
class SentInfo:
    """One sentence and what :func:`classify` decided about it.

    A slotted dataclass with its own ``__init__`` (the generated one, its default factory and a
    ``__post_init__`` call cost more, and classify makes one per sentence of every record);
    ``memo`` defaults to a new empty dict.
    """

    span: Span
    section: str  # title | case | generic | skip | none
    literature: bool
    patient: bool  # narrates the patient(s) of this record
    strong: bool  # explicitly refers to the patient ("the patient", "a 45-year-old", "he")
    modal: bool  # hypothetical / generic wording ("may", "should", "is associated")
    text: str  # the sentence text (cached: Span.text walks every token)
    words: frozenset[str]  # lower-case words, the pre-filter of every rule
    memo: dict[str, object]  # per-sentence results rules reuse

    def __init__(
        self,
        span: Span,
        section: str,
        literature: bool,
        patient: bool,
        strong: bool,
        modal: bool,
        text: str = "",
        words: frozenset[str] = frozenset(),
        memo: dict[str, object] | None = None,
    ) -> None:
        self.span = span
        self.section = section
        self.literature = literature
        self.patient = patient
        self.strong = strong
        self.modal = modal
        self.text = text = text or span.text
        self.words = words or words_of(text)
        self.memo = {} if memo is None else memo


@dataclass
class PatientSlot:
    """One patient to extract: its label, its own sentences and any demographic hints."""

    label: str | None
    sents: list[SentInfo] = field(default_factory=list)
    age_hint: float | None = None
    sex_hint: str | None = None
    use_demographics: bool = True  # False: shared series text must not give this patient an age


@dataclass
class Plan:
    """The patients of one record."""

    patients: list[PatientSlot]
    aggregate_only: bool = False


# ---------------------------------------------------------------- compiled rules


@dataclass(frozen=True)
class _Rules:
    label: re.Pattern[str]
    # the labels by their first three characters, each group in the order the label regex's
    # alternation tries them (see _label_match)
    label_starts: dict[str, tuple[str, ...]]
    # :func:`_label_kind` of each label: an ASCII match of the label regex, lower-cased, is one
    # of the (lower-case) labels itself, since ASCII characters match an ASCII literal under
    # re.IGNORECASE exactly when they lower-case to it
    label_kinds: dict[str, str]
    case_sections: frozenset[str]
    generic_sections: frozenset[str]
    skip_sections: frozenset[str]
    literature: Cues
    strong: Cues
    strong_words: frozenset[str]
    narrative: frozenset[str]
    modal: frozenset[str]
    aggregate: Cues
    generic: Cues
    count: re.Pattern[str]
    marker: re.Pattern[str]
    age_pair: re.Pattern[str]
    we_report: re.Pattern[str]
    not_past: frozenset[str]
    aged_list: re.Pattern[str]
    count_nouns: frozenset[str]
    relatives: re.Pattern[str]
    relative_ends: frozenset[str]  # the last letters of the relatives' words, either case
    numbers: dict[str, float]
    word_values: dict[str, float]  # numbers' words that float() rejects, as floats
    ordinals: dict[str, int]
    ordinal_words: frozenset[str]
    max_individual: int
    aggregate_types: frozenset[str]
    case_types: frozenset[str]
    # the classify questions and the count rule, anchored (same answers as the regexes)
    other_modal: frozenset[str]  # the modal words other than "is"/"are"
    strong_scan: TwinScanner
    literature_scan: TwinScanner
    generic_scan: TwinScanner
    we_report_scan: TwinScanner
    count_scan: TwinScanner
    marker_scan: TwinScanner
    # every word :func:`classify` asks a sentence about (see there)
    classify_words: frozenset[str]


@cache
def _rules() -> _Rules:
    sec = lexicon("sections.json")
    pat = lexicon("patients.json")
    nums = lexicon("numbers.json")
    labels = sec["case_sections"] + sec["generic_sections"] + sec["skip_sections"]
    numbers = {**nums["units"], **nums["tens"]}
    num_words = alternation([w for w in numbers if w not in ("a", "an", "half", "several")])
    count_num = rf"(\d{{1,4}}|{num_words})"
    nouns = alternation(pat["count_nouns"])
    ordinals = nums["ordinals"]
    marker = (
        rf"\b(?:(?:{alternation(pat['marker_nouns'])})\s*(?:no\.?\s*)?"
        rf"(\d{{1,2}}|[ivx]{{1,4}}|one|two|three|four|five|six)\b"
        rf"|(?:the\s+)?({alternation(list(ordinals))})\s+(?:case|patient)\b)"
    )
    age = rf"\d{{1,3}}{_DASH}?(?:year|yr|month|week|day)s?{_DASH}?old"
    marker_re = re.compile(marker, re.IGNORECASE)
    literature = Cues(sec["literature_cues"])
    strong = Cues(
        [w.strip() for w in sec["strong_patient_refs"] if " " in w.strip() or "-" in w],
        prefix=r"(?<![A-Za-z])",
        suffix=r"(?![A-Za-z])",
    )
    generic = Cues(sec["generic_subjects"])
    count = re.compile(rf"\b{count_num}\s+(?:[\w-]+\s+){{0,3}}?({nouns})\b", re.IGNORECASE)
    we_report = re.compile(
        r"\b(?:we|here|herein|authors)\b[^.;]{0,40}?\b(?:present|report|describe|discuss)"
        r"(?:s|ed)?\b[^.;]{0,40}?\b(?:case|patient|man|woman|boy|girl|infant|child|"
        r"male|female|lady|\d{1,3}[-\u2010 ]?(?:year|month|week|day))",
        re.IGNORECASE,
    )
    strong_words = frozenset(
        w.strip().lower()
        for w in sec["strong_patient_refs"]
        if " " not in w.strip() and "-" not in w
    )
    narrative = frozenset(w.lower() for w in sec["narrative_verbs"])
    modal = frozenset(w.lower() for w in sec["modal_words"])
    return _Rules(
        label=re.compile(rf"^\s*({alternation(labels)})\s*[:.]", re.IGNORECASE),
        label_starts=_by_head(_in_alternation_order(labels)),
        label_kinds={
            label: _kind_of(label, sec["case_sections"], sec["generic_sections"])
            for label in labels
        },
        case_sections=frozenset(sec["case_sections"]),
        generic_sections=frozenset(sec["generic_sections"]),
        skip_sections=frozenset(sec["skip_sections"]),
        literature=literature,
        strong=strong,
        strong_words=strong_words,
        narrative=narrative,
        modal=modal,
        aggregate=Cues(sec["aggregate_cues"], prefix="", suffix=""),
        generic=generic,
        count=count,
        marker=marker_re,
        age_pair=re.compile(rf"\b(?:an?\s+)?{age}[^.;]{{0,60}}?\band\s+(?:an?\s+)?{age}", re.I),
        we_report=we_report,
        not_past=frozenset(sec["not_past_tense"]),
        aged_list=re.compile(
            r"\baged\s+(\d{1,3}(?:\s*,\s*\d{1,3})*(?:\s*,?\s*and\s+\d{1,3})?)\s*(?:years|yrs)",
            re.IGNORECASE,
        ),
        count_nouns=frozenset(w.lower() for w in pat["count_nouns"]),
        relatives=re.compile(
            rf"\b(?:{alternation(pat['not_patient_counts_before'])})\s+$", re.IGNORECASE
        ),
        relative_ends=_last_letters(pat["not_patient_counts_before"]),
        numbers=numbers,
        word_values=_word_values(numbers),
        ordinals=ordinals,
        ordinal_words=frozenset(ordinals),
        max_individual=int(pat["max_individual"]),
        aggregate_types=frozenset(pat["aggregate_publication_types"]),
        case_types=frozenset(pat["case_publication_types"]),
        other_modal=modal - _IS_ARE,
        strong_scan=TwinScanner(strong.regex),
        literature_scan=TwinScanner(literature.regex),
        generic_scan=TwinScanner(generic.regex),
        we_report_scan=TwinScanner(we_report),
        count_scan=TwinScanner(count),
        marker_scan=TwinScanner(marker_re),
        classify_words=frozenset().union(
            _WE_WORDS,
            _GRADE_SCALES,
            _RELATIVE_WORDS,
            strong_words,
            narrative,
            modal,
            *(g for g in map(_gate, (strong, literature, generic)) if g is not None),
        ),
    )


def _word_values(numbers: dict[str, float]) -> dict[str, float]:
    """The entries of ``numbers`` whose word ``float()`` does not parse ("three"; not "nan")."""
    out: dict[str, float] = {}
    for word, value in numbers.items():
        try:
            float(word)
        except ValueError:
            out[word] = float(value)
    return out


def _last_letters(words: list[str]) -> frozenset[str]:
    """The last characters of ``words``, in both cases: on ASCII text, the characters a
    case-insensitive regex matches to them (each must be an ASCII letter)."""
    ends = [w[-1:] for w in words]
    if not all(c.isascii() and c.isalpha() for c in ends):
        raise ValueError(f"words ending in an ASCII letter expected: {words!r}")
    return frozenset(ends) | {c.upper() for c in ends} | {c.lower() for c in ends}


def _in_alternation_order(words: list[str]) -> list[str]:
    """``words`` in the order :func:`~.pipeline.alternation` puts them in its regex (by the
    length of their escaped form, longest first; ``sorted`` is stable)."""
    return sorted(words, key=lambda w: len(re.escape(w)), reverse=True)


def _by_head(labels: list[str]) -> dict[str, tuple[str, ...]]:
    """Lower-case labels grouped by their first three characters (every label has three)."""
    out: dict[str, tuple[str, ...]] = {}
    for label in labels:
        if len(label) < 3 or label != label.lower() or not label.isascii() or label[0].isspace():
            raise ValueError(
                f"section label {label!r}: ASCII, lower case, three characters or more, "
                "not starting with white space"
            )
        out[label[:3]] = (*out.get(label[:3], ()), label)
    return out


def _roman(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10}
    total, prev = 0, 0
    for ch in reversed(text.lower()):
        v = values.get(ch)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total or None


def number(word: str) -> float | None:
    """``"3"`` → 3, ``"three"`` → 3, ``"twenty-one"`` → 21; ``None`` when not a number."""
    w = word.strip().lower().strip("-\u2010\u2011 ")  # "sixty-" from "sixty-year-old"
    r = _rules()
    # a number word first: none of them is a float literal (see _word_values), so float(w)
    # would raise for it, and an exception costs more than a dict look-up
    value = r.word_values.get(w)
    if value is not None:
        return value
    try:
        return float(w)
    except ValueError:
        pass
    nums = r.numbers
    if w in nums:
        return float(nums[w])
    parts = re.split(r"[-\s]+", w)
    if len(parts) == 2 and parts[0] in nums and parts[1] in nums:
        return float(nums[parts[0]] + nums[parts[1]])
    return None


# ---------------------------------------------------------------- sentence classification


_GRADE_SCALES = frozenset({"asia", "ais", "frankel", "joa", "nurick"})
_ED = re.compile(r"\b[a-z]{3,}ed\b")


def _past_tense(text: str, words: frozenset[str]) -> bool:
    """A past-tense narrative verb ("-ed") other than adjectival ones ("associated", "related").

    On ASCII text without "_" the matches of :data:`_ED` (in the lower-cased text) are exactly
    the all-letter words of five or more letters ending in "ed" (a word's neighbours are then
    not word characters), so they are looked up in the sentence's ``words`` instead.
    """
    stop = _rules().not_past
    if text.isascii() and "_" not in text:
        for w in words:  # noqa: SIM110 (a loop: hot)
            if w[-2:] == "ed" and len(w) > 4 and w not in stop and w.isalpha():
                return True
        return False
    return any(w not in stop for w in _ED.findall(text.lower()))


_BE = re.compile(r"\b(?:is|are)\b", re.I)
_RELATIVE_BE = re.compile(r"\b(?:which|that|who|where)\s+(?:is|are)\b", re.I)
_IS_ARE = frozenset({"is", "are"})
_SPACES = re.compile(r"\s+")
_RELATIVE_WORDS = frozenset({"which", "that", "who", "where"})
_WE_WORDS = frozenset({"we", "here", "herein", "authors"})

#: The characters :func:`~sseh_lit.text.fold` translates before lower-casing (İ ı ſ and the
#: Kelvin sign): without them, ``fold(text) == text.lower()``.
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")
#: The same characters one by one (four substring tests cost less than the regex's scan).
_FOLDED_CHARS = tuple(_FOLDED.pattern.strip("[]"))
#: ``bytes.translate`` table: ``[a-z0-9]`` stay, every other byte becomes a space.
_WORD_BYTES = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
#: The same, also lower-casing ``[A-Z]``.
_WORD_BYTES_ANY_CASE = bytes(c + 32 if 65 <= c <= 90 else _WORD_BYTES[c] for c in range(256))


class _DocText:
    """A document's text with its word characters marked once, so that each sentence's word set
    is a slice of it split at spaces instead of a ``lower()`` and a regex scan per sentence.

    Exactness: :func:`~sseh_lit.text.fold` maps every character to exactly one character
    (``str.lower`` maps only "İ" to two, and fold turns it into "i" first) and looks at the
    context only for the Greek capital sigma (which becomes one of two non-ASCII letters), so
    ``fold(doc)[a:b]`` has the ASCII letters and digits of ``fold(doc[a:b])`` at the same places.
    In :attr:`wordchars` every non-ASCII character of the folded text becomes "?" and then, like
    every other character outside ``[a-z0-9]``, a space: the words of a slice are exactly
    :func:`~.pipeline.words_of` of that sentence (the ``[a-z0-9]+`` runs of its folded text).

    :attr:`low` is the lower-cased text of an ASCII document (``None`` otherwise): lower-casing
    ASCII text maps each character to one, so a slice of it is the slice's own ``lower()``.
    """

    __slots__ = ("low", "text", "wordchars")

    def __init__(self, text: str) -> None:
        self.text = text
        if text.isascii():  # fold() is lower() here; the table lower-cases A-Z as well
            self.wordchars = text.encode("ascii").translate(_WORD_BYTES_ANY_CASE).decode("ascii")
            self.low: str | None = text.lower()
            return
        self.low = None
        # fold() is lower() after translating the characters of _FOLDED (slow on non-ASCII text)
        folded = fold(text) if any(c in text for c in _FOLDED_CHARS) else text.lower()
        self.wordchars = folded.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii")


def _gate(cues: Cues) -> frozenset[str] | None:
    """The words one of which a sentence needs for ``cues`` to match (its triggers), or
    ``None`` when its regex always runs: ``cues.may_match(words)`` is ``gate is None or not
    gate.isdisjoint(words)``.

    :func:`classify` asks ``cues.search(text, words) is not None`` as that gate, then the cue
    regex tried only where one of its leading literals occurs (the :class:`TwinScanner` of
    ``cues.regex``), written inline (a call per question costs more than most answers).
    """
    return None if cues.always else cues.triggers


def classify(sents: Sequence[Span], title_end: int, doc_text: str | None = None) -> list[SentInfo]:
    """Mark every sentence with its section and whether it narrates the patient.

    ``title_end`` is the character offset where the title ends in the document text; sentences
    that start before it are the title. ``doc_text`` (the Doc's text, computed once) lets every
    sentence's text, lower-cased text and word set be cut from it (:class:`_DocText`) instead of
    being rebuilt from the sentence's tokens.

    Each rule runs only where its result can change the outcome (the past-tense test, for one,
    only decides ``patient`` for a few sections); all of them are pure, so the values are the
    same as evaluating every rule for every sentence.
    """
    r = _rules()
    doc = _DocText(doc_text) if doc_text is not None else None
    doc_low = doc.low if doc is not None else None
    # the rules as locals: the loop runs once per sentence of every record
    # each cue's word gate (Cues.may_match: its triggers, None when the regex always runs) and
    # anchored regex, tested inline (see _gate)
    strong_gate, strong_scan = _gate(r.strong), r.strong_scan
    literature_gate, literature_scan = _gate(r.literature), r.literature_scan
    generic_gate, generic_scan = _gate(r.generic), r.generic_scan
    modal_words, other_modal = r.modal, r.other_modal
    strong_words, we_report_scan = r.strong_words, r.we_report_scan
    label_re, label_starts, label_kinds = r.label, r.label_starts, r.label_kinds
    classify_words = r.classify_words
    gated = strong_gate is not None and literature_gate is not None and generic_gate is not None
    out: list[SentInfo] = []
    append = out.append
    section = "none"
    for sent in sents:
        start = sent.start_char
        low: str | None = None
        if doc is not None:
            end = sent.end_char
            text = doc.text[start:end]
            words = frozenset(doc.wordchars[start:end].split())
            if doc_low is not None:
                low = doc_low[start:end]
        else:
            text = sent.text
            words = words_of(text)
        if start < title_end:
            strong = (
                strong_gate is None or not strong_gate.isdisjoint(words)
            ) and strong_scan.has_match(text, low)
            append(SentInfo(sent, "title", False, True, strong, False, text, words))
            continue
        # on ASCII text the label regex is matched by hand on the lower-cased sentence (see
        # _label_match); other text goes to the regex
        if low is not None or text.isascii():
            if low is None:
                low = text.lower()
            lead = 0 if not low[:1].isspace() else len(low) - len(low.lstrip())
            labels = label_starts.get(low[lead : lead + 3])
            if labels is not None and low.startswith(labels, lead):
                found = _label_match(low, lead, labels)
                if found is not None:
                    label, label_end = found
                    section = label_kinds[label]
                    if len(text) - label_end < 3:  # a label on its own ("Case.")
                        continue
        else:
            m = label_re.match(text)
            if m:
                found_text = m.group(1)
                kind = label_kinds.get(found_text.lower()) if found_text.isascii() else None
                section = kind if kind is not None else _label_kind(r, found_text)
                if len(text) - m.end() < 3:  # a label on its own ("Case.")
                    continue
        # the sentence's words that any question below asks about: every word set tested here
        # is a subset of classify_words, so testing it against ``hit`` is testing it against
        # ``words`` (one set intersection instead of a scan of ``words`` per question)
        hit = words & classify_words
        past: bool | None = None  # decided when needed (below)
        if not hit and gated:
            # no question's word (and every cue has a word gate): not "we report", not
            # strong, not literature, not modal, without asking; the decision below is shared
            strong = literature = modal = False
        else:
            we_report = not _WE_WORDS.isdisjoint(hit) and we_report_scan.has_match(text, low)
            strong = (
                we_report
                or not strong_words.isdisjoint(hit)
                or (
                    (strong_gate is None or not strong_gate.isdisjoint(hit))
                    and strong_scan.has_match(text, low)
                )
            )
            # "we reviewed the literature and describe a case of an 8-month-old boy" is still ours
            literature = (
                not we_report
                and (literature_gate is None or not literature_gate.isdisjoint(hit))
                and literature_scan.has_match(text, low)
            )
            # "most patients recovered after surgery" is a generalisation, not this patient's course.
            # A modal word other than "is"/"are" or a generic subject makes the sentence modal; with
            # only "is"/"are", a past-tense narrative whose every "is"/"are" opens a relative clause
            # is not ("MRI showed a hematoma which is located dorsal to the cord").
            if modal_words.isdisjoint(hit):
                modal = (
                    generic_gate is None or not generic_gate.isdisjoint(hit)
                ) and generic_scan.has_match(text, low)
            elif other_modal.isdisjoint(hit):  # its modal words are "is"/"are" only
                modal = not (
                    _only_relative_be(text, hit, low)
                    and (past := _past(None, text, words, hit))
                    and not (
                        (generic_gate is None or not generic_gate.isdisjoint(hit))
                        and generic_scan.has_match(text, low)
                    )
                )
            else:
                modal = True
        if literature or section == "skip":
            patient = False
        elif section == "case":
            patient = True
        elif section == "generic":
            patient = strong and (not modal or _past(past, text, words, hit))
        else:
            # verbless clinical notes ("ASIA C on admission") are about the patient too
            patient = strong or (
                not modal and (not _GRADE_SCALES.isdisjoint(hit) or _past(past, text, words, hit))
            )
        append(SentInfo(sent, section, literature, patient, strong, modal, text, words))
    return out


def _label_match(low: str, lead: int, labels: tuple[str, ...]) -> tuple[str, int] | None:
    """The label the label regex ``^\\s*(label|…)\\s*[:.]`` (case-insensitive) matches at the
    start of an ASCII sentence, and the end of the match; ``low`` is the lower-cased sentence,
    ``lead`` the length of its leading white space, ``labels`` the labels starting with
    ``low[lead:lead + 3]``, in the order of the regex's alternation.

    The same match as the regex: on ASCII text an ASCII literal matches case-insensitively
    exactly where the lower-cased text has its lower-case form (every label is lower case and
    ASCII, see _rules), and ``\\s`` is what ``str.isspace`` (so ``lstrip``) sees. The leading
    ``\\s*`` takes all of the white space (no label starts with white space); the alternation
    tries the labels in its order and takes the first followed by white space and ":" or "."
    (a shorter ``\\s*`` only leaves a white space character where ``[:.]`` must match).
    """
    for label in labels:
        if low.startswith(label, lead):
            end = lead + len(label)
            after = low[end : end + 1]
            if after == ":" or after == ".":
                return label, end + 1
            if after.isspace():
                rest = low[end:].lstrip()
                if rest[:1] == ":" or rest[:1] == ".":
                    return label, len(low) - len(rest) + 1
    return None


def _label_kind(r: _Rules, found: str) -> str:
    """The section a label opens ("case", "generic" or "skip"), from its matched text."""
    return _kind_of(found, r.case_sections, r.generic_sections)


def _kind_of(found: str, case: Collection[str], generic: Collection[str]) -> str:
    label = _SPACES.sub(" ", fold(found))
    if label in case:
        return "case"
    if label in generic:
        return "generic"
    return "skip"


def _only_relative_be(text: str, words: frozenset[str], low: str | None = None) -> bool:
    """Does every "is"/"are" of a sentence that has one open a relative clause ("which is")?

    Without the word "which", "that", "who" or "where" no relative "is" can match; and on ASCII
    text without "_", the "is"/"are" among the sentence's words then matches :data:`_BE`.
    ``words`` may be any subset of the sentence's words that has every one of those four it has.
    ``low`` is ``text.lower()`` when known.
    """
    ascii = text.isascii()
    if ascii and _RELATIVE_WORDS.isdisjoint(words) and "_" not in text:
        return False
    if ascii and low is None:
        low = text.lower()
    elif not ascii:
        low = None
    return _count(_BE, text, low) == _count(_RELATIVE_BE, text, low)


def _count(regex: re.Pattern[str], text: str, low: str | None) -> int:
    """``len(regex.findall(text))``, by the lowered twin on ``low`` (``text`` lower-cased, when
    ASCII) if there is one: the twin finds the same spans there."""
    twin = twin_of(regex) if low is not None else None
    return len(twin.findall(low)) if twin is not None else len(regex.findall(text))  # type: ignore[arg-type]


def _past(known: bool | None, text: str, words: frozenset[str], hit: frozenset[str]) -> bool:
    """Does the sentence narrate in the past tense (``known`` when already decided)?

    ``hit`` is ``words`` or any subset of it with every narrative verb of it.
    """
    if known is not None:
        return known
    return not _rules().narrative.isdisjoint(hit) or _past_tense(text, words)


# ---------------------------------------------------------------- patient planning


def _count_mentions(infos: Sequence[SentInfo]) -> tuple[list[int], list[int]]:
    """Numbers of patients the authors say they report ("we present three cases"), and every
    patient count of the text (the literature's too), in one pass over the sentences.

    The authors' counts come from the patient's sentences, the title and sentences saying that
    cases "are presented"; never from the literature.
    """
    count_nouns = _rules().count_nouns
    own: list[int] = []
    every: list[int] = []
    for info in infos:
        if count_nouns.isdisjoint(info.words):
            continue
        got = info.memo.get("counts")
        if got is None:
            got = info.memo["counts"] = tuple(_counts_in(info))
        every.extend(got)  # type: ignore[arg-type]
        if not info.literature and (info.patient or info.section == "title" or _presented(info)):
            own.extend(got)  # type: ignore[arg-type]
    return own, every


def _count_matches(info: SentInfo) -> list[re.Match[str]]:
    """Every match of the count rule ("two patients", "3 cases") in the sentence, found once.

    Every match ends with a count noun between white space and a word boundary, so a sentence
    without one of those words (:attr:`SentInfo.words`) has none; the others are tried where a
    number starts (:class:`TwinScanner`), and on ASCII text only before the last occurrence of
    one of its count nouns: a match's number (with at most one white space character after it,
    all of its leading literal) ends before its noun, which is one of the sentence's words.
    """
    got = info.memo.get("count_matches")
    if got is None:
        nouns = _rules().count_nouns & info.words
        if not nouns:
            got = []
        else:
            text = info.text
            if text.isascii():
                low = text.lower()
                before = max([low.rfind(noun) for noun in nouns])
                got = _rules().count_scan.finditer(text, low, before)
            else:
                got = _rules().count_scan.finditer(text)
        info.memo["count_matches"] = got
    return got  # type: ignore[return-value]


_POOL = re.compile(r"\b(?:of|among|from|in)\s+(?:the|these|all|a\s+total\s+of)\s+$")
#: The words a match of :data:`_POOL` ends with before its final white space (case-sensitive).
_POOL_ENDS = ("the", "these", "all", "of")


def _counts_in(info: SentInfo) -> list[int]:
    """The patient counts one sentence states (see :func:`_count_mentions`)."""
    r = _rules()
    text = info.text
    found = []
    for m in _count_matches(info):
        n = number(m.group(1))
        if n is None or n != int(n) or n < 1:
            continue
        before = text[max(0, m.start() - 60) : m.start()].lower()
        # Both rules below end with a word, white space and the end (``$``: the end, or before
        # a final newline, itself white space), so a match needs ``before`` to end with white
        # space (``\s`` is ``str.isspace``, what ``rstrip`` strips) right after one of the
        # rule's last words: cheap tests of what every match has, before the searches.
        tail = before.rstrip()
        if len(tail) < len(before):
            # "of the 17 patients identified, 3 received" is a pool, not the cases reported
            if tail.endswith(_POOL_ENDS) and _POOL.search(before):
                continue
            # "mother of two children", "her two sons" are relatives, not patients (a
            # case-insensitive rule: any non-ASCII last character is left to the regex)
            last = tail[-1:]
            if (last in r.relative_ends or not last.isascii()) and r.relatives.search(before[-25:]):
                continue
        # "7 weeks" etc. never match the nouns; "two cases of SEH", "report of two cases"
        found.append(int(n))
    return found


def _markers(infos: Sequence[SentInfo]) -> list[tuple[int, int]]:
    """``(sentence index, patient number)`` for sentences that open "Case N" / "the second patient"."""
    r = _rules()
    ordinal_words = r.ordinal_words
    marks = []
    for i, info in enumerate(infos):
        if info.section == "title" or info.literature:
            continue
        words = info.words
        ordinal = not ordinal_words.isdisjoint(words)
        if info.patient and ordinal:
            # "The first, a 55-year-old man …", "Second, a 12-year-old boy …"
            o = _ORDINAL_OPENER.match(info.text[:40])
            if o and _PERSON.search(info.text[o.end() : o.end() + 60]):
                marks.append((i, r.ordinals[fold(o.group(1))]))
                continue
        if _CASE_PATIENT.isdisjoint(words):
            continue
        head = info.text[:40]
        # both rules below need "case" or "patient" (case-insensitive) inside the head
        folded = fold(head)
        if "case" not in folded and "patient" not in folded:
            continue
        low = folded if head.isascii() else None
        if low is not None and not ordinal and not _may_mark(head, low):
            continue
        letter = _LETTER_SCAN.search(head, low)
        if letter:  # "Patient A, a 57-year-old woman …", "Case B:"
            marks.append((i, ord(letter.group(1)) - ord("A") + 1))
            continue
        m = r.marker_scan.search(head, low)
        if not m:
            continue
        n: int | None
        if m.group(1):
            g = m.group(1)
            n = int(g) if g.isdigit() else _roman(g) or _word_number(g)
        else:
            n = r.ordinals.get(fold(m.group(2)))
        if n:
            marks.append((i, n))
    return marks


#: The words one of which every "Case N" / "Patient A" marker has.
_CASE_PATIENT = frozenset({"case", "patient"})
#: What the first character after "case"/"patient" and any white space is, lower-cased, in a
#: "Case N" marker: "no." or a number (a digit, a roman numeral, "one" … "six").
_MARK_NEXT = frozenset("0123456789nivxotfs")
_LETTERS = frozenset("ABCDEFGH")


def _may_mark(head: str, low: str) -> bool:
    """Could :data:`_LETTER_LABEL` or the "Case N" branch of the marker rule match the ASCII
    ``head`` (``low`` lower-cased)?

    Every match of either starts with "case" or "patient" (the marker nouns), matched
    case-insensitively, so at an occurrence of one in ``low``; white space follows (``\\s``,
    what ``lstrip`` strips), then a capital A-H (the letter rule) or "no" or a number (the
    marker rule, case-insensitive). The marker rule's other branch, "(the) second case", needs
    an ordinal word: :func:`_markers` asks this only for sentences without one.
    """
    for noun in _CASE_PATIENT:
        at = low.find(noun)
        while at >= 0:
            c = head[at + len(noun) : at + len(noun) + 1]
            if c.isspace():
                c = head[at + len(noun) :].lstrip()[:1]
            if c in _LETTERS or c.lower() in _MARK_NEXT:
                return True
            at = low.find(noun, at + 1)
    return False


#: A sentence opening with an ordinal that introduces one patient of a series.
_ORDINAL_OPENER = re.compile(
    r"^\W{0,3}(?:(?:in|for)\s+)?(?:the\s+)?"
    r"(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b"
    r"(?:\s+(?:patient|case|child|one))?\s*(?:[,:(\u2013\u2014-]|was\b|had\b|is\b|involved\b)",
    re.IGNORECASE,
)
#: A person or an age close after the opener ("First, a 7-month-old girl"): not "First, MRI …".
_PERSON = re.compile(
    r"[\s-](?:year|month|week|day)s?[\s-]+old\b|\baged\b|\b(?:patient|case|man|woman|boy|"
    r"girl|infant|child|lady|gentleman|neonate|male|female|mother|father)\b",
    re.IGNORECASE,
)
#: "Patient A", "Case B": a capital letter naming one patient of a series.
_LETTER_LABEL = re.compile(r"\b(?i:patient|case)\s+([A-H])(?![\w'\u2019])")
_LETTER_SCAN = TwinScanner(_LETTER_LABEL)


def _word_number(word: str) -> int | None:
    value = number(word)
    return int(value) if value else None


def _is_case_type(publication_types: Sequence[str]) -> bool:
    return any(str(t).strip().lower() in _rules().case_types for t in publication_types)


def _aggregate(
    infos: Sequence[SentInfo], counts: list[int], publication_types: Sequence[str]
) -> bool:
    """Only pooled data: a large series with statistics, or a review with no case of its own."""
    r = _rules()
    big = any(n > r.max_individual for n in counts)
    types = {str(t).strip().lower() for t in publication_types}
    aggregate_type = bool(types & r.aggregate_types) and not _is_case_type(publication_types)
    if not aggregate_type and not big:
        return False
    narrative = [i for i in infos if i.section != "title" and not i.literature]
    individual = any(i.strong and i.patient for i in narrative)
    if aggregate_type and not individual:
        return True
    if not big:
        return False
    pooled = any(r.aggregate.search(i.text, i.words) for i in narrative)
    if pooled and not any(_YEAR_OLD.search(i.text) for i in narrative):
        return True
    return not individual and pooled


_YEAR_OLD = re.compile(r"\d{1,3}[- ]year[- ]old")


def _ages_together(infos: Sequence[SentInfo]) -> list[float]:
    """Ages listed together in one sentence: "aged 34, 51 and 70 years"."""
    r = _rules()
    for info in infos:
        if not info.patient or info.section == "title":
            continue
        m = r.aged_list.search(info.text) if "aged" in info.words else None
        if m:
            nums = [float(x) for x in re.findall(r"\d{1,3}", m.group(1))]
            if len(nums) >= 2:
                return nums
    return []


#: "Two cases are presented", "three patients were described": the authors' own count.
_PRESENTED = re.compile(
    r"\b(?:are|were|is|was)\s+(?:here\s+|herein\s+|briefly\s+)?(?:described|presented|reported)\b",
    re.I,
)
_PRESENTED_BE = frozenset({"are", "were", "is", "was"})
_PRESENTED_VERBS = frozenset({"described", "presented", "reported"})


def _has_age_pair(info: SentInfo) -> bool:
    """Does the age-pair rule ("a 45-year-old … and a 67-year-old") match?

    Every match has the whole word "and" and, in its two ages, "old" twice (case-insensitive:
    only "O", "L", "D" match those letters, and ``lower`` maps them to them).
    """
    if "and" not in info.words or info.text.lower().count("old") < 2:
        return False
    age_pair = _rules().age_pair
    return search_lowered(age_pair, twin_of(age_pair), info.text) is not None


def _presented(info: SentInfo) -> bool:
    """Does :data:`_PRESENTED` match? (Its "is"/"was" … and "described"/"reported" … are whole
    words of every match, so both must be among the sentence's words.)"""
    words = info.words
    return (
        not _PRESENTED_VERBS.isdisjoint(words)
        and not _PRESENTED_BE.isdisjoint(words)
        and _PRESENTED.search(info.text) is not None
    )


def plan(infos: list[SentInfo], publication_types: Sequence[str] = ()) -> Plan:
    """Decide the patients of one record and the sentences each one owns."""
    r = _rules()
    counts, every_count = _count_mentions(infos)
    if _aggregate(infos, every_count, publication_types):
        return Plan([], aggregate_only=True)
    patient_sents = [i for i in infos if i.patient]
    small = [n for n in counts if 1 <= n <= r.max_individual]
    n = max(small) if small else 1
    marks = _markers(infos)
    numbers = sorted({k for _, k in marks})
    if len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1)):
        n = max(n, len(numbers))
    listed_ages = _ages_together(infos)
    if len(listed_ages) > n:
        n = len(listed_ages)
    pair = next(
        (
            i
            for i in patient_sents
            if i.section != "title" and "old" in i.words and _has_age_pair(i)
        ),
        None,
    )
    if pair is not None and n < 2:
        n = 2
    if n == 1:
        return Plan([PatientSlot(None, patient_sents)])
    slots = [PatientSlot(f"patient {k + 1}") for k in range(n)]
    roster: list[tuple[float | None, str | None]] = []
    if len(numbers) < 2:
        # "We describe a 45-year-old woman and a 71-year-old man. The woman, …"
        roster = _roster(patient_sents, listed_ages, n)
        marks = _restated_markers(infos, roster) or _introductions(infos, n)
        numbers = sorted({k for _, k in marks})
    if len(numbers) >= 2:
        _split_by_markers(infos, marks, slots)
        for slot, (age, sex) in zip(slots, roster, strict=False):
            slot.age_hint = age if age is not None else slot.age_hint
            slot.sex_hint = sex or slot.sex_hint
    else:
        # a sentence about a subset ("two patients … however the patient who …") is nobody's
        shared = [i for i in patient_sents if not _about_subset(i, n)]
        for k, slot in enumerate(slots):
            slot.sents = [_respective(i, k, n) if "respectively" in i.words else i for i in shared]
            slot.use_demographics = False
        _split_clauses(slots, listed_ages)
        for slot, sex in zip(slots, _series_sexes(infos, n), strict=False):
            slot.sex_hint = sex
    for k, age in enumerate(listed_ages[:n]):
        slots[k].age_hint = age
    return Plan(slots)


_ONE = re.compile(
    r"\b(?:one|a\s+single|another)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:patient|case|child|man|woman|boy|girl|infant)\b(?!s)",
    re.IGNORECASE,
)


_CONTRAST = re.compile(r"\b(?:however|whereas|while|but|although|other|others|remaining)\b", re.I)
_ONE_NOUNS = frozenset({"patient", "case", "child", "man", "woman", "boy", "girl", "infant"})
_ONE_WORDS = frozenset({"one", "single", "another"})


#: A count used as the subject without a noun: "two recovered …, one died".
_ELLIPTIC = re.compile(
    r"\b(one|two|three|four|five|six|\d)\s+(?:of\s+(?:them|these|the\s+(?:patients|cases))\s+)?"
    r"(?:was|were|had|recovered|underwent|died|remained|improved|received|developed|presented|"
    r"required|needed|made|showed)\b",
    re.IGNORECASE,
)
_ELLIPTIC_WORDS = frozenset({"one", "two", "three", "four", "five", "six"})


def _about_subset(info: SentInfo, n: int) -> bool:
    """Does the sentence count patients that do not add up to the whole series of ``n``?"""
    r = _rules()
    total = 0
    words = info.words
    elliptic = (
        [number(m.group(1)) for m in finditer_lowered(_ELLIPTIC, twin_of(_ELLIPTIC), info.text)]
        if (not _ELLIPTIC_WORDS.isdisjoint(words))
        else []
    )
    if len(elliptic) >= 2:  # "two recovered completely and one remained paraparetic"
        return True
    if r.count_nouns.isdisjoint(words) and _ONE_NOUNS.isdisjoint(words):
        return False
    counted = _count_matches(info)
    for m in counted:
        k = number(m.group(1))
        if k is not None:
            total += int(k)
    # every match of _ONE has "one"/"single"/"another" and one of _ONE_NOUNS as whole words
    ones = (
        len(finditer_lowered(_ONE, twin_of(_ONE), info.text))
        if not _ONE_WORDS.isdisjoint(words) and not _ONE_NOUNS.isdisjoint(words)
        else 0
    )
    mentions = ones + len(counted)
    total += ones
    # "two patients …, however one patient …" splits the series even when the counts add up
    return 0 < total != n or (mentions >= 2 and bool(_CONTRAST.search(info.text)))


def _series_sexes(infos: Sequence[SentInfo], n: int) -> list[str | None]:
    """The sex of each patient of a series from its composition: "three women" (all female),
    "two men and one woman" (male, male, female, in that order)."""
    r = _rules()
    for info in infos:
        if not info.patient or r.count_nouns.isdisjoint(info.words):
            continue
        groups: list[tuple[int, int, str | None]] = []  # (position, count, sex)
        for m in _count_matches(info):
            k = number(m.group(1))
            groups.append((m.start(), int(k or 0), _GROUP_SEX.get(fold(m.group(2)))))
        groups += [
            (m.start(), 1, _SEX_NOUNS.get(fold(m.group(1))))
            for m in finditer_lowered(_SINGLE, twin_of(_SINGLE), info.text)
        ]
        sexed = [(pos, k, sex) for pos, k, sex in sorted(groups) if sex]
        if not sexed:
            continue
        if sum(k for _, k, _ in sexed) == n:
            return [sex for _, k, sex in sexed for _ in range(k)]
        if len(sexed) == 1:
            return [sexed[0][2]] * n
        return []
    return []


_GROUP_SEX = {
    "women": "female",
    "females": "female",
    "girls": "female",
    "men": "male",
    "males": "male",
    "boys": "male",
}
#: "one woman", "a man" inside a composition ("two men and one woman"); not "a 45-year-old man".
_SINGLE = re.compile(
    r"\b(?:one|a|an|1)\s+(man|woman|boy|girl|male|female)\b(?![\s-]*(?:patient|infant))", re.I
)


def _split_by_markers(
    infos: list[SentInfo], marks: list[tuple[int, int]], slots: list[PatientSlot]
) -> None:
    """Sentences after "Case k" belong to patient k until the next marker; earlier ones are shared
    (but give no demographics, which would otherwise go to every patient)."""
    first = marks[0][0]
    shared = [i for i in infos[:first] if i.patient and i.section != "title"]
    current: int | None = None
    starts = dict(marks)
    own: dict[int, list[SentInfo]] = {k: [] for k in range(len(slots))}
    for idx in range(first, len(infos)):
        if idx in starts and 1 <= starts[idx] <= len(slots):
            current = starts[idx] - 1
            slots[current].label = f"case {starts[idx]}"
        info = infos[idx]
        if info.literature or info.section == "generic":
            continue
        if idx not in starts and info.patient and _WHOLE_SERIES.search(info.text):
            # "Neither patient took anticoagulants", "Both patients recovered": everyone's
            shared.append(info)
            continue
        if current is not None:
            own[current].append(info)
    for k, slot in enumerate(slots):
        slot.sents = own[k] + [_shared(i) for i in shared]


#: A sentence about every patient of the series ("both patients", "neither case", "all three").
_WHOLE_SERIES = re.compile(
    r"\b(?:both|neither|all|none|each)\s+(?:of\s+(?:the|our|these|them)\s+)?"
    r"(?:(?:two|three|four|five|six|\w+)\s+)?(?:patients?|cases?|women|men|children|boys|girls|"
    r"infants|them)\b|\ball\s+(?:two|three|four|five|six)\b|\bin\s+(?:both|all)\s+(?:cases|patients)\b",
    re.IGNORECASE,
)

#: A sentence opening by restating a patient of the series: "The 63-year-old woman …", "The
#: woman, …", "In the older patient …"
_RESTATED = re.compile(
    r"^\W{0,3}(?:(?:in|for|of)\s+)?(?:the|our)\s+(?:"
    r"(?P<num>[\w.-]{1,20}?)[\s-]+(?P<unit>year|month|week|day)s?[\s-]+old\b"
    r"|(?P<rank>younger|youngest|older|oldest|elder|eldest)\b"
    r"|(?P<sex>man|woman|male|female|boy|girl|lady|gentleman|husband|wife)\b)",
    re.IGNORECASE,
)
_RESTATED_WORDS = frozenset(
    {"old", "younger", "youngest", "older", "oldest", "elder", "eldest", "man", "woman", "male"}
    | {"female", "boy", "girl", "lady", "gentleman", "husband", "wife"}
)


#: A sentence that introduces a (new) patient: "A 74-year-old man …", "An 81-year-old woman …".
_INTRODUCTION = re.compile(
    r"^\W{0,3}(?:an?|one)\s+(?:[a-z]+\s+){0,2}?[\w.-]{1,20}?[\s-]+(?:year|month|week|day)s?[\s-]+old\b",
    re.IGNORECASE,
)


def _introductions(infos: Sequence[SentInfo], n: int) -> list[tuple[int, int]]:
    """``(sentence index, patient number)`` when exactly ``n`` narrative sentences each
    introduce a patient with an indefinite age phrase, one after another."""
    found = [
        i
        for i, info in enumerate(infos)
        if info.section != "title"
        and not info.literature
        and "old" in info.words
        and _INTRODUCTION.match(info.text[:60])
    ]
    return [(i, k + 1) for k, i in enumerate(found)] if len(found) == n else []


def _roster(
    patient_sents: Sequence[SentInfo], listed_ages: list[float], n: int
) -> list[tuple[float | None, str | None]]:
    """The series' patients as first introduced, ``(age, sex)`` in order: "aged 50, 63 and 77
    years", or the first sentence stating ``n`` ages ("a 45-year-old woman and a 71-year-old man")."""
    if len(listed_ages) == n:
        return [(a, None) for a in listed_ages]
    from .demographics import age_mentions  # demographics imports this module

    for info in patient_sents:
        if info.section == "title" or "old" not in info.words:
            continue
        found = age_mentions(info.text, info.words)
        if len(found) == n:
            return [(m.age, m.sex) for m in found]
        if found:
            break
    return []


def _restated_markers(infos: Sequence[SentInfo], roster: list[tuple[float | None, str | None]]):
    """``(sentence index, patient number)`` for sentences that open by naming one patient of the
    roster again: by age ("The 63-year-old woman"), by sex when only one patient has it ("The
    woman, …"), or by rank ("The older patient")."""
    if len(roster) < 2:
        return []
    from .demographics import _years  # demographics imports this module

    ages = [a for a, _ in roster]
    sexes = [s for _, s in roster]
    marks: list[tuple[int, int]] = []
    for i, info in enumerate(infos):
        if info.section == "title" or info.literature or not info.patient:
            continue
        if _RESTATED_WORDS.isdisjoint(info.words):
            continue
        m = _RESTATED.match(info.text[:60])
        if not m:
            continue
        k: int | None = None
        if m.group("num"):
            age = _years(m.group("num"), m.group("unit"))
            if age is not None and ages.count(age) == 1:
                k = ages.index(age)
        elif m.group("rank") and None not in ages:
            young = fold(m.group("rank")).startswith("young")
            k = ages.index(min(ages) if young else max(ages))  # type: ignore[type-var]
        elif m.group("sex"):
            sex = _SEX_NOUNS.get(fold(m.group("sex")))
            if sex and sexes.count(sex) == 1:
                k = sexes.index(sex)
        if k is not None:
            marks.append((i, k + 1))
    return marks


_SEX_NOUNS = {
    "man": "male",
    "male": "male",
    "boy": "male",
    "gentleman": "male",
    "husband": "male",
    "woman": "female",
    "female": "female",
    "girl": "female",
    "lady": "female",
    "wife": "female",
}


#: A clause about one patient of a series inside a shared sentence: "the youngest was
#: postpartum, the second had no risk factor, and the oldest took warfarin"; "…; in the patient on
#: warfarin the INR was corrected" (a subset: nobody's).
_CLAUSE_OPEN = re.compile(
    r"(?:^|[;,]\s*(?:and\s+|but\s+|while\s+|whereas\s+)?|\s(?:and|but|while|whereas)\s+)"
    r"(?P<open>(?:in\s+)?the\s+(?P<who>youngest|younger|oldest|older|eldest|elder|first|second|"
    r"third|fourth|fifth|other|patient\s+(?:who|with|on|taking|receiving))\b)"
    r"(?!\s+(?:day|days|week|weeks|month|months|year|years|time|episode|operation|surgery|scan|"
    r"mri|hour|hours|dose|level|levels|case\s+report))",
    re.IGNORECASE,
)
_CLAUSE_WORDS = frozenset(
    {"youngest", "younger", "oldest", "older", "eldest", "elder", "first", "second", "third"}
    | {"fourth", "fifth", "other", "patient"}
)


def _split_clauses(slots: list[PatientSlot], ages: list[float]) -> None:
    """Give each patient of a series only its own clauses of shared sentences that name patients
    by rank ("the youngest …, the oldest …") and nobody the clauses about a subset."""
    n = len(slots)
    for pos, info in enumerate(list(slots[0].sents)):
        if _CLAUSE_WORDS.isdisjoint(info.words) or info.section == "title":
            continue
        opens = list(_CLAUSE_OPEN.finditer(info.text))
        if not opens:
            continue
        owners: list[int | None] = []
        for m in opens:
            who = fold(m.group("who"))
            owners.append(_rank_owner(who, n, ages, owners))
        if all(o is None for o in owners) and not any(
            fold(m.group("who")).startswith("patient") for m in opens
        ):
            continue
        parts: dict[int | None, list[tuple[int, int]]] = {}
        prefix_end = opens[0].start("open")
        bounds = [m.start("open") for m in opens] + [len(info.text)]
        for owner, a, b in zip(owners, bounds, bounds[1:], strict=False):
            parts.setdefault(owner, []).append((a, b))
        prefix = [(0, prefix_end)] if info.text[:prefix_end].strip(" ,;") else []
        for k, slot in enumerate(slots):
            slot.sents[pos] = _clause_info(info, prefix + parts.get(k, []))  # type: ignore[call-overload]
    for slot in slots:
        slot.sents = [i for i in slot.sents if i is not None]


def _rank_owner(who: str, n: int, ages: list[float], taken: list[int | None]) -> int | None:
    """Which patient ("the youngest", "the second", "the other") a clause opener names."""
    if who.startswith("patient"):
        return None
    if who in ("youngest", "younger", "oldest", "older", "eldest", "elder"):
        if len(ages) != n:
            return None
        young = who.startswith("young")
        return ages.index(min(ages) if young else max(ages))
    if who == "other":
        rest = [k for k in range(n) if k not in taken]
        return rest[0] if n == 2 and len(rest) == 1 else None
    k = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4}[who]
    return k if k < n else None


def _clause_info(info: SentInfo, pieces: list[tuple[int, int]]) -> SentInfo | None:
    """``info`` cut down to its character ``pieces`` (sentence-relative), or ``None``."""
    if not pieces:
        return None
    start, end = pieces[0][0], pieces[-1][1]
    if len(pieces) > 1 and any(b != a for (_, b), (a, _) in pairwise(pieces)):
        start, end = pieces[-1]  # not contiguous: keep the patient's own clause
    base = info.span.start_char
    span = info.span.doc.char_span(base + start, base + end, alignment_mode="expand")
    if span is None or not len(span):
        return None
    text = info.text[span.start_char - base : span.end_char - base]
    return SentInfo(
        span, info.section, info.literature, info.patient, info.strong, info.modal, text
    )


def _respective(info: SentInfo, k: int, n: int) -> SentInfo:
    """A copy of a "…, respectively" sentence that knows it is read for patient ``k`` of ``n``
    (rules such as the levels pick the k-th item of its list)."""
    return SentInfo(
        info.span,
        info.section,
        info.literature,
        info.patient,
        info.strong,
        info.modal,
        info.text,
        info.words,
        {"respective": (k, n)},
    )


def _shared(info: SentInfo) -> SentInfo:
    """A copy of a shared sentence that must not contribute demographics."""
    return SentInfo(
        info.span,
        "shared",
        info.literature,
        info.patient,
        False,
        info.modal,
        info.text,
        info.words,
        info.memo,
    )
