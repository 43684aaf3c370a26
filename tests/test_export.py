"""Export: every file written, dataset.csv equals the current dataset, RIS, manifest, codebook.

The corpus is synthetic (tests/export_helpers.py); the current dataset is the real
``sseh_lit.dataset.iter_patients`` over it, with a reviewer-corrected value and a reviewer-set
label holding a comma, a quote and a newline.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rispy
from click.testing import CliRunner
from export_helpers import (
    FORMULA_LABEL,
    TRICKY_EVIDENCE,
    TRICKY_LABEL,
    assert_dataset_equals,
    build_corpus,
    prisma_stub,
)
from hypothesis import given
from hypothesis import strategies as st

from sseh_lit.cli import cli
from sseh_lit.errors import SsehLitError
from sseh_lit.export import FILES, _extractor_version, cell, export, unneutralise


@pytest.fixture(autouse=True)
def _prisma(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = prisma_stub()
    if stub is not None:
        monkeypatch.setitem(sys.modules, "sseh_lit.prisma", stub)


@pytest.fixture
def corpus(db_path: Path) -> Path:
    build_corpus(db_path).conn.close()
    return db_path


@pytest.fixture
def exported(corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", "--db", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _read_dataset(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "dataset.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def test_export_writes_every_file(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (exported / name).stat().st_size > 0, name


def test_dataset_csv_equals_the_current_dataset(corpus: Path, exported: Path) -> None:
    assert assert_dataset_equals(exported / "dataset.csv", corpus) == 5


def test_reviewer_values_and_tricky_text_survive(exported: Path) -> None:
    frame = _read_dataset(exported).set_index(["pmid", "patient"])
    corrected = frame.loc[("90000001", "1")]
    assert corrected["outcome"] == "partial_recovery"
    assert corrected["outcome_source"] == "reviewer"
    assert corrected["journal"] == 'Synthetic Journal, "Spine" edition'
    assert corrected["first_author"] == "Doe J"
    assert corrected["doi"] == "10.9999/synthetic.1"
    added = frame.loc[("90000003", "2")]
    assert added["label"] == TRICKY_LABEL
    assert added["origin"] == "reviewer"
    assert added["sex_source"] == "reviewer"
    # the same file through the csv module
    with (exported / "dataset.csv").open(encoding="utf-8", newline="") as fh:
        labels = [r["label"] for r in csv.DictReader(fh)]
    assert TRICKY_LABEL in labels
    with (exported / "evidence.csv").open(encoding="utf-8", newline="") as fh:
        evidence = list(csv.DictReader(fh))
    assert TRICKY_EVIDENCE in {r["evidence"] for r in evidence}
    reviewer_rows = [r for r in evidence if r["source"] == "reviewer" and r["field"] == "outcome"]
    assert [(json.loads(r["value"]), json.loads(r["machine_value"])) for r in reviewer_rows] == [
        ("partial_recovery", "complete_recovery")
    ]


def test_raw_csv_is_rfc4180(exported: Path) -> None:
    raw = (exported / "dataset.csv").read_bytes()
    raw.decode("utf-8")
    header, _, body = raw.partition(b"\r\n")
    assert b"\n" not in header and body.endswith(b"\r\n")
    assert b'"Case 2, the ""twin""\nsecond line"' in raw  # quoted, quotes doubled, LF kept


def test_agents_grades_numbers_and_derived_columns(exported: Path) -> None:
    row = _read_dataset(exported).set_index(["pmid", "patient"]).loc[("90000001", "1")]
    assert row["anticoagulant_agents"] == "warfarin"
    assert row["anticoagulant"] == "true"
    assert row["hypertension"] == ""  # unknown is not no
    assert (row["preop_grade_scale"], row["preop_grade_grade"]) == ("ASIA", "C")
    assert row["time_to_surgery_hours"] == "10.5" and row["age_years"] == "67"
    assert (row["segments"], row["region"], row["compression"]) == ("4", "thoracic", "cord")
    assert row["segments_source"] == "derived"


def test_excluded_records_and_studies(exported: Path) -> None:
    frame = _read_dataset(exported)
    assert "90000005" not in set(frame["pmid"])
    studies = pd.read_csv(exported / "studies.csv", dtype=str, keep_default_na=False)
    assert list(studies["pmid"]) == ["90000001", "90000002", "90000003", "90000004"]
    assert list(studies["n_patients"]) == ["1", "2", "2", "0"]


def test_formula_cells_are_neutralised_in_the_file(exported: Path) -> None:
    frame = _read_dataset(exported)
    labels = set(frame["label"])
    assert "'" + FORMULA_LABEL in labels and FORMULA_LABEL not in labels


@pytest.mark.parametrize(
    ("value", "numeric", "written"),
    [
        ("=1+1", False, "'=1+1"),
        ("+44 20 7946 0000", False, "'+44 20 7946 0000"),
        ("-rf", False, "'-rf"),
        ("@SUM(A1)", False, "'@SUM(A1)"),
        ("\tx", False, "'\tx"),
        ("'=already", False, "''=already"),
        ("-0.5", False, "-0.5"),  # a genuine number is read as a number, not run
        ("+3", False, "+3"),
        ("-0.5", True, "-0.5"),
        (-0.5, True, "-0.5"),
        (-2, False, "-2"),
        (65.0, True, "65"),
        ("it's fine", False, "it's fine"),
        ("a = b", False, "a = b"),
        (True, False, "true"),
        (None, True, ""),
        (["warfarin", "aspirin"], False, "warfarin;aspirin"),
    ],
)
def test_cell_formatting(value: Any, numeric: bool, written: str) -> None:
    assert cell(value, numeric=numeric) == written
    if isinstance(value, str):
        assert unneutralise(written) == value


def test_ris_parses_with_rispy(exported: Path) -> None:
    with (exported / "studies.ris").open(encoding="utf-8") as fh:
        entries = rispy.load(fh)
    assert [e["accession_number"] for e in entries] == [
        "90000001",
        "90000002",
        "90000003",
        "90000004",
    ]
    first = entries[0]
    assert first["type_of_reference"] == "JOUR"
    assert first["authors"] == ["Doe, J", "Roe, RA"]
    assert first["doi"] == "10.9999/synthetic.1"
    assert first["year"] == "2019"
    assert first["urls"] == ["https://pubmed.ncbi.nlm.nih.gov/90000001/"]
    assert "newline" not in first["abstract"] and "\n" not in entries[1]["abstract"]


def test_manifest_hashes_and_counts(corpus: Path, exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text("utf-8"))
    assert set(manifest["files"]) == set(FILES) - {"manifest.json"}
    for name, info in manifest["files"].items():
        assert hashlib.sha256((exported / name).read_bytes()).hexdigest() == info["sha256"], name
    assert manifest["row_counts"]["dataset.csv"] == 5
    assert manifest["row_counts"]["corrections.csv"] == 4  # correct, add_patient, 2 values
    assert manifest["profile"]["name"] == "all"
    assert manifest["database"] == str(corpus.resolve())
    assert manifest["tool"]["name"] == "sseh-lit" and manifest["tool"]["version"]
    assert manifest["extractor_versions_in_db"] == ["test-extractor-1"]
    [query] = manifest["queries"]
    assert (query["query_name"], query["query_version"], query["last_search_date"]) == (
        "sseh",
        "1",
        "2026-11-01",
    )


def test_codebook_covers_every_column(exported: Path) -> None:
    with (exported / "codebook.csv").open(encoding="utf-8", newline="") as fh:
        book = {(r["file"], r["column"]): r for r in csv.DictReader(fh)}
    for name in ("dataset.csv", "evidence.csv", "corrections.csv", "studies.csv"):
        with (exported / name).open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        missing = [c for c in header if (name, c) not in book]
        assert not missing, f"{name}: no codebook row for {missing}"
    assert book[("dataset.csv", "sex")]["allowed"] == "male; female"
    assert book[("dataset.csv", "age_years")]["unit"] == "years"
    md = (exported / "codebook.md").read_text("utf-8")
    assert "| preop_grade_scale |" in md


def test_corrections_csv_is_the_log(exported: Path) -> None:
    with (exported / "corrections.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["action"] for r in rows] == ["correct", "add_patient", "correct", "correct"]
    assert json.loads(rows[0]["new_value"]) == "partial_recovery"
    assert rows[0]["reason"] == "weakness left"


def test_bakker_profile_filters(corpus: Path, tmp_path: Path) -> None:
    summary = export(corpus, profile="bakker2015", out_dir=tmp_path / "b")
    frame = _read_dataset(summary.out_dir)
    # surgical, not pregnant, no coagulopathy, preop grade and outcome known: only the man
    assert list(zip(frame["pmid"], frame["patient"], strict=True)) == [
        ("90000001", "1"),
        ("90000002", "1"),
    ]
    studies = pd.read_csv(summary.files["studies.csv"], dtype=str)
    assert list(studies["pmid"]) == ["90000001", "90000002"]
    manifest = json.loads(summary.manifest.read_text("utf-8"))
    assert manifest["profile"]["name"] == "bakker2015"


def test_duplicate_columns(exported: Path) -> None:
    frame = _read_dataset(exported).set_index(["pmid", "patient"])
    assert frame.loc[("90000002", "1"), "duplicate_of"] == "90000001:1"
    assert frame.loc[("90000002", "1"), "flag_probable_duplicate"] == "true"
    assert frame.loc[("90000001", "1"), "duplicate_of"] == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--profile", "nope"], 1, "known profiles: all, bakker2015"),
        (["--db", "/nonexistent/x.db"], 1, "no corpus database"),
    ],
)
def test_export_cli_errors(
    corpus: Path, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = CliRunner().invoke(cli, ["export", "--db", str(corpus), "--out", str(tmp_path), *args])
    assert result.exit_code == code
    assert message in result.output


def test_failed_export_keeps_the_previous_one(
    corpus: Path, exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in exported.iterdir()}

    def broken() -> str:
        raise OSError("disk full")

    monkeypatch.setattr("sseh_lit.export.codebook_markdown", broken)
    with pytest.raises(SsehLitError, match="disk full"):
        export(corpus, out_dir=exported)
    assert {p.name: p.read_bytes() for p in exported.iterdir()} == before


def test_unwritable_output_folder(corpus: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--db", str(corpus), "--out", str(blocker / "x")])
    assert result.exit_code == 1
    assert "cannot write to output folder" in result.output


@given(st.text())
def test_neutralise_is_reversible_and_safe(text: str) -> None:
    written = cell(text)
    assert unneutralise(written) == text
    risky = written[:1] in ("=", "+", "-", "@", "\t", "\r")
    assert not risky or re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", written)


def test_extractor_version_without_importing_spacy(monkeypatch: pytest.MonkeyPatch) -> None:
    from sseh_lit.extract import EXTRACTOR_VERSION

    for name in ("sseh_lit.extract.storage", "sseh_lit.extract.core", "sseh_lit.extract"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert _extractor_version() == EXTRACTOR_VERSION
    assert "sseh_lit.extract.core" not in sys.modules
