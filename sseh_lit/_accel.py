"""Compiled copies of the hot modules, imported only when built from the source beside them.

``setup.py`` compiles the modules of :data:`MODULES` with Cython when it can. Their code is
plain Python, compiled unchanged, so the compiled and the pure module do the same thing; the
compiled one runs ``sseh-lit annotate`` with about 6 % fewer instructions per record. Next to
each compiled file the build writes a stamp, ``<compiled file>.sha256`` (:func:`stamp_of`): the
SHA-256 of the source it was built from.

An editable install (``pip install -e .``, as the Makefile does) leaves the compiled files
beside the sources, and Python imports a compiled file before a ``.py`` of the same name, so
after an edit the old code would run. :class:`StampedFinder` (installed by
``sseh_lit/__init__.py``, before any of these modules can be imported) therefore imports a
compiled module only when its stamp matches the source it sits beside, and the source
otherwise. ``SSEH_LIT_PURE=1`` in the environment always imports the sources.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: The modules compiled by ``setup.py`` (the screening and extraction path of a record).
MODULES = (
    "sseh_lit.annotate",
    "sseh_lit.regex_gate",
    "sseh_lit.screen",
    "sseh_lit.screen_rules",
    "sseh_lit.text",
    "sseh_lit.extract.assertion",
    "sseh_lit.extract.chunks",
    "sseh_lit.extract.clinical",
    "sseh_lit.extract.conditions",
    "sseh_lit.extract.core",
    "sseh_lit.extract.cuescan",
    "sseh_lit.extract.demographics",
    "sseh_lit.extract.drugs",
    "sseh_lit.extract.levels",
    "sseh_lit.extract.patients",
    "sseh_lit.extract.pipeline",
)

#: Set to "1" to import every module from its source.
PURE_ENV = "SSEH_LIT_PURE"
STAMP_SUFFIX = ".sha256"


def source_digest(source: Path) -> str:
    """The stamp of a source file: SHA-256 of its bytes, in hex."""
    return hashlib.sha256(source.read_bytes()).hexdigest()


def compiled_file(source: Path) -> Path | None:
    """The compiled file beside ``source`` (``x.py`` → ``x.cpython-311-….so``), if there is one."""
    stem = source.name.removesuffix(".py")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def stamp_of(compiled: Path) -> Path:
    """The stamp file of a compiled file (written by ``setup.py``, read by :func:`is_fresh`)."""
    return compiled.with_name(compiled.name + STAMP_SUFFIX)


def is_fresh(source: Path, compiled: Path) -> bool:
    """Whether ``compiled`` was built from ``source`` as it is now (its stamp says so)."""
    try:
        recorded = stamp_of(compiled).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == source_digest(source)


def pure() -> bool:
    """Whether :data:`PURE_ENV` asks for the sources (set, and not "0")."""
    return os.environ.get(PURE_ENV, "") not in ("", "0")


class StampedFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of :data:`MODULES`: compiled when fresh (and not ``SSEH_LIT_PURE``),
    else from source. Other modules are left to the usual finders."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MODULES or not path:
            return None
        leaf = fullname.rpartition(".")[2]
        for entry in path:
            source = Path(entry) / f"{leaf}.py"
            if source.is_file():
                break
        else:
            return None  # no source here (an installation without sources): the usual way
        compiled = None if pure() else compiled_file(source)
        if compiled is not None and is_fresh(source, compiled):
            loader = importlib.machinery.ExtensionFileLoader(fullname, str(compiled))
            return importlib.util.spec_from_file_location(fullname, compiled, loader=loader)
        return importlib.util.spec_from_file_location(fullname, source)


def install() -> None:
    """Put :class:`StampedFinder` first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, StampedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, StampedFinder())


def status() -> dict[str, str]:
    """Each module of :data:`MODULES` → how it was imported: ``"compiled"`` or ``"source"``
    (importing the ones not imported yet)."""
    out = {}
    for name in MODULES:
        module = importlib.import_module(name)
        origin = getattr(module, "__file__", "") or ""
        out[name] = "source" if origin.endswith(".py") else "compiled"
    return out
