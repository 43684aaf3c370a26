"""Build hook: compile the hot modules with Cython when this machine can (optional).

Everything else about the package is in ``pyproject.toml``. The modules listed in
``sseh_lit/_accel.py`` are plain Python; Cython compiles them unchanged (Python semantics:
annotations are not used as C types). Without Cython or a C compiler, or with
``SSEH_LIT_PURE=1``, the package installs as pure Python and gives the same results, only
slower. Each compiled file gets a stamp of the source it was built from, so that a stale one is
never imported (see ``sseh_lit/_accel.py``).
"""

from __future__ import annotations

import os
import runpy
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
# read by path: importing the package here would need its dependencies at build time
ACCEL = runpy.run_path(str(HERE / "sseh_lit" / "_accel.py"))
stamp_of = ACCEL["stamp_of"]


def _source(name: str) -> str:
    return str(Path(*name.split(".")).with_suffix(".py"))


class OptionalBuildExt(build_ext):
    """``build_ext`` whose failures leave the module pure Python instead of failing the install,
    and which stamps every compiled file with its source's digest."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:  # pip's builds do not pass --parallel; the files are independent
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        try:
            super().run()
        except Exception as e:  # e.g. no C compiler at all
            _warn(f"compiling the accelerated modules failed ({e}); installing pure Python")

    def build_extension(self, ext: Extension) -> None:
        target = Path(self.get_ext_fullpath(ext.name))
        stamp_of(target).unlink(missing_ok=True)
        try:
            super().build_extension(ext)
        except Exception as e:
            _warn(f"compiling {ext.name} failed ({e}); it stays pure Python")
            return
        digest = ACCEL["source_digest"](HERE / _source(ext.name))
        stamp_of(target).write_text(digest + "\n", encoding="ascii")

    def copy_extensions_to_source(self) -> None:
        """For an in-place (editable) build: put each compiled file and its stamp beside the
        source; a module that did not compile loses its old stamp, so it is imported from
        source. Files are replaced, not overwritten (a running process may have one mapped)."""
        for ext in self.extensions:
            relative = self.get_ext_filename(ext.name)
            built, dest = Path(self.build_lib) / relative, HERE / relative
            stamp_of(dest).unlink(missing_ok=True)
            if built.is_file() and stamp_of(built).is_file():
                _replace(built, dest)
                _replace(stamp_of(built), stamp_of(dest))


def _replace(src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copy2(src, tmp)
    os.replace(tmp, dest)


def _warn(message: str) -> None:
    print(f"sseh-lit setup: {message}", file=sys.stderr)


def _extensions() -> list[Extension]:
    if ACCEL["pure"]():
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        _warn("Cython is not installed; installing pure Python")
        return []
    modules = [Extension(name, [_source(name)]) for name in ACCEL["MODULES"]]
    return cythonize(
        modules,
        compiler_directives={"language_level": "3", "annotation_typing": False},
        build_dir="build/cython",  # the generated C stays out of the source tree
        nthreads=os.cpu_count() or 1,
        quiet=True,
    )


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
