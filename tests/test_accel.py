"""The compiled (Cython) copies of the hot modules: used only when fresh, and the same results.

``setup.py`` compiles the modules of ``sseh_lit._accel.MODULES`` and stamps each compiled file
with the digest of its source; ``StampedFinder`` imports a compiled module only when the stamp
matches the source beside it. These tests check the finder on a folder of their own, and that
``sseh-lit annotate`` writes byte-identical output compiled and from source.
"""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sseh_lit import _accel

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
NAME = "sseh_lit.regex_gate"  # any module of MODULES: the finder never imports in these tests


def _folder(tmp_path: Path, *, compiled: bool, stamp: str | None) -> Path:
    """A folder with ``regex_gate.py``, optionally a (dummy) compiled file and its stamp."""
    source = tmp_path / "regex_gate.py"
    source.write_text("X = 1\n", encoding="utf-8")
    if compiled:
        binary = tmp_path / f"regex_gate{SUFFIX}"
        binary.write_bytes(b"\x7fELF not really")
        if stamp is not None:
            _accel.stamp_of(binary).write_text(stamp + "\n")
    return tmp_path


def _loader(folder: Path) -> type:
    spec = _accel.StampedFinder().find_spec(NAME, [str(folder)])
    assert spec is not None and spec.loader is not None
    return type(spec.loader)


@pytest.mark.parametrize(
    ("compiled", "stamp", "why"),
    [
        (False, None, "no compiled file"),
        (True, None, "a compiled file without a stamp (a failed or interrupted build)"),
        (True, "0" * 64, "a stamp of another source (the source was edited since the build)"),
        (True, "", "an empty stamp"),
    ],
)
def test_otherwise_the_source_is_imported(
    tmp_path: Path, compiled: bool, stamp: str | None, why: str
) -> None:
    folder = _folder(tmp_path, compiled=compiled, stamp=stamp)
    assert _loader(folder) is importlib.machinery.SourceFileLoader, why


def test_a_compiled_file_is_imported_while_fresh_only(tmp_path: Path) -> None:
    folder = _folder(tmp_path, compiled=True, stamp=None)
    source = folder / "regex_gate.py"
    stamp = _accel.stamp_of(folder / f"regex_gate{SUFFIX}")
    stamp.write_text(_accel.source_digest(source))
    assert _loader(folder) is importlib.machinery.ExtensionFileLoader
    source.write_text("X = 2\n", encoding="utf-8")
    assert _loader(folder) is importlib.machinery.SourceFileLoader


def test_pure_env_imports_the_source_even_when_fresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, compiled=True, stamp=None)
    stamp = _accel.stamp_of(folder / f"regex_gate{SUFFIX}")
    stamp.write_text(_accel.source_digest(folder / "regex_gate.py"))
    monkeypatch.setenv(_accel.PURE_ENV, "1")
    assert _loader(folder) is importlib.machinery.SourceFileLoader


def test_other_modules_are_left_to_the_usual_finders(tmp_path: Path) -> None:
    finder = _accel.StampedFinder()
    assert finder.find_spec("sseh_lit.cli", [str(ROOT / "sseh_lit")]) is None
    assert finder.find_spec("json", None) is None
    assert finder.find_spec(NAME, [str(tmp_path)]) is None  # no source there


def test_every_listed_module_has_a_source() -> None:
    for name in _accel.MODULES:
        assert (ROOT / Path(*name.split("."))).with_suffix(".py").is_file(), name


def test_under_ci_every_hot_module_runs_compiled() -> None:
    """CI installs as the README says; there the build must have compiled every module (a
    silent fall-back to pure Python would lose the throughput the benchmark reports)."""
    status = _accel.status()
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip(f"not CI; here: {sorted(set(status.values()))}")
    if _accel.pure():
        pytest.skip(f"{_accel.PURE_ENV} is set")
    assert {name for name, how in status.items() if how != "compiled"} == set()


def _annotate(src: Path, out: Path, *, pure: bool) -> bytes:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop(_accel.PURE_ENV, None)
    if pure:
        env[_accel.PURE_ENV] = "1"
    subprocess.run(
        [sys.executable, "-m", "sseh_lit", "annotate", str(src), str(out)],
        check=True,
        capture_output=True,
        env=env,
    )
    return out.read_bytes()


@pytest.mark.parametrize(
    "relative", ["corpus/eval/synthetic-a.jsonl", "corpus/eval/synthetic-b.jsonl", "gold"]
)
def test_compiled_and_source_annotate_the_same(
    tmp_path: Path, relative: str, request: pytest.FixtureRequest
) -> None:
    """Whatever this checkout imports (compiled where fresh) writes the same bytes as the pure
    sources, on the synthetic sets and the real gold abstracts."""
    src = request.getfixturevalue("gold_path") if relative == "gold" else ROOT / relative
    default = _annotate(src, tmp_path / "default.jsonl", pure=False)
    pure = _annotate(src, tmp_path / "pure.jsonl", pure=True)
    assert default == pure
    assert default.count(b"\n") > 10
