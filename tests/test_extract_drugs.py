"""Anticoagulant / antiplatelet / reversal extraction. Every text here is synthetic, written for
these tests (never copied from an abstract)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sseh_lit.extract import drugs
from sseh_lit.extract.pipeline import load, sentences
from sseh_lit.text import document_text

TITLE = "Synthetic case of a spinal epidural haematoma"


def run(abstract: str, title: str = TITLE) -> dict[str, object]:
    text = document_text(title, abstract)
    doc = load()(text)
    got = drugs.extract(sentences(doc))
    for fv in got.values():  # evidence offsets index the document text
        assert fv.start is not None and fv.end is not None
        assert text[fv.start : fv.end] == fv.evidence
    return {name: fv.value for name, fv in got.items()}


@pytest.mark.parametrize(
    ("brand", "generic", "flag"),
    [
        ("Xarelto", "rivaroxaban", "anticoagulant"),
        ("Eliquis", "apixaban", "anticoagulant"),
        ("Pradaxa", "dabigatran", "anticoagulant"),
        ("Lixiana", "edoxaban", "anticoagulant"),
        ("Savaysa", "edoxaban", "anticoagulant"),
        ("Coumadin", "warfarin", "anticoagulant"),
        ("Marevan", "warfarin", "anticoagulant"),
        ("Sintrom", "acenocoumarol", "anticoagulant"),
        ("Marcoumar", "phenprocoumon", "anticoagulant"),
        ("Clexane", "enoxaparin", "anticoagulant"),
        ("Lovenox", "enoxaparin", "anticoagulant"),
        ("Fragmin", "dalteparin", "anticoagulant"),
        ("Fraxiparine", "nadroparin", "anticoagulant"),
        ("Arixtra", "fondaparinux", "anticoagulant"),
        ("low-molecular-weight heparin", "lmwh", "anticoagulant"),
        ("LMWH", "lmwh", "anticoagulant"),
        ("unfractionated heparin", "heparin", "anticoagulant"),
        ("Plavix", "clopidogrel", "antiplatelet"),
        ("Brilinta", "ticagrelor", "antiplatelet"),
        ("Effient", "prasugrel", "antiplatelet"),
        ("Pletal", "cilostazol", "antiplatelet"),
        ("acetylsalicylic acid", "aspirin", "antiplatelet"),
        ("ASA", "aspirin", "antiplatelet"),
    ],
)
def test_brand_and_generic_names_map_to_generics(brand: str, generic: str, flag: str) -> None:
    got = run(f"A 70-year-old man taking {brand} daily presented with sudden back pain.")
    assert got[flag] is True
    assert got[f"{flag}_agents"] == [generic]


def test_combination_brand_lists_both_agents() -> None:
    got = run("She had taken Aggrenox for years after a stroke.")
    assert got["antiplatelet_agents"] == ["aspirin", "dipyridamole"]


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # class words without an agent: true, no agents listed
        (
            "A 66-year-old woman on a DOAC for atrial fibrillation developed neck pain.",
            {"anticoagulant": True},
        ),
        (
            "He had received dual antiplatelet therapy since coronary stenting.",
            {"antiplatelet": True},
        ),
        (
            "The patient was on a vitamin K antagonist.",
            {"anticoagulant": True},
        ),
        # explicit negation of each class, and of all medication
        (
            "The patient was not on anticoagulants or antiplatelet agents.",
            {"anticoagulant": False, "antiplatelet": False},
        ),
        (
            "She was taking no antithrombotic medication.",
            {"anticoagulant": False, "antiplatelet": False},
        ),
        ("He was not taking any medications.", {"anticoagulant": False, "antiplatelet": False}),
        ("He denied use of anticoagulants.", {"anticoagulant": False}),
        # scope: negation ends at "but"
        (
            "He was not on warfarin but took aspirin 100 mg daily.",
            {
                "anticoagulant": False,
                "antiplatelet": True,
                "antiplatelet_agents": ["aspirin"],
            },
        ),
        # affirmed beats negated elsewhere
        (
            "A 59-year-old man took rivaroxaban. Anticoagulation was not restarted after surgery.",
            {"anticoagulant": True, "anticoagulant_agents": ["rivaroxaban"]},
        ),
        # history of use counts as use
        (
            "She had a history of warfarin use for a mechanical valve.",
            {"anticoagulant": True, "anticoagulant_agents": ["warfarin"]},
        ),
        # thrombolytics are not anticoagulants
        ("A 58-year-old man received alteplase for an ischaemic stroke.", {}),
        ("He was given intravenous rt-PA and then developed paraparesis.", {}),
        (
            "A 49-year-old man received streptokinase and heparin for myocardial infarction.",
            {"anticoagulant": True, "anticoagulant_agents": ["heparin"]},
        ),
        # general statements and the literature are not the patient's use
        ("Anticoagulant therapy is a known risk factor for spinal epidural haematoma.", {}),
        ("Previous reports have described this bleed with apixaban and ticagrelor.", {}),
        ("Physicians should consider the diagnosis in patients on warfarin.", {}),
        ("Including our case, 25 cases with apixaban have been reported in the literature.", {}),
        ("In contrast to warfarin, dabigatran has a short half-life.", {}),
        # negation scope ends at ", and" and at "and he"
        (
            "He was treated without surgery, and warfarin was stopped.",
            {"anticoagulant": True, "anticoagulant_agents": ["warfarin"]},
        ),
        (
            "Two patients were taking warfarin and one was on aspirin.",
            {
                "anticoagulant": True,
                "anticoagulant_agents": ["warfarin"],
                "antiplatelet": True,
                "antiplatelet_agents": ["aspirin"],
            },
        ),
        ("He took no regular medication.", {"anticoagulant": False, "antiplatelet": False}),
        ("The patient had never taken anticoagulants.", {"anticoagulant": False}),
        # look-alikes
        ("She was classified as ASA II before surgery.", {}),
        ("He had no medication allergies.", {}),
        ("She tested positive for lupus anticoagulant.", {}),
        ("He was allergic to aspirin.", {}),
        ("She reported an aspirin allergy.", {}),
        # definitions are general statements; appositions are not
        ("Apixaban is a direct oral anticoagulant used for stroke prevention.", {}),
        (
            "Dabigatran, a direct thrombin inhibitor, had been prescribed for atrial fibrillation.",
            {"anticoagulant": True, "anticoagulant_agents": ["dabigatran"]},
        ),
        # a negation's scope ends at ", on …"
        (
            "A 70-year-old man with no history of trauma, on apixaban for atrial fibrillation, "
            "presented with neck pain.",
            {"anticoagulant": True, "anticoagulant_agents": ["apixaban"]},
        ),
        (
            "He was fully warfarinised for a mechanical valve.",
            {"anticoagulant": True, "anticoagulant_agents": ["warfarin"]},
        ),
        # a specific LMWH makes the group name redundant
        (
            "He received enoxaparin, a low molecular weight heparin, after knee surgery.",
            {"anticoagulant": True, "anticoagulant_agents": ["enoxaparin"]},
        ),
        # several agents, sorted
        (
            "The 80-year-old woman was taking clopidogrel, aspirin and apixaban.",
            {
                "anticoagulant": True,
                "anticoagulant_agents": ["apixaban"],
                "antiplatelet": True,
                "antiplatelet_agents": ["aspirin", "clopidogrel"],
            },
        ),
        # nothing said: nothing returned (unknown is not No)
        ("A 45-year-old man presented with acute neck pain and tetraparesis.", {}),
    ],
)
def test_classes_agents_and_negation(abstract: str, expected: dict[str, object]) -> None:
    got = run(abstract)
    flags = {k: v for k, v in got.items() if k != "reversal_agents"}
    assert flags == expected


@pytest.mark.parametrize(
    ("abstract", "agents", "anticoagulant"),
    [
        (
            "Warfarin was stopped and she received vitamin K and prothrombin complex concentrate.",
            ["prothrombin complex concentrate", "vitamin k"],
            True,
        ),
        ("Dabigatran was reversed with idarucizumab.", ["idarucizumab"], True),
        (
            "Fresh frozen plasma and protamine were given.",
            ["fresh frozen plasma", "protamine"],
            None,
        ),
        ("He received andexanet alfa before surgery.", ["andexanet"], None),
    ],
)
def test_reversal_agents(abstract: str, agents: list[str], anticoagulant: bool | None) -> None:
    got = run("The 72-year-old patient was admitted. " + abstract)
    assert got["reversal_agents"] == agents
    # a reversal agent alone does not say the patient was anticoagulated
    assert got.get("anticoagulant") is anticoagulant


def test_vitamin_k_antagonist_is_not_vitamin_k() -> None:
    got = run("She had been on a vitamin K antagonist for years.")
    assert "reversal_agents" not in got
    assert got["anticoagulant"] is True


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # short forms the text defines are resolved (scispaCy's AbbreviationDetector)
        (
            "Antiplatelet therapy (APT) is widely used. The 70-year-old patient had received no APT.",
            {"antiplatelet": False},
        ),
        (
            "The 60-year-old man had taken edoxaban (EDX) for a year. EDX was stopped on admission.",
            {"anticoagulant": True, "anticoagulant_agents": ["edoxaban"]},
        ),
    ],
)
def test_defined_abbreviations(abstract: str, expected: dict[str, object]) -> None:
    assert run(abstract) == expected


@pytest.mark.parametrize(
    ("text", "agents"),
    [
        ("on aspirin+clopidogrel", ["aspirin", "clopidogrel"]),  # a token the tokenizer keeps
        ("on warfarin/aspirin", ["aspirin", "warfarin"]),
        ("on Xarelto®", ["rivaroxaban"]),
        ("on low\u2010molecular\u2010weight heparin", ["lmwh"]),  # unicode hyphens
        ("on low–molecular–weight heparin", ["lmwh"]),  # en dashes
        ('on "dabigatran"', ["dabigatran"]),
        ("on NOACs and apixaban", ["apixaban"]),
    ],
)
def test_spelling_and_tokenisation_variants(text: str, agents: list[str]) -> None:
    got = run(f"A 70-year-old man {text} presented with back pain.")
    assert (
        sorted(got.get("anticoagulant_agents", []) + got.get("antiplatelet_agents", [])) == agents
    )


def test_title_names_the_case_drug() -> None:
    got = run(
        "A 77-year-old man presented with back pain.", title="Haematoma associated with edoxaban"
    )
    assert got["anticoagulant_agents"] == ["edoxaban"]


def test_general_sections_are_not_the_patient() -> None:
    abstract = (
        "Background: Warfarin and clopidogrel are widely prescribed.\n\n"
        "Case presentation: A 69-year-old man taking warfarin had an INR of 6.2.\n\n"
        "Conclusions: Ticagrelor is another agent to keep in mind."
    )
    got = run(abstract)
    assert got == {"anticoagulant": True, "anticoagulant_agents": ["warfarin"]}


def test_evidence_carries_cue_and_assertion() -> None:
    text = document_text(
        TITLE, "A 50-year-old man presented with back pain. He denied anticoagulant use."
    )
    fv = drugs.extract(sentences(load()(text)))["anticoagulant"]
    assert fv.value is False
    assert (fv.assertion, fv.cue) == ("negated", "denied")
    assert fv.evidence == "He denied anticoagulant use."
    assert 0 < fv.confidence <= 1


def test_known_agents_and_atc_codes() -> None:
    agents = drugs.known_agents()
    assert agents["rivaroxaban"] == "anticoagulant"
    assert agents["lmwh"] == "anticoagulant"
    assert agents["ticagrelor"] == "antiplatelet"
    assert agents["alteplase"] == "thrombolytic"
    assert agents["idarucizumab"] == "reversal"
    assert "xarelto" not in agents  # brands map to generics, they are not agents themselves
    atc = drugs.atc_codes()
    assert atc["warfarin"] == "B01AA03" and atc["apixaban"] == "B01AF02"
    assert atc["aspirin"] == "B01AC06"


def test_empty_input() -> None:
    assert drugs.extract([]) == {}


@given(st.text(max_size=600))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_never_crashes(text: str) -> None:
    doc = load()(document_text("t", text))
    got = drugs.extract(sentences(doc))
    assert set(got) <= {
        "anticoagulant",
        "anticoagulant_agents",
        "antiplatelet",
        "antiplatelet_agents",
        "reversal_agents",
    }


def test_lexicon_rows_are_well_formed() -> None:
    allowed = {*drugs.AGENT_CLASSES, drugs.ANTITHROMBOTIC, drugs.MEDICATION, ""}
    for rows in drugs.lexicon().entries.values():
        for e in rows:
            assert e.drug_class in allowed, e
            assert e.term == e.term.lower().strip()
            if e.generic:
                assert e.generic == e.generic.lower()
                assert e.drug_class in drugs.AGENT_CLASSES
                assert e.atc[:1] in {"B", "V"}, e  # blood (B01/B02/B05) or antidotes (V03)


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        # a negated catch-all covers both classes
        (
            "A 50-year-old man was not on any blood thinners.",
            {"anticoagulant": False, "antiplatelet": False},
        ),
        (
            "A 50-year-old man took no blood-thinning medication.",
            {"anticoagulant": False, "antiplatelet": False},
        ),
        (
            "A 50-year-old man was on a blood thinner for atrial fibrillation.",
            {"anticoagulant": True},
        ),
        # a drug taken only in the past, with the class denied now, is not current
        (
            "He had used warfarin in the past, but was on no anticoagulant at presentation.",
            {"anticoagulant": False},
        ),
        (
            "He had a history of warfarin use for a mechanical valve.",
            {"anticoagulant": True, "anticoagulant_agents": ["warfarin"]},
        ),
        # a drug about to be given was never given
        ("Heparin was about to be started when the weakness appeared.", {}),
        # one low-molecular-weight heparin, named twice
        (
            "She was on enoxaparin after a pulmonary embolism; the heparin was stopped at once.",
            {"anticoagulant": True, "anticoagulant_agents": ["enoxaparin"]},
        ),
        (
            "She received unfractionated heparin and then enoxaparin.",
            {"anticoagulant": True, "anticoagulant_agents": ["enoxaparin", "heparin"]},
        ),
    ],
)
def test_negated_catch_alls_history_and_repeated_names(abstract: str, expected: dict) -> None:
    got = run(abstract)
    assert {
        k: v
        for k, v in got.items()
        if k in ("anticoagulant", "antiplatelet", "anticoagulant_agents")
    } == expected
