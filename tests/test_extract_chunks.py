"""The chunk-memo front end gives exactly the Doc spaCy's own tokenizer gives.

Every text here is synthetic (written for these tests or generated); the gold abstracts are
read in place from ``../shared``.
"""

from __future__ import annotations

import copy
import json
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.attrs import IDX, LENGTH, NORM, ORTH, SPACY

from sseh_lit.extract import chunks
from sseh_lit.extract.chunks import ChunkTokenizer
from sseh_lit.extract.core import record_text
from sseh_lit.extract.pipeline import load

_REFERENCE = spacy.blank("en").tokenizer


def _signature(doc: spacy.tokens.Doc) -> tuple[list[list[int]], str, list[str]]:
    """Everything a tokenizer decides: ids, norms, offsets, trailing spaces, lengths, text."""
    rows = doc.to_array([ORTH, NORM, IDX, SPACY, LENGTH]).tolist()
    return rows, doc.text, [t.norm_ for t in doc]


def _fresh() -> ChunkTokenizer:
    """A memo that never hands texts to spaCy for being novel: every text is looked up."""
    tokenizer = ChunkTokenizer(spacy.blank("en").tokenizer)
    tokenizer.novel = 10**9
    return tokenizer


def _same(tokenizer: ChunkTokenizer, text: str) -> None:
    assert _signature(tokenizer(text)) == _signature(_REFERENCE(text)), repr(text)


TEXTS = [
    "",
    "A",
    "Synthetic spinal epidural haematoma (SSEH).\n\nA 70-year-old man on warfarin (INR 3.1) had "
    "neck pain; MRI showed a dorsal C5-C7 lesion, e.g. at 37 °C. He's well.",
    "Title only, no abstract",
    "Label: first section.\n\nResults: second section.\n\n\nConclusion: third one",
    # whitespace the chunks do not cover: spaCy's tokenizer takes the text whole
    " leading space",
    "trailing space ",
    "\nleading newline",
    "trailing newline\n",
    "two  spaces",
    "a tab\there",
    "no-break\u00a0space and thin\u2009space",
    "line with a space at its end \nnext",
    "carriage\r\nreturn",
    "soft\u00adhyphen",
    # exceptions: norms of their own, contractions, abbreviations, emoticons
    "Seen on 3 Jan. and 4 Feb. by Dr. Smith at 10a.m. (U.S. site) vs. controls :) ok",
    "Parkinson's disease; it's n't don't won't y'all",
    # neighbouring chunks that touch with two tokens of one exception's pattern
    "x [ =]y",
    "he said a . b and /or c",
    "at 37 ° C. today ( ( x ) ) 8 ) :0",
    "[ :(x .\n\ny",
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_doc_as_spacy(text: str) -> None:
    tokenizer = _fresh()
    _same(tokenizer, text)
    _same(tokenizer, text)  # again, with every chunk now remembered


def test_the_touching_check_is_needed() -> None:
    """Without the test of neighbouring chunks the memo would merge "=]" that spaCy leaves
    split (its special-case matcher saw "[ =" first); with it, the text goes to spaCy whole."""
    text = "x [ =]y"
    careless = _fresh()
    careless._touching = lambda _chunks: False  # type: ignore[method-assign]
    careless("=]y")  # remembered on its own, where the exception applies
    assert [t.text for t in careless(text)] != [t.text for t in _REFERENCE(text)]
    _same(_fresh(), text)


_ATOMS = [
    *(r for r in _REFERENCE.rules if not any(c.isspace() for c in r)),
    *"abcxyzO.,;:()[]-/'\"°<>=8_",
    "e.g.",
    "'s",
    "n't",
    "C.",
    "and",
    "or",
    "37",
    "Jan.",
    "haematoma",
]
_words = st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=3).map("".join)
_gaps = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\n\n\n"])


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(_words, min_size=1, max_size=12))
    return "".join(w + draw(_gaps) for w in words[:-1]) + words[-1]


