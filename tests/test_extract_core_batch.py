"""``extract_records`` runs a batch stage by stage: same results as one record at a time, and a
record that fails at any stage is reported once, in its turn, without losing the others.

All abstracts here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

import pytest
from spacy.tokens import Doc

import sseh_lit.extract.clinical as clinical
import sseh_lit.extract.core as core
import sseh_lit.extract.demographics as demographics
import sseh_lit.extract.levels as levels
from sseh_lit.extract import extract_record, extract_records
from sseh_lit.extract.model import RecordResult


def _record(pmid: str, abstract: str) -> dict[str, Any]:
    return {
        "pmid": pmid,
        "title": f"Synthetic spinal epidural hematoma {pmid}",
        "abstract": abstract,
        "publication_types": ["Case Reports"],
    }


RECORDS = [
    _record(
        "A",
        "A 67-year-old woman taking apixaban developed neck pain and tetraparesis. MRI showed "
        "a dorsal epidural hematoma from C4 to C6. She underwent laminectomy 10 hours after "
        "onset and recovered completely.",
    ),
    _record(
        "B",
        "We report two patients. Case 1: A 45-year-old man on warfarin had a hematoma at T4-T6 "
        "and underwent laminectomy. Case 2: A 70-year-old woman had a hematoma at L2-L3 and was "
        "treated conservatively.",
    ),
    _record(
        "C",
        "A 52-year-old man with thrombocytopenia had sudden paraplegia. MRI showed a hematoma "
        "at T8-T10 (marker-C). He was treated conservatively and had residual weakness.",
    ),
    _record(
        "D",
        "A 30-year-old pregnant woman had back pain and a hematoma at L1-L2. Evacuation was "
        "performed and she recovered fully.",
    ),
]


def _plain(result: RecordResult) -> list[dict[str, Any]]:
    return [
        {name: fv.to_dict() for name, fv in p.values.items()} | {"label": p.label}
        for p in result.patients
    ]


def test_a_batch_gives_what_each_record_gives_alone() -> None:
    alone = [extract_record(r) for r in RECORDS]
    batched = list(extract_records(RECORDS, batch_size=3))
    assert [r.pmid for r in batched] == ["A", "B", "C", "D"]
    assert [_plain(r) for r in batched] == [_plain(r) for r in alone]
    assert [list(p.values) for r in batched for p in r.patients] == [
        list(p.values) for r in alone for p in r.patients
    ]  # the fields in the same order (the evidence listing follows it)
    assert len(batched[1].patients) == 2


def _raising(real: Callable[..., Any], marker: str) -> Callable[..., Any]:
    """``real``, raising when any of its patient's sentences contains ``marker``."""

    def flaky(sents: Any, *args: Any) -> Any:
        if any(marker in info.text for info in sents):
            raise ValueError(f"synthetic bug at {marker}")
        return real(sents, *args)

    return flaky


def _break(monkeypatch: pytest.MonkeyPatch, stage: str, marker: str, pmid: str) -> None:
    """Make record ``pmid`` (whose text contains ``marker``) fail at ``stage``."""
    if stage == "planning":
        real = core.plan_doc

        def flaky(doc: Any, record: Any, text: Any = None) -> Any:
            if record["pmid"] == pmid:
                raise ValueError(f"synthetic bug at {marker}")
            return real(doc, record, text)

        monkeypatch.setattr(core, "plan_doc", flaky)
    elif (
        stage == "finish"
    ):  # each patient assembled (empty fields, derive()), after every extractor
        real_finish = core._finish

        def flaky_finish(slot: Any, values: Any) -> Any:
            if any(marker in info.text for info in slot.sents):
                raise ValueError(f"synthetic bug at {marker}")
            return real_finish(slot, values)

        monkeypatch.setattr(core, "_finish", flaky_finish)
    elif stage == "optional":  # an optional extractor that returns no dict fails the record
        extras = core._extras()

        def odd(spans: Any) -> Any:
            return None if any(marker in s.text for s in spans) else extras[0](spans)

        monkeypatch.setattr(core, "_extras", lambda: [odd, *extras[1:]])
    else:
        module = {"demographics": demographics, "levels": levels, "clinical": clinical}[stage]
        monkeypatch.setattr(module, "extract", _raising(module.extract, marker))


STAGES = ["planning", "demographics", "levels", "clinical", "optional", "finish"]


