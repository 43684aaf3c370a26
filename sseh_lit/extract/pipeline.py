"""The spaCy pipeline, built once per process.

``load()`` returns a ``spacy.blank("en")`` pipeline with

* spaCy's tokenizer behind a chunk memo (:mod:`sseh_lit.extract.chunks`): a Doc is built from
  the token ids of the whitespace-delimited chunks met before, the same Doc spaCy gives;
* ``sseh_sentences`` — a fast rule-based sentence splitter: a sentence ends at ``.``/``!``/``?``
  (plus closing brackets/quotes) unless the word before is a known abbreviation ("Fig.", "e.g.",
  "approx.", "vs.") or the next word starts in lower case; a line break (title / structured
  section labels) always starts a sentence. Decimal numbers stay one token in spaCy's tokenizer.
  medspaCy's PyRuSH gives similar boundaries but is about ten times slower (see docs/extraction.md).
* scispaCy's ``abbreviation_detector`` so "SSEH", "LMWH", "AF" defined in the text are resolved
  (``doc._.abbreviations``; :func:`expand_abbreviations` gives a long-form lookup). Its two
  spaCy ``Matcher`` objects are replaced by exact drop-ins that read token offsets instead,
  and so is the bookkeeping of ``find_matches_for`` (:func:`_find_matches_for`: texts cut
  from the document text, spans keyed by their bounds); its own definition-finding code
  (``filter_matches``, ``find_abbreviation``) runs unchanged.

Token attributes are read once per Doc with one ``Doc.to_array`` call (:func:`token_arrays`)
and shared by the components, :func:`sentences` and the extractors, instead of each creating
Token objects or making its own call.

Everything downstream works on sentence ``Span`` objects of a Doc built from
:func:`sseh_lit.text.document_text`, so ``span.start_char`` is a document offset.
"""

from __future__ import annotations

import json
import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from operator import itemgetter
from types import MethodType
from typing import Any

import numpy as np
import spacy
from scispacy.abbreviation import find_abbreviation
from spacy.attrs import IDX, IS_ALPHA, IS_DIGIT, IS_PUNCT, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..regex_gate import finditer_lowered, lowered_twin, search_lowered
from ..text import fold
from .chunks import TokenizerWrapper, chunk_tokenizer
from .model import FieldValue

#: Words after which a full stop does not end a sentence (lower-case, without the dot).
_ABBREV_FILE = "sentence_abbreviations.json"


@cache
def _no_break_words() -> frozenset[str]:
    data = resources.files("sseh_lit.extract.lexicons").joinpath(_ABBREV_FILE).read_text("utf-8")
    return frozenset(w.lower().rstrip(".") for w in json.loads(data)["abbreviations"])


