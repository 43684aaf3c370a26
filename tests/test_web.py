"""The review web app at HTTP level: sign-in, queue, record page, saves, security, dual review.

The DB holds SYNTHETIC records only (:mod:`sseh_lit.review.web.sample`, written for sseh-lit).
Requests go through Starlette's TestClient; no server, no network.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from sseh_lit import dataset
from sseh_lit.cli import cli
from sseh_lit.db import connect, transaction
from sseh_lit.review import dual, reviewers
from sseh_lit.review.web import auth
from sseh_lit.review.web.app import create_app
from sseh_lit.review.web.highlight import Span, highlight
from sseh_lit.review.web.sample import build_sample_db, sample_records
from sseh_lit.review.web.server import check_bind, is_local

PASSWORD = "synthetic-pass-1"
PMIDS = [r["pmid"] for r in sample_records(6)]
PMID = PMIDS[0]
XSS_PMID = PMIDS[2]  # its synthetic title carries a <script> tag


@pytest.fixture(scope="module")
def web_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six synthetic extracted records and four accounts (one created through the CLI).

    Built once per module (password hashing is deliberately slow) and copied for each test.
    """
    path = tmp_path_factory.mktemp("web") / "template.db"
    db = build_sample_db(path, 6)
    result = CliRunner().invoke(
        cli,
        ["reviewer", "add", "alice", "--password-stdin", "--db", str(path)],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    reviewers.add_reviewer(db, "bob", PASSWORD, "reviewer")
    reviewers.add_reviewer(db, "carol", PASSWORD, "adjudicator")
    reviewers.add_reviewer(db, "root", PASSWORD, "admin")
    db.execute("pragma wal_checkpoint(truncate)")
    db.close()
    return path


@pytest.fixture
def web_db(web_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template DB for one test."""
    path = tmp_path / "web.db"
    shutil.copy(web_db_template, path)
    return path


@pytest.fixture
def client(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db)) as c:
        yield c


def login(client: TestClient, name: str = "alice", password: str = PASSWORD) -> str:
    """Sign in through the form; return the session's CSRF token."""
    page = client.get("/login")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": nonce},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/queue").text)


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def save(client: TestClient, csrf: str | None, field: str, value: str, **extra: object):
    """POST one field save as the keyboard UI does (JSON, token in the header)."""
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    pmid = extra.pop("pmid", PMID)
    body = {"patient": 1, "field": field, "value": value, "action": "correct", **extra}
    return client.post(f"/record/{pmid}/field", json=body, headers=headers)


def log_rows(path: Path) -> list[dict]:
    return list(connect(path).query("select * from reviewer_log order by id"))


