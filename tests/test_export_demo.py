"""Export on the demo DB (bundled synthetic corpus → screen → extract → reviewer acts)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
import rispy
from click.testing import CliRunner
from export_helpers import TRICKY_LABEL, assert_dataset_equals

from sseh_lit.cli import cli
from sseh_lit.dataset import iter_patients
from sseh_lit.db import connect
from sseh_lit.demo import build_demo_corpus
from sseh_lit.export import FILES
from sseh_lit.extract import EXTRACTOR_VERSION
from sseh_lit.extract.storage import extract_db
from sseh_lit.review import corrections, reviewers
from sseh_lit.screen import screen_db


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo DB with a corrected value and a reviewer-added patient, and its export."""
    root = tmp_path_factory.mktemp("demo")
    db_path = root / "demo.db"
    build_demo_corpus(db_path)
    db = connect(db_path)
    screen_db(db)
    extract_db(db)
    reviewers.add_reviewer(db, "ann", "correct horse battery")
    first = next(iter_patients(db))
    current = first.values["hypertension"].value
    corrections.correct(
        db,
        first.pmid,
        first.patient,
        "hypertension",
        not current if current is not None else True,
        reviewer="ann",
        reason="stated in the discussion",
    )
    corrections.add_patient(
        db,
        first.pmid,
        reviewer="ann",
        reason="missed",
        label=TRICKY_LABEL,
        values={"age_years": 50},
    )
    db.conn.close()
    out = root / "out"
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return db_path, out


def test_every_file_is_written(demo: tuple[Path, Path]) -> None:
    _, out = demo
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


def test_dataset_equals_current_dataset(demo: tuple[Path, Path]) -> None:
    db_path, out = demo
    assert assert_dataset_equals(out / "dataset.csv", db_path) > 10
    with (out / "dataset.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["hypertension_source"] == "reviewer" for r in rows)
    assert [r["origin"] for r in rows if r["label"] == TRICKY_LABEL] == ["reviewer"]


def test_ris_and_manifest(demo: tuple[Path, Path]) -> None:
    _, out = demo
    with (out / "studies.ris").open(encoding="utf-8") as fh:
        entries = rispy.load(fh)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(entries) == manifest["row_counts"]["studies.csv"] > 0
    for name, info in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == info["sha256"]
    assert manifest["extractor_version"] == EXTRACTOR_VERSION
    assert [q["query_name"] for q in manifest["queries"]] == ["demo"]
    prisma = json.loads((out / "prisma.json").read_text("utf-8"))
    assert prisma


def test_planted_duplicate_is_flagged(demo: tuple[Path, Path]) -> None:
    """corpus/demo/README.md: 90000043 Case 1 re-reports the patient of 90000021."""
    _, out = demo
    with (out / "dataset.csv").open(encoding="utf-8", newline="") as fh:
        linked = {
            f"{r['pmid']}:{r['patient']}": r["duplicate_of"]
            for r in csv.DictReader(fh)
            if r["duplicate_of"]
        }
    assert linked == {"90000043:1": "90000021:1"}
