"""The refresh lock: a lock file that cannot be created is a clear error, never a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit.cli import cli
from sseh_lit.errors import DatabaseError, LockHeldError
from sseh_lit.lock import hold_lock, lock_path


def _parent_is_a_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the DB folder should be\n", encoding="utf-8")
    return blocker / "corpus.db"


def _lock_is_a_folder(tmp_path: Path) -> Path:
    db_path = tmp_path / "corpus.db"
    lock_path(db_path, "refresh").mkdir()
    return db_path


SETUPS = pytest.mark.parametrize(
    "make_db_path", [_parent_is_a_file, _lock_is_a_folder], ids=["parent-is-file", "lock-is-dir"]
)


@SETUPS
def test_hold_lock_raises_a_database_error(
    tmp_path: Path, make_db_path: Callable[[Path], Path]
) -> None:
    db_path = make_db_path(tmp_path)
    with (
        pytest.raises(DatabaseError, match="cannot create the refresh lock file"),
        hold_lock(db_path, "refresh"),
    ):
        pass


@SETUPS
@pytest.mark.parametrize("command", [["refresh"], ["demo", "--out", "OUT"]])
def test_cli_reports_the_lock_file_in_one_line(
    tmp_path: Path, make_db_path: Callable[[Path], Path], command: list[str]
) -> None:
    db_path = make_db_path(tmp_path)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    result = CliRunner().invoke(cli, [*args, "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught OSError
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: cannot create the refresh lock file")


def _symlink(tmp_path: Path, real: Path) -> Path:
    link = tmp_path / "link.db"
    link.symlink_to(real)
    return link


def _symlinked_folder(tmp_path: Path, real: Path) -> Path:
    folder = tmp_path / "linked-folder"
    folder.symlink_to(real.parent, target_is_directory=True)
    return folder / real.name


def _relative(tmp_path: Path, real: Path) -> Path:
    return Path(os.path.relpath(real))


@pytest.mark.parametrize("other_path", [_symlink, _symlinked_folder, _relative])
def test_one_db_reached_by_two_paths_shares_one_lock(
    tmp_path: Path, other_path: Callable[[Path, Path], Path]
) -> None:
    real = tmp_path / "data" / "corpus.db"
    real.parent.mkdir()
    real.touch()
    other = other_path(tmp_path, real)
    with (
        hold_lock(real, "refresh"),
        pytest.raises(LockHeldError, match="another refresh is running"),
        hold_lock(other, "refresh"),
    ):
        pass
