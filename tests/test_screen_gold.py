"""Screening quality floors on ``../shared/gold/dev.jsonl`` (real abstracts, read in place).

The floors are those of issue 8: at most one missed SSEH case among the 52 (sensitivity ≥ 0.97),
specificity ≥ 0.80, and the right exclusion reason (code before any " (") for ≥ 85% of the
correctly excluded records. The rules are written for phenomena, never for a dev record; a
held-out set is scored the same way through ``sseh-lit annotate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sseh_lit.screen import screen_record

pytestmark = pytest.mark.gold

#: Raised from 0.97 / 0.80 / 0.85 once the rules reached 1.0 on all three: each now allows one
#: error (52 cases, 28 exclusions). Never lower one without saying why.
FLOORS = {"sensitivity": 0.98, "specificity": 0.96, "reason_accuracy": 0.96}


def _gold_code(reason: str) -> str:
    return reason.split(" (")[0].strip()


def screening_metrics(gold_path: Path) -> dict[str, float]:
    """Sensitivity, specificity and reason accuracy of the rules on a gold JSONL file."""
    tp = fn = tn = fp = right_reason = 0
    with gold_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            gold = record["screening"]
            decision = screen_record(
                {k: record.get(k) for k in ("title", "abstract", "publication_types")}
            )
            if gold["include"]:
                tp += decision.include
                fn += not decision.include
            elif decision.include:
                fp += 1
            else:
                tn += 1
                right_reason += decision.schema_reason == _gold_code(gold["reason"])
    return {
        "sensitivity": tp / (tp + fn),
        "specificity": tn / (tn + fp),
        "reason_accuracy": right_reason / tn if tn else 0.0,
        "n": tp + fn + tn + fp,
    }


@pytest.fixture(scope="module")
def metrics(gold_path: Path) -> dict[str, float]:
    return screening_metrics(gold_path)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_floor(metrics: dict[str, float], name: str) -> None:
    assert metrics[name] >= FLOORS[name], f"{name} {metrics[name]:.3f} < floor {FLOORS[name]}"


def test_gold_file_is_the_expected_size(gold_path: Path) -> None:
    assert screening_metrics(gold_path)["n"] == 80