# -- sign-in and sessions -------------------------------------------------------------------


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get(f"/record/{PMID}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/record/{PMID}"


@pytest.mark.parametrize(
    ("name", "password"), [("alice", "wrong-password"), ("nobody", PASSWORD), ("", "")]
)
def test_wrong_credentials_are_refused(client: TestClient, name: str, password: str) -> None:
    page = client.get("/login")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": nonce})
    assert response.status_code == 401
    assert "Name or password is wrong." in response.text
    assert auth.SESSION_COOKIE not in client.cookies


def _try_sign_in(client: TestClient, name: str, password: str) -> tuple[int, str]:
    page = client.get("/login")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    data = {"name": name, "password": password, "csrf_token": nonce}
    response = client.post("/login", data=data, follow_redirects=False)
    return response.status_code, response.text


def test_repeated_failed_sign_ins_are_throttled(web_db: Path) -> None:
    app = create_app(web_db)
    now = [1000.0]
    throttled = auth.SignInThrottle(limit=3, window=60, clock=lambda: now[0])
    with TestClient(app) as c:
        app.state.review.throttle = throttled
        assert [_try_sign_in(c, "alice", "guess")[0] for _ in range(3)] == [401] * 3
        # even the right password is refused now, with a message saying when to retry
        code, text = _try_sign_in(c, "alice", PASSWORD)
        assert code == 429 and "Too many failed sign-ins; try again in 1 minute(s)." in text
        assert auth.SESSION_COOKIE not in c.cookies
        now[0] += 61  # the failures age out of the window
        assert _try_sign_in(c, "alice", PASSWORD)[0] == 303


def test_throttle_counts_names_and_addresses_apart() -> None:
    now = [0.0]
    throttle = auth.SignInThrottle(limit=2, window=10, clock=lambda: now[0])
    throttle.failed("alice", "10.0.0.1")
    throttle.failed("Alice", "10.0.0.2")
    assert throttle.wait_seconds("alice", "10.0.0.9") == 10  # the name is blocked everywhere
    assert throttle.wait_seconds("bob", "10.0.0.1") == 0  # one failure from this address
    throttle.failed("bob", "10.0.0.1")
    assert throttle.wait_seconds("carol", "10.0.0.1") == 10  # the address is blocked for all
    throttle.succeeded("alice")
    assert throttle.wait_seconds("alice", "10.0.0.9") == 0
    now[0] = 10.5
    assert throttle.wait_seconds("carol", "10.0.0.1") == 0


def test_login_form_without_its_token_is_refused(client: TestClient) -> None:
    response = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_sign_in_with_cli_credential_then_next(client: TestClient) -> None:
    page = client.get(f"/login?next=/record/{PMID}")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={
            "name": "alice",
            "password": PASSWORD,
            "csrf_token": nonce,
            "next": f"/record/{PMID}",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/record/{PMID}"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_open_redirect_after_sign_in_is_ignored(client: TestClient) -> None:
    page = client.get("/login")
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"name": "alice", "password": PASSWORD, "csrf_token": nonce, "next": "//evil.test/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue"


def test_session_expires(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    db = connect(web_db)
    with transaction(db):
        db.execute("update web_sessions set expires_at = '2000-01-01T00:00:00Z'")
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert save(client, csrf, "age_years", "50").status_code == 403
    assert log_rows(web_db) == []


def test_session_lifetime_follows_ttl(web_db: Path) -> None:
    with TestClient(create_app(web_db, session_ttl=120)) as c:
        login(c)
    row = next(connect(web_db).query("select created_at, expires_at from web_sessions"))
    from datetime import datetime

    created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(row["expires_at"].replace("Z", "+00:00"))
    assert 115 <= (expires - created).total_seconds() <= 125


def test_tampered_cookie_is_not_a_session(client: TestClient, web_db: Path) -> None:
    login(client)
    token = next(connect(web_db).query("select token from web_sessions"))["token"]
    client.cookies.set(auth.SESSION_COOKIE, token + ".forged")
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_deactivated_reviewer_loses_session(client: TestClient, web_db: Path) -> None:
    login(client)
    db = connect(web_db)
    with transaction(db):
        db.execute("update reviewers set active = 0 where name = 'alice'")
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_sign_out_ends_session(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 200
    assert list(connect(web_db).query("select * from web_sessions")) == []
    assert client.get("/queue", follow_redirects=False).status_code == 303


# -- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["missing", "wrong", "other-session"])
def test_write_without_valid_csrf_is_refused(client: TestClient, web_db: Path, token: str) -> None:
    login(client)
    supplied = None
    if token == "wrong":
        supplied = "not-the-token"
    elif token == "other-session":
        with TestClient(create_app(web_db)) as other:
            supplied = login(other, "bob")
    response = save(client, supplied, "age_years", "50")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    assert log_rows(web_db) == []


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (f"/record/{PMID}/field", {"patient": "1", "field": "sex", "value": "female"}),
        (f"/record/{PMID}/accept-all", {"patient": "1"}),
        (f"/record/{PMID}/patients/add", {"reason": "forged"}),
        (f"/record/{PMID}/patients/remove", {"patient": "1", "reason": "forged"}),
        (f"/record/{PMID}/screening", {"decision": "exclude", "code": "other", "reason": "x"}),
        ("/adjudicate", {"pmid": PMID, "patient": "1", "field": "sex", "value": "male"}),
        ("/admin/mode", {"mode": "dual"}),
        ("/logout", {}),
    ],
)
def test_every_post_without_session_is_refused(
    client: TestClient, web_db: Path, url: str, data: dict
) -> None:
    response = client.post(url, data=data)
    assert response.status_code == 403
    assert log_rows(web_db) == []


@pytest.mark.parametrize("token", [5, ["x"], {"csrf": "x"}, True, ""])
def test_a_csrf_token_in_json_that_is_not_text_is_refused(
    client: TestClient, web_db: Path, token: object
) -> None:
    login(client)
    body = {"patient": 1, "field": "age_years", "value": "50", "csrf_token": token}
    response = client.post(f"/record/{PMID}/field", json=body)
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    assert log_rows(web_db) == []


def test_form_post_with_session_but_no_token_is_refused(client: TestClient, web_db: Path) -> None:
    login(client)
    response = client.post(
        f"/record/{PMID}/screening",
        data={"decision": "exclude", "code": "other", "reason": "forged"},
    )
    assert response.status_code == 403
    assert log_rows(web_db) == []


# -- queue ----------------------------------------------------------------------------------


def test_queue_lists_records_with_progress(client: TestClient) -> None:
    login(client)
    page = client.get("/queue").text
    for pmid in PMIDS:
        assert f"/record/{pmid}" in page
    assert "0 / 6 records reviewed" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("filter=low_confidence", {PMIDS[0], PMIDS[1], PMIDS[3], PMIDS[4]}),
        ("field=preop_grade", {PMIDS[2], PMIDS[5]}),
        ("filter=unreviewed&field=hypertension", {PMIDS[1], PMIDS[4]}),
        ("filter=conflicts", set()),
    ],
)
def test_queue_filters(client: TestClient, params: str, expected: set[str]) -> None:
    login(client)
    page = client.get(f"/queue?{params}").text
    assert set(re.findall(r'<a href="/record/(\d+)', page)) == expected


