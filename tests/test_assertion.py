"""ConText-style assertion: negation and its scope, history, hypotheticals, family, general
statements. All sentences are synthetic, written for these tests."""

from __future__ import annotations

import re

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from sseh_lit.extract import assertion
from sseh_lit.extract.assertion import SentenceContext, assess, compile_terms, fold, layout


def status(sentence: str, target: str, **kw: bool) -> tuple[str, str | None]:
    start = sentence.lower().index(target.lower())
    got = assess(sentence, start, start + len(target), **kw)
    return got.status, got.cue


@pytest.mark.parametrize(
    ("sentence", "target", "expected", "cue"),
    [
        ("The patient was on warfarin for atrial fibrillation.", "warfarin", "affirmed", None),
        ("He was not taking any anticoagulant.", "anticoagulant", "negated", "was not taking"),
        ("She denied use of aspirin or clopidogrel.", "clopidogrel", "negated", "denied"),
        ("There was no history of hypertension.", "hypertension", "negated", "no history of"),
        ("He was negative for coagulopathy.", "coagulopathy", "negated", "was negative"),
        ("Anticoagulant use was denied by the patient.", "anticoagulant", "negated", "was denied"),
        (
            "The bleed was not related to trauma, tumour, or anticoagulation.",
            "anticoagulation",
            "negated",
            "not related to",
        ),
        ("She had no fever but was on rivaroxaban.", "rivaroxaban", "affirmed", None),
        ("He had no trauma; he took apixaban daily.", "apixaban", "affirmed", None),
        ("No bleeding occurred despite heparin.", "heparin", "affirmed", None),
        ("He had not only aspirin but clopidogrel.", "aspirin", "affirmed", None),
        ("She had a history of hypertension.", "hypertension", "historical", "history of"),
        ("His mother had haemophilia.", "haemophilia", "family", "mother"),
        (
            "He had no family history of bleeding disorder.",
            "bleeding disorder",
            "family",
            "family history of",
        ),
        (
            "If anticoagulation is continued, rebleeding may follow.",
            "anticoagulation",
            "hypothetical",
            "if",
        ),
        (
            "Anticoagulant therapy is a known risk factor for this bleed.",
            "anticoagulant",
            "hypothetical",
            "is a",
        ),
        (
            "Previous reports linked apixaban to spinal bleeding.",
            "apixaban",
            "hypothetical",
            "reports",
        ),
        (
            "Physicians should be cautious in patients on warfarin.",
            "warfarin",
            "hypothetical",
            "physicians",
        ),
        (
            "We report a 61-year-old man on warfarin who presented with neck pain.",
            "warfarin",
            "affirmed",
            None,
        ),
        (
            "This adds to the literature on an association between bleeding and aspirin.",
            "aspirin",
            "hypothetical",
            "association between",
        ),
    ],
)
def test_assertion_status_and_cue(
    sentence: str, target: str, expected: str, cue: str | None
) -> None:
    assert status(sentence, target) == (expected, cue)


@pytest.mark.parametrize(
    ("sentence", "target", "kw", "expected"),
    [
        # a case report's title names its own case, even with general-sounding words
        (
            "Epidural haematoma associated with dabigatran: a case report",
            "dabigatran",
            {"title": True},
            "affirmed",
        ),
        ("Epidural haematoma associated with dabigatran", "dabigatran", {}, "hypothetical"),
        # titles still carry negation
        (
            "Epidural haematoma without anticoagulation",
            "anticoagulation",
            {"title": True},
            "negated",
        ),
        # a Background/Conclusion sentence is general unless it is about the patient
        (
            "Warfarin use is increasing worldwide.",
            "warfarin",
            {"generic_section": True},
            "hypothetical",
        ),
        ("She took warfarin.", "warfarin", {"generic_section": True}, "affirmed"),
    ],
)
def test_title_and_section_context(sentence: str, target: str, kw: dict, expected: str) -> None:
    assert status(sentence, target, **kw)[0] == expected


