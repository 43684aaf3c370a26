"""Quality floors on the project's own synthetic demo corpus (corpus/demo/expected.jsonl).

The real dev set barely contains pre-operative and outcome grades, pregnancy, coagulopathy or
vascular malformations; the demo corpus was written to cover them (and case series, odd level
notations, look-alikes). This test runs the same file-mode path as the held-out evaluation on it,
so a change that breaks those fields fails here even where dev cannot see it. It needs nothing
outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sseh_lit.annotate import INPUT_KEYS, annotate
from sseh_lit.evaluate import Report, evaluate_files, format_report, read_jsonl

EXPECTED = Path(__file__).resolve().parent.parent / "corpus" / "demo" / "expected.jsonl"
#: F1 floors per field: a little below what the extractor reaches on the demo corpus.
FLOORS = {
    "age_years": 0.97,
    "sex": 0.97,
    "level_upper": 0.95,
    "level_lower": 0.95,
    "location": 0.95,
    "anticoagulant": 0.90,
    "anticoagulant_agents": 0.85,
    "antiplatelet": 0.90,
    "antiplatelet_agents": 0.90,
    "hypertension": 0.90,
    "preop_grade": 0.90,
    "treatment": 0.95,
    "procedure": 0.95,
    "time_to_surgery_hours": 0.90,
    "outcome": 0.95,
    "outcome_grade": 0.90,
}
SCREENING_FLOORS = {"sensitivity": 0.99, "specificity": 0.93, "reason_accuracy": 0.93}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    tmp = tmp_path_factory.mktemp("demo-quality")
    inputs = tmp / "inputs.jsonl"
    with open(inputs, "w", encoding="utf-8") as fh:
        for rec in read_jsonl(EXPECTED):
            fh.write(json.dumps({k: rec.get(k) for k in INPUT_KEYS}) + "\n")
    annotate(inputs, tmp / "pred.jsonl")
    return evaluate_files(EXPECTED, tmp / "pred.jsonl")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_field_f1_floor(report: Report, name: str) -> None:
    f1 = report.fields[name].f1
    assert f1 is not None and f1 >= FLOORS[name], format_report(report)


def test_patient_count_floor(report: Report) -> None:
    assert report.patient_count_accuracy >= 0.96, format_report(report)


@pytest.mark.parametrize("name", sorted(SCREENING_FLOORS))
def test_screening_floor(report: Report, name: str) -> None:
    value = getattr(report, name)
    assert value >= SCREENING_FLOORS[name], format_report(report)
