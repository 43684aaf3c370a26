"""Quality floors on the real annotated dev set (read in place from ../shared/gold).

Runs ``annotate`` on ../shared/gold/dev.jsonl with inputs stripped to the keys the held-out
evaluation uses, scores it with ``sseh_lit.evaluate`` and fails when any field's F1 or the
patient-count accuracy drops below its floor in tests/floors.json. Screening floors are the
screening stage's own test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sseh_lit.annotate import INPUT_KEYS, annotate
from sseh_lit.evaluate import Report, evaluate_files, format_report, read_jsonl

FLOORS = json.loads((Path(__file__).parent / "floors.json").read_text(encoding="utf-8"))
#: The issue's "Done when" targets: a floor may never sit below these.
TARGETS = {
    "age_years": 0.95,
    "sex": 0.95,
    "level_upper": 0.9,
    "level_lower": 0.9,
    "anticoagulant": 0.9,
    "treatment": 0.9,
}


_CACHE: dict[Path, Report] = {}


@pytest.fixture
def report(gold_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The dev-set report, computed once per session (annotating 80 abstracts takes seconds)."""
    if gold_path not in _CACHE:
        _CACHE[gold_path] = _score(gold_path, tmp_path_factory.mktemp("gold"))
    return _CACHE[gold_path]


def _score(gold: Path, tmp: Path) -> Report:
    inputs = tmp / "inputs.jsonl"
    with open(inputs, "w", encoding="utf-8") as fh:
        for rec in read_jsonl(gold):
            fh.write(json.dumps({k: rec.get(k) for k in INPUT_KEYS}) + "\n")
    annotate(inputs, tmp / "pred.jsonl")
    return evaluate_files(gold, tmp / "pred.jsonl")


def test_floors_respect_the_issue_targets() -> None:
    assert FLOORS["patient_count_accuracy"] >= 0.9
    for name, floor in FLOORS["f1"].items():
        assert floor >= TARGETS.get(name, 0.8), name


@pytest.mark.gold
def test_patient_count_accuracy_floor(report: Report) -> None:
    assert report.patient_count_accuracy >= FLOORS["patient_count_accuracy"], format_report(report)


@pytest.mark.gold
@pytest.mark.parametrize("field", sorted(FLOORS["f1"]))
def test_field_f1_floor(report: Report, field: str) -> None:
    score = report.fields[field]
    assert score.n_gold >= 5, f"{field} has fewer than 5 gold values: no floor applies"
    assert score.f1 is not None and score.f1 >= FLOORS["f1"][field], format_report(report)
