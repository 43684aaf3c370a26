"""Hypertension, pregnancy, coagulopathy and vascular malformation. Every text here is synthetic,
written for these tests (never copied from an abstract)."""

from __future__ import annotations

import pytest
import spacy

from sseh_lit.extract import conditions
from sseh_lit.extract.pipeline import load, sentences
from sseh_lit.text import document_text

TITLE = "Synthetic case of a spinal epidural haematoma"


def run(abstract: str, title: str = TITLE) -> dict[str, object]:
    text = document_text(title, abstract)
    got = conditions.extract(sentences(load()(text)))
    for fv in got.values():
        assert fv.start is not None and fv.end is not None
        assert text[fv.start : fv.end] == fv.evidence
    return {name: fv.value for name, fv in got.items()}


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # hypertension: true, false on explicit negation, look-alikes ignored
        (
            "A 63-year-old woman with underlying hypertension had sudden leg weakness.",
            {"hypertension": True},
        ),
        ("He was hypertensive on arrival and had a history of diabetes.", {"hypertension": True}),
        ("She was on antihypertensive medication.", {"hypertension": True}),
        ("A 70-year-old man had hypertension(HTN).", {"hypertension": True}),
        ("The patient had no history of hypertension or diabetes.", {"hypertension": False}),
        ("He denied hypertension.", {"hypertension": False}),
        (
            "Known case of hypertension on amlodipine, she presented with neck pain.",
            {"hypertension": True},
        ),
        ("He was not known to have hypertension.", {"hypertension": False}),
        ("She had pulmonary hypertension.", {}),
        ("He had portal hypertension from alcohol use.", {}),
        ("His father had hypertension.", {}),
        ("Hypertension is not a risk factor for this bleed.", {}),
        # pregnancy and the puerperium: true or null, never false
        ("A 30-year-old woman at 34 weeks of gestation developed back pain.", {"pregnancy": True}),
        ("A 29-year-old primigravida presented with paraplegia.", {"pregnancy": True}),
        ("She developed back pain on the third postpartum day.", {"pregnancy": True}),
        ("Symptoms began in the puerperium.", {"pregnancy": True}),
        ("A 31-year-old parturient received epidural analgesia.", {"pregnancy": True}),
        ("She was not pregnant.", {}),
        ("She had a history of pregnancy loss.", {}),
        ("The haematoma is rare in pregnancy.", {}),
        # coagulopathy: true or null
        ("A 3-month-old boy with severe haemophilia A had irritability.", {"coagulopathy": True}),
        ("Work-up showed hemophilia B in the 8-year-old boy.", {"coagulopathy": True}),
        (
            "Blood tests revealed thrombocytopenia with a platelet count of 20,000.",
            {"coagulopathy": True},
        ),
        ("He had liver cirrhosis with ascites.", {"coagulopathy": True}),
        ("She was known to have von Willebrand disease.", {"coagulopathy": True}),
        ("Blood tests showed thrombocytosis.", {}),
        ("He had no known coagulopathy.", {}),
        ("Coagulopathy is a common cause of this condition.", {}),
        # vascular malformation: true or null
        (
            "Angiography showed a spinal arteriovenous malformation in the 40-year-old man.",
            {"vascular_malformation": True},
        ),
        (
            "Histology confirmed an epidural cavernous haemangioma as the source of the bleed.",
            {"vascular_malformation": True},
        ),
        ("An AVM was found at surgery.", {"vascular_malformation": True}),
        ("No vascular malformation was found on angiography.", {}),
        ("Angiography was performed to exclude a vascular malformation.", {}),
        ("No other medical history except hypertension was noted.", {"hypertension": True}),
        (
            "She was at 32 weeks of gestation with pregnancy-induced hypertension.",
            {"pregnancy": True, "hypertension": True},
        ),
        ("Such bleeding in the postpartum period is rare.", {}),
        ("Such haematomas are often associated with tumours or vascular malformations.", {}),
    ],
)
def test_conditions(abstract: str, expected: dict[str, object]) -> None:
    assert run(abstract) == expected


