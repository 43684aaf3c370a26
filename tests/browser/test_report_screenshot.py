"""``report.html`` in a real headless Chromium: it renders offline and every plot is visible.

The report is written by ``sseh-lit analyze`` from the SYNTHETIC demo corpus and opened as a
``file://`` page with every network request refused, which also proves it is self-contained.
Debian's ``/usr/bin/chromium`` is driven by Playwright (no browser download). Skipped with a reason
when Chromium is missing, but failed under ``CI=true``, where ``.ci/run`` installs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.demo import build_demo_corpus
from sseh_lit.extract.storage import extract_db
from sseh_lit.screen import screen_db

pytestmark = pytest.mark.browser

PLOTS = {"prisma_flow.png", "age_by_sex.png", "haematoma_span.png", "outcome_by_grade.png"}


@pytest.fixture
def report(tmp_path: Path) -> Path:
    db_path = tmp_path / "demo.db"
    build_demo_corpus(db_path)
    db = connect(db_path)
    screen_db(db)
    extract_db(db)
    db.conn.close()
    out = tmp_path / "analysis"
    result = CliRunner().invoke(cli, ["analyze", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_report_renders_with_every_plot_visible(report: Path, tmp_path: Path, chromium) -> None:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []

    def refuse(route) -> None:
        requested.append(route.request.url)
        route.abort()

    page.route("http*://**", refuse)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri(), wait_until="load")
    images = page.eval_on_selector_all(
        "img",
        """els => els.map(img => {
            const box = img.getBoundingClientRect();
            return {plot: img.dataset.plot, complete: img.complete,
                    naturalWidth: img.naturalWidth, width: box.width,
                    height: box.height, display: getComputedStyle(img).display,
                    visibility: getComputedStyle(img).visibility};
        })""",
    )
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    heading = page.inner_text("h1")
    rows = page.locator("#descriptive-table tbody tr").count()

    assert requested == [] and errors == []
    assert "epidural haematoma" in heading
    assert rows > 10
    assert {img["plot"] for img in images} >= PLOTS
    for img in images:
        assert img["complete"] and img["naturalWidth"] > 0, img
        assert img["width"] > 100 and img["height"] > 100, img  # laid out, not collapsed
        assert img["display"] != "none" and img["visibility"] == "visible", img
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
