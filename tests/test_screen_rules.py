"""The screening rules on synthetic records, one per phenomenon.

Every title and abstract here is SYNTHETIC, written for these tests (not taken from any
publication). Each case names the phenomenon it stands for; none mirrors a particular record.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sseh_lit.errors import ConfigError
from sseh_lit.screen import REASON_CODES, RULES_VERSION, Decision, screen_record
from sseh_lit.screen_rules import is_negated, load_rules, parse_rules, sentences

CASE = ["Case Reports"]

# (id, title, abstract, publication types, expected reason)
CASES: list[tuple[str, str, str, list[str], str]] = [
    # --- plain SSEH case reports -------------------------------------------------------------
    (
        "spontaneous-title",
        "Spontaneous thoracic epidural haematoma in a young runner",
        "A 31-year-old man developed sudden interscapular pain and leg weakness. MRI showed a "
        "dorsal epidural haematoma from T4 to T7. He underwent laminectomy and recovered fully.",
        CASE,
        "sseh_case",
    ),
    (
        "no-cause-word-in-title",
        "Acute paraplegia from a cervicothoracic epidural hematoma",
        "We describe a 70-year-old woman with sudden neck pain followed by paraplegia. Imaging "
        "revealed a ventral epidural hematoma at C6-T2. Evacuation was performed within 8 hours.",
        [],
        "sseh_case",
    ),
    (
        "extradural-spelling-and-acronym",
        "Idiopathic spinal extradural haemorrhage presenting as chest pain",
        "SEH is rare. A 58-year-old woman presented with chest pain; an extradural clot at T2 was "
        "found and removed.",
        CASE,
        "sseh_case",
    ),
    # --- mentions that must NOT exclude ---------------------------------------------------------
    (
        "unlike-subdural",
        "Cervical epidural hematoma after a bout of coughing",
        "Unlike subdural hematoma, the lesion lay outside the dura. A 45-year-old man felt sudden "
        "neck pain while coughing; MRI showed a dorsal epidural hematoma at C4-C6. There was no "
        "history of trauma.",
        CASE,
        "sseh_case",
    ),
    (
        "denied-trauma-and-surgery",
        "Lumbar epidural hematoma causing cauda equina syndrome",
        "A 66-year-old man presented with acute low back pain and urinary retention. He denied "
        "any trauma, recent surgery or lumbar puncture. MRI showed an epidural hematoma at L3-L4.",
        [],
        "sseh_case",
    ),
    (
        "background-lists-causes",
        "Epidural hematoma of the thoracic spine in an elderly woman",
        "Spinal epidural hematoma may follow trauma, spinal surgery, lumbar puncture or epidural "
        "anaesthesia, but most cases are idiopathic. An 80-year-old woman had sudden back pain "
        "and paraparesis. An epidural hematoma at T9-T11 was evacuated.",
        CASE,
        "sseh_case",
    ),
    (
        "anticoagulant-flag-only",
        "Epidural haematoma in a patient taking apixaban",
        "A 77-year-old man on apixaban for atrial fibrillation presented with acute back pain and "
        "leg weakness. MRI showed an epidural haematoma from T10 to L1.",
        CASE,
        "sseh_case",
    ),
    (
        "pregnancy",
        "Spinal epidural haematoma in the third trimester of pregnancy",
        "A 29-year-old pregnant woman at 34 weeks of gestation developed sudden back pain and "
        "paraparesis. A dorsal epidural haematoma at T5-T7 was evacuated; mother and baby did well.",
        CASE,
        "sseh_case",
    ),
    (
        "vascular-malformation-bleed",
        "Epidural arteriovenous malformation presenting with haemorrhage",
        "A 40-year-old woman developed acute paraplegia. MRI showed an epidural haematoma at T6 "
        "arising from an epidural arteriovenous malformation, which was excised.",
        CASE,
        "sseh_case",
    ),
    (
        "review-pubtype-with-case",
        "Spinal epidural hematoma in a child with haemophilia: case report and review",
        "We report a 6-year-old boy with haemophilia A who developed neck pain and weakness. A "
        "cervical epidural hematoma resolved with factor replacement. The literature is reviewed.",
        ["Case Reports", "Review"],
        "sseh_case",
    ),
    (
        "remote-fall",
        "Thoracolumbar epidural hematoma in a man on warfarin",
        "We report a 74-year-old man who had a fall two years earlier and was taking warfarin. He "
        "woke with back pain and leg weakness; MRI showed an epidural hematoma at T11-L2.",
        CASE,
        "sseh_case",
    ),
    (
        "outcome-after-surgery",
        "Epidural haematoma at the cervicothoracic junction",
        "A 52-year-old woman presented with sudden neck pain and quadriparesis. An epidural "
        "haematoma at C7-T2 was removed. Just after surgery her strength improved.",
        [],
        "sseh_case",
    ),
    (
        "mimicking-stroke",
        "Spinal epidural hematoma mimicking stroke",
        "A 68-year-old man presented with acute hemiparesis suggesting stroke; brain imaging was "
        "normal. Cervical MRI showed an epidural hematoma at C3-C5.",
        CASE,
        "sseh_case",
    ),
    (
        "thrombolysis",
        "Spinal epidural haematoma after intravenous thrombolysis",
        "A 71-year-old woman received alteplase for an ischaemic stroke and developed paraplegia "
        "six hours later. MRI showed an epidural haematoma from T2 to T6.",
        CASE,
        "sseh_case",
    ),
    (
        "treatment-surgery-is-not-a-cause",
        "Thoracic epidural hematoma presenting as chest pain",
        "A 48-year-old man had sudden chest pain and leg weakness. MRI showed a thoracic epidural "
        "hematoma at T4-T6. He underwent laminectomy. After laminectomy his strength improved, "
        "and three days after surgery he walked.",
        CASE,
        "sseh_case",
    ),
    (
        "exertion-is-not-trauma",
        "Epidural hematoma of the cervical spine after a golf swing",
        "A 55-year-old man felt neck pain during a golf swing. MRI revealed a C5-C7 epidural "
        "hematoma.",
        [],
        "sseh_case",
    ),
    (
        "cardiac-intervention-with-antithrombotics",
        "Spinal epidural hematoma after percutaneous coronary intervention",
        "A 67-year-old man received heparin, aspirin and ticagrelor during coronary stenting and "
        "developed back pain and paraplegia. MRI showed a thoracic epidural hematoma.",
        CASE,
        "sseh_case",
    ),
    (
        "old-term-hematorrhachis",
        "Hematorrhachis in late pregnancy",
        "A 31-year-old woman at 36 weeks of pregnancy developed paraparesis. MRI showed a dorsal "
        "epidural collection at T2-T4.",
        [],
        "sseh_case",
    ),
    (
        "three-cases-with-ages",
        "Spinal epidural hematoma: report of three cases",
        "Case 1: a 50-year-old man. Case 2: a 66-year-old woman on warfarin. Case 3: a 71-year-old "
        "man. All had thoracic epidural hematomas.",
        [],
        "sseh_case",
    ),
    (
        "brain-imaging-in-a-stroke-mimic",
        "Epidural hematoma presenting as acute stroke",
        "Brain CT was normal and brain MRI showed no infarct. A 71-year-old woman had sudden "
        "right hemiparesis. Cervical MRI showed an epidural hematoma from C2 to C5.",
        [],
        "sseh_case",
    ),
    (
        "background-names-procedures-without-hedge",
        "Lumbar epidural hematoma causing cauda equina syndrome",
        "Epidural hematoma following lumbar puncture or epidural anesthesia is well described. "
        "We report a 58-year-old man without such a history who developed cauda equina "
        "syndrome; MRI showed an L3-L5 epidural hematoma.",
        [],
        "sseh_case",
    ),
    (
        "accident-and-emergency-department",
        "Epidural hematoma in the lumbar spine: a rare presentation",
        "A 52-year-old woman presented to the accident and emergency department with back pain "
        "and leg numbness. MRI revealed an L1-L3 epidural hematoma.",
        [],
        "sseh_case",
    ),
    (
        "delivery-without-neuraxial-block",
        "Postpartum spinal epidural hematoma",
        "A 33-year-old woman developed paraparesis two days after vaginal delivery without "
        "neuraxial anesthesia. MRI showed a T1-T4 epidural hematoma.",
        [],
        "sseh_case",
    ),
    (
        "cases-are-reported-alongside-a-review",
        "Spontaneous spinal epidural hematoma treated conservatively",
        "Spontaneous spinal epidural hematoma is rare. Two cases are reported, with a review of "
        "20 published cases.",
        [],
        "sseh_case",
    ),
    # --- not_epidural ---------------------------------------------------------------------------
    (
        "spinal-subdural",
        "Spinal subdural haematoma in a patient on rivaroxaban",
        "A 60-year-old woman developed back pain and paraparesis. MRI showed a subdural haematoma "
        "from T8 to L2 with no epidural component.",
        CASE,
        "not_epidural",
    ),
    (
        "spinal-subarachnoid",
        "Spontaneous spinal subarachnoid haemorrhage presenting with sciatica",
        "A 50-year-old man had acute sciatica. MRI showed subarachnoid haemorrhage in the lumbar "
        "thecal sac.",
        CASE,
        "not_epidural",
    ),
    (
        "intramedullary",
        "Intramedullary haemorrhage from a cavernous malformation of the conus",
        "A 35-year-old woman developed acute paraplegia due to an intramedullary haemorrhage.",
        CASE,
        "not_epidural",
    ),
    (
        "cranial-epidural",
        "Epidural hematoma of the posterior fossa in a child",
        "A 7-year-old boy hit his head and vomited. CT showed an epidural hematoma of the posterior "
        "fossa with a skull fracture; a craniotomy was performed.",
        CASE,
        "not_epidural",
    ),
    (
        "subdural-in-abstract-only",
        "Acute back pain and paraparesis in an anticoagulated woman",
        "A 73-year-old woman on warfarin developed acute back pain. MRI showed a spinal subdural "
        "hematoma from T4 to T9, which was drained.",
        CASE,
        "not_epidural",
    ),
    # --- traumatic ------------------------------------------------------------------------------
    (
        "traumatic-title",
        "Post-traumatic lumbar epidural haematoma in a footballer",
        "A 22-year-old man was tackled and developed leg weakness. MRI showed an epidural "
        "haematoma at L2.",
        CASE,
        "traumatic",
    ),
    (
        "fall-in-narrative",
        "Cervical epidural haematoma with central cord syndrome",
        "An 83-year-old woman fell down the stairs and developed weakness of both arms. MRI "
        "showed an epidural haematoma from C3 to C6 without fracture.",
        CASE,
        "traumatic",
    ),
    (
        "car-accident",
        "Delayed paraparesis from a thoracic epidural hematoma",
        "A 40-year-old man was involved in a motor vehicle accident and developed leg weakness "
        "two days later. MRI showed a thoracic epidural hematoma.",
        [],
        "traumatic",
    ),
    (
        "sports-tackle",
        "Cervical epidural hematoma in a rugby player",
        "A 21-year-old man developed arm weakness after a rugby tackle. MRI showed a C5-C6 "
        "epidural hematoma.",
        [],
        "traumatic",
    ),
    # --- iatrogenic -----------------------------------------------------------------------------
    (
        "lumbar-puncture",
        "Spinal epidural hematoma following diagnostic lumbar puncture",
        "A 64-year-old woman underwent lumbar puncture for suspected meningitis and developed "
        "paraparesis. MRI showed an epidural hematoma at L1-L3.",
        CASE,
        "iatrogenic",
    ),
    (
        "epidural-catheter",
        "Epidural haematoma after removal of a thoracic epidural catheter",
        "A 70-year-old man received enoxaparin after colectomy; the epidural catheter was removed "
        "on day 3 and paraplegia followed.",
        CASE,
        "iatrogenic",
    ),
    (
        "after-spine-surgery",
        "Postoperative spinal epidural hematoma after lumbar fusion",
        "A 58-year-old woman developed cauda equina syndrome twelve hours after L4-S1 fusion.",
        CASE,
        "iatrogenic",
    ),
    (
        "chiropractic-in-narrative",
        "Cervical epidural hematoma in a young woman",
        "A 30-year-old woman developed neck pain and arm weakness minutes after chiropractic "
        "manipulation of the neck. MRI showed a cervical epidural hematoma.",
        [],
        "iatrogenic",
    ),
    (
        "spinal-anaesthesia-narrative",
        "Paraplegia after knee replacement",
        "A 76-year-old man had a knee replacement under spinal anaesthesia. The next morning he "
        "could not move his legs; MRI showed a lumbar epidural haematoma.",
        CASE,
        "iatrogenic",
    ),
    (
        "catheter-removal-title-without-bleed-word",
        "Paraplegia after thoracic epidural catheter removal in an anticoagulated patient",
        "A 69-year-old man received an epidural catheter for thoracotomy analgesia. After catheter "
        "removal he developed paraplegia from an epidural hematoma at T6-T9.",
        [],
        "iatrogenic",
    ),
    (
        "non-accidental-injury",
        "Epidural hematoma in an abused infant",
        "A 4-month-old girl with non-accidental injury had paraplegia; MRI showed a "
        "cervicothoracic epidural hematoma.",
        [],
        "traumatic",
    ),
    (
        "cranial-subdural",
        "Chronic subdural hematoma in a patient on apixaban",
        "An 80-year-old man on apixaban was confused. CT showed a chronic subdural hematoma that "
        "was drained through a burr hole.",
        [],
        "not_epidural",
    ),
    # --- no_individual_patient ------------------------------------------------------------------
    (
        "meta-analysis",
        "Outcome predictors in spontaneous spinal epidural hematoma",
        "We pooled published cases of spontaneous spinal epidural hematoma. Time to surgery and "
        "preoperative deficit predicted outcome (p < 0.01).",
        ["Meta-Analysis", "Review"],
        "no_individual_patient",
    ),
    (
        "retrospective-series",
        "Spontaneous spinal epidural hematoma: a retrospective study of 31 patients",
        "Thirty-one patients treated between 2005 and 2020 were retrospectively reviewed. Mean "
        "age was 61 years. Early surgery was associated with better outcome.",
        [],
        "no_individual_patient",
    ),
    (
        "guideline",
        "Neuraxial anaesthesia and antithrombotic drugs: practice guidelines",
        "These recommendations address the timing of neuraxial blocks in patients receiving "
        "anticoagulants, to limit the risk of spinal epidural haematoma.",
        ["Practice Guideline"],
        "no_individual_patient",
    ),
    (
        "imaging-study",
        "MRI features of spontaneous spinal epidural haematoma",
        "We reviewed the MRI of 18 patients with spontaneous spinal epidural haematoma. Signal "
        "intensity varied with the age of the haematoma.",
        [],
        "no_individual_patient",
    ),
    (
        "case-series-without-individual-data",
        "Spontaneous spinal epidural hematoma: a case series of 30 patients",
        "Thirty patients treated at our institution between 2000 and 2020 were reviewed. Outcome "
        "correlated with the preoperative deficit.",
        [],
        "no_individual_patient",
    ),
    (
        "postoperative-day-before-the-bleed",
        "Cauda equina syndrome in a man after lumbar fusion",
        "A 66-year-old man underwent posterior lumbar fusion at L4-L5. On the second "
        "postoperative day he developed cauda equina syndrome. MRI showed an epidural hematoma "
        "at the operated level.",
        [],
        "iatrogenic",
    ),
    # --- other ----------------------------------------------------------------------------------
    (
        "epidural-abscess",
        "Spinal epidural abscess in an injecting drug user",
        "A 38-year-old man presented with fever, back pain and leg weakness. MRI showed a "
        "thoracic epidural abscess; Staphylococcus aureus was cultured.",
        CASE,
        "other",
    ),
    (
        "epidural-tumour",
        "Epidural lymphoma presenting with acute cord compression",
        "A 66-year-old woman developed paraparesis over two days. MRI showed an enhancing "
        "epidural mass at T6; biopsy showed lymphoma.",
        CASE,
        "other",
    ),
    (
        "animal",
        "Spontaneous spinal epidural haemorrhage in a dog",
        "A 4-year-old dachshund presented with acute paraplegia; an epidural haemorrhage at T12 "
        "was removed.",
        CASE,
        "other",
    ),
    (
        "abscess-mimicking-haematoma",
        "Spinal epidural abscess mimicking hematoma",
        "A 50-year-old diabetic man had fever and back pain; MRI showed an epidural abscess.",
        [],
        "other",
    ),
    (
        "literature-review-without-a-case",
        "Spontaneous spinal epidural haematoma: review of the literature",
        "We review the literature on the aetiology, imaging and treatment of this condition.",
        ["Review"],
        "no_individual_patient",
    ),
    (
        "commentary",
        "Comment on: spinal epidural haematoma in a patient on rivaroxaban",
        "",
        ["Comment"],
        "no_individual_patient",
    ),
    (
        "editorial",
        "Spinal epidural hematoma: a neurosurgical emergency",
        "",
        ["Editorial"],
        "no_individual_patient",
    ),
    (
        "not-about-haematoma",
        "Epidural analgesia for labour: a survey of practice",
        "We surveyed maternity units about the epidural analgesia regimens they use in labour.",
        [],
        "other",
    ),
]


@pytest.mark.parametrize(
    ("title", "abstract", "types", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_reason(title: str, abstract: str, types: list[str], expected: str) -> None:
    decision = screen_record({"title": title, "abstract": abstract, "publication_types": types})
    assert decision.reason == expected, decision.detail
    assert decision.include is (expected == "sseh_case")
    assert 0.0 < decision.confidence <= 1.0


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"title": "Spontaneous spinal epidural haematoma", "publication_types": []}, "sseh_case"),
        (
            {"title": "Spinal epidural hematoma", "publication_types": ["Retracted Publication"]},
            "retracted",
        ),
        ({"title": "RETRACTED: Spinal epidural haematoma in a toddler"}, "retracted"),
        (
            {
                "title": "Spinal epidural haematoma after sneezing",
                "retraction": json.dumps([{"type": "RetractionIn", "ref": "x", "pmid": "1"}]),
            },
            "retracted",
        ),
        ({"title": "Erratum", "publication_types": '["Published Erratum"]'}, "other"),
    ],
    ids=["title-only", "retracted-type", "retracted-title", "retraction-link", "erratum"],
)
def test_metadata(record: dict, reason: str) -> None:
    assert screen_record(record).reason == reason


def test_no_abstract_may_be_case_is_included_for_full_text() -> None:
    decision = screen_record(
        {"title": "Cervical epidural haematoma in an elderly man", "abstract": None}
    )
    assert decision.include
    assert "full_text_needed" in decision.flags


def test_no_abstract_exclusion_goes_to_review_unless_metadata_decides() -> None:
    decision = screen_record({"title": "Spinal subdural haematoma after lumbar puncture"})
    assert decision.reason == "not_epidural"
    assert decision.needs_review
    notice = screen_record({"title": "Erratum: spinal epidural haematoma in a child"})
    assert notice.reason == "other" and not notice.needs_review


@pytest.mark.parametrize(
    ("title", "include"),
    [
        ("Acute paraplegia in a patient on warfarin", True),
        ("Sudden tetraparesis after sneezing", True),
        ("Lumbar disc herniation in a young athlete", False),
        ("Cervical myelopathy in the elderly", False),
    ],
)
def test_title_only_acute_cord_syndrome_may_be_a_case(title: str, include: bool) -> None:
    decision = screen_record({"title": title, "abstract": ""})
    assert decision.include is include
    assert decision.needs_review
    assert ("full_text_needed" in decision.flags) is include


@pytest.mark.parametrize(
    ("text", "flag", "present"),
    [
        ("A 70-year-old man taking warfarin", "anticoagulant", True),
        ("A 70-year-old man, not on anticoagulation", "anticoagulant", False),
        ("A 62-year-old woman on aspirin and clopidogrel", "antiplatelet", True),
        ("A 30-year-old woman at 30 weeks of pregnancy", "pregnancy", True),
        ("A 5-year-old boy with haemophilia A", "coagulopathy", True),
        ("The haematoma may arise from a vascular malformation", "vascular_malformation", False),
        ("Angiography showed an epidural arteriovenous fistula", "vascular_malformation", True),
        ("After alteplase for stroke, a 60-year-old woman", "thrombolytic", True),
    ],
)
def test_flags(text: str, flag: str, present: bool) -> None:
    decision = screen_record(
        {
            "title": "Spinal epidural haematoma",
            "abstract": f"{text} developed a thoracic epidural haematoma.",
        }
    )
    assert decision.include
    assert (flag in decision.flags) is present


def test_language_and_mesh_are_used_but_optional() -> None:
    base = {
        "title": "Paraplegia in an elderly man",
        "abstract": "A 79-year-old man developed acute paraplegia; a haematoma was found.",
    }
    assert screen_record({**base, "mesh": ["Hematoma, Epidural, Spinal", "Humans"]}).include
    animal = screen_record({**base, "mesh": '["Animals", "Dog Diseases"]'})
    assert animal.reason == "other"
    foreign = screen_record({**base, "language": "ger", "mesh": ["Hematoma, Epidural, Spinal"]})
    assert "non_english" in foreign.flags


def test_low_confidence_goes_to_review_and_decision_is_plain_data() -> None:
    decision = screen_record(
        {
            "title": "Spinal epidural and subdural haematoma in a man on warfarin",
            "abstract": "A 70-year-old man on warfarin developed paraparesis.",
        }
    )
    assert isinstance(decision, Decision)
    assert decision.include and decision.needs_review
    assert decision.detail


def test_missing_fields_do_not_crash() -> None:
    decision = screen_record({})
    assert not decision.include
    assert decision.reason == "other"


def test_rules_file_is_versioned_and_every_rule_has_an_id() -> None:
    rules = load_rules()
    assert rules.version == RULES_VERSION
    assert RULES_VERSION.startswith("screen-")
    ids = [rule.id for group in rules.groups.values() for rule in group]
    assert all(ids)


def test_bad_pattern_in_rules_data_is_reported() -> None:
    with pytest.raises(ConfigError, match="rule A"):
        parse_rules(
            {
                "version": "x",
                "terms": {"neg": "no"},
                "rules": {"g": [{"id": "A", "pattern": "(unclosed"}], "flags": {}, "mesh": {}},
            }
        )


def test_sentences_keep_structured_sections_apart() -> None:
    text = "Background: SEH is rare.\n\nCase presentation: A 50-year-old man. He recovered."
    assert sentences(text) == [
        "Background: SEH is rare.",
        "Case presentation: A 50-year-old man.",
        "He recovered.",
    ]


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=200),
    abstract=st.one_of(st.none(), st.text(max_size=600)),
    types=st.one_of(st.lists(st.text(max_size=30), max_size=4), st.text(max_size=40)),
)
def test_any_input_gives_a_valid_decision(title: str, abstract: str | None, types: object) -> None:
    decision = screen_record({"title": title, "abstract": abstract, "publication_types": types})
    assert decision.reason in REASON_CODES
    assert decision.include is (decision.reason == "sseh_case")
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.needs_review is (decision.confidence < 0.75)


@pytest.mark.parametrize(
    ("sentence", "term", "negated"),
    [
        ("There was no history of trauma.", "trauma", True),
        ("He denied trauma, recent surgery or lumbar puncture.", "lumbar puncture", True),
        ("Unlike subdural haematoma, it lay outside the dura.", "subdural haematoma", True),
        ("He had no fever, but he fell from a ladder.", "fell from", False),
        ("Trauma was ruled out.", "Trauma", True),
        ("She fell from her bicycle.", "fell from", False),
        ("No fever; a fall from a horse preceded the pain.", "fall from", False),
    ],
)
def test_negation_stays_inside_its_clause(sentence: str, term: str, negated: bool) -> None:
    start = sentence.index(term)
    assert is_negated(sentence, start, start + len(term), load_rules().negation) is negated


# --- generalisation: one block per phenomenon, several wordings each ---------------------------
# (id, title, abstract, expected reason, expected needs_review or None when either is fine)
PHENOMENA: list[tuple[str, str, str, str, bool | None]] = [
    # a procedure that did NOT happen: negated, refused, avoided, declined
    (
        "refused-neuraxial-in-title",
        "Postpartum thoracic epidural haematoma in a woman who had refused epidural analgesia",
        "A 34-year-old woman gave birth vaginally without regional anaesthesia. On the second "
        "postpartum day she developed interscapular pain and leg weakness; MRI showed a dorsal "
        "epidural haematoma from T3 to T6, which was evacuated.",
        "sseh_case",
        None,
    ),
    (
        "delivery-without-block-in-title",
        "Thoracic epidural haematoma after a spontaneous vaginal birth without spinal analgesia",
        "A 28-year-old woman developed numb legs a day after delivery. MRI showed an epidural "
        "haematoma at T5-T8.",
        "sseh_case",
        None,
    ),
    (
        "no-prior-block",
        "Cervical epidural hematoma in late pregnancy with no prior neuraxial block",
        "A 27-year-old woman at 37 weeks developed sudden neck pain and quadriparesis. MRI showed "
        "a C5-C7 epidural hematoma.",
        "sseh_case",
        None,
    ),
    (
        "spinal-anaesthesia-avoided",
        "Acute paraparesis after childbirth",
        "A 30-year-old woman delivered by caesarean section under general anaesthesia; spinal "
        "anaesthesia had been avoided because of thrombocytopenia. Twelve hours later she "
        "developed leg weakness and MRI showed a T8-T11 epidural hematoma.",
        "sseh_case",
        None,
    ),
    (
        "epidural-declined",
        "Thoracic epidural haematoma after an uncomplicated labour",
        "Epidural analgesia was declined, and a 31-year-old woman delivered vaginally. The next "
        "day she had back pain and numb legs; MRI showed an epidural haematoma at T4-T7.",
        "sseh_case",
        None,
    ),
    (
        "absence-of-neuraxial",
        "Postpartum cervical epidural haematoma",
        "A 35-year-old woman developed neck pain and arm weakness two days after a caesarean "
        "section performed in the absence of neuraxial anaesthesia. MRI showed a C4-C7 epidural "
        "haematoma.",
        "sseh_case",
        None,
    ),
    (
        "neuraxial-contraindicated",
        "Epidural haematoma in a parturient with thrombocytopenia",
        "A 31-year-old woman with thrombocytopenia, in whom neuraxial anaesthesia was "
        "contraindicated, delivered under general anaesthesia and developed paraplegia from a "
        "T2-T7 epidural haematoma.",
        "sseh_case",
        None,
    ),
    (
        "never-had-spinal-surgery-in-title",
        "Lumbar epidural hematoma in a man who had never had spinal surgery",
        "A 59-year-old man developed cauda equina syndrome; MRI showed an L3-L5 epidural hematoma.",
        "sseh_case",
        None,
    ),
    # a traumatic cause told as a contact-sport event, often with "no fracture"
    (
        "sport-tackling-title",
        "Cervical epidural haematoma after tackling in American football",
        "A 19-year-old linebacker felt burning pain in both arms after tackling an opponent. CT "
        "showed no fracture. MRI showed a C4-C6 dorsal epidural haematoma, which was evacuated.",
        "traumatic",
        None,
    ),
    (
        "sport-scrum-title",
        "Thoracic epidural hematoma in a prop forward after a collapsed scrum",
        "A 26-year-old man had back pain and leg tingling after a match. Radiographs showed no "
        "fracture; MRI showed an epidural hematoma at T2-T4.",
        "traumatic",
        None,
    ),
    (
        "sport-body-checked",
        "Delayed quadriparesis in an ice hockey player",
        "A 24-year-old man was body-checked into the boards during a game and developed neck "
        "pain; six hours later his arms became weak. Radiographs showed no fracture; MRI "
        "revealed an epidural hematoma from C5 to C7.",
        "traumatic",
        None,
    ),
    (
        "sport-thrown",
        "Thoracic epidural hematoma in an adolescent judoka",
        "A 15-year-old boy was thrown onto his back during judo practice. That evening he "
        "developed leg weakness; MRI showed an epidural hematoma at T5-T8 without vertebral "
        "injury.",
        "traumatic",
        None,
    ),
    (
        "sport-collided",
        "Epidural hematoma of the cervical spine in a footballer",
        "A 22-year-old man collided with another player and felt tingling in both hands. MRI "
        "showed a C3-C5 epidural hematoma.",
        "traumatic",
        None,
    ),
    (
        "sport-fall-as-a-noun-phrase",
        "Thoracic epidural haematoma in a young woman",
        "A 24-year-old woman had back pain the evening of a skiing fall and leg numbness the next "
        "day. MRI showed a T6-T8 epidural haematoma.",
        "traumatic",
        None,
    ),
    (
        "exertion-without-impact-stays-in",
        "Cervical epidural hematoma after weightlifting",
        "A 28-year-old man felt sudden neck pain while lifting weights in the gym. MRI showed a "
        "C6-T1 epidural hematoma that resolved without surgery.",
        "sseh_case",
        None,
    ),
    # another lesion first read (or mistaken) as a haematoma: abscess, tumour, haematopoiesis
    (
        "empyema-misdiagnosed-as-haematoma",
        "Thoracic epidural empyema misdiagnosed as spontaneous haematoma",
        "A 61-year-old diabetic woman had back pain and paraparesis. MRI was first read as an "
        "epidural haematoma; at surgery purulent material was evacuated and cultures grew "
        "Streptococcus.",
        "other",
        None,
    ),
    (
        "lymphoma-presumed-haematoma",
        "Epidural lymphoma mistaken for a spontaneous spinal epidural haematoma",
        "A 70-year-old man developed paraparesis over two days. MRI showed a posterior epidural "
        "lesion at T3-T6 that was presumed to be a haematoma; biopsy at laminectomy showed "
        "diffuse large B-cell lymphoma.",
        "other",
        None,
    ),
    (
        "haematopoiesis-simulating-haematoma",
        "Paravertebral haematopoietic tissue simulating an epidural haematoma in thalassaemia",
        "A 31-year-old woman with thalassaemia had slowly progressive leg weakness. MRI showed "
        "epidural masses from T3 to T8 that were first reported as subacute haematoma; the "
        "imaging and history pointed to extramedullary haematopoiesis, treated with radiotherapy.",
        "other",
        None,
    ),
    (
        "metastasis-found-title-silent",
        "Sudden paraparesis in an elderly man",
        "A 72-year-old man developed back pain and leg weakness over a day. MRI showed a dorsal "
        "epidural lesion at T6-T8 that was initially interpreted as an epidural haematoma. At "
        "laminectomy a metastasis of prostate adenocarcinoma was found.",
        "other",
        True,
    ),
    (
        "mass-in-title-proved-haematoma",
        "Epidural mass in a patient taking warfarin",
        "A 75-year-old man on warfarin developed paraparesis. MRI showed an enhancing epidural "
        "mass at T9-T11, initially thought to be a tumour. At surgery an organised haematoma was "
        "removed.",
        "sseh_case",
        True,
    ),
    (
        "hyphenated-mimic-describes-the-haematoma",
        "Stroke-mimicking cervical epidural haematoma in an elderly woman",
        "",
        "sseh_case",
        None,
    ),
    (
        "haematoma-first-read-as-tumour",
        "Thoracic epidural haematoma mimicking a tumour",
        "A 64-year-old woman had progressive leg weakness. MRI suggested a neoplasm, but an "
        "epidural haematoma was evacuated at T7-T9.",
        "sseh_case",
        None,
    ),
    (
        "pus-after-first-reading-title-silent",
        "Acute paraplegia in an intravenous drug user",
        "A 33-year-old man developed back pain and paraplegia. MRI showed a dorsal epidural "
        "collection at T4-T8 first reported as an epidural haematoma. At laminectomy frank pus "
        "was drained and cultures grew Staphylococcus aureus.",
        "other",
        True,
    ),
    (
        "read-as-haematoma-but-surgery-found-pus",
        "Acute cauda equina syndrome in a diabetic man",
        "A 57-year-old diabetic man developed cauda equina syndrome. MRI of an L2-L5 epidural "
        "collection was read as an epidural haematoma, but surgery revealed pus and cultures grew "
        "Staphylococcus aureus.",
        "other",
        True,
    ),
    (
        "presumptive-diagnosis-revised",
        "Lumbar epidural lymphoma presenting acutely",
        "A presumptive diagnosis of spontaneous spinal epidural haematoma was made in a "
        "66-year-old man with acute cauda equina syndrome; histology of the resected tissue "
        "showed lymphoma.",
        "other",
        None,
    ),
    (
        "surgery-found-the-source-of-a-true-haematoma",
        "Acute paraplegia from a thoracic epidural haematoma",
        "A 40-year-old woman developed acute paraplegia. MRI showed an epidural haematoma at "
        "T5-T7, but surgery revealed a small arteriovenous malformation as its source, and the "
        "clot was evacuated.",
        "sseh_case",
        None,
    ),
    (
        "tumour-suspected-haematoma-found",
        "Acute paraparesis from a thoracic epidural lesion",
        "A 58-year-old man developed paraparesis. MRI initially suggested an epidural haematoma; "
        "because of enhancement a tumour was suspected, but histology of the evacuated material "
        "showed an organised haematoma.",
        "sseh_case",
        None,
    ),
    (
        "abscess-suspected-clot-found",
        "Epidural abscess or epidural haematoma? A diagnostic pitfall",
        "A 55-year-old woman with fever and back pain had a dorsal epidural collection at T6-T9. "
        "An abscess was first suspected, but at surgery only clotted blood was found and "
        "cultures were sterile.",
        "sseh_case",
        None,
    ),
    (
        "intradural-haematoma",
        "Spontaneous spinal intradural haematoma in a patient on warfarin",
        "A 71-year-old man on warfarin developed back pain and paraparesis. MRI showed an "
        "intradural extramedullary haematoma at T10-L1, which was evacuated after durotomy.",
        "not_epidural",
        None,
    ),
    # spontaneity put in doubt (question, scare quotes) with a fall, often on an anticoagulant
    (
        "scare-quoted-spontaneous",
        "'Spontaneous' spinal epidural haematoma after a fall from a ladder",
        "A 58-year-old man fell from a ladder and developed leg weakness the next day. MRI "
        "showed a thoracic epidural haematoma.",
        "traumatic",
        True,
    ),
    (
        "truly-spontaneous-question",
        "Spinal epidural hematoma in an anticoagulated man: truly spontaneous?",
        "A 79-year-old man on warfarin slipped on ice and landed on his back. Hours later he "
        "could not move his legs; MRI showed an epidural hematoma from T10 to L1.",
        "traumatic",
        True,
    ),
    (
        "truly-spontaneous-affirmed",
        "Truly spontaneous spinal epidural haematoma in a young adult",
        "A 25-year-old woman with no risk factors developed acute back pain and paraparesis. MRI "
        "showed a T3-T5 epidural haematoma.",
        "sseh_case",
        False,
    ),
    (
        "minor-fall-on-doac-title",
        "Cervical epidural haematoma after a minor fall in a patient on rivaroxaban",
        "An 81-year-old woman on rivaroxaban developed neck pain and arm weakness hours after "
        "the incident. MRI showed a C2-C5 epidural haematoma.",
        "traumatic",
        True,
    ),
    (
        "tripped-on-doac-abstract",
        "Neck pain and tetraparesis in an older woman taking apixaban",
        "An 86-year-old woman taking apixaban tripped over a rug at home and hit her head on a "
        "table. By evening her arms and legs were weak. MRI showed a C3-C6 epidural haematoma.",
        "traumatic",
        None,
    ),
    (
        "drug-title-fall-in-story",
        "Lumbar epidural hematoma in a man on dabigatran",
        "A 74-year-old man on dabigatran fell down the stairs at home. The next morning he had "
        "saddle anaesthesia; MRI showed an L2-L4 epidural hematoma.",
        "traumatic",
        True,
    ),
    (
        "fall-is-the-consequence",
        "Thoracic epidural hematoma in a woman on dabigatran",
        "A 79-year-old woman on dabigatran felt sudden back pain; within an hour her legs gave "
        "way and she fell. MRI showed an epidural hematoma from T6 to T9.",
        "sseh_case",
        None,
    ),
    (
        "fell-because-of-weakness",
        "Epidural hematoma of the thoracic spine",
        "An 82-year-old woman on apixaban developed back pain and fell at home because of leg "
        "weakness. MRI showed an epidural hematoma from T9 to T12.",
        "sseh_case",
        None,
    ),
    (
        "fell-and-struck-back",
        "Epidural hematoma of the thoracic spine in an older woman",
        "An 82-year-old woman fell in the bathroom and struck her back on the bathtub. Hours "
        "later she had leg weakness. MRI showed an epidural hematoma from T9 to T12.",
        "traumatic",
        None,
    ),
    # post-operative haematoma days or weeks after SPINE surgery, even if called spontaneous
    (
        "spontaneous-days-after-discectomy",
        "Spontaneous epidural haematoma ten days after lumbar microdiscectomy",
        "A 47-year-old man had an uneventful L4-L5 microdiscectomy. Ten days later he developed "
        "cauda equina syndrome; MRI showed an epidural haematoma at the operated level.",
        "iatrogenic",
        True,
    ),
    (
        "no-obvious-cause-after-fusion",
        "Late epidural hematoma without obvious cause three weeks after posterior cervical fusion",
        "A 71-year-old woman had C3-C6 fusion and went home well. Three weeks later she had "
        "sudden neck pain and weak hands; an epidural hematoma was evacuated.",
        "iatrogenic",
        True,
    ),
    (
        "postoperative-day-after-laminoplasty",
        "Late neurological deterioration after cervical surgery",
        "A 62-year-old woman underwent C4-C6 laminoplasty. She was discharged well, but on "
        "postoperative day 12 she developed sudden neck pain; MRI showed an epidural hematoma at "
        "the operated levels.",
        "iatrogenic",
        None,
    ),
    (
        "non-spinal-surgery-stays-in",
        "Postoperative spontaneous spinal epidural haematoma after total knee replacement",
        "A 73-year-old woman received enoxaparin after knee replacement under general "
        "anaesthesia. On day 3 she developed back pain and paraplegia; MRI showed a T7-T10 "
        "epidural haematoma.",
        "sseh_case",
        None,
    ),
    (
        "generic-postoperative-after-hip-surgery",
        "Postoperative spinal epidural hematoma after hip arthroplasty",
        "An 81-year-old woman received enoxaparin after hemiarthroplasty for a femoral neck "
        "fracture. On day 2 she developed paraplegia; MRI showed a T10-L1 epidural hematoma.",
        "sseh_case",
        True,
    ),
    (
        "days-after-hip-surgery-in-story",
        "Paraplegia in a woman receiving enoxaparin",
        "A 74-year-old woman received enoxaparin after total hip replacement under general "
        "anaesthesia. Three days after surgery she developed back pain and paraplegia; MRI "
        "showed a T9-T12 epidural haematoma.",
        "sseh_case",
        None,
    ),
    (
        "postoperative-day-after-bypass",
        "Acute paraparesis after cardiac surgery",
        "A 64-year-old man underwent coronary artery bypass grafting and received heparin. On "
        "postoperative day 2 he developed paraparesis; MRI showed a T3-T6 epidural haematoma.",
        "sseh_case",
        None,
    ),
    (
        "postoperative-after-spinal-decompression",
        "Postoperative spinal epidural hematoma",
        "A 61-year-old man underwent L3-L5 decompression and developed leg weakness 6 hours "
        "later; MRI showed an epidural hematoma.",
        "iatrogenic",
        None,
    ),
    (
        "spine-surgery-years-before-stays-in",
        "Spontaneous spinal epidural haematoma eight years after lumbar fusion",
        "A 68-year-old man with an L4-S1 fusion eight years earlier developed acute neck pain and "
        "arm weakness. MRI showed a C5-C7 epidural haematoma.",
        "sseh_case",
        False,
    ),
    (
        "operation-as-treatment-in-title",
        "Cervical epidural haematoma with full recovery following decompressive laminectomy",
        "A 52-year-old woman woke with neck pain and weak arms. An epidural haematoma at C5-C7 "
        "was evacuated within 6 hours.",
        "sseh_case",
        None,
    ),
    (
        "cause-then-treatment-in-title",
        "Epidural haematoma after lumbar puncture: full recovery after emergency laminectomy",
        "A 60-year-old man on enoxaparin had leg weakness and an L2-L4 epidural haematoma.",
        "iatrogenic",
        None,
    ),
    (
        "operation-as-treatment-in-story",
        "Thoracic epidural hematoma in a man on warfarin",
        "A 70-year-old man on warfarin developed sudden paraplegia. MRI showed a T4-T7 epidural "
        "hematoma. The hematoma was evacuated and he regained walking after emergency "
        "laminectomy.",
        "sseh_case",
        None,
    ),
    # imaging procedures in the work-up are not causes (older reports: myelography)
    (
        "diagnostic-myelography",
        "Acute paraplegia due to a thoracic epidural haematoma",
        "A 58-year-old man developed acute paraplegia. Myelography showed a complete block at "
        "T10, and an extradural haematoma was removed at laminectomy.",
        "sseh_case",
        None,
    ),
    (
        "ct-myelogram-in-workup",
        "Lumbar epidural hematoma in a girl with haemophilia",
        "A 13-year-old girl with haemophilia had back pain and urinary retention. A CT myelogram "
        "demonstrated an extradural defect at L3-L4, and an epidural hematoma was drained.",
        "sseh_case",
        None,
    ),
    (
        "after-myelography-is-a-cause",
        "Paraparesis following myelography",
        "A 61-year-old woman underwent lumbar myelography for sciatica. After myelography she "
        "developed leg weakness; MRI showed an epidural haematoma at L1-L3.",
        "iatrogenic",
        None,
    ),
    (
        "lumbar-drain-removal",
        "Paraparesis in a woman after aneurysm repair",
        "A 59-year-old woman had a lumbar drain inserted for thoracoabdominal aneurysm repair. "
        "After its removal she developed paraparesis; MRI showed an epidural haematoma at L1-L4.",
        "iatrogenic",
        None,
    ),
    (
        "steroid-injection-months-before-stays-in",
        "Cervical epidural hematoma in a man on aspirin",
        "A 66-year-old man on aspirin, who had received a cervical epidural steroid injection six "
        "months earlier, woke with neck pain and arm weakness. MRI showed a C4-C7 epidural "
        "hematoma.",
        "sseh_case",
        None,
    ),
    # an intracranial epidural bleed: the spine named only in background or contrast
    (
        "cranial-spine-only-in-background",
        "Spontaneous extradural haematoma of the skull vault in a sickle cell crisis",
        "A 16-year-old boy with sickle cell disease had headache and vomiting during a crisis. "
        "CT showed a frontal extradural haematoma with mass effect, and he underwent craniotomy. "
        "Spontaneous epidural bleeding is far more often reported in the spine.",
        "not_epidural",
        None,
    ),
    (
        "cranial-spine-in-contrast",
        "Spontaneous extradural haematoma of the calvarium in sickle cell anaemia",
        "A 12-year-old girl with sickle cell anaemia had headache and drowsiness during a painful "
        "crisis. CT showed a parietal extradural haematoma with mass effect, evacuated by "
        "craniotomy. Unlike the spinal form, this variant follows bone infarction.",
        "not_epidural",
        None,
    ),
    # injury or abuse only considered, then excluded (children)
    (
        "abuse-considered-then-excluded",
        "Cervicothoracic epidural haematoma in an infant",
        "A 7-month-old boy became irritable and stopped moving his legs. Non-accidental injury "
        "was considered, but a skeletal survey and fundoscopy were normal. MRI showed an epidural "
        "haematoma from C6 to T4, and coagulation studies revealed haemophilia A.",
        "sseh_case",
        None,
    ),
    (
        "survey-to-exclude-abuse",
        "Epidural hematoma in a toddler who refused to walk",
        "A 14-month-old girl refused to walk. A skeletal survey to exclude child abuse was "
        "normal. MRI showed a thoracolumbar epidural hematoma.",
        "sseh_case",
        None,
    ),
    # a lumbar puncture in the work-up (its result is told) is not the cause, but is queued
    (
        "puncture-to-exclude-sah",
        "Cervical epidural haematoma presenting as meningism",
        "A 49-year-old woman had sudden occipital headache and neck stiffness. CT of the brain "
        "was normal, and a lumbar puncture performed to exclude subarachnoid haemorrhage showed "
        "clear CSF. Two hours later she developed right arm weakness; MRI showed a C2-C5 "
        "epidural haematoma.",
        "sseh_case",
        True,
    ),
    (
        "puncture-was-normal",
        "Neck pain and hemiparesis in a man on apixaban",
        "A 66-year-old man on apixaban had sudden neck pain. Lumbar puncture was normal. MRI "
        "then showed a dorsal C3-C6 epidural hematoma.",
        "sseh_case",
        True,
    ),
    (
        "puncture-then-bleed-is-a-cause",
        "Paraparesis in a woman with suspected meningitis",
        "A 64-year-old woman on enoxaparin underwent lumbar puncture for suspected meningitis. "
        "Six hours after the lumbar puncture she developed paraparesis; MRI showed an L1-L3 "
        "epidural hematoma.",
        "iatrogenic",
        None,
    ),
    # catheters that are not neuraxial (venous, urinary, dialysis) are not a spinal procedure
    (
        "central-venous-catheter-is-not-neuraxial",
        "Spinal epidural haematoma in a patient on heparin",
        "A 70-year-old man received heparin after central venous catheter insertion for "
        "haemodialysis. The next day he developed back pain and paraplegia; MRI showed a T4-T9 "
        "epidural haematoma.",
        "sseh_case",
        None,
    ),
    (
        "urinary-catheter-is-not-neuraxial",
        "Thoracic epidural haematoma in a woman on enoxaparin",
        "A 66-year-old woman had urinary catheter placement after hip surgery and received "
        "enoxaparin; on day 3 MRI showed a T8-T11 epidural haematoma causing paraplegia.",
        "sseh_case",
        None,
    ),
    # more spinal interventions
    (
        "vertebral-augmentation",
        "Epidural hematoma after vertebral augmentation",
        "A 79-year-old woman underwent balloon augmentation of an L1 fracture and developed leg "
        "weakness that evening; MRI showed an epidural hematoma at T12-L2.",
        "iatrogenic",
        None,
    ),
    (
        "facet-radiofrequency",
        "Cervical epidural hematoma following radiofrequency ablation of the facet joints",
        "A 60-year-old man developed arm weakness hours after the procedure. MRI showed a C5-C7 "
        "epidural hematoma.",
        "iatrogenic",
        None,
    ),
    (
        "cardiac-ablation-is-not-spinal",
        "Thoracic epidural haematoma after radiofrequency ablation for atrial fibrillation",
        "A 67-year-old man received heparin during catheter ablation and developed back pain and "
        "paraparesis. MRI showed an epidural haematoma at T3-T6.",
        "sseh_case",
        None,
    ),
    (
        "dry-needling",
        "Cervical epidural haematoma after dry needling of the neck",
        "A 41-year-old woman had neck pain and hand weakness immediately after treatment. MRI "
        "showed a C6-C7 epidural haematoma.",
        "iatrogenic",
        None,
    ),
    (
        "cranial-vertex",
        "Spontaneous epidural haematoma of the vertex in a child with haemophilia",
        "A 6-year-old boy with haemophilia had headache and vomiting. CT showed an epidural "
        "haematoma at the vertex, which was drained.",
        "not_epidural",
        None,
    ),
    (
        "cranial-temporal-extradural-title-silent",
        "Acute epidural haematoma in a man on warfarin",
        "A 70-year-old man on warfarin became drowsy. CT showed a left temporal extradural "
        "haematoma with midline shift.",
        "not_epidural",
        True,
    ),
    # the epidural place and the blood told in different phrases: a doubtful include
    (
        "collection-and-clot-named-apart",
        "Acute paraplegia in a man taking warfarin",
        "A 69-year-old man taking warfarin developed sudden back pain and paraplegia. MRI showed "
        "a biconvex extradural collection from T2 to T5 compressing the cord. At laminectomy, "
        "dark clotted blood was evacuated.",
        "sseh_case",
        True,
    ),
    (
        "follow-up-months-after-the-event",
        "Cervical epidural haematoma during thrombolysis for myocardial infarction",
        "A 60-year-old man received tenecteplase and developed neck pain and weak arms. MRI "
        "showed a C4-C7 epidural haematoma, managed without surgery. MRI four months after the "
        "accident showed complete resolution.",
        "sseh_case",
        None,
    ),
]


@pytest.mark.parametrize(
    ("title", "abstract", "expected", "review"),
    [c[1:] for c in PHENOMENA],
    ids=[c[0] for c in PHENOMENA],
)
def test_phenomenon(title: str, abstract: str, expected: str, review: bool | None) -> None:
    decision = screen_record({"title": title, "abstract": abstract, "publication_types": []})
    assert decision.reason == expected, decision.detail
    if review is not None:
        assert decision.needs_review is review, (decision.confidence, decision.detail)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("RETRACTED: Spinal epidural haematoma in a toddler", "other"),
        ("Spontaneous spinal epidural haematoma in a toddler", "sseh_case"),
        ("Spinal subdural haematoma after lumbar puncture", "not_epidural"),
    ],
)
def test_annotate_emits_schema_codes(title: str, expected: str) -> None:
    from sseh_lit.annotate import screen

    assert screen({"pmid": "1", "title": title, "abstract": ""})["reason"] == expected