@pytest.mark.parametrize(
    ("abstract", "coagulopathy"),
    [
        # a deranged INR with no anticoagulant to explain it is a coagulopathy
        ("The 60-year-old man had an INR of 4.8 and a prolonged aPTT.", True),
        ("Laboratory tests showed a prolonged prothrombin time.", True),
        # an INR raised by warfarin is anticoagulation, not coagulopathy
        ("The 60-year-old man took warfarin; his INR was 5.1 on admission.", None),
        # a normal INR is nothing
        ("The INR was 1.1 and the platelet count was normal.", None),
        # a low platelet count is thrombocytopenia, whatever the unit
        ("Laboratory tests revealed a platelet count of 35,000/µL.", True),
        ("Her platelet count was 42 × 10^9/L.", True),
        ("The platelet count was 1.2 × 10^5/µL.", None),
        ("Platelets were 250,000 on admission.", None),
        ("She received a platelet transfusion of 2 units.", None),
    ],
)
def test_laboratory_coagulopathy_unless_anticoagulated(
    abstract: str, coagulopathy: bool | None
) -> None:
    assert run(abstract).get("coagulopathy") is coagulopathy


@pytest.mark.parametrize(
    ("number", "exponent", "per_microlitre"),
    [("35,000", None, 35_000), ("42", None, 42_000), ("1.2", "5", 120_000), ("80", "9", 80_000)],
)
def test_platelet_count_units(number: str, exponent: str | None, per_microlitre: float) -> None:
    assert conditions.platelet_count(number, exponent) == pytest.approx(per_microlitre)


def test_true_or_null_fields_are_never_false() -> None:
    got = run(
        "The 50-year-old woman was not pregnant, had no coagulopathy and angiography showed no AVM."
    )
    assert got == {}


def test_evidence_cue_for_negated_hypertension() -> None:
    text = document_text(TITLE, "A 44-year-old man presented. He had no history of hypertension.")
    fv = conditions.extract(sentences(load()(text)))["hypertension"]
    assert (fv.value, fv.assertion, fv.cue) == (False, "negated", "no history of")
    assert fv.evidence == "He had no history of hypertension."


def test_british_and_american_spellings() -> None:
    terms = conditions.condition_terms()
    for a, b in [("haemophilia", "hemophilia"), ("haemangioma", "hemangioma")]:
        assert terms[a] == terms[b] == ("coagulopathy" if "phil" in a else "vascular_malformation")


@pytest.mark.parametrize(
    "abstract",
    ["", "INR " * 5000, "(" * 1000 + "thrombocytopenia" + ")" * 1000, "\u2013\u00a0&amp; \x00\x01"],
)
def test_hostile_input(abstract: str) -> None:
    # a bare sentencizer pipeline: this exercises our matching, not the shared pipeline's speed
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp(document_text(TITLE, abstract))
    got = conditions.extract(list(doc.sents))
    assert set(got) <= set(conditions.CONDITIONS)


def test_lexicon_rows_are_well_formed() -> None:
    allowed = {*conditions.CONDITIONS, *conditions.HELPER_CLASSES, ""}
    for term, condition in conditions.condition_terms().items():
        assert condition in allowed, (term, condition)
        assert term == term.lower().strip() and "  " not in term


@pytest.mark.parametrize(
    ("abstract", "hypertension"),
    [
        ("A 40-year-old woman, normotensive and otherwise well, had back pain.", False),
        ("She had no known cardiovascular risk factors.", False),
        ("He had no vascular risk factors and took no medication.", False),
        ("She had had no previous surgery, was normotensive, and took no drugs.", False),
        ("His cardiovascular risk factors included smoking and diabetes.", None),
        ("She had no cardiovascular risk factors apart from treated hypertension.", True),
    ],
)
def test_hypertension_denied_in_other_words(abstract: str, hypertension: bool | None) -> None:
    assert run(abstract).get("hypertension") == hypertension
