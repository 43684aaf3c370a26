"""The review web app (Starlette + Jinja2): queue, record page, saves, dual review, adjudication.

Server-rendered pages with a little vanilla JS for keyboard shortcuts and quick saves (a small
JSON POST per field; reloading the page shows the stored value). Every read goes through
:mod:`sseh_lit.dataset` / :mod:`sseh_lit.review.queue`, every write through
:mod:`sseh_lit.review.corrections`, :mod:`sseh_lit.review.dual` or :mod:`sseh_lit.screen`, so the
browser and the CLI share one store and one validation.

Security: sign-in with the ``sseh-lit reviewer add`` credential; sessions in ``web_sessions``
with an expiry; a signed, HttpOnly, SameSite=Strict cookie; the session's CSRF token is required
on every POST (refused with 403 otherwise); templates autoescape and a strict
Content-Security-Policy forbids inline script.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import sqlite_utils
from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ... import dataset, screen
from ...db import connect, transaction
from ...errors import NotFoundError, SsehLitError, ValidationError
from ...fields import EXTRACTED_FIELDS
from .. import corrections, dual, reviewers, validate
from . import auth, records
from .forms import display, submitted
from .recordpage import build_record_page

HERE = Path(__file__).resolve().parent
#: How long the record page reuses a queue order for previous/next (see ReviewApp.queue_order).
ORDER_TTL_SECONDS = 120.0
Endpoint = Callable[[Request], Awaitable[Response]]
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware adding the CSP and friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Forbidden(Exception):
    """A write without a valid session or CSRF token (answered with 403)."""


class ReviewApp:
    """Request handlers bound to one corpus DB (one SQLite connection per worker thread)."""

    def __init__(self, db_path: str | Path, *, session_ttl: int, secure_cookies: bool) -> None:
        self.db_path = Path(db_path)
        self.session_ttl = session_ttl
        self.secure_cookies = secure_cookies
        self._local = threading.local()
        self._order_lock = threading.Lock()
        self._order_cache: dict[tuple[str, ...], tuple[float, list[str]]] = {}
        env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True)
        env.filters["display"] = display
        env.filters["json"] = lambda v: json.dumps(v, sort_keys=True)
        self.templates = Jinja2Templates(env=env)
        self.secret = auth.secret_key(self.db())
        self.throttle = auth.SignInThrottle()
        validate.agent_lexicon()  # load the drug lexicon now, not on a reviewer's first save

    # -- plumbing -------------------------------------------------------------------------

    def db(self) -> sqlite_utils.Database:
        """This thread's connection (SQLite connections must stay on the thread that made them)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.db_path)
        return db

    def session(self, request: Request) -> auth.Session | None:
        token = auth.unsign(self.secret, request.cookies.get(auth.SESSION_COOKIE))
        return auth.load_session(self.db(), token)

    def render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        context.setdefault("session", None)
        context.setdefault("mode", dual.review_mode(self.db()))
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        response.headers["cache-control"] = "no-store"
        return response

    async def payload(self, request: Request) -> dict[str, Any]:
        """The POST body as a dict, from JSON or a form."""
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                return {}
            return body if isinstance(body, dict) else {}
        form: FormData = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def endpoint(self, handler: Callable[[Request, dict[str, Any]], Response]) -> Endpoint:
        """An ASGI endpoint that reads the POST body, then runs ``handler`` in a worker thread.

        Handlers do blocking SQLite work (a save may wait on the write lock while a refresh
        commits); in a thread that wait never stalls other reviewers' requests.
        """

        async def run(request: Request) -> Response:
            data = await self.payload(request) if request.method == "POST" else {}
            return await run_in_threadpool(handler, request, data)

        return run

    def guard(self, request: Request, data: dict[str, Any]) -> auth.Session:
        """Session and CSRF check for every write; raises :class:`Forbidden`."""
        session = self.session(request)
        if session is None:
            raise Forbidden("not signed in, or the session has expired; sign in again")
        supplied = request.headers.get(auth.CSRF_HEADER) or data.get(auth.CSRF_FIELD)
        if not auth.tokens_match(session.csrf, supplied):
            raise Forbidden("missing or invalid CSRF token; reload the page and try again")
        return session

    def login_redirect(self, request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    # -- sign in / out -------------------------------------------------------------------

    def login_page(self, request: Request, data: dict[str, Any]) -> Response:
        return self._login_form(request, error=None)

    def _login_form(self, request: Request, error: str | None, status: int = 200) -> Response:
        nonce = auth.tokens_nonce()
        response = self.render(
            request,
            "login.html",
            {"nonce": nonce, "error": error, "next": _safe_next(request.query_params.get("next"))},
            status,
        )
        response.set_cookie(
            auth.LOGIN_COOKIE,
            auth.signer(self.secret, "login").sign(nonce).decode(),
            httponly=True,
            samesite="strict",
            secure=self.secure_cookies,
            max_age=3600,
        )
        return response

    def login(self, request: Request, data: dict[str, Any]) -> Response:
        expected = auth.unsign(self.secret, request.cookies.get(auth.LOGIN_COOKIE), "login")
        if not auth.tokens_match(expected, data.get(auth.CSRF_FIELD)):
            return PlainTextResponse("Forbidden: invalid login form; reload it", status_code=403)
        name = str(data.get("name", "")).strip()
        password = str(data.get("password", ""))
        address = request.client.host if request.client else ""
        wait = self.throttle.wait_seconds(name, address)
        if wait:
            minutes = -(-wait // 60)
            return self._login_form(
                request,
                f"Too many failed sign-ins; try again in {minutes} minute(s).",
                status=429,
            )
        db = self.db()
        if not name or not reviewers.verify_password(db, name, password):
            self.throttle.failed(name, address)
            return self._login_form(request, "Name or password is wrong.", status=401)
        self.throttle.succeeded(name)
        token, _ = auth.create_session(db, name, ttl_seconds=self.session_ttl)
        response = RedirectResponse(_safe_next(data.get("next")) or "/queue", status_code=303)
        response.set_cookie(
            auth.SESSION_COOKIE,
            auth.signer(self.secret).sign(token).decode(),
            httponly=True,
            samesite="strict",
            secure=self.secure_cookies,
            max_age=self.session_ttl,
        )
        response.delete_cookie(auth.LOGIN_COOKIE)
        return response

    def logout(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        auth.end_session(self.db(), session.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE)
        return response

    # -- queue -----------------------------------------------------------------------------

    def queue_items(self, params: dict[str, str], session: auth.Session) -> list[Any]:
        """The queue for the page's filter (``filter`` and ``field`` query parameters).

        In dual review the conflicts list is for adjudicators only: a blind reviewer must not
        learn where the other reviewer disagreed.
        """
        db = self.db()
        if (
            params.get("filter") == "conflicts"
            and session.role not in dual.ADJUDICATOR_ROLES
            and dual.review_mode(db) == "dual"
        ):
            return []
        return records.record_queue(
            db,
            filter=params.get("filter", ""),
            field=params.get("field") or None,
            reviewer=session.reviewer,
        )

    def _order_key(self, params: dict[str, str], session: auth.Session) -> tuple[str, ...]:
        return (session.reviewer, session.role, params.get("filter", ""), params.get("field", ""))

    def remember_order(
        self, params: dict[str, str], session: auth.Session, pmids: list[str]
    ) -> None:
        now = time.monotonic()
        with self._order_lock:
            # Drop expired orders first: a long-running server would otherwise keep one list
            # of PMIDs per (reviewer, filter, field) ever asked for (``field`` is free text).
            expired = [k for k, (t, _) in self._order_cache.items() if now - t >= ORDER_TTL_SECONDS]
            for k in expired:
                del self._order_cache[k]
            self._order_cache[self._order_key(params, session)] = (now, pmids)

    def queue_order(self, params: dict[str, str], session: auth.Session) -> list[str]:
        """The queue's PMIDs for previous/next on the record page.

        Building the queue is a pass over the whole corpus, so the order is remembered for
        :data:`ORDER_TTL_SECONDS` per reviewer and filter: moving on with ``n`` costs a lookup,
        and a record just reviewed keeps its neighbours.
        """
        key = self._order_key(params, session)
        with self._order_lock:
            cached = self._order_cache.get(key)
        if cached and time.monotonic() - cached[0] < ORDER_TTL_SECONDS:
            return cached[1]
        pmids = [e.pmid for e in self.queue_items(params, session)]
        self.remember_order(params, session, pmids)
        return pmids

    def queue_page(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.session(request)
        if session is None:
            return self.login_redirect(request)
        params = {k: request.query_params.get(k, "") for k in ("filter", "field")}
        items = self.queue_items(params, session)
        self.remember_order(params, session, [e.pmid for e in items])
        counts = records.progress(self.db())
        return self.render(
            request,
            "queue.html",
            {
                "session": session,
                "items": items,
                "counts": counts,
                "filters": records.FILTERS,
                "fields": EXTRACTED_FIELDS,
                "params": params,
                "qs": urlencode({k: v for k, v in params.items() if v}),
            },
        )

    # -- record page ---------------------------------------------------------------------

    def record_page(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.session(request)
        if session is None:
            return self.login_redirect(request)
        pmid = request.path_params["pmid"]
        try:
            return self.render_record(request, session, pmid)
        except NotFoundError as e:
            return self.render(request, "error.html", {"session": session, "message": str(e)}, 404)

    def render_record(
        self,
        request: Request,
        session: auth.Session,
        pmid: str,
        *,
        errors: dict[tuple[int, str], tuple[str, str]] | None = None,
        notice: str | None = None,
        status: int = 200,
    ) -> Response:
        page = build_record_page(
            self.db(), pmid, reviewer=session.reviewer, role=session.role, errors=errors
        )
        params = {k: request.query_params.get(k, "") for k in ("filter", "field")}
        pmids = self.queue_order(params, session)
        prev_pmid = next_pmid = None
        if pmid in pmids:
            i = pmids.index(pmid)
            prev_pmid = pmids[i - 1] if i > 0 else None
            next_pmid = pmids[i + 1] if i + 1 < len(pmids) else None
        elif pmids:
            next_pmid = pmids[0]
        qs = urlencode({k: v for k in ("filter", "field") if (v := request.query_params.get(k))})
        return self.render(
            request,
            "record.html",
            {
                **page.context(),
                "session": session,
                "prev_pmid": prev_pmid,
                "next_pmid": next_pmid,
                "qs": qs,
                "notice": notice,
                "exclusion_codes": screen.EXCLUSION_CODES,
            },
            status,
        )

    # -- writes ---------------------------------------------------------------------------

    def save_field(self, request: Request, data: dict[str, Any]) -> Response:
        """Correct or accept one field (JSON for the keyboard UI, form fallback without JS)."""
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        wants_json = _wants_json(request)
        patient = 0
        name = str(data.get("field", ""))
        action = str(data.get("action", "correct"))
        typed = data.get("value")
        db = self.db()
        try:
            patient = _whole(data)
            if name not in EXTRACTED_FIELDS:
                raise ValidationError(f"{name!r} is not a field a reviewer can set")
            if action not in ("correct", "accept"):
                raise ValidationError(f"unknown action {action!r}")
            role = dual.save(
                db,
                pmid,
                patient,
                name,
                submitted(typed),
                reviewer=session.reviewer,
                reason=str(data.get("reason") or "").strip() or "reviewed in the browser",
                accept=action == "accept",
            )
        except (ValidationError, NotFoundError) as e:
            if wants_json:
                status = 404 if isinstance(e, NotFoundError) else 422
                return JSONResponse({"ok": False, "field": name, "error": str(e)}, status)
            return self.render_record(
                request,
                session,
                pmid,
                errors={(patient, name): (str(e), str(typed or ""))},
                status=422,
            )
        entry = _latest_entry(db, pmid, patient, name, session.reviewer)
        if not wants_json:
            return RedirectResponse(f"/record/{pmid}#p{patient}-{name}", status_code=303)
        return JSONResponse(
            {
                "ok": True,
                "field": name,
                "patient": patient,
                "role": role,
                "value": display(entry["value"]) if entry else "",
                "entry": entry,
            }
        )

    def accept_all(self, request: Request, data: dict[str, Any]) -> Response:
        """Accept every machine value of a patient that no reviewer has acted on yet."""
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        db = self.db()
        try:
            patient = _whole(data)
            pv = dataset.patient_view(db, pmid, patient)
            own = dual.own_entries(db, pmid, session.reviewer)
            todo = [
                name
                for name in EXTRACTED_FIELDS
                if pv.values[name].source == "machine"
                and pv.values[name].machine_value not in (None, [], "")
                and (patient, name) not in own
            ]
            with transaction(db):
                for name in todo:
                    dual.save(db, pmid, patient, name, reviewer=session.reviewer, accept=True)
        except (ValueError, SsehLitError) as e:
            return _answer(request, False, str(e), f"/record/{pmid}", status=422)
        return _answer(
            request, True, f"accepted {len(todo)} fields", f"/record/{pmid}", n=len(todo)
        )

    def add_patient(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        try:
            self.check_structure(session)
            number = corrections.add_patient(
                self.db(),
                pmid,
                reviewer=session.reviewer,
                reason=str(data.get("reason") or "").strip() or "patient missed by the extractor",
            )
        except SsehLitError as e:
            return self.refused(request, session, pmid, e)
        return RedirectResponse(f"/record/{pmid}#patient-{number}", status_code=303)

    def remove_patient(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        try:
            self.check_structure(session)
            corrections.remove_patient(
                self.db(),
                pmid,
                _whole(data),
                reviewer=session.reviewer,
                reason=str(data.get("reason") or "").strip(),
            )
        except SsehLitError as e:
            return self.refused(request, session, pmid, e)
        return RedirectResponse(f"/record/{pmid}", status_code=303)

    def restore_patient(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        try:
            self.check_structure(session)
            corrections.restore_patient(
                self.db(),
                pmid,
                _whole(data),
                reviewer=session.reviewer,
                reason=str(data.get("reason") or "").strip() or "restored in the browser",
            )
        except SsehLitError as e:
            return self.refused(request, session, pmid, e)
        return RedirectResponse(f"/record/{pmid}", status_code=303)

    def resolve_flag(self, request: Request, data: dict[str, Any]) -> Response:
        """Clear an open flag of the record (seen and dealt with), logged with the reason."""
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        db = self.db()
        try:
            flag_id = _whole(data, "flag")
            if not list(db.query("select 1 from flags where id = ? and pmid = ?", [flag_id, pmid])):
                raise NotFoundError(f"record {pmid} has no flag {flag_id}")
            corrections.resolve_flag(
                db,
                flag_id,
                reviewer=session.reviewer,
                reason=str(data.get("reason") or "").strip() or None,
            )
        except SsehLitError as e:
            return self.refused(request, session, pmid, e)
        return RedirectResponse(f"/record/{pmid}", status_code=303)

    def screening_override(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        pmid = request.path_params["pmid"]
        decision = str(data.get("decision", ""))
        try:
            self.check_structure(session)
            screen.override(
                self.db(),
                pmid,
                decision,
                code=(str(data.get("code") or "") or None) if decision == "exclude" else None,
                reason=str(data.get("reason") or ""),
                reviewer=session.reviewer,
            )
        except SsehLitError as e:
            return self.refused(request, session, pmid, e)
        return RedirectResponse(f"/record/{pmid}", status_code=303)

    def refused(
        self, request: Request, session: auth.Session, pmid: str, error: SsehLitError
    ) -> Response:
        """The record page with why a write was refused (422); 404 when the record is not there."""
        try:
            return self.render_record(request, session, pmid, notice=str(error), status=422)
        except NotFoundError as e:
            return self.render(request, "error.html", {"session": session, "message": str(e)}, 404)

    def check_structure(self, session: auth.Session) -> None:
        """In dual review only an adjudicator or admin changes patients or screening."""
        if dual.review_mode(self.db()) == "dual" and session.role not in dual.ADJUDICATOR_ROLES:
            raise ValidationError(
                "in dual review only an adjudicator or admin adds/removes patients or "
                "overrides screening"
            )

    # -- adjudication and admin -----------------------------------------------------------

    def adjudicate_page(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.session(request)
        if session is None:
            return self.login_redirect(request)
        if session.role not in dual.ADJUDICATOR_ROLES:
            return self.render(
                request,
                "error.html",
                {"session": session, "message": "Adjudication is for adjudicators and admins."},
                403,
            )
        db = self.db()
        return self.render(
            request,
            "adjudicate.html",
            {
                "session": session,
                "open": dual.disagreements(db),
                "kappas": dual.kappa_table(db),
                "notice": request.query_params.get("notice"),
            },
        )

    def adjudicate(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        try:
            dual.resolve(
                self.db(),
                str(data.get("pmid", "")),
                _whole(data),
                str(data.get("field", "")),
                submitted(data.get("value")),
                reviewer=session.reviewer,
                reason=str(data.get("reason") or "").strip() or None,
            )
        except (ValueError, SsehLitError) as e:
            return _answer(request, False, str(e), "/adjudicate", status=422)
        return _answer(request, True, "resolved", "/adjudicate")

    def admin_page(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.session(request)
        if session is None:
            return self.login_redirect(request)
        if session.role != "admin":
            return self.render(
                request, "error.html", {"session": session, "message": "Admins only."}, 403
            )
        return self.render(request, "admin.html", {"session": session})

    def set_mode(self, request: Request, data: dict[str, Any]) -> Response:
        session = self.guard(request, data)
        if session.role != "admin":
            raise Forbidden("only an admin changes the review mode")
        try:
            dual.set_review_mode(self.db(), str(data.get("mode", "")))
        except ValidationError as e:
            return _answer(request, False, str(e), "/admin", status=422)
        return RedirectResponse("/admin", status_code=303)

    def home(self, request: Request, data: dict[str, Any]) -> Response:
        return RedirectResponse("/queue", status_code=303)


def _whole(data: dict[str, Any], key: str = "patient") -> int:
    """``data[key]`` (a patient or flag number) as a whole number; ValidationError otherwise.

    A JSON number (1) and form text ("1") are accepted; "x", 1.5, true or a missing value are
    refused with a message, not turned into patient 0 or a Python conversion error.
    """
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        return int(value)
    raise ValidationError(f"{key} must be a whole number (1, 2, …), not {value!r}")


def _latest_entry(
    db: sqlite_utils.Database, pmid: str, patient: int, field: str, reviewer: str
) -> dict[str, Any] | None:
    """The reviewer's newest log entry for one field, value decoded (what a save just wrote)."""
    row = next(
        db.query(
            "select * from reviewer_log where pmid = ? and patient = ? and field = ? "
            "and reviewer = ? order by id desc limit 1",
            [str(pmid), patient, field, reviewer],
        ),
        None,
    )
    if row is None:
        return None
    new = json.loads(row["new_value"]) if row["new_value"] is not None else None
    if row["action"] == "accept" and new is None:
        new = dual.machine_value(db, pmid, patient, field)
    return {
        "id": row["id"],
        "action": row["action"],
        "role": row["role"],
        "reviewer": row["reviewer"],
        "timestamp": row["timestamp"],
        "reason": row["reason"],
        "value": new,
        "display": display(new),
    }


def _wants_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(
        "application/json"
    ) or "application/json" in request.headers.get("accept", "")


def _answer(
    request: Request, ok: bool, message: str, location: str, *, status: int = 200, **extra: Any
) -> Response:
    """JSON for fetch() callers; otherwise a redirect carrying a short notice."""
    if _wants_json(request):
        return JSONResponse(
            {"ok": ok, ("message" if ok else "error"): message, **extra}, status if not ok else 200
        )
    sep = "&" if "?" in location else "?"
    return RedirectResponse(f"{location}{sep}{urlencode({'notice': message})}", status_code=303)


def _safe_next(target: Any) -> str | None:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def _forbidden_handler(request: Request, exc: Exception) -> Response:
    message = f"Forbidden: {exc}"
    if _wants_json(request):
        return JSONResponse({"ok": False, "error": message}, status_code=403)
    return PlainTextResponse(message, status_code=403)


def create_app(
    db_path: str | Path,
    *,
    session_ttl: int = auth.DEFAULT_TTL_SECONDS,
    secure_cookies: bool = False,
) -> Starlette:
    """The ASGI app serving the review UI for the corpus DB at ``db_path``.

    ``session_ttl`` is the session lifetime in seconds; ``secure_cookies`` marks cookies
    ``Secure`` (set it when serving behind HTTPS).
    """
    app = ReviewApp(db_path, session_ttl=session_ttl, secure_cookies=secure_cookies)
    post = ["POST"]
    routes = [
        Route("/", app.endpoint(app.home)),
        Route("/login", app.endpoint(app.login_page), methods=["GET"]),
        Route("/login", app.endpoint(app.login), methods=post),
        Route("/logout", app.endpoint(app.logout), methods=post),
        Route("/queue", app.endpoint(app.queue_page)),
        Route("/record/{pmid}", app.endpoint(app.record_page), methods=["GET"]),
        Route("/record/{pmid}/field", app.endpoint(app.save_field), methods=post),
        Route("/record/{pmid}/accept-all", app.endpoint(app.accept_all), methods=post),
        Route("/record/{pmid}/patients/add", app.endpoint(app.add_patient), methods=post),
        Route("/record/{pmid}/patients/remove", app.endpoint(app.remove_patient), methods=post),
        Route("/record/{pmid}/screening", app.endpoint(app.screening_override), methods=post),
        Route("/record/{pmid}/patients/restore", app.endpoint(app.restore_patient), methods=post),
        Route("/record/{pmid}/flags/resolve", app.endpoint(app.resolve_flag), methods=post),
        Route("/adjudicate", app.endpoint(app.adjudicate_page), methods=["GET"]),
        Route("/adjudicate", app.endpoint(app.adjudicate), methods=post),
        Route("/admin", app.endpoint(app.admin_page), methods=["GET"]),
        Route("/admin/mode", app.endpoint(app.set_mode), methods=post),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    starlette = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={Forbidden: _forbidden_handler},
    )
    starlette.state.review = app
    return starlette
