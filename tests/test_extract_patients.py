"""Patient counting and sentence attribution, on SYNTHETIC abstracts written for these tests."""

from __future__ import annotations

import pytest

from sseh_lit.extract import extract_record
from sseh_lit.extract.pipeline import load, sentences

TITLE = "Synthetic report"


def patients(abstract: str, title: str = TITLE, types: list[str] | None = None) -> list[dict]:
    record = {"pmid": "P1", "title": title, "abstract": abstract, "publication_types": types or []}
    return [p.plain() for p in extract_record(record).patients]


@pytest.mark.parametrize(
    ("abstract", "n"),
    [
        ("A 61-year-old man had an epidural hematoma at C5 and recovered.", 1),
        ("A 35-year-old mother of two children had an epidural hematoma at C5.", 1),
        ("A 30-year-old woman who had delivered two infants developed a hematoma at T4.", 1),
        ("We report a case of spontaneous spinal epidural hematoma on aspirin.", 1),
        ("We present two patients with spontaneous spinal epidural hematoma on apixaban.", 2),
        ("We describe three cases of epidural hematoma in children with haemophilia.", 3),
        (
            "Case 1: A 45-year-old man had a hematoma at T4. Case 2: A 67-year-old woman had a "
            "hematoma at C6. Both recovered.",
            2,
        ),
        ("A 45-year-old man and a 67-year-old woman developed epidural hematomas.", 2),
        ("Three women aged 34, 51 and 70 years developed epidural hematomas during pregnancy.", 3),
        ("Among 40 patients treated at our hospital, we present two patients taking warfarin.", 2),
        ("A 70-year-old man with a T6 hematoma could walk only with the help of two people.", 1),
        ("A 64-year-old woman with a C5 hematoma was carried in, assisted by two persons.", 1),
    ],
)
def test_patient_count(abstract: str, n: int) -> None:
    assert len(patients(abstract)) == n


@pytest.mark.parametrize(
    ("abstract", "types"),
    [
        (
            "We retrospectively reviewed 48 patients with spinal epidural hematoma. The mean age was "
            "61 years and 58% were men. Outcome correlated with preoperative grade.",
            [],
        ),
        (
            "This systematic review pooled 312 published cases of spinal epidural hematoma; 35% were "
            "anticoagulated.",
            ["Systematic Review"],
        ),
        (
            "Spinal epidural hematoma is rare. We summarise its causes, imaging and management.",
            ["Review"],
        ),
    ],
)
def test_aggregate_only_abstracts_give_no_patients(abstract: str, types: list[str]) -> None:
    record = {"pmid": "A1", "title": TITLE, "abstract": abstract, "publication_types": types}
    result = extract_record(record)
    assert result.patients == [] and result.aggregate_only


def test_case_markers_split_the_patients() -> None:
    got = patients(
        "We report two patients. Case 1: A 45-year-old man on warfarin had a hematoma at T4-T6 and "
        "underwent laminectomy. Case 2: A 67-year-old woman had a hematoma at C5-C6 and was "
        "managed conservatively."
    )
    assert [(p["age_years"], p["sex"], p["level_upper"], p["treatment"]) for p in got] == [
        (45, "male", "T4", "surgical"),
        (67, "female", "C5", "conservative"),
    ]
    assert got[0]["anticoagulant_agents"] == ["warfarin"] and got[1]["anticoagulant_agents"] == []


def test_listed_ages_and_sex_go_to_each_patient_in_order() -> None:
    got = patients("Three women aged 34, 51 and 70 years developed epidural hematomas.")
    assert [(p["age_years"], p["sex"]) for p in got] == [
        (34, "female"),
        (51, "female"),
        (70, "female"),
    ]
    pair = patients("A 45-year-old man and a 67-year-old woman developed epidural hematomas.")
    assert [(p["age_years"], p["sex"]) for p in pair] == [(45, "male"), (67, "female")]


def test_shared_series_facts_apply_to_all_but_subsets_to_none() -> None:
    got = patients(
        "We describe three patients with severe haemophilia A and spinal epidural hematoma. Two "
        "patients were managed conservatively, however one patient underwent laminectomy."
    )
    assert len(got) == 3
    assert all(p["coagulopathy"] is True for p in got)
    assert all(p["treatment"] is None for p in got)


