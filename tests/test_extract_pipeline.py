"""The pipeline's fast paths give what the plain spaCy / scispaCy / regex versions give."""

from __future__ import annotations

import random
import re

import pytest
from scispacy.abbreviation import AbbreviationDetector
from spacy.tokens import Doc

from sseh_lit.extract import assertion
from sseh_lit.extract.pipeline import (
    _no_break_words,
    _sentences_slow,
    defined_long_forms,
    load,
    sentence_starts,
    sentences,
    token_arrays,
)

# sentence_starts as first written: one regex scan for the ends, a regex for the word before
_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NEWLINE = re.compile(r"\n\s*(?=\S)")
_LETTER_VALUE = re.compile(
    r"(?:ASIA|AIS|Frankel|[Gg]rade|[Vv]itamin)(?:\s+(?:grade|scale|score|was|of|is))?[\s:-]{1,2}$"
)


def _reference_starts(text: str) -> set[int]:
    no_break = _no_break_words()
    starts = {0}
    n = len(text)
    for m in _END.finditer(text):
        j = m.end()
        while j < n and text[j].isspace():
            j += 1
        if j >= n or text[j].islower():
            continue
        if text[m.start()] == ".":
            w = _WORD_BEFORE.search(text, max(0, m.start() - 20), m.start())
            if w:
                word = w.group(1).lower().rstrip(".")
                if word in no_break or (
                    len(word) == 1
                    and m.start() - w.start() == 1
                    and not _LETTER_VALUE.search(text, max(0, w.start() - 20), w.start())
                ):
                    continue
        starts.add(j)
    for m in _NEWLINE.finditer(text):
        starts.add(m.end())
    return starts


TEXTS = [
    "Spinal epidural hematoma (SEH) after aspirin.\n\nBackground: A 67-year-old man (Fig. 1) "
    "was on warfarin (INR 2.5). He had low-molecular-weight heparin (LMWH) e.g. enoxaparin. "
    'Vs. the SEH! Was it? Yes.) "Quoted." Next\u00a0one. ASIA D. An 81-year-old. Dr. Smith.',
    "Title only",
    "",
    "a.\n. B. U.S. Food and Drug Administration (FDA) approved it. i.e. fine. No.\n\nX",
    "  leading space. Then (a (nested) bracket) here (ABC). abcdefghijklmnopqrstuvwxyz. Z.",
]


def _random_texts(k: int) -> list[str]:
    rng = random.Random(7)
    pieces = ["Dr", "e.g", "A", "ASIA", "grade", "word", "U.S", "x", "(", ")", "ſ", "İ", "2.5"]
    seps = [". ", "! ", "? ", ".) ", '." ', ".\n", "\n\n", " ", ".  ", ".\u2019 ", "\n.", ": "]
    out = []
    for _ in range(k):
        parts = []
        for _ in range(rng.randint(1, 25)):
            parts.append(rng.choice(pieces))
            parts.append(rng.choice(seps))
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("text", TEXTS + _random_texts(300))
def test_sentence_starts_match_the_regex_version(text: str) -> None:
    assert sentence_starts(text) == _reference_starts(text)


def _trimmed_sents(doc: Doc) -> list[tuple[int, int]]:
    """The reference: each ``doc.sents`` span trimmed token by token (``_sentences_slow``)."""
    return [(span.start, span.end) for span in _sentences_slow(doc)]


@pytest.mark.parametrize("text", TEXTS + _random_texts(100))
def test_sentences_are_the_trimmed_doc_sents(text: str) -> None:
    doc = load()(text)
    assert [(s.start, s.end) for s in sentences(doc)] == _trimmed_sents(doc)


