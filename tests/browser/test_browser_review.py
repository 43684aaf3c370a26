"""End to end in a real headless Chromium: a reviewer works with the keyboard alone.

Debian's ``/usr/bin/chromium`` driven by Playwright (no browser download); the review app runs
under uvicorn in a thread on a free 127.0.0.1 port, over a DB of SYNTHETIC records
(:mod:`sseh_lit.review.web.sample`). Skipped with a reason when Chromium is missing, but failed
under ``CI=true``, where ``.ci/run`` installs it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sseh_lit import dataset
from sseh_lit.db import connect
from sseh_lit.review import reviewers
from sseh_lit.review.web.sample import build_sample_db

pytestmark = pytest.mark.browser

PASSWORD = "synthetic-pass-1"

#: Twenty corrections, typed in the order the fields appear (reversal_agents is skipped with j).
CORRECTIONS: list[tuple[str, str, object]] = [
    ("age_years", "61", 61),
    ("sex", "female", "female"),
    ("level_upper", "c3", "C3"),
    ("level_lower", "Th2", "T2"),
    ("location", "posterior", "dorsal"),
    ("anticoagulant", "yes", True),
    ("anticoagulant_agents", "warfarin, heparin", ["warfarin", "heparin"]),
    ("antiplatelet", "yes", True),
    ("antiplatelet_agents", "aspirin", ["aspirin"]),
    ("hypertension", "yes", True),
    ("pregnancy", "yes", True),
    ("coagulopathy", "yes", True),
    ("vascular_malformation", "yes", True),
    ("preop_grade", "ASIA B", {"scale": "ASIA", "grade": "B"}),
    ("treatment", "surgical", "surgical"),
    ("procedure", "hemilaminectomy", "hemilaminectomy"),
    ("time_to_surgery_hours", "12", 12),
    ("outcome", "partial recovery", "partial_recovery"),
    ("outcome_grade", "ASIA D", {"scale": "ASIA", "grade": "D"}),
    ("follow_up_months", "6", 6),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def review_db(tmp_path: Path) -> Path:
    path = tmp_path / "browser.db"
    db = build_sample_db(path, 4)
    reviewers.add_reviewer(db, "alice", PASSWORD)
    db.close()
    return path


@pytest.fixture
def server(review_db: Path) -> Iterator[str]:
    """The review app under uvicorn in a thread; yields its base URL."""
    import uvicorn

    from sseh_lit.review.web.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(review_db), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the review server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def page(server: str, chromium) -> Iterator[object]:
    context = chromium.new_context(base_url=server)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def sign_in_with_keyboard(page) -> None:
    """Open the queue (redirects to sign-in) and sign in typing only."""
    page.goto("/queue")
    assert "/login" in page.url
    # The name box has autofocus; on a loaded machine typing can start before focus lands.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'name'")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    try:  # scrypt on a busy 2-core machine can be slow: allow more than the default 15 s
        page.wait_for_url(lambda url: urlparse(url).path == "/queue", timeout=45_000)
    except Exception as e:
        error = page.locator(".error").all_inner_texts()
        raise AssertionError(f"sign-in did not reach the queue: {page.url} {error}") from e


def current_field(page) -> str:
    return page.locator("tr.field-row.current").get_attribute("data-field")


def type_correction(page, field: str, text: str) -> None:
    """With ``field`` selected: e (edit, selects the old text), type, Enter (save)."""
    assert current_field(page) == field
    page.keyboard.press("e")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    row = page.locator(f"tr.field-row.current[data-field='{field}']")
    row.wait_for(state="attached")
    page.wait_for_function(
        "f => { const r = document.querySelector(`tr.field-row.current[data-field='${f}']`);"
        " return r && (r.dataset.state === 'saved' || r.dataset.state === 'error'); }",
        arg=field,
    )


def test_keyboard_review_flow(page, review_db: Path) -> None:
    sign_in_with_keyboard(page)
    assert page.locator("tr.queue-row").count() == 4
    assert "0 / 4 records reviewed" in page.locator("#progress").inner_text()

    # Help overlay: ? opens it, Esc closes it.
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#help").is_hidden()

    # Open the selected record with Enter; the first field is selected and its evidence marked.
    page.keyboard.press("Enter")
    page.wait_for_url("**/record/*")
    pmid = page.url.rsplit("/", 1)[1].split("?")[0]
    assert current_field(page) == "age_years"
    assert page.locator("mark.active").count() >= 1

    type_correction(page, "age_years", "44")
    row = page.locator("tr.field-row[data-field='age_years']")
    assert row.get_attribute("data-state") == "saved"
    assert row.locator(".source .badge").inner_text() == "reviewer"

    page.reload()
    assert page.locator("tr.field-row[data-field='age_years'] input.val").input_value() == "44"
    db = connect(review_db)
    current = dataset.patient_view(db, pmid, 1).values["age_years"]
    assert (current.value, current.source, current.reviewer) == (44, "reviewer", "alice")

    # A bad value: the validation message appears next to the field, nothing is stored.
    page.keyboard.press("j")
    type_correction(page, "sex", "robot")
    error = page.locator("tr.field-row[data-field='sex'] .error")
    assert "not an allowed value" in error.inner_text()
    assert error.is_visible()
    page.keyboard.press("Escape")  # cancel the edit; the row keeps the saved value
    assert page.locator("tr.field-row[data-field='sex'] input.val").input_value() != "robot"
    assert dataset.patient_view(db, pmid, 1).values["sex"].source == "machine"

    # A forged POST from the signed-in page without the CSRF token is refused.
    before = db.execute("select count(*) from reviewer_log").fetchone()[0]
    status = page.evaluate(
        """async (pmid) => (await fetch(`/record/${pmid}/field`, {
             method: "POST", credentials: "same-origin",
             headers: {"Content-Type": "application/json"},
             body: JSON.stringify({patient: 1, field: "sex", value: "female"})})).status""",
        pmid,
    )
    assert status == 403
    forged_form = page.evaluate(
        """async (pmid) => (await fetch(`/record/${pmid}/screening`, {
             method: "POST", credentials: "same-origin",
             body: new URLSearchParams({decision: "exclude", code: "other", reason: "x"})})).status""",
        pmid,
    )
    assert forged_form == 403
    assert db.execute("select count(*) from reviewer_log").fetchone()[0] == before

    # Next record with n, back with p.
    page.keyboard.press("n")
    page.wait_for_url(lambda url: not url.endswith(f"/record/{pmid}"))
    page.keyboard.press("p")
    page.wait_for_url(f"**/record/{pmid}*")


def test_reviewer_corrects_twenty_fields_with_keyboard_alone(page, review_db: Path) -> None:
    sign_in_with_keyboard(page)
    page.keyboard.press("Enter")  # open the first record in the queue
    page.wait_for_url("**/record/*")
    pmid = page.url.rsplit("/", 1)[1].split("?")[0]
    fields = page.locator("tr.field-row:not(.readonly)").evaluate_all(
        "rows => rows.map(r => r.dataset.field)"
    )
    wanted = {f: t for f, t, _ in CORRECTIONS}
    saved = 0
    for name in fields:
        if name in wanted:
            type_correction(page, name, wanted[name])
            state = page.locator("tr.field-row.current").get_attribute("data-state")
            message = page.locator("tr.field-row.current .error").inner_text()
            assert state == "saved", f"{name}: {message}"
            saved += 1
        page.keyboard.press("j")
    assert saved == 20

    page.reload()
    values = dataset.patient_view(connect(review_db), pmid, 1).values
    for name, _, expected in CORRECTIONS:
        assert values[name].value == expected, name
        assert values[name].source == "reviewer"
    assert values["region"].value == "cervicothoracic"  # derived fields follow the corrected levels


def test_script_in_record_text_is_shown_not_run(page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in_with_keyboard(page)
    page.goto("/record/90000003")  # synthetic record whose title carries <script>alert(1)</script>
    assert "<script>alert(1)</script>" in page.locator("#doc").inner_text()
    assert page.locator("#doc script").count() == 0
    assert dialogs == []


@pytest.mark.parametrize("failure", ["connectionrefused", "failed"])
def test_a_save_the_server_never_answers_is_reported_and_the_value_kept(
    page, review_db: Path, failure: str
) -> None:
    sign_in_with_keyboard(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/record/*")
    pmid = page.url.rsplit("/", 1)[1].split("?")[0]
    page.route("**/record/*/field", lambda route: route.abort(failure))  # server unreachable
    type_correction(page, "age_years", "44")
    row = page.locator("tr.field-row[data-field='age_years']")
    assert row.get_attribute("data-state") == "error"
    assert "not saved: the server did not answer" in row.locator(".error").inner_text()
    assert row.locator("input.val").input_value() == "44"  # what the reviewer typed is still there
    db = connect(review_db)
    assert dataset.patient_view(db, pmid, 1).values["age_years"].source == "machine"