def test_negation_scope_is_limited_in_words() -> None:
    sentence = (
        "No fever, chills, weight loss, night sweats, rash, cough or headache; he was on heparin."
    )
    assert status(sentence, "heparin")[0] == "affirmed"
    far = "No fever was reported in the days before the onset while on heparin."
    assert status(far, "heparin")[0] == "affirmed"


def test_one_context_serves_many_targets() -> None:
    text = "He was not on warfarin but took aspirin daily."
    ctx = SentenceContext(text)
    w, a = text.index("warfarin"), text.index("aspirin")
    assert ctx.assess(w, w + 8).status == "negated"
    assert ctx.assess(a, a + 7).status == "affirmed"
    assert ctx.anchored  # "he"


def test_layout_finds_title_and_general_sections() -> None:
    doc = "A title\n\nBackground: General words.\n\nCase presentation: A man.\n\nConclusions: More."
    lay = layout(doc)
    assert lay.is_title(0) and not lay.is_title(len("A title") + 2)
    assert lay.generic_section(doc.index("General"))
    assert not lay.generic_section(doc.index("A man"))
    assert lay.generic_section(doc.index("More"))


@pytest.mark.parametrize(
    "text", ["Ⅸ–Ⅹ ‘quoted’\u00a0text", "İstanbul—ANTICOAGULANT", "plain", "", "ß ﬁ ǅ"]
)
def test_fold_keeps_length(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert "–" not in folded and "—" not in folded and "\u00a0" not in folded


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_fold_length_property(text: str) -> None:
    assert len(fold(text)) == len(text)


@given(
    st.lists(st.from_regex(r"[a-z][a-z \-]{0,12}[a-z]", fullmatch=True), min_size=1, max_size=12)
)
@settings(max_examples=100, deadline=None)
def test_trie_pattern_matches_every_term_whole(terms: list[str]) -> None:
    pattern = compile_terms(terms, plural=False)
    for term in terms:
        norm = " ".join(term.split())
        m = pattern.search(f"x {norm} y")
        assert m is not None
        assert m.start(1) == 2  # the match starts where the term does, as a whole word


def test_trie_prefers_the_longest_term() -> None:
    pattern = compile_terms(["heparin", "low molecular weight heparin", "low"])
    m = pattern.search("on low-molecular-weight heparin daily")
    assert m is not None and m.group(1) == "low-molecular-weight heparin"


@given(st.text(max_size=400))
@settings(max_examples=150, deadline=None)
def test_context_never_crashes_on_any_text(text: str) -> None:
    ctx = SentenceContext(text)
    assert ctx.assess(0, min(3, len(text))).status in {
        "affirmed",
        "negated",
        "historical",
        "hypothetical",
        "family",
    }


def test_hostile_long_sentences_finish() -> None:
    nested = "(" * 5000 + "no warfarin" + ")" * 5000
    ctx = SentenceContext(nested)
    i = nested.index("warfarin")
    assert ctx.assess(i, i + 8).status == "negated"
    long = "not " * 50_000 + "aspirin"
    ctx = SentenceContext(long)
    assert ctx.assess(len(long) - 7, len(long)).status == "negated"


def test_rules_are_data_with_known_categories() -> None:
    r = assertion.rules()
    cats = {c.category for c in r.cues.values()}
    assert cats == {"negated", "historical", "hypothetical", "family", "pseudo"}
    assert all(c.direction in {"forward", "backward", "both", "sentence"} for c in r.cues.values())
    assert all(re.compile(a) for a in [r.anchor_re.pattern])


_BLANK = spacy.blank("en")


@given(st.text(max_size=300))
@settings(max_examples=100, deadline=None)
def test_doc_text_equals_spacy_text(text: str) -> None:
    doc = _BLANK.make_doc(text)
    assert assertion.doc_text(doc) == doc.text == text
