"""Reviewer accounts: scrypt-hashed passwords, roles, lookups."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from sseh_lit.db import connect
from sseh_lit.errors import NotFoundError, ValidationError
from sseh_lit.review import reviewers


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    return connect(db_path)


def test_password_is_hashed_with_a_salt_and_verified(db: sqlite_utils.Database) -> None:
    reviewers.add_reviewer(db, "ann", "correct horse")
    reviewers.add_reviewer(db, "bob", "correct horse")
    stored = {r["name"]: r["password_hash"] for r in db["reviewers"].rows}
    assert all("correct horse" not in h and h.startswith("scrypt$") for h in stored.values())
    assert stored["ann"] != stored["bob"]  # per-user salt
    assert reviewers.verify_password(db, "ann", "correct horse")
    assert not reviewers.verify_password(db, "ann", "correct horsE")
    assert not reviewers.verify_password(db, "nobody", "correct horse")


def test_inactive_reviewer_cannot_log_in(db: sqlite_utils.Database) -> None:
    reviewers.add_reviewer(db, "ann", "secret-1")
    db.execute("update reviewers set active = 0 where name = 'ann'")
    assert not reviewers.verify_password(db, "ann", "secret-1")
    with pytest.raises(NotFoundError, match="deactivated"):
        reviewers.require_active(db, "ann")


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("", "secret-1", "reviewer", "not valid"),
        ("has space", "secret-1", "reviewer", "not valid"),
        ("ann", "123", "reviewer", "at least"),
        ("ann", "secret-1", "boss", "unknown role"),
    ],
)
def test_bad_accounts_are_refused(
    db: sqlite_utils.Database, name: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        reviewers.add_reviewer(db, name, password, role=role)
    assert reviewers.list_reviewers(db) == []


def test_roles_listing_and_duplicates(db: sqlite_utils.Database) -> None:
    reviewers.add_reviewer(db, "zoe", "secret-1", role="admin")
    reviewers.add_reviewer(db, "ann", "secret-2", role="adjudicator")
    assert [(r["name"], r["role"]) for r in reviewers.list_reviewers(db)] == [
        ("ann", "adjudicator"),
        ("zoe", "admin"),
    ]
    assert reviewers.get_reviewer(db, "zoe")["role"] == "admin"
    assert "password_hash" not in reviewers.get_reviewer(db, "zoe")
    with pytest.raises(ValidationError, match="already exists"):
        reviewers.add_reviewer(db, "ann", "secret-3")
    with pytest.raises(NotFoundError, match="known reviewers: ann, zoe"):
        reviewers.get_reviewer(db, "bob")