@pytest.mark.parametrize("late", STAGES)
@pytest.mark.parametrize("early", ["planning", "levels"])
def test_failures_at_any_stage_are_reported_once_in_input_order(
    monkeypatch: pytest.MonkeyPatch, early: str, late: str
) -> None:
    # B (second patient) fails at ``late``, C at ``early``: stages run over the whole batch,
    # yet reports and results come record by record, in input order.
    _break(monkeypatch, late, "Case 2: A 70-year-old", "B")
    _break(monkeypatch, early, "marker-C", "C")
    events: list[str] = []

    def on_error(record: Any, exc: Exception) -> None:
        assert isinstance(exc, ValueError | TypeError | AttributeError), exc
        events.append(f"error {record['pmid']}")

    for result in extract_records(RECORDS, batch_size=4, on_error=on_error):
        events.append(f"result {result.pmid}")
    assert events == ["result A", "error B", "error C", "result D"]


@pytest.mark.parametrize("stage", STAGES)
def test_without_on_error_the_exception_propagates_after_the_records_before_it(
    monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    _break(monkeypatch, stage, "marker-C", "C")
    results = extract_records(RECORDS, batch_size=4)
    assert [next(results).pmid, next(results).pmid] == ["A", "B"]
    with pytest.raises((ValueError, TypeError, AttributeError)):
        next(results)


def test_an_optional_extractor_bug_leaves_its_fields_empty_and_keeps_the_record(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    extras = core._extras()
    assert extras, "the drug and condition extractors are installed"

    def broken(spans: Any) -> Any:
        if any("warfarin" in s.text for s in spans):  # record B's first patient only
            raise RuntimeError("synthetic drug bug")
        return extras[0](spans)

    monkeypatch.setattr(core, "_extras", lambda: [broken, *extras[1:]])
    with caplog.at_level(logging.ERROR, logger=core.__name__):
        results = list(extract_records(RECORDS, batch_size=4, on_error=pytest.fail))
    assert [r.pmid for r in results] == ["A", "B", "C", "D"]
    assert "extractor" in caplog.text and "synthetic drug bug" in caplog.text
    first, second = results[1].patients
    assert first.values["anticoagulant_agents"].value == []  # the drug fields stayed empty
    assert results[0].patients[0].values["anticoagulant_agents"].value == ["apixaban"]
    assert second.values["level_upper"].value == "L2"


def test_extract_doc_still_extracts_one_parsed_record() -> None:
    record = RECORDS[1]
    text = core.record_text(record)
    result = core.extract_doc(core.load()(text), record, text)
    assert _plain(result) == _plain(extract_record(record))


def test_a_finished_batch_frees_its_docs_without_the_cycle_collector() -> None:
    def live_docs() -> int:
        return sum(isinstance(o, Doc) for o in gc.get_objects())

    # the abbreviation detector keeps Spans of the Doc in the Doc: a reference cycle
    defined = _record(
        "E",
        "Spontaneous spinal epidural hematoma (SSEH) is rare. A 60-year-old man had an SSEH "
        "at C5-C7 and underwent laminectomy.",
    )
    list(extract_records([defined]))  # the pipeline is loaded
    gc.collect()
    before = live_docs()
    gc.disable()
    try:
        results = list(extract_records([*RECORDS, defined], batch_size=3))
        assert live_docs() == before  # freed by reference counting alone
    finally:
        gc.enable()
    assert [r.pmid for r in results] == ["A", "B", "C", "D", "E"]


def _defuse_reference(text: str) -> str:
    """``defuse`` as first written: every run of more than MAX_WORD non-whitespace characters
    gets a space every MAX_WORD characters."""
    import re

    chars = list(text)
    for m in re.finditer(rf"\S{{{core.MAX_WORD + 1},}}", text):
        for i in range(m.start() + core.MAX_WORD, m.end(), core.MAX_WORD):
            chars[i] = " "
    return "".join(chars)


def test_defuse_breaks_exactly_the_long_words() -> None:
    import random

    rng = random.Random(7)
    # words, runs of every length around the limit, and whitespace other than " " (a newline,
    # a tab, a no-break space, which \\s also matches) inside or between them
    alphabet = ["a", "b", ".", "(", "-", " ", "\n", "\t", "\u00a0", "\u2009", "ſ"]
    weights = [30, 30, 5, 2, 3, 1, 1, 1, 1, 1, 1]
    texts = [
        "",
        "x" * 80,
        "x" * 81,
        " " + "x" * 81,
        "x" * 40 + "\n" + "y" * 45,
        "x" * 40 + "\u00a0" + "y" * 45,
        "x" * 200 + " tail",
    ]
    for _ in range(3000):
        texts.append("".join(rng.choices(alphabet, weights, k=rng.randrange(0, 400))))
    for text in texts:
        assert core.defuse(text) == _defuse_reference(text), repr(text)
