"""Settings: paths, NCBI identity and the E-utilities base URL.

Precedence everywhere: function argument > CLI option > environment variable > default.
Nothing here runs at import time; every value is read when a function asks for it.
"""

from __future__ import annotations

import os
from pathlib import Path

EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
TOOL_NAME = "sseh-lit"

#: Where the package's bundled data (queries, demo corpus) live when run from a checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_db_path() -> Path:
    """The corpus DB used when no ``--db`` is given.

    ``$SSEH_LIT_DB`` if set, else ``$XDG_DATA_HOME/sseh-lit/sseh.db``
    (``~/.local/share/sseh-lit/sseh.db``): an absolute path, so a cron job finds the same DB
    whatever its working directory.
    """
    env = os.environ.get("SSEH_LIT_DB")
    if env:
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sseh-lit" / "sseh.db"


def eutils_url(override: str | None = None) -> str:
    """Base URL of E-utilities, always ending in ``/`` (arg > ``$NCBI_EUTILS_URL`` > NCBI)."""
    url = override or os.environ.get("NCBI_EUTILS_URL") or EUTILS_URL
    return url if url.endswith("/") else url + "/"


def ncbi_email(override: str | None = None) -> str | None:
    """The contact e-mail NCBI asks for (arg > ``$NCBI_EMAIL``). Never defaults to someone else's."""
    return override or os.environ.get("NCBI_EMAIL") or None


def ncbi_api_key(override: str | None = None) -> str | None:
    """The NCBI API key (arg > ``$NCBI_API_KEY``); raises the rate limit from 3 to 10 requests/s."""
    return override or os.environ.get("NCBI_API_KEY") or None


def queries_dir(override: str | Path | None = None) -> Path:
    """Folder holding the search strategies (``queries/*.toml``)."""
    if override:
        return Path(override)
    env = os.environ.get("SSEH_LIT_QUERIES")
    return Path(env) if env else PROJECT_ROOT / "queries"


def demo_corpus_dir() -> Path:
    """Folder of the bundled synthetic demo corpus (PubMed XML written by the project)."""
    return PROJECT_ROOT / "corpus" / "demo"


def outputs_dir(override: str | Path | None = None) -> Path:
    """Default folder for generated files (``outputs/``, git-ignored)."""
    return Path(override) if override else Path("outputs")
