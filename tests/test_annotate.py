"""File mode: `sseh-lit annotate IN.jsonl OUT.jsonl` (SYNTHETIC records written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit.annotate import annotate
from sseh_lit.cli import cli
from sseh_lit.fields import DERIVED_FIELDS, EXTRACTED_FIELDS

CASE = {
    "pmid": "900001",
    "title": "Synthetic spontaneous cervical epidural hematoma",
    "abstract": "A 70-year-old woman on warfarin developed neck pain and tetraparesis. MRI showed "
    "a dorsal epidural hematoma from C3 to C6. She underwent laminectomy and recovered fully.",
    "journal": "Synthetic J",
    "year": 2021,
    "publication_types": ["Case Reports"],
}
SUBDURAL = {
    "pmid": "X-10.9999_synthetic.2",
    "title": "Synthetic spinal subdural hematoma after a fall",
    "abstract": "A 50-year-old man fell from a ladder and developed a spinal subdural hematoma at "
    "T10 after a vertebral fracture. He underwent laminectomy.",
    "journal": None,
    "year": None,
    "publication_types": [],
}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_record_with_schema_field_names(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [json.dumps(CASE), json.dumps(SUBDURAL)])
    summary = annotate(src, tmp_path / "out.jsonl")
    assert (summary.read, summary.written, summary.skipped) == (2, 2, [])
    out = _read(tmp_path / "out.jsonl")
    assert [o["pmid"] for o in out] == ["900001", "X-10.9999_synthetic.2"]
    case = out[0]
    assert set(case["screening"]) == {"include", "reason"}
    patient = case["patients"][0]
    assert set(EXTRACTED_FIELDS) | set(DERIVED_FIELDS) <= set(patient)
    assert (patient["age_years"], patient["sex"], patient["level_upper"]) == (70, "female", "C3")
    assert patient["anticoagulant_agents"] == ["warfarin"] and patient["hypertension"] is None
    assert case["evidence"][0]["age_years"].startswith("A 70-year-old woman")
    # patients are extracted whatever screening decides
    assert out[1]["patients"] and out[1]["patients"][0]["age_years"] == 50


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"title": "no pmid", "abstract": "x"}), "no pmid"),
        (json.dumps({"pmid": "", "title": "empty pmid"}), "no pmid"),
    ],
)
def test_bad_lines_are_reported_and_skipped(tmp_path: Path, line: str, why: str) -> None:
    src = _write(tmp_path / "in.jsonl", [json.dumps(CASE), line, json.dumps(SUBDURAL)])
    result = CliRunner().invoke(cli, ["annotate", str(src), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert "line 2" in result.stderr and why in result.stderr
    assert [o["pmid"] for o in _read(tmp_path / "out.jsonl")] == ["900001", "X-10.9999_synthetic.2"]


def test_odd_but_valid_values_do_not_crash(tmp_path: Path) -> None:
    odd = {"pmid": 12345, "title": None, "abstract": None, "publication_types": "Case Reports"}
    src = _write(tmp_path / "in.jsonl", [json.dumps(odd), "", json.dumps(CASE)])
    annotate(src, tmp_path / "out.jsonl")
    out = _read(tmp_path / "out.jsonl")
    assert out[0]["pmid"] == "12345" and len(out) == 2


def test_missing_input_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["annotate", str(tmp_path / "nope.jsonl"), "out.jsonl"])
    assert result.exit_code == 2


def test_a_screening_failure_falls_back_instead_of_losing_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sseh_lit.screen

    def broken(record):
        raise RuntimeError("synthetic screening bug")

    monkeypatch.setattr(sseh_lit.screen, "screen_reason", broken)
    src = _write(tmp_path / "in.jsonl", [json.dumps(CASE)])
    annotate(src, tmp_path / "out.jsonl")
    out = _read(tmp_path / "out.jsonl")
    assert out[0]["screening"] == {"include": True, "reason": "sseh_case"}
    assert out[0]["patients"][0]["age_years"] == 70


@pytest.mark.parametrize("stage", ["planning", "clinical"])
def test_an_extraction_failure_skips_only_that_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    import sseh_lit.extract.clinical as clinical
    import sseh_lit.extract.core as core

    if stage == "planning":  # the first per-record stage of a batch
        real_plan = core.plan_doc

        def flaky_plan(doc, record, text=None):
            if record["pmid"] == "900001":
                raise ValueError("synthetic extractor bug")
            return real_plan(doc, record, text)

        monkeypatch.setattr(core, "plan_doc", flaky_plan)
    else:  # a later, per-patient stage, run after every record of the batch is planned
        real_clinical = clinical.extract

        def flaky_clinical(sents):
            if any("tetraparesis" in info.text for info in sents):  # only in CASE
                raise ValueError("synthetic extractor bug")
            return real_clinical(sents)

        monkeypatch.setattr(clinical, "extract", flaky_clinical)
    src = _write(tmp_path / "in.jsonl", [json.dumps(CASE), json.dumps(SUBDURAL)])
    result = CliRunner().invoke(cli, ["annotate", str(src), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert "record 900001: extraction failed (ValueError" in result.stderr
    assert [o["pmid"] for o in _read(tmp_path / "out.jsonl")] == ["X-10.9999_synthetic.2"]


def test_the_collector_threshold_is_raised_only_while_annotating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from sseh_lit import annotate as annotate_module

    seen: list[int] = []
    real = annotate_module.screen

    def spy(record: dict) -> dict:
        seen.append(gc.get_threshold()[0])
        return real(record)

    monkeypatch.setattr(annotate_module, "screen", spy)
    before = gc.get_threshold()
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(CASE) + "\n", encoding="utf-8")
    annotate(src, tmp_path / "out.jsonl")
    assert seen == [max(before[0], annotate_module.GEN0_THRESHOLD)]
    assert gc.get_threshold() == before
    gc.set_threshold(0)  # collection off stays off
    try:
        seen.clear()
        annotate(src, tmp_path / "out.jsonl")
        assert seen == [0]
    finally:
        gc.set_threshold(*before)


def test_encode_line_is_json_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    from sseh_lit import annotate as annotate_module

    line = {
        "pmid": "1",
        "screening": {"include": True, "reason": "sseh_case"},
        "patients": [{"label": "Case 1", "age": 70, "x": 0.1 + 0.2, "y": None, "z": ["a", "b"]}],
        "evidence": [{"age": 'é "quoted" \\ ſ\u2028\n\t\x00 – nbsp\u00a0'}],
        "odd": [float("nan"), float("inf"), 1e300, -0.0, False],
    }
    want = json.dumps(line, ensure_ascii=False)
    assert annotate_module.encode_line(line) == want
    monkeypatch.setattr(annotate_module, "_C_ENCODE", None)  # no C accelerator
    assert annotate_module.encode_line(line) == want
