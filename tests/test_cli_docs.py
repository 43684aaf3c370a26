"""docs/cli.md is generated from the commands' help and must be current."""

from __future__ import annotations

from pathlib import Path

from sseh_lit.clidocs import render

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is out of date: run `python -m sseh_lit.clidocs > docs/cli.md` (make docs)"
    )


def test_cli_reference_covers_every_command() -> None:
    text = render()
    for name in (
        "refresh",
        "demo",
        "screen",
        "prisma",
        "extract",
        "annotate",
        "evaluate",
        "correct",
        "review",
        "serve",
        "export",
        "analyze",
        "update",
    ):
        assert f"## `sseh-lit {name}`" in text, name