@pytest.mark.filterwarnings("ignore::UserWarning")  # W036: the reference has no pattern
@pytest.mark.parametrize("text", TEXTS + _random_texts(100))
def test_abbreviations_as_with_scispacys_own_detector(text: str) -> None:
    nlp = load()
    ours = nlp(text)
    plain = nlp.get_pipe("sseh_sentences")(nlp.make_doc(text))
    reference = AbbreviationDetector(nlp)  # spaCy Matchers and bookkeeping, as scispaCy ships it
    reference(plain)

    def found(doc: Doc) -> list[tuple[int, int, int, int]]:
        return sorted(
            (a.start, a.end, a._.long_form.start, a._.long_form.end) for a in doc._.abbreviations
        )

    assert found(ours) == found(plain)


def test_the_abbreviation_test_sees_definitions() -> None:
    assert len(load()(TEXTS[0])._.abbreviations) >= 3


@pytest.mark.parametrize("text", TEXTS + _random_texts(100))
def test_doc_layout_matches_token_walk(text: str) -> None:
    doc = load()(text)
    title_end = None
    sections = []
    generic = assertion.rules().generic_sections
    for tok in doc:
        if not tok.is_space or "\n" not in tok.text:
            continue
        if title_end is None:
            if "\n\n" not in tok.text:
                continue
            title_end = tok.idx
        i = tok.i
        for j in range(i + 1, min(i + 10, len(doc))):
            if doc[j].text == ":":
                label = doc[i + 1 : j].text
                if assertion._LABEL_OK.fullmatch(label):
                    sections.append((doc[i + 1].idx, assertion._normalise_phrase(label) in generic))
                break
            if doc[j].is_space:
                break
    if title_end is None:
        title_end = doc[-1].idx + len(doc[-1].text) if len(doc) else 0
    assert assertion.doc_layout(doc) == assertion.DocLayout(title_end, tuple(sections))


def test_token_arrays_follow_the_tokens() -> None:
    doc = load()(TEXTS[0])
    arrays = token_arrays(doc)
    assert arrays.idx.tolist() == [t.idx for t in doc]
    assert arrays.length.tolist() == [len(t) for t in doc]
    flags = [[t.is_space, t.is_alpha, t.is_digit, t.is_punct] for t in doc]
    assert arrays.flags.T.tolist() == flags
    idx, length, space = arrays.lists()
    assert (idx, length, space) == (
        [t.idx for t in doc],
        [len(t) for t in doc],
        [t.is_space for t in doc],
    )


@pytest.mark.parametrize("text", TEXTS + _random_texts(100))
def test_defined_long_forms_cover_every_abbreviation(text: str) -> None:
    doc = load()(text)
    known = defined_long_forms(doc)
    assert known is not None
    assert {a._.long_form.text for a in doc._.abbreviations} <= known


def test_long_forms_unknown_without_the_detector() -> None:
    assert defined_long_forms(load().make_doc("Aspirin (ASA) daily.")) is None


@pytest.mark.parametrize(
    "patterns",
    [
        {"a": [["AA"]]},
        {"a": [["AA"]], "b": [["A"]], "c": [["AAA"]]},
        {"a": [["t", "-", "PA"]], "b": [["PA"]], "c": [["(", "AA", ")"]]},
        {"a": [["AA", "AA"]], "b": [["x"], ["AA"]]},
    ],
)
def test_orth_sequences_match_spacys_matcher(patterns: dict[str, list[list[str]]]) -> None:
    from spacy.matcher import Matcher

    from sseh_lit.extract.pipeline import _OrthSequences

    nlp = load()
    text = "AA AAA AA AA (AA) t-PA t - PA PA. xAA AAx x AA AA AA\nAA PA-AA A"
    doc = nlp(text)
    ours = _OrthSequences(nlp)
    spacy_matcher = Matcher(nlp.vocab)
    for key, pats in patterns.items():
        ours.add(key, [[{"ORTH": t} for t in p] for p in pats])
        spacy_matcher.add(key, [[{"ORTH": t} for t in p] for p in pats])
    assert ours(doc) == spacy_matcher(doc)
