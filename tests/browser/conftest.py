"""Shared set-up of the browser tests: Debian's Chromium, driven by Playwright.

No browser is downloaded (``playwright install`` cannot reach the internet here): the tests launch
``/usr/bin/chromium`` from Debian's ``chromium`` package, which ``.ci/run`` installs. Without it
they skip with a reason, except under ``CI=true``, where its absence is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: --no-sandbox because CI runs as root; the rest keeps Chromium off the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_or_skip() -> None:
    """Skip when Debian's Chromium is missing; fail instead under ``CI=true``."""
    if CHROMIUM.exists():
        return
    msg = f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but {msg}")
    pytest.skip(msg)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A launched headless Chromium browser (Playwright sync API), closed after the test."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