#: What may follow a sentence-final ``.``/``!``/``?`` before the whitespace after it.
_CLOSERS = frozenset("\"'\u201d\u2019)]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NEWLINE = re.compile(r"\n\s*(?=\S)")
#: Words after which a single capital is a value ("ASIA D.", "Frankel grade E.", "vitamin K.").
_LETTER_VALUE = re.compile(
    r"(?:ASIA|AIS|Frankel|[Gg]rade|[Vv]itamin)(?:\s+(?:grade|scale|score|was|of|is))?[\s:-]{1,2}$"
)


def _end_marks(text: str) -> list[int]:
    """Offsets of every ``.``, ``!`` and ``?`` in ``text``, in order (``str.find`` loops: far
    cheaper than a regex scan that tests a character class at every position)."""
    out: list[int] = []
    kinds = 0
    for mark in ".!?":
        i = text.find(mark)
        if i < 0:
            continue
        kinds += 1
        find = text.find
        while i >= 0:
            out.append(i)
            i = find(mark, i + 1)
    if kinds > 1:
        out.sort()
    return out


_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")
_LETTERS_DOTS = re.compile(r"[A-Za-z.]+")


def _word_before(text: str, p: int) -> int:
    """Start of ``_WORD_BEFORE.search(text, max(0, p - 20), p)``'s match, or -1 for none.

    That search finds the leftmost letter from which only letters and dots run up to ``p``:
    the first letter of the run of ``[A-Za-z.]`` ending at ``p`` (cut at ``p - 20``). Walking
    back over the run finds it without trying every start; usually the run starts after the
    last space before ``p``. A newline just before ``p`` (where ``$`` also matches) is left
    to the regex itself.
    """
    lo = max(0, p - 20)
    c = text.rfind(" ", lo, p) + 1
    if lo < c < p:
        word = text[c:p]
        if word.isalpha() and word.isascii():
            return c  # the usual case: a space, then only ASCII letters up to ``p``
    if lo < c < p and _LETTERS_DOTS.fullmatch(text, c, p):
        # the usual case: a space, then only letters and dots up to ``p``
        while text[c] == ".":
            c += 1
            if c == p:
                return -1
        return c
    if p > lo and text[p - 1] == "\n":
        m = _WORD_BEFORE.search(text, lo, p)
        return m.start() if m else -1
    q = p
    while q > lo and text[q - 1] in _WORD_CHARS:
        q -= 1
    while q < p and text[q] == ".":
        q += 1
    return q if q < p else -1


def sentence_starts(text: str) -> set[int]:
    r"""Character offsets where a sentence starts (pure function of the text; see module doc).

    A candidate end is a ``.``/``!``/``?``, then any closing quotes/brackets, then whitespace
    (the regex ``[.!?]["'”’)\]]*(?=\s)``: no closer is a mark, so every mark is its own
    candidate); the sentence after it starts at the next non-space character.
    """
    no_break = _no_break_words()
    closers = _CLOSERS
    starts = {0}
    n = len(text)
    for p in _end_marks(text):
        j = p + 1
        while j < n and text[j] in closers:
            j += 1
        if j >= n or not text[j].isspace():
            continue
        j += 1
        while j < n and text[j].isspace():
            j += 1
        if j >= n or text[j].islower():
            continue
        if text[p] == ".":
            # _word_before's usual case, inline: a space, then only ASCII letters up to ``p``
            lo = p - 20 if p > 20 else 0
            w = text.rfind(" ", lo, p) + 1
            word = text[w:p]
            if not (lo < w < p and word.isalpha() and word.isascii()):
                w = _word_before(text, p)
                word = text[w:p]
            if w >= 0:
                word = word.lower().rstrip(".")
                if word in no_break or (
                    len(word) == 1
                    and p - w == 1
                    # "… was ASIA D. An 81-year-old …": a grade letter, not an initial
                    and not _LETTER_VALUE.search(text, max(0, w - 20), w)
                ):
                    continue
        starts.add(j)
    for m in _NEWLINE.finditer(text):
        starts.add(m.end())
    return starts


class TokenArrays:
    """Per-token columns of one Doc from a single ``Doc.to_array`` call, shared by the
    pipeline's components, :func:`sentences` and the extractors' document view (each used to
    make its own ``to_array`` call or create Token objects).

    ``idx``/``length`` are int64 (character offset and length of each token) and ``flags``
    the int64 rows IS_SPACE, IS_ALPHA, IS_DIGIT, IS_PUNCT (one row per flag, one column per
    token), all views of the ``to_array`` result made when read; ``n`` is the number of
    tokens. :meth:`lists` gives offsets, lengths and IS_SPACE as Python lists, for code that
    reads single tokens (a list item is far cheaper than a numpy scalar). ``sent_starts`` are
    the sentence-start token indices :func:`sseh_sentences` wrote into the Doc (``None``
    until it ran); ``long_forms`` the texts of the long forms the abbreviation detector
    defined in it (see :func:`defined_long_forms`). Token attributes never change after
    tokenisation (the pipeline does not retokenise).
    """

    __slots__ = (
        "_cols",
        "_lists",
        "long_forms",
        "n",
        "sent_starts",
        "view",
    )

    _ATTRS = (IDX, LENGTH, IS_SPACE, IS_ALPHA, IS_DIGIT, IS_PUNCT)

    def __init__(self, doc: Doc) -> None:
        # one row per token, a column per attribute; offsets, lengths and flags are small: the
        # same numbers as int64 (a view, no copy: the columns are read as views or lists)
        self._cols: np.ndarray = doc.to_array(list(self._ATTRS)).view(np.int64)
        self.n = len(self._cols)  # the number of tokens
        self.sent_starts: list[int] | None = None
        self.long_forms: set[str] | None = None
        self.view: Any = None  # the extractors' DocView (sseh_lit.extract.assertion)
        self._lists: tuple[list[int], list[int], list[int]] | None = None

    @property
    def idx(self) -> np.ndarray:
        """Character offset of each token (int64)."""
        return self._cols[:, 0]  # type: ignore[no-any-return]

    @property
    def length(self) -> np.ndarray:
        """Length of each token in characters (int64)."""
        return self._cols[:, 1]  # type: ignore[no-any-return]

    @property
    def flags(self) -> np.ndarray:
        """The rows IS_SPACE, IS_ALPHA, IS_DIGIT, IS_PUNCT (one column per token, int64)."""
        return self._cols[:, 2:6].T  # type: ignore[no-any-return]

    def bare_tokens(self, min_length: int) -> list[int]:
        """Indices of the tokens of ``min_length`` characters or more that have none of the four
        flags (not space, alphabetic, numeric or punctuation), in order.

        One product of the columns with a weight vector: a token's score is its length minus
        2**40 per flag set (lengths are far below 2**40, so a score reaches ``min_length``
        exactly when no flag is set and the length does); fewer numpy calls (each costs a few
        microseconds on a fresh Doc) than masking and summing the rows.
        """
        return np.flatnonzero(self._cols @ _BARE_WEIGHTS >= min_length).tolist()  # type: ignore[no-any-return]

    def lists(self) -> tuple[list[int], list[int], list[int]]:
        """(offsets, lengths, IS_SPACE flags) as Python lists, made once."""
        if self._lists is None:
            idx, length, space = self._cols[:, :3].T.tolist()
            self._lists = (idx, length, space)
        return self._lists


#: Weights of the :class:`TokenArrays` columns (IDX, LENGTH and the four flags) for
#: :meth:`TokenArrays.bare_tokens`.
_BARE_WEIGHTS = np.array([0, 1, *[-(1 << 40)] * 4], dtype=np.int64)

# One entry per live Doc, gone with it (nothing is stored on the Doc, so serialisation is as
# before).
_ARRAYS: weakref.WeakKeyDictionary[Doc, TokenArrays] = weakref.WeakKeyDictionary()


def token_arrays(doc: Doc) -> TokenArrays:
    """The :class:`TokenArrays` of ``doc``, computed once per Doc."""
    arrays = _ARRAYS.get(doc)
    if arrays is None or arrays.n != len(doc):
        arrays = _ARRAYS[doc] = TokenArrays(doc)
    return arrays


def defined_long_forms(doc: Doc) -> frozenset[str] | None:
    """The texts of all long forms the pipeline's abbreviation detector defined in ``doc``
    (every ``abbr._.long_form.text`` of ``doc._.abbreviations`` is one of them), or ``None``
    when the detector did not run on it. Reading them costs nothing, unlike an ``._``
    extension per abbreviation."""
    arrays = _ARRAYS.get(doc)
    if arrays is None or arrays.long_forms is None:
        return None
    return frozenset(arrays.long_forms)


_NOT_START = np.iinfo(np.uint64).max  # SENT_START -1 as to_array/from_array store it


@Language.component("sseh_sentences")
def sseh_sentences(doc: Doc) -> Doc:
    """Set sentence starts from :func:`sentence_starts`, mapped onto tokens by offset.

    A token starts a sentence when it begins at one of the offsets (token offsets are strictly
    increasing, so a bisection finds the only candidate), and so does the first token; a
    start that falls on a whitespace token moves to the next word token.
    """
    n = len(doc)
    if n == 0:
        return doc
    arrays = token_arrays(doc)
    idx, _, space = arrays.lists()
    starts = {0}
    # the offsets include 0, where the first token starts
    for offset in sentence_starts(text_of(doc)):
        i = bisect_left(idx, offset)
        if i < n and idx[i] == offset:
            while space[i]:  # a start on whitespace moves to the next word token, if any
                i += 1
                if i == n:
                    break
            else:
                starts.add(i)
    ordered = sorted(starts)
    # one column as a 1-D array (from_array reshapes it to (n, 1)); the few starts are set one
    # by one (cheaper than converting the list for a fancy-index assignment)
    flags = np.full(n, _NOT_START, dtype=np.uint64)
    for i in ordered:
        flags[i] = 1
    doc.from_array([SENT_START], flags)
    arrays.sent_starts = ordered
    return doc


class _ParenthesisMatches:
    """Drop-in for scispaCy's ``( + )`` Matcher: every "(" … ")" token pair with 1–8 tokens inside.

    scispaCy's pattern ``[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]`` enumerates every pair of
    brackets in the document and the detector then discards spans longer than 8 tokens and
    brackets opening the document (``filter_matches``: such a pair leaves no trace); this
    finds the same kept pairs from the bracket characters of the text and the token offsets
    (linear in the number of brackets).
    """

    MAX_INSIDE = 8

    def __init__(self, nlp: Language) -> None:
        self.match_id = nlp.vocab.strings.add("parenthesis")

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        text = text_of(doc)
        opens = _char_tokens(text, "(", doc)
        if not opens:
            return []
        closes = _char_tokens(text, ")", doc)
        out = []
        for i in opens:
            if i == 0:
                continue
            lo = bisect_left(closes, i + 2)
            hi = bisect_right(closes, i + self.MAX_INSIDE + 1)
            out.extend((self.match_id, i, j + 1) for j in closes[lo:hi])
        return out


def _char_tokens(text: str, char: str, doc: Doc) -> list[int]:
    """Indices of the tokens whose text is exactly ``char`` (ORTH == ``char``), in order: each
    occurrence of the character is looked up among the token offsets."""
    at = text.find(char)
    if at < 0:
        return []
    idx, length, _ = token_arrays(doc).lists()
    n = len(idx)
    out = []
    while at >= 0:
        i = bisect_left(idx, at)
        if i < n and idx[i] == at and length[i] == 1:
            out.append(i)
        at = text.find(char, at + 1)
    return out


class _OrthSequences:
    """Drop-in for scispaCy's per-document matcher of defined abbreviations.

    The detector adds, for each short form it accepts, one pattern of plain ``{"ORTH": …}``
    tokens, runs the matcher over the document and removes the patterns again. A token
    matches ``{"ORTH": t}`` exactly when its text is ``t``, so every occurrence of the
    pattern's longest token text in the document text that starts a token of that length fixes
    a candidate start, and the tokens' texts there are compared. This gives the same ``(key, start, end)``
    matches (every occurrence, overlapping ones included, in document order) without spaCy's
    general ``Matcher`` machinery, and no warning when there is no pattern (spaCy's W036).

    The detector runs it once per Doc, right after adding one pattern per definition it
    accepted, keyed by the long form's text; those keys are noted for the Doc (see
    :func:`defined_long_forms`).
    """

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        self.patterns: dict[str, list[tuple[str, ...]]] = {}

    def add(self, key: str, patterns: list[list[dict[str, str]]]) -> None:
        self.patterns.setdefault(key, []).extend(
            tuple(tok["ORTH"] for tok in pattern) for pattern in patterns
        )

    def remove(self, key: str) -> None:
        del self.patterns[key]

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        arrays = token_arrays(doc)
        if arrays.long_forms is None:
            arrays.long_forms = set()
        arrays.long_forms.update(self.patterns)  # keys: the texts of this Doc's long forms
        if not self.patterns:
            return []
        text = text_of(doc)
        idx, length, _ = arrays.lists()
        n = len(idx)
        out = []
        strings = self.vocab.strings
        for key, patterns in self.patterns.items():
            key_id = strings.add(key)
            for pattern in patterns:
                width = len(pattern)
                if not width or not pattern[0]:
                    continue
                # occurrences of the pattern's longest token text are looked up (a one-letter
                # first token such as the "t" of "t - PA" would stop at every "t"): the token
                # there fixes where the sequence starts, so each match is found once, in order
                if width == 1:  # most abbreviations: the token there must be the anchor
                    anchor = pattern[0]
                    size = len(anchor)
                    at = text.find(anchor)
                    while at >= 0:
                        i = bisect_left(idx, at)
                        if i < n and idx[i] == at and length[i] == size:
                            out.append((key_id, i, i + 1))
                        at = text.find(anchor, at + 1)
                    continue
                k = max(range(width), key=lambda j: len(pattern[j]))
                anchor = pattern[k]
                at = text.find(anchor)
                while at >= 0:
                    j0 = bisect_left(idx, at)
                    i = j0 - k
                    if (
                        j0 < n
                        and idx[j0] == at
                        and length[j0] == len(anchor)
                        and i >= 0
                        and i + width <= n
                        and all(
                            length[i + j] == len(pattern[j])
                            and text.startswith(pattern[j], idx[i + j])
                            for j in range(width)
                        )
                    ):
                        out.append((key_id, i, i + width))
                    at = text.find(anchor, at + 1)
        out.sort(key=_START_END)
        return out


#: The sort key of matches: (start, end).
_START_END = itemgetter(1, 2)


def _find_matches_for(
    detector: Any, filtered: list[tuple[Span, Span]], doc: Doc
) -> list[tuple[Span, list[Span]]]:
    """Drop-in for scispaCy's ``AbbreviationDetector.find_matches_for`` (bound to the
    pipeline's detector): the same definitions and occurrences, without its bookkeeping cost.

    scispaCy's own ``find_abbreviation`` still decides every definition. What changes is how
    the results are kept: scispaCy reads ``Span.text`` (a walk over the span's tokens, one
    Token object each) for every candidate and keys dicts and sets by ``Span`` (hashing and
    comparing spans); here the texts are cut from the document text (``Span.text`` is exactly
    ``text[span.start_char:span.end_char]`` for a non-empty span of a Doc tokenised from
    ``text``) and spans are keyed by their token bounds (two spans of one Doc without labels
    are equal exactly when their bounds are). The pairs returned are the same; within one
    long form the short forms come in document order instead of the hash order of a set.
    """
    text = text_of(doc)
    idx, length, _ = token_arrays(doc).lists()
    matcher = detector.global_matcher
    rules: dict[str, tuple[int, int]] = {}  # long form text -> bounds of its long form
    # bounds of a long form -> (the long form, {bounds of a short form -> the short form})
    found: dict[tuple[int, int], tuple[Span, dict[tuple[int, int], Span]]] = {}
    seen_long: set[str] = set()
    seen_short: set[str] = set()
    for long_candidate, short_candidate in filtered:
        short, long = find_abbreviation(long_candidate, short_candidate)
        if long is None or not len(long):  # scispaCy: ``if long`` (an empty span is false)
            continue
        long_text = text[long.start_char : long.end_char]
        short_text = text[short.start_char : short.end_char] if len(short) else ""
        if long_text in seen_long or short_text in seen_short:
            continue
        seen_long.add(long_text)
        seen_short.add(short_text)
        key = (long.start, long.end)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = (long, {})
        entry[1].setdefault((short.start, short.end), short)
        rules[long_text] = key
        # one {"ORTH": token text} per token of the short form, as scispaCy adds it
        orths = [{"ORTH": text[idx[i] : idx[i] + length[i]]} for i in range(short.start, short.end)]
        matcher.add(long_text, [orths])
    to_remove = set()
    strings = matcher.vocab.strings
    for match, start, end in matcher(doc):
        string_key = strings[match]
        to_remove.add(string_key)
        found[rules[string_key]][1].setdefault((start, end), Span(doc, start, end))
    for string_key in to_remove:
        matcher.remove(string_key)
    return [(long, list(shorts.values())) for long, shorts in found.values()]


#: ``doc.user_data`` key of the text a Doc was tokenised from (see :class:`_KeepText`).
TEXT_KEY = "sseh_lit_text"


class _KeepText(TokenizerWrapper):
    """The pipeline's tokenizer, also storing the input text on the Doc it returns.

    ``Doc.text`` rebuilds the string token by token on every access; spaCy's tokenizer is
    non-destructive, so the input text *is* ``doc.text`` and can simply be kept
    (``Span.as_doc`` does not copy ``user_data``, so a sub-document never inherits it).
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc


def text_of(doc: Doc) -> str:
    """``doc.text`` without rebuilding it when the Doc came from :func:`load`'s pipeline."""
    text = doc.user_data.get(TEXT_KEY)
    return text if isinstance(text, str) else doc.text


def _build() -> Language:
    nlp = spacy.blank("en")
    nlp.tokenizer = _KeepText(chunk_tokenizer(nlp.tokenizer))
    nlp.add_pipe("sseh_sentences")
    # scispaCy registers its factory on import
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401

    detector = nlp.add_pipe("abbreviation_detector")
    # the detector adds one ORTH pattern per abbreviation found in every doc and runs a general
    # Matcher over the doc for them; a plain token-sequence search gives the same matches
    detector.global_matcher = _OrthSequences(nlp)
    detector.matcher = _ParenthesisMatches(nlp)
    detector.find_matches_for = MethodType(_find_matches_for, detector)
    return nlp


@cache
def load() -> Language:
    """The extraction pipeline, built once per process and cached."""
    return _build()


def sentences(doc: Doc) -> list[Span]:
    """Sentences of ``doc`` with surrounding whitespace trimmed (empty ones dropped).

    The spans are the same as trimming each ``doc.sents`` span token by token. On a Doc from
    :func:`load`'s pipeline the boundaries are the ones :func:`sseh_sentences` wrote (kept in
    :class:`TokenArrays`, nothing in the pipeline changes them afterwards); otherwise they are
    read with one ``to_array`` call. ``Span(doc, s, e)`` is ``doc[s:e]`` without the slice
    normalisation.
    """
    n = len(doc)
    if n == 0:
        return []
    arrays = _ARRAYS.get(doc)
    if arrays is not None and arrays.sent_starts is not None and arrays.n == n:
        starts = arrays.sent_starts
        space = arrays.lists()[2]
    else:
        if not doc.has_annotation("SENT_START"):
            return _sentences_slow(doc)
        arr = doc.to_array([SENT_START, IS_SPACE])
        starts = np.flatnonzero(arr[:, 0] == 1).tolist()
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        space = arr[:, 1].astype(bool)
    out = []
    bounds = [*starts, n]
    for k in range(len(starts)):
        s, e = bounds[k], bounds[k + 1]
        while s < e and space[s]:
            s += 1
        while e > s and space[e - 1]:
            e -= 1
        if e > s:
            out.append(Span(doc, s, e))
    return out


def _sentences_slow(doc: Doc) -> list[Span]:
    """:func:`sentences` through ``doc.sents`` (for a Doc whose sentence starts are not set)."""
    out = []
    for sent in doc.sents:
        s, e = sent.start, sent.end
        while s < e and doc[s].is_space:
            s += 1
        while e > s and doc[e - 1].is_space:
            e -= 1
        if e > s:
            out.append(doc[s:e])
    return out


def span_text(span: Span) -> str:
    """``span.text`` cut from the kept document text (``Span.text`` walks every token)."""
    return text_of(span.doc)[span.start_char : span.end_char]


def expand_abbreviations(doc: Doc) -> dict[str, str]:
    """Short form → long form for abbreviations the text defines (``"LMWH"`` → ``"low molecular …"``)."""
    found: dict[str, str] = {}
    for abrv in getattr(doc._, "abbreviations", []) or []:
        long_form = abrv._.long_form
        if long_form is not None:
            found.setdefault(abrv.text, long_form.text)
    return found


@cache
def lexicon(name: str) -> dict:
    """A JSON lexicon from ``sseh_lit/extract/lexicons/`` (read once per process)."""
    data = resources.files("sseh_lit.extract.lexicons").joinpath(name).read_text("utf-8")
    return json.loads(data)


def alternation(words: list[str]) -> str:
    """A regex alternation of literal ``words`` (longest first, so "hemilaminectomy" wins)."""
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def evidence(value: Any, sent: Any, confidence: float, cue: str | None = None) -> FieldValue:
    """A :class:`FieldValue` whose evidence is the sentence ``sent`` (document offsets).

    ``sent`` is a sentence ``Span`` or anything with ``.span`` and a cached ``.text`` (the
    extractor's ``SentInfo``: ``Span.text`` walks every token).
    """
    span: Span = getattr(sent, "span", sent)
    # by position (value, evidence, start, end, cue, assertion, confidence): faster
    return FieldValue(value, sent.text, span.start_char, span.end_char, cue, "affirmed", confidence)


_WORDS = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> frozenset[str]:
    """Lower-case alphanumeric words of ``text`` (the pre-filter key for :class:`Cues`).

    Non-ASCII text is case-folded as ``re.IGNORECASE`` sees it ("ASİA" has the word "asia").
    """
    return frozenset(_WORDS.findall(fold(text)))


#: Cue prefixes/suffixes that match no character (see :meth:`Cues._literal_gate`).
_ZERO_WIDTH_EDGES = frozenset({"", r"\b", r"(?<![A-Za-z])", r"(?![A-Za-z])"})


@cache
def _common_words() -> frozenset[str]:
    """Words too frequent in SSEH abstracts to serve as a cue phrase's trigger."""
    return frozenset(lexicon("common_words.json")["words"])


class Cues:
    """A list of literal cue phrases matched as whole words, case-insensitively.

    Python's ``re`` tries every alternative at every position, so a long alternation is slow;
    each phrase's longest uncommon word is therefore used as a trigger, and the regex only runs
    on a sentence whose word set (:func:`words_of`) contains one. Phrases without any
    alphanumeric word (``"%"``), and stem or substring cues (an empty ``prefix``/``suffix``:
    "neurolog" must match "neurological", whose word set has no "neurolog"), make the regex
    always run.
    """

    def __init__(self, phrases: list[str], *, prefix: str = r"\b", suffix: str = r"\b") -> None:
        self.phrases = list(phrases)
        self.regex = re.compile(rf"{prefix}(?:{alternation(self.phrases)}){suffix}", re.IGNORECASE)
        triggers: set[str] = set()
        self.always = not prefix or not suffix
        # trigger → the word sets of its phrases: on ASCII text a whole-word phrase can only
        # match when every one of its words is a word of the sentence
        needs: dict[str, list[frozenset[str]]] | None = {}
        for phrase in self.phrases:
            ws = _WORDS.findall(phrase.lower())
            if not ws:
                self.always = True
                continue
            common = _common_words()
            rare = [w for w in ws if w not in common] or ws
            trigger = max(rare, key=len)
            triggers.add(trigger)
            if needs is not None:
                if phrase.isascii():
                    needs.setdefault(trigger, []).append(frozenset(ws))
                else:
                    needs = None
        self.triggers = frozenset(triggers)
        self._needs = None if self.always else needs
        # triggers that are a whole phrase by themselves: present, their phrase's words are
        self._sure = frozenset(
            t for t, sets in (needs or {}).items() if any(len(need) == 1 for need in sets)
        )
        self.twin = lowered_twin(self.regex)  # faster scans of ASCII sentences, same matches
        self._literals = self._literal_gate(prefix, suffix) if self.always else None

    def _literal_gate(self, prefix: str, suffix: str) -> Any:
        """An Aho-Corasick automaton of the lower-cased phrases, for cues without a word gate.

        A match of the regex is one phrase between zero-width ``prefix``/``suffix`` assertions,
        matched case-insensitively; on ASCII text, an ASCII phrase matches only letters that
        lower-case to its own lower-cased letters, so the lower-cased text contains one of the
        lower-cased phrases. ``None`` (no gate) for other prefixes or suffixes, a non-ASCII
        phrase or an empty one.
        """
        if prefix not in _ZERO_WIDTH_EDGES or suffix not in _ZERO_WIDTH_EDGES:
            return None
        if not self.phrases or not all(p and p.isascii() for p in self.phrases):
            return None
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for phrase in self.phrases:
            automaton.add_word(phrase.lower(), None)
        automaton.make_automaton()
        return automaton

    def _absent(self, text: str) -> bool:
        """Does the literal gate prove that ``text`` has no match?"""
        if self._literals is None or not text.isascii():
            return False
        for _ in self._literals.iter(text.lower()):
            return False
        return True

    def may_match(self, words: frozenset[str]) -> bool:
        """Could the regex match a sentence with these words?"""
        return self.always or not self.triggers.isdisjoint(words)

    def _may_match_in(self, text: str, words: frozenset[str]) -> bool:
        """:meth:`may_match`, and on ASCII text also: are all words of some phrase present?"""
        if self.always:
            return True
        if self.triggers.isdisjoint(words):
            return False
        needs = self._needs
        if needs is None or not text.isascii():
            return True
        if not self._sure.isdisjoint(words):
            return True  # a one-word phrase is present (its word set is {trigger})
        for t in self.triggers.intersection(words):
            for need in needs[t]:
                if need <= words:
                    return True
        return False

    def search(self, text: str, words: frozenset[str] | None = None) -> re.Match[str] | None:
        """First match in ``text`` (skipped at once when the words rule a match out).

        ``words`` must include every word of ``text`` (:func:`words_of`).
        """
        if words is not None and not self._may_match_in(text, words):
            return None
        if self._literals is not None and self._absent(text):
            return None
        return search_lowered(self.regex, self.twin, text)

    def finditer(self, text: str, words: frozenset[str] | None = None) -> Iterator[re.Match[str]]:
        """All matches in ``text`` (``words`` as for :meth:`search`)."""
        if words is not None and not self._may_match_in(text, words):
            return iter(())
        if self._literals is not None and self._absent(text):
            return iter(())
        return iter(finditer_lowered(self.regex, self.twin, text))

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        return self.regex.sub(repl, text)