_SHARED = _fresh()  # one memo across examples, as in a run over a corpus


@settings(max_examples=600, deadline=None)
@given(_texts())
def test_random_texts_of_exceptions_and_punctuation(text: str) -> None:
    _same(_SHARED, text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_arbitrary_unicode(text: str) -> None:
    _same(_SHARED, text)


def test_add_special_case_forgets_remembered_chunks() -> None:
    tokenizer = _fresh()
    _same(tokenizer, "the SSEHx case")
    tokenizer.add_special_case("SSEHx", [{ORTH: "SSEH"}, {ORTH: "x"}])
    assert [t.text for t in tokenizer("the SSEHx case")] == ["the", "SSEH", "x", "case"]


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "MAX_CHUNKS", 5)
    tokenizer = _fresh()
    for i in range(40):
        _same(tokenizer, f"case {i} of {i + 1} synthetic haematomas number{i}")
    assert len(tokenizer._entries) <= 5 + 8  # reset when over the bound, then one text's chunks


def test_a_novel_text_sends_the_next_ones_to_spacy() -> None:
    """Learning many unseen chunks costs more than looking chunks up saves, so after a text with
    more than ``NOVEL`` of them the next ``SKIP_AFTER_NOVEL`` texts go to spaCy directly."""
    tokenizer = ChunkTokenizer(spacy.blank("en").tokenizer)
    whole: list[str] = []
    spacy_tokenizer = tokenizer.tokenizer

    def spy(text: str) -> spacy.tokens.Doc:
        whole.append(text)
        return spacy_tokenizer(text)

    tokenizer.tokenizer = spy  # type: ignore[assignment]
    novel = "one two three four five six seven eight"  # eight unseen chunks
    tokenizer(novel)
    later = [f"one two {i}" for i in range(chunks.SKIP_AFTER_NOVEL + 1)]
    for text in later:
        _same(tokenizer, text)
    assert [t for t in whole if t in later] == later[: chunks.SKIP_AFTER_NOVEL]
    tokenizer.tokenizer = spacy_tokenizer


def test_the_pipelines_tokenizer_pickles_and_copies() -> None:
    """The wrappers forward attribute reads to spaCy's tokenizer; a copy or an unpickled one,
    made without ``__init__``, must not recurse (it crashed the interpreter when compiled)."""
    text = "Synthetic: a 70-year-old man (SSEH) at C5-C7, e.g. on warfarin."
    tokenizer = load().tokenizer
    tokenizer(text)  # something remembered
    for other in (pickle.loads(pickle.dumps(tokenizer)), copy.copy(tokenizer)):
        assert _signature(other(text)) == _signature(_REFERENCE(text))
        assert other.explain("C5-C7")  # still forwards to spaCy's tokenizer


def test_threads_sharing_one_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls from several threads, with the memo starting afresh all the time, still give
    spaCy's Docs (a call that finds the memo changed under it hands its text to spaCy)."""
    monkeypatch.setattr(chunks, "MAX_CHUNKS", 20)
    tokenizer = _fresh()
    texts = [
        f"Case {i}: a {i % 7}-level synthetic haematoma (SSEH) at C{i % 7 + 1}." for i in range(60)
    ]
    expected = [_signature(_REFERENCE(t)) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            got = list(pool.map(lambda t: _signature(tokenizer(t)), texts))
            assert got == expected


def test_pipeline_uses_it_and_gold_abstracts_match(gold_path: Path) -> None:
    nlp = load()
    assert isinstance(nlp.tokenizer.tokenizer, ChunkTokenizer)
    with open(gold_path, encoding="utf-8") as fh:
        texts = [record_text(json.loads(line)) for line in fh if line.strip()]
    tokenizer = _fresh()
    for text in texts + texts:
        _same(tokenizer, text)
    assert tokenizer._entries, "the gold abstracts should go through the memo"
    assert not tokenizer._never
