"""Damaged, foreign or missing database files give a one-line error and exit 1, never a traceback.

The DBs here are built from the synthetic parser fixtures (tests/fixtures/pubmed).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit import demo
from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.screen import screen_db

SYNTHETIC = Path(__file__).parent / "fixtures" / "pubmed"


def _built(db_path: Path) -> Path:
    demo.build_demo_corpus(db_path, SYNTHETIC)
    db = connect(db_path)
    screen_db(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return db_path


def _damage_the_records(db_path: Path) -> None:
    """Overwrite the body of every page holding record text (the schema pages stay readable)."""
    data = bytearray(db_path.read_bytes())
    page = 4096
    for start in range(page, len(data), page):
        body = data[start : start + page]
        if b"pidural" in body and b"CREATE" not in body:
            data[start + 8 : start + page - 8] = b"\xff" * (page - 16)
    db_path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "args",
    [
        ["screen", "--all"],
        ["prisma", "--out", "OUT"],
        ["show", "99000001"],
        ["review-stats"],
    ],
    ids=lambda a: a[0],
)
def test_a_damaged_database_is_a_one_line_error(tmp_path: Path, args: list[str]) -> None:
    db_path = _built(tmp_path / "corpus.db")
    _damage_the_records(db_path)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "malformed" in last


@pytest.mark.parametrize(
    "args",
    [
        ["screen"],
        ["show", "99000001"],
        ["history", "99000001"],
        ["prisma", "--out", "OUT"],
        ["refresh"],
        ["demo", "--out", "OUT"],
    ],
    ids=lambda a: a[0],
)
def test_a_database_from_a_newer_version_is_refused_untouched(
    tmp_path: Path, args: list[str]
) -> None:
    db_path = _built(tmp_path / "corpus.db")
    db = connect(db_path)
    db["_migrations"].insert({"name": "999_from_the_future", "applied_at": "2030-01-01T00:00:00Z"})
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    before = db_path.read_bytes()
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    last = result.output.strip().splitlines()[-1]
    assert last == (
        f"Error: {db_path} was written by a newer sseh-lit (schema migration 999_from_the_future "
        "is unknown to this version); upgrade sseh-lit to use it"
    )
    assert db_path.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ["show", "99000001"],
        ["history", "99000001"],
        ["review-stats"],
        ["reviewer", "list"],
        shlex.split(
            "correct 99000001 --patient 1 --field age_years --value 40 --reason t --reviewer a"
        ),
        ["resolve-flag", "1", "--reviewer", "ann"],
        ["screen"],
        ["extract"],
        ["export", "--out", "OUT"],
        ["analyze", "--out", "OUT"],
        ["prisma", "--out", "OUT"],
        ["serve", "--port", "8765"],
    ],
    ids=lambda a: "-".join(a[:2]) if a[0] == "reviewer" else a[0],
)
def test_a_mistyped_db_path_is_an_error_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("serve started"))
    db_path = tmp_path / "typo" / "corpus.db"
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"Error: no corpus database at {db_path}; build one with `sseh-lit refresh` or "
        "`sseh-lit demo`"
    )
    assert not (tmp_path / "typo").exists()
