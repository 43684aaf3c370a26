"""Reviewer accounts: names, roles and scrypt-hashed passwords.

Passwords are never stored: each account keeps ``scrypt$n$r$p$salt$hash`` (hashlib.scrypt with a
random per-user salt) and :func:`verify_password` compares in constant time. Roles: ``reviewer``
(corrects and accepts), ``adjudicator`` (also settles dual-review disagreements) and ``admin``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

import sqlite_utils

from ..db import transaction, utcnow
from ..errors import NotFoundError, ValidationError

ROLES = ("reviewer", "adjudicator", "admin")
MIN_PASSWORD_LENGTH = 6
#: scrypt cost parameters (n=2**14, r=8, p=1: ~16 MiB, tens of ms — the usual interactive choice).
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2**14, 8, 1, 32
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt_hex$hash_hex`` for ``password`` (a fresh random salt by default)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=SCRYPT_DKLEN,
        maxmem=64 * 1024 * 1024,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def _check(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(hash_hex) // 2,
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)


#: Compared against when the reviewer does not exist, so a wrong name costs as long as a
#: wrong password (no user enumeration by timing).
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * 16}${'00' * SCRYPT_DKLEN}"


def add_reviewer(
    db: sqlite_utils.Database, name: str, password: str, role: str = "reviewer"
) -> dict[str, Any]:
    """Create a reviewer account and return it (without the hash).

    Raises :class:`ValidationError` for a bad name, role or short password, or a taken name.
    """
    name = (name or "").strip()
    if not _NAME_RE.match(name):
        raise ValidationError(
            f"reviewer name {name!r} is not valid: use 1–64 letters, digits, '.', '_', '-' or '@'"
        )
    if role not in ROLES:
        raise ValidationError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    row = {
        "name": name,
        "role": role,
        "password_hash": hash_password(password),
        "created_at": utcnow(),
        "active": 1,
    }
    with transaction(db):
        if db.execute("select 1 from reviewers where name = ?", [name]).fetchone():
            raise ValidationError(f"reviewer {name!r} already exists; choose another name")
        db["reviewers"].insert(row)
    return _public(row)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("name", "role", "created_at", "active")}


def get_reviewer(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """The account ``name`` (name, role, created_at, active); :class:`NotFoundError` if none."""
    rows = list(db.query("select * from reviewers where name = ?", [(name or "").strip()]))
    if not rows:
        known = [r["name"] for r in list_reviewers(db)]
        hint = f"known reviewers: {', '.join(known)}" if known else "no reviewers yet"
        raise NotFoundError(
            f"unknown reviewer {name!r} ({hint}); add one with `sseh-lit reviewer add NAME`"
        )
    return _public(rows[0])


def require_active(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """The account ``name`` if it exists and is active; :class:`NotFoundError` otherwise."""
    reviewer = get_reviewer(db, name)
    if not reviewer["active"]:
        raise NotFoundError(f"reviewer {name!r} is deactivated; ask an admin")
    return reviewer


def list_reviewers(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every account, by name (no hashes)."""
    return [
        _public(r)
        for r in db.query("select name, role, created_at, active from reviewers order by name")
    ]


def verify_password(db: sqlite_utils.Database, name: str, password: str) -> bool:
    """True when ``name`` is an active reviewer and ``password`` matches (constant-time compare)."""
    rows = list(
        db.query("select password_hash, active from reviewers where name = ?", [name or ""])
    )
    stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
    ok = _check(stored or _DUMMY_HASH, password or "")
    return bool(rows) and bool(rows[0]["active"]) and ok
