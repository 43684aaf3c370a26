"""ConText-style assertion status for a target mention in its sentence.

Given a sentence and the character span of a target (a drug or a comorbidity), decide whether the
sentence asserts it of the reported patient:

* ``affirmed`` — plainly stated ("on warfarin for atrial fibrillation");
* ``negated`` — "no", "not on", "denied", "without", "was not taking", "negative for" …, with a
  scope that stops at "but", "however", ";" and the like, or after a few words;
* ``historical`` — "history of", "previous" (callers decide whether history counts: for drugs
  and comorbidities it does, see ``docs/drugs-and-conditions.md``);
* ``hypothetical`` — "if", "risk of", "should", and *general or literature statements*
  ("anticoagulation is a known risk factor", "previous reports", "in patients on …"): these
  ``sentence`` cues cover the whole sentence unless the sentence is anchored to the reported
  patient ("we report", "a 67-year-old", "the patient", "she"), and sentences in a Background /
  Objective / Conclusion section count as general unless anchored;
* ``family`` — "mother", "family history of".

The rules are data (``lexicons/assertion.json``), compiled once per process into one
trie-shaped regular expression, so a sentence costs one scan for cues and one for anchors — and
only sentences that contain a target are scanned at all. Every pattern is a plain alternation of
literals or a bounded regex: nothing can backtrack catastrophically.

Offsets given to :meth:`SentenceContext.assess` are relative to the sentence text.
"""

from __future__ import annotations

import json
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import product
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from spacy.attrs import ORTH, SPACY
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ..regex_gate import has_match
from .model import FieldValue
from .pipeline import TEXT_KEY, TokenArrays, defined_long_forms, span_text, token_arrays

if TYPE_CHECKING:
    from spacy.vocab import Vocab

AFFIRMED = "affirmed"
NEGATED = "negated"
HISTORICAL = "historical"
HYPOTHETICAL = "hypothetical"
FAMILY = "family"
#: When several cues cover one target, the first category in this order wins.
PRIORITY = (HYPOTHETICAL, FAMILY, NEGATED, HISTORICAL)
#: Statuses under which a mention counts as the patient's own (history of intake is intake).
POSITIVE = frozenset({AFFIRMED, HISTORICAL})

_RULES_FILE = "assertion.json"
_WORD_RE = re.compile(r"[^\s]+")
#: Scoped cues further than this many characters from a target are not looked at (a scope is
#: at most a few dozen words), which keeps hostile megabyte "sentences" linear.
_WINDOW = 600

# Unicode dashes, quotes and spaces → ASCII, one character for one so offsets survive.
_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
        **dict.fromkeys("\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u3000", " "),
    }
)


def fold(text: str) -> str:
    """Lower-case ``text`` and fold unicode dashes/quotes/spaces, keeping its length.

    Offsets into the folded text are offsets into the original (``str.lower`` can lengthen a few
    characters such as ``"İ"``; those are kept as they are).
    """
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    if low.isascii():
        return low  # every character the table folds is non-ASCII
    return low.translate(_FOLD)


def _char_pattern(ch: str) -> str:
    if ch == " ":
        return r"[\s-]+"  # "low molecular weight" = "low-molecular-weight"
    if ch == "-":
        return r"[\s-]?"  # "anti-platelet" = "antiplatelet" = "anti platelet"
    return re.escape(ch)