def test_literature_sentence_is_not_the_patient_but_our_case_is() -> None:
    got = patients(
        "Only five cases have been reported in the literature, one in a 30-year-old on warfarin. "
        "We reviewed the literature and describe a 58-year-old man with an epidural hematoma."
    )
    assert len(got) == 1
    assert got[0]["age_years"] == 58 and got[0]["anticoagulant"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SSEH is rare (Fig. 1). A man had e.g. back pain. He recovered.",
            ["SSEH is rare (Fig. 1).", "A man had e.g. back pain.", "He recovered."],
        ),
        (
            "The mass was 2.5 cm vs. 3.1 cm approx. in size. It shrank.",
            ["The mass was 2.5 cm vs. 3.1 cm approx. in size.", "It shrank."],
        ),
        ("Title\n\nBackground: one. Case: two.", ["Title", "Background: one.", "Case: two."]),
        # a grade letter ends a sentence; an initial does not
        (
            "He was ASIA D. A second MRI was done. J. Smith saw him. Frankel grade E. Her AIS "
            "grade was B. Done.",
            [
                "He was ASIA D.",
                "A second MRI was done.",
                "J. Smith saw him.",
                "Frankel grade E.",
                "Her AIS grade was B.",
                "Done.",
            ],
        ),
    ],
)
def test_sentence_splitter(text: str, expected: list[str]) -> None:
    assert [s.text for s in sentences(load()(text))] == expected


def test_abbreviations_are_resolved() -> None:
    doc = load()(
        "A man on low molecular weight heparin (LMWH) had an epidural hematoma. LMWH was stopped."
    )
    found = {(a.text, a._.long_form.text) for a in doc._.abbreviations}
    assert ("LMWH", "low molecular weight heparin") in found
    assert len(doc._.abbreviations) == 2  # the definition and the later use


# ---- series whose patients are introduced without "Case N" (synthetic sentences) ----

SERIES_INTROS = [
    # ordinal openers
    (
        "We treated two patients with epidural hematoma. The first, a 38-year-old man, had a "
        "hematoma at T2-T5 and underwent laminectomy. The second, a 74-year-old woman, had a "
        "hematoma at L2-L4 and was managed conservatively.",
        [(38, "male", "T2", "surgical"), (74, "female", "L2", "conservative")],
    ),
    (
        "Two children are described. First, a 9-month-old boy had a hematoma at C5-C7 and he "
        "was observed. Second, a 14-year-old girl presented with a hematoma at T9-T11 and underwent "
        "laminotomy.",
        [(0.75, "male", "C5", "conservative"), (14, "female", "T9", "surgical")],
    ),
    (
        "We report two cases. In the first case, a 52-year-old man had a hematoma at C3-C4 and "
        "underwent laminoplasty. In the second case, a 66-year-old woman had a hematoma at T8 and "
        "was treated conservatively.",
        [(52, "male", "C3", "surgical"), (66, "female", "T8", "conservative")],
    ),
    # number words
    (
        "Case one: a 48-year-old man had a hematoma at T3-T5 and underwent laminectomy. Case two: "
        "a 69-year-old woman had a hematoma at L1-L2 and was managed conservatively.",
        [(48, "male", "T3", "surgical"), (69, "female", "L1", "conservative")],
    ),
    # letter labels
    (
        "Two patients were seen. Patient A, a 29-year-old woman, had a hematoma at T4-T6 and was "
        "managed conservatively. Patient B, an 81-year-old man on apixaban, had a hematoma at "
        "C6-T1 and underwent hemilaminectomy.",
        [(29, "female", "T4", "conservative"), (81, "male", "C6", "surgical")],
    ),
    # restated age after a list of ages
    (
        "We report three patients aged 44, 58 and 80 years with epidural hematoma. The 58-year-old "
        "woman had a hematoma at T3-T5 and underwent laminectomy. The 44-year-old man had a "
        "hematoma at C4-C6 and underwent laminoplasty. The 80-year-old man had a hematoma at L3 "
        "and he was observed.",
        [
            (44, "male", "C4", "surgical"),
            (58, "female", "T3", "surgical"),
            (80, "male", "L3", "conservative"),
        ],
    ),
    # restated sex after a pair
    (
        "We describe a 33-year-old man and a 62-year-old woman with cervical epidural hematoma. "
        "The woman, who took rivaroxaban, had a hematoma at C2-C5 and underwent laminectomy. The "
        "man had a hematoma at C6-C7 and was treated conservatively.",
        [(33, "male", "C6", "conservative"), (62, "female", "C2", "surgical")],
    ),
    # rank
    (
        "We describe a 24-year-old man and a 70-year-old man with thoracic epidural hematoma. The "
        "younger patient had a hematoma at T6-T8 and was managed by observation. The older patient had a "
        "hematoma at T10-T12 and underwent laminectomy.",
        [(24, "male", "T6", "conservative"), (70, "male", "T10", "surgical")],
    ),
]