def test_queue_screening_doubtful_and_machine_changed(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    db = connect(web_db)
    with transaction(db):
        db.execute("update screening set needs_review = 1 where pmid = ?", [PMIDS[3]])
    page = client.get("/queue?filter=screening_doubtful").text
    assert set(re.findall(r'<a href="/record/(\d+)', page)) == {PMIDS[3]}

    assert save(client, csrf, "sex", "", action="accept").status_code == 200
    with transaction(db):  # a re-extraction changes the machine value under the accepted one
        db.execute(
            "update extractions set value = '\"female\"' where pmid = ? and field = 'sex'", [PMID]
        )
    page = client.get("/queue?filter=machine_changed").text
    assert set(re.findall(r'<a href="/record/(\d+)', page)) == {PMID}


def test_unreviewed_queue_shrinks_after_accept_all(client: TestClient) -> None:
    csrf = login(client)
    response = client.post(
        f"/record/{PMID}/accept-all", json={"patient": 1}, headers={"X-CSRF-Token": csrf}
    )
    assert response.json() == {"ok": True, "message": "accepted 11 fields", "n": 11}
    page = client.get("/queue?filter=unreviewed").text
    assert f"/record/{PMID}" not in page
    assert "1 / 6 records reviewed" in page


# -- record page ----------------------------------------------------------------------------


def test_record_page_highlights_evidence(client: TestClient) -> None:
    login(client)
    page = client.get(f"/record/{PMID}").text
    assert re.search(r'<mark data-ev="[^"]*1:level_upper[^"]*"[^>]*>from C5 to C7</mark>', page)
    assert 'id="p1-age_years"' in page
    assert f'data-next="/record/{PMIDS[1]}"' in page


def test_script_in_title_renders_as_text(client: TestClient) -> None:
    login(client)
    response = client.get(f"/record/{XSS_PMID}")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_script_in_abstract_and_evidence_renders_as_text(client: TestClient, web_db: Path) -> None:
    db = connect(web_db)
    attack = '<script>document.title="owned"</script><img src=x onerror=alert(2)>'
    with transaction(db):
        row = db["articles"].get(PMID)
        db["articles"].update(PMID, {"abstract": attack + " " + row["abstract"]})
        start = len(row["title"]) + 2
        db.execute(
            'update extractions set start = ?, "end" = ?, evidence = ? '
            "where pmid = ? and field = 'sex'",
            [start, start + len(attack), attack, PMID],
        )
    login(client)
    page = client.get(f"/record/{PMID}").text
    assert "<script>document" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.title=" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_save_then_reload_shows_value_and_dataset_has_it(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    response = save(client, csrf, "level_upper", "c 4", reason="typo in machine value")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["value"] == "C4" and body["role"] == "single"
    page = client.get(f"/record/{PMID}").text
    assert re.search(r'aria-label="level_upper of patient 1"', page)
    assert 'value="C4" data-saved="C4"' in page
    assert "typo in machine value" in page  # the field's history
    current = dataset.patient_view(connect(web_db), PMID, 1).values["level_upper"]
    assert (current.value, current.source, current.reviewer) == ("C4", "reviewer", "alice")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age_years", "abc", "is not a number"),
        ("age_years", "200", "out of range"),
        ("sex", "robot", "not an allowed value"),
        ("level_upper", "Q9", "level_upper"),
        ("pregnancy", "no", "pregnancy"),
        ("not_a_field", "1", "not a field"),
    ],
)
def test_bad_value_gets_message_and_nothing_stored(
    client: TestClient, web_db: Path, field: str, value: str, message: str
) -> None:
    csrf = login(client)
    response = save(client, csrf, field, value)
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert log_rows(web_db) == []