def trie_pattern(terms: Iterable[str]) -> str:
    """One regex alternation for ``terms`` shaped as a trie, preferring the longest match.

    Terms are lower-case; a space in a term matches any run of spaces/hyphens and a hyphen is
    optional, so one entry covers the common spellings. Without a trie, Python's regex engine
    would try every term at every position.
    """
    root: dict[str, dict] = {}
    for raw in terms:
        term = " ".join(raw.split())
        node = root
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        end = "" in node
        branches = [_char_pattern(ch) + build(child) for ch, child in node.items() if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return build(root)


def compile_terms(terms: Iterable[str], plural: bool = True) -> re.Pattern[str]:
    """Whole-word matcher for ``terms`` (optionally with a plural ``s``/``es``)."""
    suffix = "(?:e?s)?" if plural else ""
    return re.compile(r"(?<![a-z0-9])(" + trie_pattern(terms) + ")" + suffix + r"(?![a-z0-9])")


@dataclass(frozen=True)
class Cue:
    """One assertion rule: a phrase, what it signals and which way its scope runs."""

    phrase: str
    category: str  # negated | historical | hypothetical | family | pseudo
    direction: str  # forward | backward | both | sentence
    max_words: int = 8


@dataclass(frozen=True)
class Assertion:
    """The status of one target mention and the cue that set it (``None`` when affirmed)."""

    status: str
    cue: str | None = None

    @property
    def positive(self) -> bool:
        """Does the mention count as the patient's own (affirmed or historical)?"""
        return self.status in POSITIVE


#: The two cue-less results of :meth:`SentenceContext.assess`, made once (an Assertion is
#: immutable, so sharing one is the same as making a new one each time).
_AFFIRMED = Assertion(AFFIRMED)
_GENERAL_SECTION = Assertion(HYPOTHETICAL, "general section")


def asserted_value(
    sent: Span, value: object, assertion: Assertion, confidence: float
) -> FieldValue:
    """A value found in ``sent`` with its assertion: the whole sentence is the evidence."""
    # by position (value, evidence, start, end, cue, assertion, confidence): faster
    return FieldValue(
        value,
        span_text(sent),
        sent.start_char,
        sent.end_char,
        assertion.cue,
        assertion.status,
        confidence,
    )


@dataclass(frozen=True)
class _Rules:
    cues: dict[str, Cue]
    cue_re: re.Pattern[str]
    terminator_re: re.Pattern[str]
    anchor_re: re.Pattern[str]
    generic_sections: frozenset[str]
    #: :attr:`cue_re` led by the character before the phrase (see :func:`cue_matches`)
    cue_scan: re.Pattern[str] | None = None


def _normalise_phrase(phrase: str) -> str:
    return " ".join(fold(phrase).split())


@cache
def rules() -> _Rules:
    """The assertion rules from ``lexicons/assertion.json``, compiled once per process."""
    raw = resources.files("sseh_lit.extract.lexicons").joinpath(_RULES_FILE).read_text("utf-8")
    data = json.loads(raw)
    cues: dict[str, Cue] = {}
    for item in data["cues"]:
        cue = Cue(
            phrase=_normalise_phrase(item["phrase"]),
            category=item["category"],
            direction=item["direction"],
            max_words=int(item.get("max_words", 8)),
        )
        cues[cue.phrase] = cue
    for phrase in data.get("pseudo", []):
        p = _normalise_phrase(phrase)
        cues[p] = Cue(p, "pseudo", "forward", 0)
    terminators = [_normalise_phrase(t) for t in data["terminators"]]
    words = [t for t in terminators if t[0].isalnum()]
    puncts = [
        re.escape(t) + (r"(?![a-z0-9])" if t[-1].isalnum() else "")
        for t in terminators
        if not t[0].isalnum()
    ]
    term_re = re.compile(
        r"(?<![a-z0-9])(?:" + trie_pattern(words) + r")(?![a-z0-9])|" + "|".join(puncts)
    )
    cue_re = compile_terms(cues, plural=False)
    return _Rules(
        cues=cues,
        cue_re=cue_re,
        terminator_re=term_re,
        anchor_re=re.compile("|".join(f"(?:{a})" for a in data["anchors"])),
        generic_sections=frozenset(_normalise_phrase(s) for s in data["generic_sections"]),
        cue_scan=_led_by_separator(cue_re, cues),
    )


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LOOKBEHIND = "(?<![a-z0-9])("


def _led_by_separator(cue_re: re.Pattern[str], phrases: Iterable[str]) -> re.Pattern[str] | None:
    """``cue_re`` (``(?<![a-z0-9])(T)…``) as ``[^a-z0-9](T)…``, or ``None`` when some phrase
    does not start with ``[a-z0-9]``.

    Python's ``re`` has no fast skip for a pattern that starts with a lookbehind: it enters the
    matcher at every position of the text. A pattern that starts with a character class is
    scanned by a tight loop that stops only at characters of the class (here the spaces and
    punctuation, a fifth of a sentence): about a third fewer instructions per sentence.
    :func:`cue_matches` gives the same matches with it (the argument is there).
    """
    if not cue_re.pattern.startswith(_LOOKBEHIND):
        return None
    if not all(p[:1] in _ALNUM for p in phrases):
        return None
    return re.compile("[^a-z0-9](" + cue_re.pattern[len(_LOOKBEHIND) :], cue_re.flags)


def cue_matches(text: str) -> Iterable[re.Match[str]]:
    """``rules().cue_re.finditer(text)`` for folded ``text``; read a match's phrase as
    ``group(1)`` and its span as ``(start(1), end())``.

    Exactness of the :func:`_led_by_separator` scan: every match of the phrase trie ``T``
    starts with ``[a-z0-9]`` (each phrase does, and ``T`` begins with the literal first
    character of a phrase). For ``p > 0``, ``cue_re`` matches at ``p`` exactly when the scan
    pattern matches at ``p - 1`` (its ``[^a-z0-9]`` consumes the character that the lookbehind
    tests, and the rest of both patterns is the same, tried at ``p``), with the same group and
    end. ``finditer`` takes the leftmost match at or after ``pos`` (0, then each match's end);
    the scan from ``pos`` finds the leftmost one after ``pos``, which is the same unless one
    starts at ``pos`` itself. That can only be ``pos = 0`` (tried here with ``match``): at the
    end of a match the lookahead ``(?![a-z0-9])`` rules out a phrase starting there.
    """
    r = rules()
    scan = r.cue_scan
    if scan is None:
        return r.cue_re.finditer(text)
    first = r.cue_re.match(text)
    if first is None:
        return scan.finditer(text)
    return [first, *scan.finditer(text, first.end())]


def _key(matched: str) -> str:
    """Map matched cue text (possibly hyphenated / spaced oddly) back to its rule phrase."""
    return " ".join(matched.replace("-", " ").split())


class _Found(NamedTuple):  # a cue found in a sentence (a tuple: cheaper to make)
    start: int
    end: int
    cue: Cue


class SentenceContext:
    """The cues, terminators and patient anchoring of one sentence, found once.

    ``title`` marks the record's title (a case report's title describes its case, so it counts
    as anchored); ``generic_section`` marks a Background/Objective/Conclusion sentence.
    """

    def __init__(
        self, text: str, *, title: bool = False, generic_section: bool = False, folded: bool = False
    ) -> None:
        r = rules()
        self.text = text if folded else fold(text)
        self.title = title
        # has_match: the anchor regex tried only where one of its leading literals starts
        self.anchored = title or has_match(r.anchor_re, self.text)
        self.generic = generic_section and not self.anchored
        self.cues: list[_Found] = []  # scoped cues, in text order
        self.sentence_cue: _Found | None = None  # first general-statement cue, if any
        for m in cue_matches(self.text):
            cue = r.cues.get(_key(m.group(1)))
            if cue is None or cue.category == "pseudo":
                continue
            if title and cue.category in (HYPOTHETICAL, HISTORICAL):
                continue  # "SSEH associated with apixaban: a case report" names the case's drug
            if cue.direction == "sentence":
                self.sentence_cue = self.sentence_cue or _Found(m.start(1), m.end(), cue)
            else:
                self.cues.append(_Found(m.start(1), m.end(), cue))
        self._cue_starts = [f.start for f in self.cues]
        self._terminators: list[int] | None = None  # found on first use (most sentences
        self._words: list[int] | None = None  # with a target have no scoped cue at all)

    def _clear(self, a: int, b: int, max_words: int) -> bool:
        """No terminator in ``text[a:b]`` and at most ``max_words`` words in it (O(log n))."""
        if self._terminators is None or self._words is None:
            self._terminators = [m.start() for m in rules().terminator_re.finditer(self.text)]
            self._words = [m.start() for m in _WORD_RE.finditer(self.text)]
        i = bisect_left(self._terminators, a)
        if i < len(self._terminators) and self._terminators[i] < b:
            return False
        return bisect_left(self._words, b) - bisect_left(self._words, a) <= max_words

    def _covers(self, f: _Found, start: int, end: int) -> bool:
        cue = f.cue
        if start < f.end and f.start < end:  # the cue overlaps the target itself
            return False
        forward = f.end <= start and self._clear(f.end, start, cue.max_words)
        backward = end <= f.start and self._clear(end, f.start, cue.max_words)
        if cue.direction == "forward":
            return forward
        if cue.direction == "backward":
            return backward
        return forward or backward

    def assess(self, start: int, end: int) -> Assertion:
        """Status of the target at ``text[start:end]`` (sentence-relative offsets)."""
        lo = bisect_left(self._cue_starts, start - _WINDOW)
        hi = bisect_left(self._cue_starts, end + _WINDOW)
        hits = [f for f in self.cues[lo:hi] if self._covers(f, start, end)]
        if self.sentence_cue is not None and not self.anchored:
            hits.append(self.sentence_cue)
        if hits:  # usually none: no cue reaches the target
            for category in PRIORITY:
                scoped = [f for f in hits if f.cue.category == category]
                if scoped:
                    nearest = min(scoped, key=lambda f: abs(f.start - start))
                    return Assertion(category, self.text[nearest.start : nearest.end])
        if self.generic:
            return _GENERAL_SECTION
        return _AFFIRMED


def assess(
    text: str, start: int, end: int, *, title: bool = False, generic_section: bool = False
) -> Assertion:
    """Status of ``text[start:end]`` within the sentence ``text`` (see :class:`SentenceContext`)."""
    return SentenceContext(text, title=title, generic_section=generic_section).assess(start, end)


@dataclass(frozen=True)
class DocLayout:
    """Where the title ends and which abstract sections are general, for one document text."""

    title_end: int
    sections: tuple[tuple[int, bool], ...]  # (offset of a section label, is it general?)

    def is_title(self, start_char: int) -> bool:
        return start_char < self.title_end

    def generic_section(self, start_char: int) -> bool:
        generic = False
        for pos, is_generic in self.sections:
            if pos > start_char:
                break
            generic = is_generic
        return generic


_LABEL_RE = re.compile(r"(?m)^[ \t]*([A-Za-z][A-Za-z ,&/-]{1,40}?)[ \t]*:")


def layout(doc_text: str) -> DocLayout:
    """Title extent and section labels ("Background:", "Case presentation:") of a document."""
    sep = doc_text.find("\n\n")
    title_end = len(doc_text) if sep < 0 else sep
    generic = rules().generic_sections
    sections = tuple(
        (m.start(), _normalise_phrase(m.group(1)) in generic)
        for m in _LABEL_RE.finditer(doc_text, title_end)
    )
    return DocLayout(title_end, sections)


_DASHES = ("-", "\u2013", "\u2014", "\u2010")  # hyphen, en dash, em dash, unicode hyphen


def term_variants(term: str) -> set[str]:
    """Surface spellings of a lexicon term for token matching: words joined by spaces or
    hyphens in any mix ("low-molecular-weight heparin"), hyphenated words also closed up
    ("antiplatelet") or spaced, unicode dashes for hyphens, and each with a plural ``s``."""
    t = " ".join(term.replace("-", " - ").split()).replace(" - ", "-")
    words = t.split(" ")
    joins = [""] if len(words) == 1 else [" ", "-"]
    forms: set[str] = set()
    for combo in product(joins, repeat=min(len(words) - 1, 5)):
        pieces = [words[0]]
        for i, w in enumerate(words[1:]):
            pieces.append((combo[i] if i < len(combo) else " ") + w)
        forms.add("".join(pieces))
    for f in list(forms):
        if "-" in f:
            forms.add(f.replace("-", " "))
            forms.add(f.replace("-", ""))
            forms.update(f.replace("-", d) for d in _DASHES)
    return forms | {f + "s" for f in forms}


_START = operator.itemgetter(1)  # of a PhraseMatcher match (match_id, start, end)
_END = operator.itemgetter(2)


class TermMatcher:
    """Whole-token, case-insensitive matching of lexicon terms over a Doc.

    A spaCy ``PhraseMatcher`` over ``LOWER`` (hash lookups in Cython: about a tenth of the cost
    of a regex pass over the text, and no need to rebuild ``Doc.text``). Overlapping hits keep
    the longest ("low molecular weight heparin", not "heparin"). Each hit reports the term's
    key (folded, hyphens as spaces) so lexicons can look it up. Matchers are built per vocab,
    once.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = sorted({" ".join(fold(t).split()) for t in terms})
        self._by_vocab: dict[int, tuple[Vocab, PhraseMatcher]] = {}
        self._regex: re.Pattern[str] | None = None

    def _matcher(self, vocab: Vocab) -> PhraseMatcher:
        entry = self._by_vocab.get(id(vocab))
        if entry is not None and entry[0] is vocab:
            return entry[1]
        tokenizer = _pattern_tokenizer()
        matcher = PhraseMatcher(vocab, attr="LOWER")
        for term in self.terms:
            matcher.add(_key(term), [tokenizer(v) for v in sorted(term_variants(term))])
        if len(self._by_vocab) >= 8:  # tests make many blank pipelines; keep a few
            self._by_vocab.pop(next(iter(self._by_vocab)))
        self._by_vocab[id(vocab)] = (vocab, matcher)
        return matcher

    def find(self, doc: Doc) -> list[tuple[int, int, str]]:
        """``(start_char, end_char, key)`` of every term in ``doc``, longest first, no overlaps.

        Tokens the tokenizer left glued ("aspirin+clopidogrel", "hypertension(HTN)") are
        searched with the term regex as well; they are picked out with array operations, so
        ordinary text costs nothing extra. Offsets come from the Doc's shared token columns
        (:func:`~sseh_lit.extract.pipeline.token_arrays`), not from Token objects.
        """
        raw = self._matcher(doc.vocab)(doc)
        arrays = token_arrays(doc)
        glued = _glued_tokens(doc, arrays)
        if not raw and not glued:
            return []
        idx, length, _ = arrays.lists()
        strings = doc.vocab.strings
        # by start, longest first (the key (start, -end) as two stable sorts by C getters:
        # equal (start, end) pairs keep the matcher's order either way)
        raw.sort(key=_END, reverse=True)
        raw.sort(key=_START)
        out = []
        last_end = -1
        matched_tokens: set[int] = set()
        for match_id, start, end in raw:
            if start < last_end:
                continue
            last_end = end
            if glued:
                matched_tokens.update(range(start, end))
            out.append((idx[start], idx[end - 1] + length[end - 1], strings[match_id]))
        glued = [i for i in glued if i not in matched_tokens]
        if glued:
            regex = self.regex()
            text = doc_text(doc)
            for i in glued:
                at = idx[i]
                for m in regex.finditer(fold(text[at : at + length[i]])):
                    out.append((at + m.start(), at + m.end(), _key(m.group(1))))
            out.sort()
        return out

    def phrase_keys(self) -> frozenset[str]:
        """The keys :meth:`find` reports for hits of the PhraseMatcher (glued tokens and long
        forms may report others: a regex hit's key is its matched text, normalised)."""
        return frozenset(_key(term) for term in self.terms)

    def regex(self) -> re.Pattern[str]:
        """The same terms as one trie-shaped regex (for glued tokens and long forms)."""
        if self._regex is None:
            self._regex = compile_terms(self.terms)
        return self._regex

    def key_of(self, phrase: str) -> str | None:
        """The key of the term that makes up (most of) ``phrase``, e.g. a defined long form:
        "antiplatelet therapy" → "antiplatelet"; ``None`` when terms cover under half of it."""
        m = self.regex().search(phrase)
        if m is None or 2 * len(m.group(0)) < len(phrase):
            return None
        return _key(m.group(1))


_GLUED_MIN_LENGTH = 6  # shorter mixed tokens ("C5", "mg/kg", "T11") cannot hide two words


def _glued_tokens(doc: Doc, arrays: TokenArrays | None = None) -> list[int]:
    """Indices of tokens mixing letters with other characters, long enough to hide a term:
    not alphabetic, numeric, punctuation or space (spaCy's lexeme flags), 6+ characters."""
    if not len(doc):
        return []
    if arrays is None:
        arrays = token_arrays(doc)
    # long enough, and none of IS_SPACE, IS_ALPHA, IS_DIGIT, IS_PUNCT
    return arrays.bare_tokens(_GLUED_MIN_LENGTH)


@cache
def _pattern_tokenizer() -> Callable[[str], Doc]:
    import spacy

    return spacy.blank("en").make_doc


_LABEL_OK = re.compile(r"[A-Za-z][A-Za-z ,&/-]{1,40}")


def _line_break_tokens(text: str, idx: list[int], length: list[int], space: list[int]) -> list[int]:
    """Indices of the whitespace tokens whose text holds a line break, in order: each ``\\n``
    of the text is looked up among the token offsets (one bisection per line break instead of
    visiting every whitespace token)."""
    out: list[int] = []
    at = text.find("\n")
    while at >= 0:
        i = bisect_right(idx, at) - 1  # the token starting at or before the break
        end = idx[i] + length[i] if i >= 0 else 0
        if i >= 0 and at < end and space[i]:
            out.append(i)
        at = text.find("\n", max(at + 1, end))  # the next break after this token
    return out


def doc_layout(doc: Doc) -> DocLayout:
    """:func:`layout` computed from the Doc's line-break tokens, without rebuilding its text.

    The title ends at the first whitespace token holding a blank line; a section label is the
    run of tokens after a line-break token up to a ":" token (within 9 tokens, no whitespace
    token in between). Token texts are cut from the kept document text by offset.
    """
    title_end: int | None = None
    sections: list[tuple[int, bool]] = []
    generic = rules().generic_sections
    n = len(doc)
    if not n:
        return DocLayout(0, ())
    arrays = token_arrays(doc)
    text = doc_text(doc)
    idx, length, space = arrays.lists()
    for i in _line_break_tokens(text, idx, length, space):
        at = idx[i]
        tok = text[at : at + length[i]]
        if title_end is None:
            if "\n\n" not in tok:
                continue
            title_end = at
        for j in range(i + 1, min(i + 10, n)):
            if length[j] == 1 and text[idx[j]] == ":":
                # doc[i + 1 : j].text (empty when j == i + 1)
                label = text[idx[i + 1] : idx[j - 1] + length[j - 1]] if j > i + 1 else ""
                if _LABEL_OK.fullmatch(label):
                    sections.append((idx[i + 1], _normalise_phrase(label) in generic))
                break
            if space[j]:
                break
    if title_end is None:
        title_end = idx[-1] + length[-1]
    return DocLayout(title_end, tuple(sections))


def _may_alias(matcher: TermMatcher, doc: Doc) -> bool:
    """Can a defined short form of ``doc`` stand for one of ``matcher``'s terms?

    Only when the folded text of some long form the detector defined is (mostly) a term
    (:meth:`TermMatcher.key_of`): otherwise :meth:`DocView._alias_hits` finds nothing, and the
    abbreviations need not be read from their ``._`` extensions at all. ``True`` when the
    long forms are not known (a Doc the pipeline's detector did not process).
    """
    long_forms = defined_long_forms(doc)
    if long_forms is None:
        return True
    return any(matcher.key_of(" ".join(fold(text).split())) is not None for text in long_forms)


class DocView:
    """What the drug and condition extractors share about one Doc, each part computed once
    and only when first needed: term hits per matcher, the defined abbreviations (only when a
    matcher's hits are wanted), the layout and the sentence contexts (only for a sentence with
    a hit), and a per-Doc ``memo`` for the extractors' per-sentence results.

    The view holds no reference to its Doc (it lives in a weak mapping keyed by the Doc):
    every method is given a sentence of the Doc.
    """

    def __init__(self) -> None:
        self._layout: DocLayout | None = None
        #: Short forms the text defines ("ENX" for "enoxaparin (ENX)"), as (start, end, folded
        #: long form) for every occurrence — from scispaCy's AbbreviationDetector when it ran.
        self._abbreviations: tuple[tuple[int, int, str], ...] | None = None
        self._hits: dict[int, tuple[list[int], list[tuple[int, int, str]]]] = {}
        self._contexts: dict[tuple[int, int], SentenceContext] = {}
        #: Per-Doc results of the extractors by name (see :func:`per_sentence`).
        self.memo: dict[str, dict] = {}

    def layout(self, sent: Span) -> DocLayout:
        """The :class:`DocLayout` of ``sent``'s document."""
        if self._layout is None:
            self._layout = doc_layout(sent.doc)
        return self._layout

    def abbreviations(self, sent: Span) -> tuple[tuple[int, int, str], ...]:
        """The defined short forms' occurrences in ``sent``'s document (see ``__init__``)."""
        if self._abbreviations is None:
            self._abbreviations = _abbreviations(sent.doc)
        return self._abbreviations

    def hits(self, matcher: TermMatcher, sent: Span) -> list[tuple[int, int, str]]:
        """``(start, end, key)`` of ``matcher``'s terms inside ``sent``, sentence-relative.

        The whole Doc is matched once per matcher (cached); each sentence takes its slice.
        """
        cached = self._hits.get(id(matcher))
        if cached is None:
            cached = self.doc_hits(matcher, sent)
        starts, found = cached
        if not found:
            return []
        a, b = sent.start_char, sent.end_char
        i = bisect_left(starts, a)
        n = len(found)
        if i == n or found[i][1] > b:
            return []  # the usual case: no hit in this sentence
        out = []
        while i < n:
            start, end, key = found[i]
            if end > b:
                break
            out.append((start - a, end - a, key))
            i += 1
        return out

    def doc_hits(
        self, matcher: TermMatcher, sent: Span
    ) -> tuple[list[int], list[tuple[int, int, str]]]:
        """(start offsets, ``(start, end, key)``) of ``matcher``'s terms in ``sent``'s whole
        document, in document offsets (computed once per matcher; :meth:`hits` slices it)."""
        cached = self._hits.get(id(matcher))
        if cached is None:
            found = matcher.find(sent.doc)
            if _may_alias(matcher, sent.doc):
                abbreviations = self.abbreviations(sent)
                if abbreviations:
                    found = sorted(found + self._alias_hits(matcher, found, abbreviations))
            cached = ([h[0] for h in found], found)
            self._hits[id(matcher)] = cached
        return cached

    @staticmethod
    def _alias_hits(
        matcher: TermMatcher,
        found: list[tuple[int, int, str]],
        abbreviations: tuple[tuple[int, int, str], ...],
    ) -> list[tuple[int, int, str]]:
        """Occurrences of a defined short form whose long form *is* a term ("antiplatelet
        therapy (APT)" counts, "anticoagulant-related spinal epidural haematoma (ARSEH)" not)."""
        out = []
        keys: dict[str, str | None] = {}  # long form → its term key, looked up once per Doc
        for start, end, long_form in abbreviations:
            if any(a < end and start < b for a, b, _ in found):
                continue  # the short form is a term itself ("LMWH")
            if long_form in keys:
                key = keys[long_form]
            else:
                key = keys[long_form] = matcher.key_of(long_form)
            if key is not None:
                out.append((start, end, key))
        return out

    def context(self, sent: Span) -> SentenceContext:
        """A :class:`SentenceContext` for ``sent`` (title / general section from the layout),
        built once per sentence and shared by the drug and condition extractors."""
        key = (sent.start_char, sent.end_char)
        ctx = self._contexts.get(key)
        if ctx is None:
            layout = self.layout(sent)
            ctx = SentenceContext(
                span_text(sent),
                title=layout.is_title(key[0]),
                generic_section=layout.generic_section(key[0]),
            )
            self._contexts[key] = ctx
        return ctx


def doc_view(sent: Span) -> DocView:
    """The :class:`DocView` of ``sent``'s document, created once per Doc (empty: its parts are
    computed on first use). It is kept with the Doc's token columns
    (:func:`~sseh_lit.extract.pipeline.token_arrays`: one weak entry per live Doc, nothing
    stored on the Doc itself, so Doc serialisation is unaffected)."""
    arrays = token_arrays(sent.doc)
    view = arrays.view
    if view is None:
        view = arrays.view = DocView()
    return view  # type: ignore[no-any-return]


_T = TypeVar("_T")


def per_sentence(
    sents: Sequence[Span],
    name: str,
    compute: Callable[[DocView, Span], tuple[_T, ...]],
    matcher: TermMatcher | None = None,
) -> list[tuple[int, tuple[_T, ...]]]:
    """``(i, compute(view, sents[i]))`` for every sentence with a non-empty result.

    Each result is computed once per sentence and Doc and kept in the view's ``memo`` under
    ``name``: the extractors run over the same sentences for every patient and again for
    the conditions' lab rule, and ``compute`` depends on nothing but the sentence.
    With ``matcher``, ``compute`` promises an empty result for a sentence without any of its
    hits: such a sentence (the usual one) is skipped without a call, by the same test that
    makes :meth:`DocView.hits` return nothing.
    """
    out = []
    doc = None
    memo: dict[tuple[int, int], tuple[_T, ...]] = {}
    starts: list[int] = []
    found: list[tuple[int, int, str]] = []
    for i, sent in enumerate(sents):
        if sent.doc is not doc:
            doc = sent.doc
            view = doc_view(sent)
            memo = view.memo.setdefault(name, {})  # type: ignore[assignment]
            if matcher is not None:
                starts, found = view.doc_hits(matcher, sent)
        if matcher is not None and not found:
            continue  # no hit anywhere in this Doc (the test below would say so too)
        a, b = sent.start_char, sent.end_char
        if matcher is not None:
            # DocView.hits(matcher, sent) is empty exactly when this holds
            j = bisect_left(starts, a)
            if j == len(found) or found[j][1] > b:
                continue
        key = (a, b)
        got = memo.get(key)
        if got is None:
            got = memo[key] = compute(view, sent)
        if got:
            out.append((i, got))
    return out


def doc_text(doc: Doc) -> str:
    """``doc.text``: the text the pipeline's tokenizer kept, else rebuilt from one ``to_array``
    call instead of a Token object per token."""
    kept = doc.user_data.get(TEXT_KEY)
    if isinstance(kept, str):
        return kept
    strings = doc.vocab.strings
    rows = doc.to_array([ORTH, SPACY]).tolist()
    return "".join([strings[orth] + " " if space else strings[orth] for orth, space in rows])


def _abbreviations(doc: Doc) -> tuple[tuple[int, int, str], ...]:
    """(start, end, folded long form) of each defined short form's occurrences, if detected.

    The long form's text is cut from the document text (``Span.text`` walks its tokens).
    """
    if not doc.has_extension("abbreviations"):
        return ()
    shorts = getattr(doc._, "abbreviations", None)
    if not shorts:
        return ()
    if not Span.has_extension("long_form"):
        return ()
    text = doc_text(doc)
    out = []
    for short in shorts:
        long_form = short._.long_form
        if long_form is None:
            continue
        if isinstance(long_form, Span) and long_form.doc is doc:
            long_text = text[long_form.start_char : long_form.end_char]
        else:
            long_text = long_form.text
        out.append((short.start_char, short.end_char, " ".join(fold(long_text).split())))
    return tuple(out)


def sentence_context(sent: Span) -> SentenceContext:
    """A :class:`SentenceContext` for a spaCy sentence, using its document's layout."""
    return doc_view(sent).context(sent)


def assess_span(sent: Span, start_char: int, end_char: int) -> Assertion:
    """Status of the document span ``[start_char, end_char)`` inside sentence ``sent``."""
    ctx = sentence_context(sent)
    return ctx.assess(start_char - sent.start_char, end_char - sent.start_char)