@pytest.mark.parametrize(("abstract", "expected"), SERIES_INTROS)
def test_series_patients_introduced_without_case_numbers(abstract: str, expected: list) -> None:
    got = patients(abstract)
    assert [(p["age_years"], p["sex"], p["level_upper"], p["treatment"]) for p in got] == expected


@pytest.mark.parametrize(
    "closing",
    [
        "Neither patient was taking anticoagulants.",
        "Neither of them was taking anticoagulants.",
        "Both patients denied anticoagulant use.",
    ],
)
def test_whole_series_sentence_after_the_cases_applies_to_every_patient(closing: str) -> None:
    got = patients(
        "We present two cases. The first, a 50-year-old man, had a hematoma at T1-T3. The second, "
        f"a 61-year-old woman, had a hematoma at C4-C6. {closing}"
    )
    assert [p["anticoagulant"] for p in got] == [False, False]


def test_ordinal_without_a_person_is_not_a_series() -> None:
    got = patients(
        "A 58-year-old man had a hematoma at T5-T7. First, his anticoagulation was reversed. "
        "Second, he underwent laminectomy."
    )
    assert len(got) == 1


def test_respectively_list_gives_each_patient_its_item() -> None:
    got = patients(
        "We treated two men aged 41 and 66 years with epidural hematoma. MRI showed dorsal "
        "hematomas at C4-C6 and T10-T12, respectively. Both underwent laminectomy."
    )
    assert [(p["age_years"], p["level_upper"], p["level_lower"]) for p in got] == [
        (41, "C4", "C6"),
        (66, "T10", "T12"),
    ]
    assert all(p["treatment"] == "surgical" for p in got)


def test_clauses_naming_a_patient_by_rank_are_that_patients_only() -> None:
    got = patients(
        "We treated three women aged 29, 47 and 75 years with epidural hematoma. The youngest "
        "was 3 weeks postpartum, the second had no known risk factor, and the oldest was taking "
        "apixaban. All three underwent laminectomy; in the patient on apixaban, prothrombin "
        "complex concentrate was given first."
    )
    assert [p["pregnancy"] for p in got] == [True, None, None]
    assert [p["anticoagulant"] for p in got] == [None, None, True]
    assert [p["reversal_agents"] for p in got] == [[], [], []]
    assert all(p["treatment"] == "surgical" for p in got)


def test_series_patients_introduced_one_sentence_each() -> None:
    got = patients(
        "Two patients with epidural hematoma are described. A 66-year-old man on edoxaban had a "
        "hematoma at T9-T12 and underwent laminectomy, improving to Frankel D. A 35-year-old "
        "woman had a hematoma at C4-C5 and was treated conservatively, recovering fully."
    )
    assert [
        (p["age_years"], p["sex"], p["level_upper"], p["treatment"], p["anticoagulant"])
        for p in got
    ] == [(66, "male", "T9", "surgical", True), (35, "female", "C4", "conservative", None)]
    assert got[0]["outcome_grade"] == {"scale": "Frankel", "grade": "D"}


def test_relative_clause_in_present_tense_is_still_the_patients() -> None:
    got = patients(
        "A 52-year-old woman had neck pain. MRI showed an epidural hematoma at C3-C5 which is "
        "located dorsal to the cord."
    )
    assert (got[0]["level_upper"], got[0]["location"]) == ("C3", "dorsal")


def test_series_composition_gives_sexes_and_elliptic_subsets_apply_to_none() -> None:
    got = patients(
        "Three patients (two men aged 38 and 61 years and one woman aged 70 years) presented "
        "with acute back pain. All underwent laminectomy. Two recovered completely and one "
        "remained paraparetic."
    )
    assert [p["sex"] for p in got] == ["male", "male", "female"]
    assert all(p["treatment"] == "surgical" and p["outcome"] is None for p in got)


