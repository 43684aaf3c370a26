"""Scoring exactly as gold/SCHEMA.md says, on SYNTHETIC gold/prediction lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit.cli import cli
from sseh_lit.evaluate import align, score, values_equal


def gold(pmid: str, include: bool = True, reason: str = "sseh_case", patients=None) -> dict:
    return {
        "pmid": pmid,
        "screening": {"include": include, "reason": reason},
        "patients": patients or [],
    }


@pytest.mark.parametrize(
    ("field", "g", "p", "equal"),
    [
        ("sex", "Male", "male", True),
        ("level_upper", "T10", "Th10", True),
        ("level_lower", "D11", "T11", True),
        ("level_upper", "T10", "T11", False),
        ("age_years", 65, 65.4, True),
        ("age_years", 65, 66, False),
        ("age_years", 0.5, 0.58, True),
        ("age_years", 0.5, 0.6, False),
        ("time_to_surgery_hours", 5, 5.9, True),
        ("time_to_surgery_hours", 48, 52, True),
        ("time_to_surgery_hours", 48, 54, False),
        ("preop_grade", {"scale": "AIS", "grade": "B"}, {"scale": "Frankel", "grade": "b"}, True),
        ("preop_grade", {"scale": "ASIA", "grade": "B"}, {"scale": "ASIA", "grade": "C"}, False),
        ("preop_grade", {"scale": "JOA", "grade": "8"}, {"scale": "JOA", "grade": "8.0"}, True),
        ("anticoagulant", True, True, True),
        ("anticoagulant", False, True, False),
    ],
)
def test_normalisation(field: str, g, p, equal: bool) -> None:
    assert values_equal(field, g, p) is equal


def test_screening_rates_and_reason_code_before_parenthesis() -> None:
    golds = [
        gold("1"),
        gold("2"),
        gold("3", False, "other (letter to the editor)"),
        gold("4", False, "traumatic"),
    ]
    preds = [
        {"pmid": "1", "screening": {"include": True}},
        {"pmid": "2", "screening": {"include": False, "reason": "traumatic"}},
        {"pmid": "3", "screening": {"include": False, "reason": "other (comment)"}},
        {"pmid": "4", "screening": {"include": False, "reason": "iatrogenic"}},
    ]
    r = score(golds, preds)
    assert (r.sensitivity, r.specificity, r.reason_accuracy) == (0.5, 1.0, 0.5)


def test_field_counts_null_rules_and_agents_as_sets() -> None:
    g = gold(
        "1",
        patients=[
            {
                "age_years": 70,
                "sex": "female",
                "anticoagulant_agents": ["warfarin", "heparin"],
                "hypertension": None,
                "outcome": "death",
            }
        ],
    )
    p = {
        "pmid": "1",
        "screening": {"include": True},
        "patients": [
            {
                "age_years": 70.3,
                "sex": "male",
                "anticoagulant_agents": ["Warfarin", "apixaban"],
                "hypertension": True,
                "outcome": None,
            }
        ],
    }
    r = score([g], [p])
    f = r.fields
    assert (f["age_years"].tp, f["age_years"].fp, f["age_years"].fn) == (1, 0, 0)
    assert (f["sex"].tp, f["sex"].fp, f["sex"].fn) == (0, 1, 1)  # wrong value: FP and FN
    assert (f["hypertension"].fp, f["hypertension"].n_gold) == (1, 0)  # null gold, value predicted
    assert (f["outcome"].fn, f["outcome"].fp) == (1, 0)  # null prediction: a miss
    agents = f["anticoagulant_agents"]
    assert (agents.tp, agents.fp, agents.fn) == (1, 1, 1)
    assert agents.precision == 0.5 and agents.recall == 0.5
    assert {e.field for e in r.errors} == {"sex", "hypertension", "outcome", "anticoagulant_agents"}


def test_excluded_gold_records_are_not_scored_for_fields() -> None:
    g = gold("1", False, "traumatic", patients=[{"age_years": 40}])
    p = {
        "pmid": "1",
        "screening": {"include": False, "reason": "traumatic"},
        "patients": [{"age_years": 99}],
    }
    r = score([g], [p])
    assert r.fields["age_years"].fp == 0 and r.patient_count_accuracy is None


def test_alignment_by_age_and_sex_then_order_and_unmatched_patients() -> None:
    golds = [{"age_years": 45, "sex": "male"}, {"age_years": 70, "sex": "female"}]
    preds = [
        {"age_years": 70, "sex": "female"},
        {"age_years": 20, "sex": "male"},
        {"age_years": 1, "sex": None},
    ]
    pairs = align(golds, preds)
    assert (1, 0) in pairs and (0, 1) in pairs and (None, 2) in pairs
    r = score(
        [gold("1", patients=golds)],
        [{"pmid": "1", "screening": {"include": True}, "patients": preds}],
    )
    assert r.patient_count_accuracy == 0.0
    assert r.fields["age_years"].fp == 2  # 20 vs 45, and the unmatched extra patient
    assert align([{"age_years": 1}], [{"age_years": 99}]) == [(0, 0)]  # 1:1 whatever the values


def test_missing_prediction_counts_as_misses() -> None:
    r = score([gold("1", patients=[{"sex": "male"}])], [])
    assert r.missing_predictions == ["1"] and r.fields["sex"].fn == 1 and r.sensitivity == 0.0


def test_cli_with_pred_file_text_and_json(tmp_path: Path) -> None:
    g = tmp_path / "gold.jsonl"
    p = tmp_path / "pred.jsonl"
    g.write_text(json.dumps(gold("1", patients=[{"sex": "male", "age_years": 50}])) + "\n")
    p.write_text(
        json.dumps(
            {
                "pmid": "1",
                "screening": {"include": True, "reason": "sseh_case"},
                "patients": [{"sex": "male", "age_years": 51}],
            }
        )
        + "\n"
    )
    result = CliRunner().invoke(cli, ["evaluate", "--gold", str(g), "--pred", str(p)])
    assert result.exit_code == 0, result.output
    assert "age_years" in result.output and "expected=50" in result.output
    result = CliRunner().invoke(cli, ["evaluate", "--gold", str(g), "--pred", str(p), "--json"])
    data = json.loads(result.output)
    assert data["fields"]["sex"]["f1"] == 1.0 and data["fields"]["age_years"]["tp"] == 0


def test_cli_gold_alone_annotates_the_inputs(tmp_path: Path) -> None:
    g = tmp_path / "gold.jsonl"
    rec = gold("7", patients=[{"age_years": 62, "sex": "female"}])
    rec.update(
        title="Synthetic case",
        abstract="A 62-year-old woman had an epidural hematoma.",
        notes="not an input key",
    )
    g.write_text(json.dumps(rec) + "\n")
    result = CliRunner().invoke(cli, ["evaluate", "--gold", str(g), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fields"]["age_years"]["tp"] == 1 and data["patient_count_accuracy"] == 1.0


def test_cli_bad_gold_line_is_a_clear_error(tmp_path: Path) -> None:
    g = tmp_path / "gold.jsonl"
    g.write_text("{broken\n")
    result = CliRunner().invoke(cli, ["evaluate", "--gold", str(g), "--pred", str(g)])
    assert result.exit_code == 1 and "gold.jsonl:1: not valid JSON" in result.output
