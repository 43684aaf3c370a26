"""The regex gate may skip a regex only when it provably has no match (sseh_lit.regex_gate)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sseh_lit.regex_gate import (
    TriggerIndex,
    finditer_fast,
    finditer_lowered,
    has_match,
    leaders,
    lowered_twin,
    scanner_of,
    slice_safe,
    split_of,
    triggers,
    word_list,
)
from sseh_lit.screen_rules import load_rules, sentences


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"warfarin|heparin", {"warfarin", "heparin"}),
        (r"epidural (?:ha?ematoma|bleed)", {"epidural "}),
        (r"(?:lumbar|spinal) puncture", {" puncture"}),
        (r"spontan\w*|idiopathic", {"spontan", "idiopathic"}),
        (r"Brown[- ]S[ée]quard", {"brown"}),  # non-ASCII literals are never used
        (r"\d+-year-old", {"-year-old"}),
        (r"(?:a|b)c", None),  # one character is no gate
        (r"warfarin|\w+", None),  # an alternative without a literal: no gate
        (r"(?:heparin)?\s*dose", {"dose"}),  # an optional part is not required
        (r"sub-?dural", {"subdural", "sub-dural"}),  # an optional character: both spellings
        (r"-?dural", {"dural"}),  # a leading optional character is left out
    ],
)
def test_triggers(pattern: str, expected: set[str] | None) -> None:
    found = triggers(pattern, re.IGNORECASE)
    assert (None if found is None else set(found)) == expected


# synthetic sentences, written for this test
SENTENCES = [
    "A 70-year-old man on WARFARIN developed a spontaneous spinal epidural haematoma.",
    "No history of trauma, lumbar puncture or epidural anaesthesia was reported.",
    "The hematoma extended from C3 to C6 and was evacuated after hemilaminectomy.",
    "Brown-Séquard syndrome after a fall from a ladder; MRI showed a subdural bleed.",
    "A case report of an idiopathic extradural haemorrhage in a 34-year-old woman.",
    "ſpontaneous İdiopathic ıdiopathic: these letters fold to ASCII under re.IGNORECASE.",
]


def test_screening_rules_never_skipped_when_they_match() -> None:
    rules = load_rules()
    regexes = [r.regex for group in rules.groups.values() for r in group]
    regexes += list(rules.flags.values())
    gate = TriggerIndex(regexes)
    skipped = 0
    for text in SENTENCES:
        hits = gate.hits(text)
        for regex in regexes:
            if not gate.may_match(regex, hits):
                skipped += 1
                assert regex.search(text) is None, (regex.pattern[:60], text)
    assert skipped  # the gate does skip rules that cannot match


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["epidural", "HEMATOMA", "ſ", "İ", "K", "warfarin", "Puncture", " ", "-", "é", "lp"]
        )
        | st.text(max_size=5),
        max_size=12,
    )
)
def test_gate_is_exact_on_mixed_text(parts: list[str]) -> None:
    text = "".join(parts)
    regexes = [
        re.compile(p, re.IGNORECASE)
        for p in (r"epidural\s*ha?ematoma", r"warfarin|heparin", r"lumbar puncture|\bLP\b")
    ]
    gate = TriggerIndex(regexes)
    hits = gate.hits(text)
    for regex in regexes:
        if regex.search(text):
            assert gate.may_match(regex, hits)


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bLP\b|lumbar puncture",
        r"[A-Z]\d{1,2}\b",
        r"[^A-Z ]+ed\b",
        r"(?:spontan\w*|idiopathic)\s+(?!SEH)\w+",
        r"Brown[- ]S[ée]quard",
        r"(?<!non-)traumatic",
        r"(a)\s+\1",
    ],
)
def test_lowered_twin_finds_the_same_matches(pattern: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    twin = lowered_twin(regex)
    assert twin is not None
    for text in [*SENTENCES, "LP at L3 was non-traumatic; Spontaneous Hematoma. A a", "T12 c5 D11"]:
        want = [(m.span(), m.group(0)) for m in regex.finditer(text)]
        got = [(m.span(), m.group(0)) for m in finditer_lowered(regex, twin, text)]
        assert got == want, (pattern, text)


@pytest.mark.parametrize("pattern", [r"(?-i:LP)", "\u017fpine", "[\u0100-\u0200]x"])
def test_no_twin_where_lower_casing_is_not_exact(pattern: str) -> None:
    assert lowered_twin(re.compile(pattern, re.IGNORECASE)) is None


@pytest.mark.parametrize(
    "text", [*SENTENCES, "", "no", "Not known", "with NO trauma", "ſo no", "İno", "diagnosis"]
)
def test_has_match_agrees_with_search(text: str) -> None:
    for pattern in (
        r"\bno\b|\bnot\b|without",
        r"(?:was|were)\s+(?:denied|excluded)",
        r"ha?ematoma",
    ):
        regex = re.compile(pattern, re.IGNORECASE)
        assert has_match(regex, text) == (regex.search(text) is not None), (pattern, text)


# an alternation with one leaderless alternative (like IP-REPORT): anchored by the others'
# leaders on texts without "reported"/"presented", scanned in full otherwise
_SPLIT_PATTERN = (
    r"case report(?!s)|\bcase (?:1|one)\b|(?:\w+\s+)?(?:case|patient)s? (?:is|was) "
    r"(?:reported|presented)|(?:a|one) (?:rare )?cases? of\b"
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "case",
                "CASE ",
                "report",
                "reports",
                " is ",
                "was",
                "reported",
                "Presented",
                "patient",
                "a ",
                "one",
                "rare ",
                " of",
                "1",
                "ſ",
                "İ",
                "é",
                " ",
            ]
        )
        | st.text(max_size=4),
        max_size=14,
    )
)
def test_split_alternation_finds_the_same_matches(parts: list[str]) -> None:
    regex = re.compile(_SPLIT_PATTERN, re.IGNORECASE)
    assert split_of(regex) is not None
    text = "".join(parts)
    want = [(m.span(), m.group(0)) for m in regex.finditer(text)]
    assert [(m.span(), m.group(0)) for m in finditer_fast(regex, text)] == want, text


def test_screening_sentence_split_is_the_plain_one() -> None:
    plain = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
    texts = [
        *SENTENCES,
        " ".join(SENTENCES),
        "One. Two!  (Three) ?\n\n4. x. \u00a0Y.\n",
        ".\n\nA\n \n.\tB?\u2028C",
    ]
    for text in texts:
        want = [s.strip() for s in plain.split(text) if s.strip()]
        assert sentences(text) == want, text


def test_masks_agree_with_hits_and_live() -> None:
    rules = load_rules()
    regexes = [r.regex for group in rules.groups.values() for r in group]
    regexes += list(rules.flags.values())
    gate = TriggerIndex(regexes)
    for text in SENTENCES[:-1]:  # the last one is not foldable: never gated
        hits = gate.hits(text)
        live = gate.live(hits)
        assert hits is not None and live is not None
        hit_mask, live_mask = gate.masks(text.lower())
        for regex in regexes:
            assert bool(gate.bit_of(regex) & live_mask) == (id(regex) in live)
            by_masks = all(mask & hit_mask for mask in gate.word_bits(regex))
            assert by_masks == gate.may_match(regex, hits), (regex.pattern[:60], text)


def test_an_optional_part_is_followed_by_the_rest_in_the_leaders() -> None:
    assert leaders(r"\bt-?PA\b", re.IGNORECASE) == {"t-pa", "tpa"}
    assert leaders(r"\bS?SSDH\b", re.IGNORECASE) == {"sssdh", "ssdh"}


@pytest.mark.parametrize(
    "pattern", [r"\bt-?PA\b|alteplase", r"\bS?SSDH\b|subdural", r"(?:a |an )?case (?:report)?"]
)
def test_finditer_fast_finds_the_same_matches(pattern: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    texts = [
        *SENTENCES,
        "t-PA, tPA and TPA; rt-PA; alteplase. SSSDH, SSDH, sSDH, a subdural",
        "a case, an case report; Case Report. tpa",
    ]
    for text in texts:
        want = [(m.span(), m.group(0)) for m in regex.finditer(text)]
        assert [(m.span(), m.group(0)) for m in finditer_fast(regex, text)] == want, text


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        (r"\b(?:dogs?|cats?|veterinar\w+)\b", True),
        (r"retro\w*|cohort|\d+ (?:patients|cases)", True),
        (r"a\Bb|x.*?y", True),
        (r"(?<!non)traum\w+", False),  # a lookbehind sees past the slice's start
        (r"case report(?!s)", False),  # a lookahead sees past its end
        (r"^Retracted", False),
        (r"end$", False),
        (r"(a)\1", False),
        (r"(?>ab|a)c", False),
        (r"a*+b", False),
    ],
)
def test_slice_safe(pattern: str, safe: bool) -> None:
    assert slice_safe(re.compile(pattern, re.IGNORECASE)) is safe


@given(
    st.lists(
        st.sampled_from(
            ["cat", "cats", "rat", "dura", "tion", "veterinary", ".", " ", "\n", "A", "é", "_", "1"]
        ),
        max_size=20,
    )
)
def test_a_slice_safe_match_in_a_sentence_is_one_in_the_abstract(parts: list[str]) -> None:
    """What ``_Reader.count_sents`` relies on: no match in the abstract, none in a sentence."""
    regex = re.compile(r"\b(?:cats?|rats?|veterinar\w+)\b|a\Btion", re.IGNORECASE)
    assert slice_safe(regex)
    abstract = "".join(parts).strip()
    if not has_match(regex, abstract):
        assert not any(regex.search(s) for s in sentences(abstract)), abstract


def test_slice_safe_screening_rules_hold_on_real_sentences() -> None:
    rules = load_rules()
    regexes = [r.regex for group in rules.groups.values() for r in group if slice_safe(r.regex)]
    assert regexes
    abstract = " ".join(SENTENCES[:-1])
    for regex in regexes:
        if any(regex.search(s) for s in sentences(abstract)):
            assert has_match(regex, abstract), regex.pattern[:60]


@pytest.mark.parametrize(
    ("pattern", "is_list"),
    [
        (r"\b(?:dogs?|cats?|pupp(?:y|ies)|veterinar\w+|mice|ra[bp]\w*)\b", True),
        (r"\b(?:rat|cat)s?\b", True),
        (r"\bdog\b|\bcat\b", False),  # the edges inside the alternatives: not this form
        (r"\b(?:dog|cat\w+x)\b", False),  # something after a \w+
        (r"\b(?:dog|c-at)\b", False),  # a non-word character inside a word
        (r"\b(?:dog|)\b", False),  # an empty word
        (r"(?:dog|cat)\b", False),  # no leading edge
    ],
)
def test_word_list_form(pattern: str, is_list: bool) -> None:
    assert (word_list(re.compile(pattern, re.IGNORECASE)) is not None) is is_list
    assert word_list(re.compile(pattern)) is None  # case-sensitive: never


_WORDS_PATTERN = r"\b(?:dogs?|cats?|pupp(?:y|ies)|veterinar\w+|mice|ra[bp]\w*|x_1)\b"


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "dog",
                "Dogs",
                "cat",
                "CATS",
                "puppy",
                "puppies",
                "veterinar",
                "Veterinary",
                "mice",
                "rab",
                "rapid",
                "rat",
                "x_1",
                "x_12",
                "operation",
                "2",
                "_",
                " ",
                "-",
                ".",
                "(",
                "é",
                "ſ",
                "\n",
                "dogmatic",
                "hotdog",
            ]
        ),
        max_size=8,
    ).map("".join)
)
def test_word_list_agrees_with_search(text: str) -> None:
    regex = re.compile(_WORDS_PATTERN, re.IGNORECASE)
    assert word_list(regex) is not None
    assert has_match(regex, text) == (regex.search(text) is not None), text


def test_animal_words_are_a_word_list_and_agree_on_real_abstracts() -> None:
    animal = load_rules().groups["non_human"][0].regex
    assert word_list(animal) is not None
    for text in [*SENTENCES, "Veterinary dogs; a rat-bite", "operation duration (cats)"]:
        assert has_match(animal, text) == (animal.search(text) is not None), text


_AFTER_PATTERN = (
    r"(?:ha?ematoma|bleeding)\s+(?:\w+\s+){0,4}(?:in|of)\s+(?:the\s+)?(?:epidural|extradural)"
)


@given(
    st.lists(
        st.sampled_from(
            [
                "Haematoma ",
                "hematoma ",
                "bleeding ",
                "in ",
                "of ",
                "the ",
                "Epidural ",
                "extra",
                "dural ",
                "space. ",
                "large ",
                "ſ",
                "é ",
            ]
        ),
        max_size=12,
    ).map("".join)
)
@settings(max_examples=300)
def test_a_literal_required_after_the_start_cuts_no_match(text: str) -> None:
    """A leader after the last epidural word is not tried (see ``_after_literals``): the same
    matches and the same answer as the plain regex."""
    regex = re.compile(_AFTER_PATTERN, re.IGNORECASE)
    assert scanner_of(regex).after  # ("pidural", "xtradural"): re factors out the "e"
    want = [(m.span(), m.group(0)) for m in regex.finditer(text)]
    assert [(m.span(), m.group(0)) for m in finditer_fast(regex, text)] == want, text
    assert has_match(regex, text) == (regex.search(text) is not None), text
