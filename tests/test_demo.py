"""The demo corpus loader and ``sseh-lit demo`` (offline, same parse + upsert path as refresh)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit import demo
from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.errors import ConfigError

SYNTHETIC = Path(__file__).parent / "fixtures" / "pubmed"


def test_build_demo_corpus_stores_records_and_a_run(db_path: Path) -> None:
    summary = demo.build_demo_corpus(db_path, SYNTHETIC)
    assert summary.files == 6
    assert summary.records == 7 and summary.new == 7
    # three malformed records and the truncated file are reported, not fatal
    assert summary.failed == 4
    assert any("broken_truncated.xml" in e and "not well-formed" in e for e in summary.errors)
    db = connect(db_path)
    (run,) = db["refresh_runs"].rows
    assert (run["query_name"], run["mode"], run["status"], run["new"]) == ("demo", "demo", "ok", 7)
    hits = {r["pmid"] for r in db["search_hits"].rows}
    assert {"99000001", "99000020", "99000011"} <= hits  # withdrawn PMIDs count as identified
    assert db["articles"].get("99000001")["source"] == "demo"
    assert db.execute("SELECT COUNT(*) FROM failed_records").fetchone()[0] == 4
    db.conn.close()


def test_build_demo_corpus_is_idempotent(db_path: Path) -> None:
    demo.build_demo_corpus(db_path, SYNTHETIC)
    again = demo.build_demo_corpus(db_path, SYNTHETIC)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)


def test_demo_soft_deletes_withdrawn_records(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    shutil.copy(SYNTHETIC / "medline_date.xml", folder)
    demo.build_demo_corpus(db_path, folder)
    (folder / "zz_withdrawn.xml").write_text(
        "<PubmedArticleSet><DeleteCitation><PMID>99000002</PMID></DeleteCitation></PubmedArticleSet>"
    )
    summary = demo.build_demo_corpus(db_path, folder)
    assert summary.deleted == 1
    db = connect(db_path)
    assert db["articles"].get("99000002")["status"] == "deleted"
    db.conn.close()


def test_demo_files_come_from_corpus_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "corpus_demo"
    bundled.mkdir()
    monkeypatch.setattr(demo, "demo_corpus_dir", lambda: bundled)
    with pytest.raises(ConfigError, match="holds no"):
        demo.demo_files()
    shutil.copy(SYNTHETIC / "inline_markup.xml", bundled / "b.xml")
    shutil.copy(SYNTHETIC / "inline_markup.xml", bundled / "a.xml")
    assert demo.demo_files() == (bundled, [bundled / "a.xml", bundled / "b.xml"])


def test_empty_explicit_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no"):
        demo.demo_files(tmp_path)


def test_cli_demo(tmp_path: Path) -> None:
    db_path, out = tmp_path / "demo.db", tmp_path / "out"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("corpus: ")
    for stage in ("screen:", "extract:", "duplicates:", "export:", "analyze:", "report:"):
        assert f"\n{stage}" in result.output, stage
    for name in (
        "dataset.csv",
        "codebook.csv",
        "prisma.json",
        "manifest.json",
        "analysis/report.html",
    ):
        assert (out / name).is_file(), name
    assert db_path.exists()
    db = connect(db_path)
    assert db.execute("SELECT COUNT(*) FROM articles WHERE status = 'active'").fetchone()[0] > 0
    db.conn.close()


def test_bundled_demo_corpus_text_matches_its_expected_file(db_path: Path) -> None:
    """Stored title/abstract are byte-identical to corpus/demo/expected.jsonl (offsets line up)."""
    import json

    folder, _files = demo.demo_files()
    expected_path = folder / "expected.jsonl"
    assert expected_path.exists(), "corpus/demo/expected.jsonl is part of the demo corpus"
    summary = demo.build_demo_corpus(db_path)
    assert summary.failed == 0
    expected = [json.loads(line) for line in expected_path.read_text().splitlines() if line]
    db = connect(db_path)
    for record in expected:
        row = db["articles"].get(record["pmid"])
        assert row["title"] == record["title"], record["pmid"]
        assert (row["abstract"] or "") == (record["abstract"] or ""), record["pmid"]
        assert row["year"] == record["year"], record["pmid"]
    deleted = [r[0] for r in db.execute("SELECT pmid FROM articles WHERE status = 'deleted'")]
    db.conn.close()
    assert summary.deleted == len(deleted) >= 1


def _out_is_a_file(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.write_text("a file, not a folder\n", encoding="utf-8")
    return out


def _out_below_a_file(tmp_path: Path) -> Path:
    return _out_is_a_file(tmp_path) / "demo"


@pytest.mark.parametrize(
    ("make_out", "exit_code", "message"),
    [
        (_out_is_a_file, 2, "Error: Invalid value for '--out'"),  # click checks this one
        (_out_below_a_file, 1, "Error: cannot create the demo output folder"),
    ],
)
def test_cli_demo_bad_out_folder_is_one_line_error(
    tmp_path: Path, make_out: Callable[[Path], Path], exit_code: int, message: str
) -> None:
    out = make_out(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "d.db"), "--out", str(out)])
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught OSError
    assert result.output.strip().splitlines()[-1].startswith(message)


@pytest.mark.parametrize(("source", "refused"), [("pubmed", True), ("file", True), ("demo", False)])
def test_demo_never_writes_into_a_real_corpus(tmp_path: Path, source: str, refused: bool) -> None:
    db_path = tmp_path / "corpus.db"
    demo.build_demo_corpus(db_path, SYNTHETIC)
    db = connect(db_path)
    db.execute("update articles set source = ? where pmid = '99000001'", [source])
    runs_before = db.execute("select count(*) from refresh_runs").fetchone()[0]
    result = CliRunner().invoke(cli, ["demo", "--db", str(db_path), "--out", str(tmp_path / "o")])
    runs_after = db.execute("select count(*) from refresh_runs").fetchone()[0]
    if refused:
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines()[-1] == (
            f"Error: {db_path} holds records that are not from the demo corpus (1); the demo "
            "builds its own database of synthetic records: choose another --db "
            "(e.g. outputs/demo.db)"
        )
        assert runs_after == runs_before
    else:
        assert runs_after == runs_before + 1