def test_bad_value_without_js_shows_message_next_to_field(client: TestClient) -> None:
    csrf = login(client)
    response = client.post(
        f"/record/{PMID}/field",
        data={"csrf_token": csrf, "patient": "1", "field": "age_years", "value": "abc"},
    )
    assert response.status_code == 422
    row = re.search(r'id="p1-age_years".*?</tr>', response.text, re.S).group(0)
    assert 'value="abc"' in row and 'aria-invalid="true"' in row
    assert "is not a number" in row


def test_form_save_without_js_redirects_to_field(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    response = client.post(
        f"/record/{PMID}/field",
        data={"csrf_token": csrf, "patient": "1", "field": "sex", "value": "female"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/record/{PMID}#p1-sex"
    assert dataset.patient_view(connect(web_db), PMID, 1).values["sex"].value == "female"


def test_empty_value_means_not_stated(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    assert save(client, csrf, "location", "").json()["value"] == ""
    assert dataset.patient_view(connect(web_db), PMID, 1).values["location"].value is None


def test_add_remove_patient_and_screening_override(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    response = client.post(
        f"/record/{PMID}/patients/add",
        data={"csrf_token": csrf, "reason": "second synthetic case"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/record/{PMID}#patient-2"
    assert save(client, csrf, "age_years", "12", patient=2).json()["value"] == "12"
    client.post(
        f"/record/{PMID}/patients/remove",
        data={"csrf_token": csrf, "patient": "1", "reason": "not an individual case"},
    )
    views = {v.patient: v for v in dataset.record_view(connect(web_db), PMID).patients}
    assert views[1].removed and not views[2].removed
    assert views[2].values["age_years"].value == 12
    page = client.post(
        f"/record/{PMID}/screening",
        data={"csrf_token": csrf, "decision": "exclude", "code": "", "reason": "x"},
    )
    assert page.status_code == 422 and "--code" in page.text
    client.post(
        f"/record/{PMID}/screening",
        data={"csrf_token": csrf, "decision": "exclude", "code": "traumatic", "reason": "fall"},
    )
    page = client.get(f"/record/{PMID}").text
    assert re.search(r'class="decision">exclude</strong> \(traumatic, reviewer by alice', page)


def test_restore_patient_and_clear_flag(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    db = connect(web_db)
    with transaction(db):
        flag_id = (
            db["flags"]
            .insert({"pmid": PMID, "patient": 1, "kind": "machine_changed", "detail": "synthetic"})
            .last_pk
        )
    client.post(
        f"/record/{PMID}/patients/remove",
        data={"csrf_token": csrf, "patient": "1", "reason": "looked like a series"},
    )
    assert dataset.patient_view(db, PMID, 1).removed
    page = client.get(f"/record/{PMID}").text
    assert "Restore patient 1" in page and "machine_changed" in page
    client.post(
        f"/record/{PMID}/patients/restore",
        data={"csrf_token": csrf, "patient": "1", "reason": "it is one patient"},
    )
    assert not dataset.patient_view(db, PMID, 1).removed
    r = client.post(
        f"/record/{PMID}/flags/resolve",
        data={"csrf_token": csrf, "flag": str(flag_id), "reason": "checked the new value"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert db["flags"].get(flag_id)["cleared_by"] == "alice"
    r = client.post(
        f"/record/{PMIDS[1]}/flags/resolve", data={"csrf_token": csrf, "flag": str(flag_id)}
    )
    assert r.status_code == 422  # a flag of another record


def test_field_without_machine_value_says_so(client: TestClient) -> None:
    login(client)
    page = client.get(f"/record/{PMID}").text
    row = re.search(r'id="p1-pregnancy".*?</tr>', page, re.S).group(0)
    assert 'class="badge src-none">none<' in row


def test_unknown_record_is_404(client: TestClient) -> None:
    login(client)
    assert client.get("/record/123").status_code == 404


# -- dual review ----------------------------------------------------------------------------


def _dual(web_db: Path) -> dict[str, TestClient]:
    clients = {name: TestClient(create_app(web_db)) for name in ("root", "alice", "bob", "carol")}
    tokens = {name: login(c, name) for name, c in clients.items()}
    r = clients["root"].post("/admin/mode", data={"csrf_token": tokens["root"], "mode": "dual"})
    assert r.status_code == 200
    for name, c in clients.items():
        c.headers["X-CSRF-Token"] = tokens[name]
    return clients


def test_only_admin_sets_review_mode(client: TestClient, web_db: Path) -> None:
    csrf = login(client)
    assert client.post("/admin/mode", data={"csrf_token": csrf, "mode": "dual"}).status_code == 403
    assert client.get("/admin").status_code == 403
    assert dual.review_mode(connect(web_db)) == "single"


def test_dual_review_blind_consensus_adjudication_and_kappa(web_db: Path) -> None:
    c = _dual(web_db)

    def put(who: str, field: str, value: str, pmid: str = PMID):
        return c[who].post(
            f"/record/{pmid}/field", json={"patient": 1, "field": field, "value": value}
        )

    assert put("alice", "sex", "female").json()["role"] == "first"
    assert put("alice", "age_years", "50").json()["role"] == "first"
    # Bob does not see Alice's values: his page shows the machine values.
    bob_page = c["bob"].get(f"/record/{PMID}").text
    sex_row = re.search(r'id="p1-sex".*?</tr>', bob_page, re.S).group(0)
    assert 'value="male" data-saved="male"' in sex_row and "alice" not in bob_page
    assert put("bob", "sex", "female").json()["role"] == "second"  # agree -> consensus
    assert put("bob", "age_years", "51").json()["role"] == "second"  # disagree
    db = connect(web_db)
    values = dataset.patient_view(db, PMID, 1).values
    assert (values["sex"].value, values["sex"].source) == ("female", "reviewer")
    assert values["age_years"].value == values["age_years"].machine_value  # not decided yet
    # A third reviewer may not join the record.
    reviewers.add_reviewer(db, "dave", PASSWORD)
    with TestClient(create_app(web_db)) as dave:
        token = login(dave, "dave")
        r = save(dave, token, "sex", "male")
        assert r.status_code == 422 and "already has two reviewers" in r.json()["error"]

    assert c["alice"].get("/adjudicate").status_code == 403
    page = c["carol"].get("/adjudicate").text
    assert re.search(f'data-pmid="{PMID}" data-field="age_years"', page)
    assert f'data-pmid="{PMID}" data-field="sex"' not in page
    r = c["alice"].post(
        "/adjudicate", json={"pmid": PMID, "patient": 1, "field": "age_years", "value": "50"}
    )
    assert r.status_code == 422 and "not an adjudicator" in r.json()["error"]
    r = c["carol"].post(
        "/adjudicate",
        json={"pmid": PMID, "patient": 1, "field": "age_years", "value": "50", "reason": "text"},
    )
    assert r.json()["ok"]
    values = dataset.patient_view(db, PMID, 1).values
    assert (values["age_years"].value, values["age_years"].reviewer) == (50, "carol")
    assert dual.disagreements(db) == []
    roles = [(r["reviewer"], r["role"]) for r in log_rows(web_db)]
    assert ("bob", "consensus") in roles and ("carol", "adjudicator") in roles
    page = c["carol"].get("/adjudicate").text
    assert "No open disagreements." in page
    assert re.search(r'data-field="sex">.*?kappa-value">undefined<', page, re.S)
    for client in c.values():
        client.close()


def test_kappa_from_the_two_reviewers(web_db: Path) -> None:
    c = _dual(web_db)
    # sex on 4 records: alice F F M M, bob F M M M -> po = 3/4, pe = (2*1 + 2*3)/16 = 1/2, κ = 0.5
    for pmid, a, b in zip(PMIDS[:4], "ffmm", "fmmm", strict=True):
        for who, v in (("alice", a), ("bob", b)):
            r = c[who].post(
                f"/record/{pmid}/field", json={"patient": 1, "field": "sex", "value": v}
            )
            assert r.json()["ok"], r.text
    kappa = dual.cohen_kappa(connect(web_db), "sex")
    assert (kappa.n, kappa.agreement, kappa.kappa) == (4, 0.75, 0.5)
    assert re.search(
        r'data-field="sex">.*?kappa-value">0.50<', c["carol"].get("/adjudicate").text, re.S
    )
    page = c["carol"].get("/queue?filter=conflicts").text
    assert set(re.findall(r'<a href="/record/(\d+)', page)) == {PMIDS[1]}
    page = c["alice"].get("/queue?filter=conflicts").text  # blind: no hint of the other's values
    assert set(re.findall(r'<a href="/record/(\d+)', page)) == set()
    for client in c.values():
        client.close()


def test_dual_queue_per_reviewer_and_adjudicator_saves(web_db: Path) -> None:
    c = _dual(web_db)

    def queued(who: str, params: str = "filter=unreviewed&field=sex") -> set[str]:
        return set(re.findall(r'<a href="/record/(\d+)', c[who].get(f"/queue?{params}").text))

    assert queued("alice") == set(PMIDS)
    c["alice"].post(
        f"/record/{PMID}/field", json={"patient": 1, "field": "sex", "action": "accept"}
    )
    assert queued("alice") == set(PMIDS) - {PMID}  # done for alice
    assert queued("bob") == set(PMIDS)  # still to do for bob (blind)
    c["bob"].post(f"/record/{PMID}/field", json={"patient": 1, "field": "age_years", "value": "9"})
    db = connect(web_db)
    reviewers.add_reviewer(db, "dave", PASSWORD)
    with TestClient(create_app(web_db)) as dave:
        login(dave, "dave")
        assert PMID not in set(re.findall(r'<a href="/record/(\d+)', dave.get("/queue").text))
    # An adjudicator saving on the record page writes an adjudicator entry, not a blind one.
    r = c["carol"].post(
        f"/record/{PMIDS[1]}/field", json={"patient": 1, "field": "sex", "value": "female"}
    )
    assert r.json()["role"] == "adjudicator"
    assert dataset.patient_view(db, PMIDS[1], 1).values["sex"].value == "female"
    for client in c.values():
        client.close()


@pytest.mark.parametrize(
    ("pairs", "kappa"),
    [
        ([("a", "a"), ("b", "b")], 1.0),
        ([("a", "b"), ("b", "a")], -1.0),
        ([("a", "a"), ("a", "a")], None),  # one category only: undefined
        ([], None),
    ],
)
def test_kappa_of(pairs: list[tuple[str, str]], kappa: float | None) -> None:
    assert dual.kappa_of("f", pairs).kappa == kappa


def test_dual_structure_changes_need_adjudicator(web_db: Path) -> None:
    c = _dual(web_db)
    r = c["alice"].post(f"/record/{PMID}/patients/add", data={"reason": "second case"})
    assert r.status_code == 422 and "only an adjudicator or admin" in r.text
    r = c["carol"].post(
        f"/record/{PMID}/patients/add", data={"reason": "second case"}, follow_redirects=False
    )
    assert r.status_code == 303
    for client in c.values():
        client.close()


# -- highlighting (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], "a &lt;b&gt; c"),
        ([Span(2, 5, "sex", 1)], 'a <mark data-ev="1:sex" title="sex">&lt;b&gt;</mark> c'),
        ([Span(0, 99, "sex"), Span(-1, 2, "age_years"), Span(3, 3, "x")], "a &lt;b&gt; c"),
        (
            [Span(0, 3, "sex", 1), Span(2, 7, "age_years", 1)],
            '<mark data-ev="1:sex" title="sex">a </mark>'
            '<mark data-ev="1:age_years 1:sex" title="age_years, sex">&lt;</mark>'
            '<mark data-ev="1:age_years" title="age_years">b&gt; c</mark>',
        ),
    ],
)
def test_highlight(spans: list[Span], expected: str) -> None:
    assert str(highlight("a <b> c", spans)) == expected


# -- serve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_is_local(host: str, local: bool) -> None:
    assert is_local(host) is local


def test_non_local_bind_refused_without_reviewers(tmp_path: Path, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append(k))
    path = tmp_path / "empty.db"
    connect(path).close()  # a corpus DB without reviewer accounts
    result = CliRunner().invoke(cli, ["serve", "--db", str(path), "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0" in result.output
    assert calls == []
    result = CliRunner().invoke(cli, ["serve", "--db", str(path), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls == [{"host": "127.0.0.1", "port": 8123, "log_level": "info"}]


def test_serve_sets_review_mode(web_db: Path, monkeypatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    result = CliRunner().invoke(cli, ["serve", "--db", str(web_db), "--review-mode", "dual"])
    assert result.exit_code == 0, result.output
    assert dual.review_mode(connect(web_db)) == "dual"
    result = CliRunner().invoke(cli, ["serve", "--db", str(web_db), "--review-mode", "triple"])
    assert result.exit_code == 2


def test_non_local_bind_allowed_with_reviewers(web_db: Path, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append(k["host"]))
    check_bind(web_db, "0.0.0.0")
    result = CliRunner().invoke(cli, ["serve", "--db", str(web_db), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert calls == ["0.0.0.0"]


# -- malformed writes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("patients/add", {"reason": "missed"}),
        ("patients/remove", {"patient": "1", "reason": "pooled"}),
        ("patients/restore", {"patient": "1"}),
        ("screening", {"decision": "include", "reason": "is a case"}),
        ("flags/resolve", {"flag": "1"}),
    ],
)
def test_a_write_on_a_record_not_in_the_corpus_is_404(
    client: TestClient, web_db: Path, path: str, form: dict[str, str]
) -> None:
    csrf = login(client)
    response = client.post(f"/record/00000000/{path}", data={**form, "csrf_token": csrf})
    assert response.status_code == 404, response.text
    assert "00000000" in response.text
    assert log_rows(web_db) == []


@pytest.mark.parametrize("patient", ["abc", "", 1.5, True, None, "-1"])
@pytest.mark.parametrize("path", ["field", "accept-all"])
def test_a_patient_that_is_not_a_whole_number_is_refused(
    client: TestClient, web_db: Path, path: str, patient: object
) -> None:
    csrf = login(client)
    body = {"patient": patient, "field": "age_years", "value": "40", "action": "correct"}
    response = client.post(f"/record/{PMID}/{path}", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == (
        f"patient must be a whole number (1, 2, …), not {patient!r}"
    )
    assert log_rows(web_db) == []


@pytest.mark.parametrize("asked", [1, 25])
def test_expired_queue_orders_are_dropped_not_kept_forever(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, asked: int
) -> None:
    """Every ?field= value a reviewer ever asks for must not stay in memory for good."""
    from sseh_lit.review.web import app as app_module

    login(client)
    clock = [1000.0]
    monkeypatch.setattr(app_module.time, "monotonic", lambda: clock[0])
    review = client.app.state.review
    review._order_cache.clear()  # the order the sign-in's queue page remembered
    for i in range(asked):
        assert client.get(f"/record/{PMID}?field=typed-{i}").status_code == 200
    assert len(review._order_cache) == asked
    clock[0] += app_module.ORDER_TTL_SECONDS + 1
    assert client.get(f"/record/{PMID}").status_code == 200
    assert list(review._order_cache) == [("alice", "reviewer", "", "")]