@pytest.mark.parametrize(
    "text",
    [
        "Synthetic report\n\nA 61-year-old MAN had an epidural hematoma at C5_C6. He recovered.",
        "Endoſcopic evacuation\n\nThe İ-shaped ASİA E hematoma (10 \u212a) was removed. ΣΑΣ ok.",
        "Title\u00a0with nbsp\n\nA 45\u2013year\u2013old woman: T4\u2013T6, 3\u00b0C; she improved.",
    ],
)
def test_classify_cuts_sentences_as_from_their_own_text(text: str) -> None:
    """classify() slices each sentence's text and words from the document prepared once; they
    must equal what the sentence's own text gives (see patients._DocText)."""
    from sseh_lit.extract.patients import _FOLDED, _DocText, classify
    from sseh_lit.extract.pipeline import words_of

    sents = sentences(load()(text))
    doc = _DocText(text)
    for sent in sents:
        a, b = sent.start_char, sent.end_char
        own = text[a:b]
        assert frozenset(doc.wordchars[a:b].split()) == words_of(own)
    with_text = classify(sents, len(text.split("\n")[0]), text)
    without = classify(sents, len(text.split("\n")[0]))
    assert [(i.text, i.words, i.section, i.patient, i.strong, i.modal) for i in with_text] == [
        (i.text, i.words, i.section, i.patient, i.strong, i.modal) for i in without
    ]
    assert _FOLDED.pattern == "[\u0130\u0131\u017f\u212a]"


def test_fold_differs_from_lower_only_on_the_folded_characters() -> None:
    """_DocText skips fold() for text without _FOLDED characters: fold == lower there, and fold
    keeps the length (offsets into the folded document stay valid)."""
    from sseh_lit.extract.patients import _FOLDED
    from sseh_lit.text import fold

    sample = "".join(chr(c) for c in range(0x3000) if not 0xD800 <= c < 0xE000)
    changed = {c for c in sample if fold(c) != c.lower()}
    assert changed <= set(_FOLDED.pattern.strip("[]"))
    assert len(fold(sample)) == len(sample)


def test_label_match_is_the_label_regex_on_ascii_text() -> None:
    """classify() matches section labels of ASCII sentences by hand (patients._label_match):
    the same label and match end as the label regex, for every label in every case, cut short,
    with white space around it and any ending."""
    from sseh_lit.extract.patients import _label_match, _rules

    r = _rules()
    lead_ws = ["", " ", "\t\n", "\x1c "]
    ends = [":", ".", " :", "\n.", ",", "", " x", ": A 45", "s:", " \x0b: The"]
    for label in r.label_kinds:
        for form in {label, label.upper(), label.title(), label[: len(label) // 2 + 1]}:
            for ws in lead_ws:
                for end in ends:
                    text = ws + form + end
                    m = r.label.match(text)
                    low = text.lower()
                    lead = len(low) - len(low.lstrip())
                    labels = r.label_starts.get(low[lead : lead + 3])
                    got = _label_match(low, lead, labels) if labels is not None else None
                    assert got == ((m.group(1).lower(), m.end()) if m else None), text


def test_may_mark_never_rules_out_a_marker() -> None:
    """_markers skips the two marker rules on an ASCII head without an ordinal word when
    patients._may_mark says no: neither rule may match there."""
    from itertools import product

    from sseh_lit.extract.patients import _LETTER_LABEL, _may_mark, _rules

    marker = _rules().marker
    nouns = ["case", "Patient", "CASE", "showcase", "patients"]
    gaps = ["", " ", "  ", "\t"]
    nexts = ["1", "12", "no. 3", "No 2", "iv", "X", "one", "Two", "six", "A", "H", "I", "a", "of"]
    nexts += ["was", ":", "'s", ""]
    for noun, gap, nxt, tail in product(nouns, gaps, nexts, ["", ",", " a man", "b"]):
        head = ("In " + noun + gap + nxt + tail)[:40]
        if not _may_mark(head, head.lower()):
            assert not _LETTER_LABEL.search(head) and not marker.search(head), head
