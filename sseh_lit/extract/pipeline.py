"""The spaCy pipeline, built once per process.

``load()`` returns a ``spacy.blank("en")`` pipeline with

* ``sseh_sentences`` — a fast rule-based sentence splitter: a sentence ends at ``.``/``!``/``?``
  (plus closing brackets/quotes) unless the word before is a known abbreviation ("Fig.", "e.g.",
  "approx.", "vs.") or the next word starts in lower case; a line break (title / structured
  section labels) always starts a sentence. Decimal numbers stay one token in spaCy's tokenizer.
  medspaCy's PyRuSH gives similar boundaries but is about ten times slower (see docs/extraction.md).
* scispaCy's ``abbreviation_detector`` so "SSEH", "LMWH", "AF" defined in the text are resolved
  (``doc._.abbreviations``; :func:`expand_abbreviations` gives a long-form lookup).

Everything downstream works on sentence ``Span`` objects of a Doc built from
:func:`sseh_lit.text.document_text`, so ``span.start_char`` is a document offset.
"""

from __future__ import annotations

import json
import re
import warnings
from functools import cache
from importlib import resources
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .model import FieldValue

#: Words after which a full stop does not end a sentence (lower-case, without the dot).
_ABBREV_FILE = "sentence_abbreviations.json"
_CLOSERS = {")", "]", "}", '"', "'", "”", "’"}
_ENDERS = {".", "!", "?"}


@cache
def _no_break_words() -> frozenset[str]:
    data = resources.files("sseh_lit.extract.lexicons").joinpath(_ABBREV_FILE).read_text("utf-8")
    return frozenset(w.lower().rstrip(".") for w in json.loads(data)["abbreviations"])


@Language.component("sseh_sentences")
def sseh_sentences(doc: Doc) -> Doc:
    """Set ``is_sent_start`` on every token (see the module docstring for the rules)."""
    no_break = _no_break_words()
    end_seen = False  # the last word token ended a sentence
    nl_seen = False  # a line break came after the last word token
    for i, tok in enumerate(doc):
        if i == 0:
            start = True
        elif tok.is_space:
            start = False
        elif nl_seen:
            start = True
        elif end_seen and tok.text in _CLOSERS and not doc[i - 1].whitespace_:
            start = False  # a bracket or quote closing the sentence that just ended
        elif end_seen:
            start = not tok.text[0].islower()
        else:
            start = False
        tok.is_sent_start = start
        if tok.is_space:
            nl_seen = nl_seen or "\n" in tok.text
            continue
        if tok.text in _CLOSERS and end_seen and not doc[i - 1].whitespace_:
            nl_seen = "\n" in tok.whitespace_
            continue
        nl_seen = "\n" in tok.whitespace_
        end_seen = _ends_sentence(doc, i, no_break)
    return doc


def _ends_sentence(doc: Doc, i: int, no_break: frozenset[str]) -> bool:
    """Does token ``i`` end a sentence (``!``, ``?``, or a full stop not after an abbreviation)?"""
    text = doc[i].text
    if text in ("!", "?"):
        return True
    if text == ".":
        if i == 0:
            return False
        prev = doc[i - 1]
        if prev.whitespace_:
            return True
        word = prev.text.lower()
        return word not in no_break and not (len(word) == 1 and word.isalpha())
    if len(text) > 1 and text.endswith("."):
        return text.lower().rstrip(".") not in no_break
    return False


def _build() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sseh_sentences")
    # scispaCy registers its factory on import
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401

    nlp.add_pipe("abbreviation_detector")
    return nlp


@cache
def load() -> Language:
    """The extraction pipeline, built once per process and cached."""
    # scispaCy's detector keeps an empty global matcher; its "no patterns" warning is noise here.
    warnings.filterwarnings("ignore", message=r".*\[W036\]")
    return _build()


def sentences(doc: Doc) -> list[Span]:
    """Sentences of ``doc`` with surrounding whitespace trimmed (empty ones dropped)."""
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


def evidence(value: Any, sent: Span, confidence: float, cue: str | None = None) -> FieldValue:
    """A :class:`FieldValue` whose evidence is the sentence ``sent`` (document offsets)."""
    return FieldValue(
        value=value,
        evidence=sent.text,
        start=sent.start_char,
        end=sent.end_char,
        cue=cue,
        confidence=confidence,
    )
