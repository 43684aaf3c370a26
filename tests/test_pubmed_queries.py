"""Query files (queries/*.toml): the bundled one loads; malformed ones are clear ConfigErrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sseh_lit.errors import ConfigError
from sseh_lit.pubmed.queries import get_query, load_query

ROOT = Path(__file__).resolve().parent.parent


def test_the_bundled_query_loads() -> None:
    query = get_query("sseh", ROOT / "queries")
    assert query.name == "sseh" and query.version and "epidural" in query.term.lower()


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "x.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "x"\n', "lacks version, term"),
        ("name = \n", "cannot read query file"),
        ('name = "x"\nversion = "1"\nterm = ["spinal", "epidural"]\n', "term must be quoted text"),
        ('name = "x"\nversion = "1"\nterm = 5\n', "term must be quoted text"),
        ('name = "x"\nversion = 1.10\nterm = "epidural"\n', "version must be quoted text"),
        ('name = 7\nversion = "1"\nterm = "epidural"\n', "name must be quoted text"),
        ('name = "x"\nversion = true\nterm = "epidural"\n', "version must be quoted text"),
    ],
)
def test_a_malformed_query_file_is_a_config_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_query(_write(tmp_path, body))


@pytest.mark.parametrize(("version", "stored"), [('"1.10"', "1.10"), ("2", "2")])
def test_versions_are_kept_as_written(tmp_path: Path, version: str, stored: str) -> None:
    path = _write(tmp_path, f'name = "x"\nversion = {version}\nterm = "epidural"\n')
    assert load_query(path).version == stored
