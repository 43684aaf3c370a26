"""Browser sessions, signed cookies and CSRF tokens.

A session is one row of ``web_sessions`` (random token, reviewer, CSRF token, expiry). The
browser holds only the token, signed with a per-database secret (``settings.web_secret``) so a
guessed or altered cookie is rejected before the DB is asked. Every POST must carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); the login form,
which has no session yet, uses a signed double-submit cookie instead. Repeated failed sign-ins
are slowed down by :class:`SignInThrottle` (per reviewer name and per client address).
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils
from itsdangerous import BadSignature, Signer

from ...db import transaction, utcnow

SESSION_COOKIE = "sseh_session"
LOGIN_COOKIE = "sseh_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: Default session lifetime: one working day.
DEFAULT_TTL_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    """A signed-in reviewer's browser session."""

    token: str
    reviewer: str
    role: str
    csrf: str
    expires_at: str


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def secret_key(db: sqlite_utils.Database) -> str:
    """The cookie-signing secret of this database, created on first use and kept in ``settings``."""
    row = next(db.query("select value from settings where key = 'web_secret'"), None)
    if row:
        return str(row["value"])
    with transaction(db):
        db.execute(
            "insert or ignore into settings (key, value) values ('web_secret', ?)",
            [secrets.token_urlsafe(32)],
        )
    return str(next(db.query("select value from settings where key = 'web_secret'"))["value"])


def signer(secret: str, salt: str = "session") -> Signer:
    """An itsdangerous signer for cookie values (salted per cookie kind)."""
    return Signer(secret, salt=f"sseh-lit-{salt}")


def create_session(
    db: sqlite_utils.Database, reviewer: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS
) -> tuple[str, str]:
    """Start a session for ``reviewer``; return ``(token, csrf)``. Expired sessions are purged."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with transaction(db):
        db.execute("delete from web_sessions where expires_at <= ?", [_iso(now)])
        db["web_sessions"].insert(
            {
                "token": token,
                "reviewer": reviewer,
                "csrf": csrf,
                "created_at": utcnow(),
                "expires_at": _iso(now + timedelta(seconds=ttl_seconds)),
            }
        )
    return token, csrf


def load_session(db: sqlite_utils.Database, token: str | None) -> Session | None:
    """The live session for ``token`` (with the reviewer's current role), or ``None``.

    ``None`` when the token is unknown, the session has expired, or the reviewer has since been
    deactivated — so revoking a reviewer ends their sessions at once.
    """
    if not token:
        return None
    row = next(
        db.query(
            """select s.token, s.reviewer, s.csrf, s.expires_at, r.role, r.active
            from web_sessions s join reviewers r on r.name = s.reviewer
            where s.token = ?""",
            [token],
        ),
        None,
    )
    if row is None or row["expires_at"] <= _iso(datetime.now(UTC)):
        return None
    if row["active"] is not None and not row["active"]:
        return None
    return Session(
        row["token"], row["reviewer"], row["role"] or "reviewer", row["csrf"], row["expires_at"]
    )


def end_session(db: sqlite_utils.Database, token: str) -> None:
    """Sign out: forget the session."""
    with transaction(db):
        db.execute("delete from web_sessions where token = ?", [token])


def unsign(secret: str, value: str | None, salt: str = "session") -> str | None:
    """The payload of a signed cookie, or ``None`` when it is missing or tampered with."""
    if not value:
        return None
    try:
        return signer(secret, salt).unsign(value).decode()
    except BadSignature:
        return None


def tokens_nonce() -> str:
    """A fresh random value for the login form's double-submit CSRF check."""
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, supplied: object) -> bool:
    """Constant-time comparison of a CSRF token; a missing or non-text token never matches.

    ``supplied`` comes from the request (a header, a form field or any JSON value).
    """
    if not expected or not isinstance(supplied, str) or not supplied:
        return False
    return hmac.compare_digest(expected.encode(), supplied.encode())


#: Failed sign-ins allowed per name (and per client address) within :data:`THROTTLE_WINDOW`.
MAX_FAILED_SIGN_INS = 5
#: Seconds over which failures are counted; the block lifts when the oldest one ages out.
THROTTLE_WINDOW = 15 * 60


class SignInThrottle:
    """Refuse sign-in attempts for a name or client address after repeated failures.

    Passwords are scrypt-hashed and compared in constant time, but nothing stopped a script
    from guessing without end. After :data:`MAX_FAILED_SIGN_INS` failures within
    :data:`THROTTLE_WINDOW` seconds, further attempts for that reviewer name, or from that
    client address, are refused (HTTP 429) until the oldest failure is older than the window,
    whatever the password. A success clears the name's failures. Kept in memory (one review
    server process); thread-safe because handlers run in a thread pool.
    """

    def __init__(
        self,
        limit: int = MAX_FAILED_SIGN_INS,
        window: float = THROTTLE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait_seconds(self, name: str, address: str) -> int:
        """Seconds until ``name`` from ``address`` may try again; 0 when allowed now."""
        now = self.clock()
        with self._lock:
            wait = 0.0
            for key in (f"name:{name.lower()}", f"addr:{address}"):
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    wait = max(wait, times[0] + self.window - now)
        return math.ceil(wait)

    def failed(self, name: str, address: str) -> None:
        """Count one failed attempt against the name and the address."""
        now = self.clock()
        with self._lock:
            for key in (f"name:{name.lower()}", f"addr:{address}"):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        """Forget the name's failures (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"name:{name.lower()}", None)
