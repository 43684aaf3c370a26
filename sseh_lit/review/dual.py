"""Blind dual review and adjudication, on top of the one reviewer log.

When the project setting ``review_mode`` is ``dual``, the first two reviewers who work on a
record are its ``first`` and ``second`` reviewer; their corrections and acceptances are written
to ``reviewer_log`` with that role (through :mod:`sseh_lit.review.corrections`, so the same
validation applies) and the dataset ignores them. Each sees only the machine value and their own
entries. When their latest values for a field agree, a ``consensus`` entry is written and becomes
the current value; when they differ, the field is listed by :func:`disagreements` until an
adjudicator (a third reviewer with the adjudicator or admin role) resolves it with an
``adjudicator`` entry. :func:`cohen_kappa` measures agreement per field between the two.

Roles are derived from the log itself (who wrote the first ``first`` entry on a record), so there
is no second store to keep in step; assignment and the write happen in one transaction, so two
reviewers starting at once cannot both become ``first``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..db import transaction
from ..errors import ValidationError
from . import corrections, log

MODES = ("single", "dual")
BLIND_ROLES = ("first", "second")
ADJUDICATOR_ROLES = ("adjudicator", "admin")
CONSENSUS_REASON = "dual review: both reviewers entered the same value"


@dataclass(frozen=True)
class Entry:
    """A reviewer's latest value for one field in dual review."""

    id: int
    reviewer: str
    value: Any


@dataclass(frozen=True)
class Disagreement:
    """A field where the first and second reviewer's latest values differ."""

    pmid: str
    patient: int
    field: str
    machine_value: Any
    first: Entry
    second: Entry
    resolved: Entry | None = None  # the adjudicator's entry, once there is one


@dataclass(frozen=True)
class Kappa:
    """Agreement between the two reviewers on one field."""

    field: str
    n: int  # items both reviewers rated
    agreement: float | None  # observed proportion of agreement
    kappa: float | None  # Cohen's κ; None when undefined (no items, or one category only)


def review_mode(db: sqlite_utils.Database) -> str:
    """``single`` (default) or ``dual``, from the ``settings`` table."""
    row = next(db.query("select value from settings where key = 'review_mode'"), None)
    return str(row["value"]) if row and row["value"] in MODES else "single"


def set_review_mode(db: sqlite_utils.Database, mode: str) -> None:
    """Switch the project between ``single`` and ``dual`` review."""
    if mode not in MODES:
        raise ValidationError(f"review mode must be one of {', '.join(MODES)}, not {mode!r}")
    with transaction(db):
        db["settings"].upsert({"key": "review_mode", "value": mode}, pk="key")


def assignments(db: sqlite_utils.Database, pmid: str) -> dict[str, str]:
    """``{"first": name, "second": name}`` for the reviewers already assigned to a record."""
    found: dict[str, str] = {}
    for row in db.query(
        "select role, reviewer from reviewer_log where pmid = ? and role in ('first', 'second') "
        "order by id",
        [str(pmid)],
    ):
        found.setdefault(row["role"], row["reviewer"])
    return found


def role_for(db: sqlite_utils.Database, pmid: str, reviewer: str) -> str:
    """The log role ``reviewer``'s field entries on ``pmid`` get: single, first, second or adjudicator.

    In dual mode an account with the adjudicator or admin role writes ``adjudicator`` entries
    (it sees both reviewers' values, so it cannot be a blind reviewer); a third plain reviewer is
    refused: the record already has its two blind reviewers and what is left is adjudication.
    """
    if review_mode(db) != "dual":
        return "single"
    taken = assignments(db, pmid)
    for role, name in taken.items():
        if name == reviewer:
            return role
    account = next(db.query("select role from reviewers where name = ?", [reviewer]), None)
    if account and account["role"] in ADJUDICATOR_ROLES:
        return "adjudicator"  # adjudicators see both reviewers' entries, so they never review blind
    for role in BLIND_ROLES:
        if role not in taken:
            return role
    raise ValidationError(
        f"record {pmid} already has two reviewers ({taken['first']}, {taken['second']}); "
        "disagreements go to an adjudicator"
    )


def role_for_display(db: sqlite_utils.Database, pmid: str, reviewer: str) -> str | None:
    """Like :func:`role_for` but never raises: ``None`` when the record is full (or single mode)."""
    if review_mode(db) != "dual":
        return None
    try:
        return role_for(db, pmid, reviewer)
    except ValidationError:
        return None


def machine_value(db: sqlite_utils.Database, pmid: str, patient: int, field: str) -> Any:
    """The extractor's current value for one field (``None`` when it found none)."""
    row = next(
        db.query(
            "select value from extractions where pmid = ? and patient = ? and field = ?",
            [str(pmid), patient, field],
        ),
        None,
    )
    return json.loads(row["value"]) if row and row["value"] is not None else None


def canonical(value: Any) -> str:
    """A comparable key for a value: JSON with sorted keys, lists as sets (agents)."""
    if isinstance(value, list):
        value = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, str):
        value = value.strip().lower()
    return json.dumps(value, sort_keys=True)


def _effective(db: sqlite_utils.Database, row: dict[str, Any]) -> Any:
    """The value a log row stands for: the new value, or the machine value for a bare accept."""
    if row["action"] == "accept" and row["new_value"] is None:
        return machine_value(db, row["pmid"], row["patient"], row["field"])
    return row["new_value"]


def _latest_by_role(db: sqlite_utils.Database, pmid: str | None = None) -> dict[tuple, dict]:
    """``{(pmid, patient, field): {role: Entry}}`` — the latest field entry per dual role."""
    sql = (
        "select * from reviewer_log where role in ('first', 'second', 'adjudicator', 'consensus') "
        "and action in ('correct', 'accept') and field is not null"
    )
    params: list[Any] = []
    if pmid is not None:
        sql += " and pmid = ?"
        params.append(str(pmid))
    items: dict[tuple, dict] = {}
    for row in db.query(sql + " order by id", params):
        for key in ("old_value", "new_value"):
            row[key] = json.loads(row[key]) if row[key] is not None else None
        item = items.setdefault((row["pmid"], row["patient"], row["field"]), {})
        item[row["role"]] = Entry(row["id"], row["reviewer"], _effective(db, row))
    return items


def save(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int,
    field: str,
    value: Any = None,
    *,
    reviewer: str,
    reason: str | None = None,
    accept: bool = False,
) -> str:
    """Record one reviewer's correction (or acceptance) in the current mode; return the role used.

    Single mode writes a ``single`` entry. Dual mode writes a ``first``/``second`` entry and,
    when both reviewers now agree, a ``consensus`` entry that becomes the current value; an
    adjudicator's save is an ``adjudicator`` entry (see :func:`role_for`).
    Validation errors from :mod:`~sseh_lit.review.corrections` propagate unchanged.
    """
    with transaction(db):
        role = role_for(db, pmid, reviewer)
        if accept:
            corrections.accept(db, pmid, patient, field, reviewer=reviewer, role=role)
        else:
            corrections.correct(
                db, pmid, patient, field, value, reviewer=reviewer, reason=reason, role=role
            )
        if role in BLIND_ROLES:
            _maybe_consensus(db, pmid, patient, field)
    return role


def _maybe_consensus(db: sqlite_utils.Database, pmid: str, patient: int, field: str) -> None:
    item = _latest_by_role(db, pmid).get((str(pmid), patient, field), {})
    first, second = item.get("first"), item.get("second")
    if first is None or second is None or canonical(first.value) != canonical(second.value):
        return
    done = item.get("consensus")
    if done and done.id > max(first.id, second.id):
        return
    if done and canonical(done.value) == canonical(first.value):
        return
    log.append(
        db,
        pmid=str(pmid),
        patient=patient,
        field=field,
        action="correct",
        old_value=machine_value(db, pmid, patient, field),
        new_value=second.value if second.id > first.id else first.value,
        reviewer=second.reviewer if second.id > first.id else first.reviewer,
        reason=CONSENSUS_REASON,
        role="consensus",
    )


def own_entries(db: sqlite_utils.Database, pmid: str, reviewer: str) -> dict[tuple[int, str], Any]:
    """What a blind reviewer may see of the log: ``{(patient, field): their latest value}``."""
    seen: dict[tuple[int, str], Any] = {}
    for row in db.query(
        "select * from reviewer_log where pmid = ? and reviewer = ? and role in ('first', 'second') "
        "and action in ('correct', 'accept') order by id",
        [str(pmid), reviewer],
    ):
        row["new_value"] = json.loads(row["new_value"]) if row["new_value"] is not None else None
        seen[(row["patient"], row["field"])] = _effective(db, row)
    return seen


def disagreements(
    db: sqlite_utils.Database, *, include_resolved: bool = False
) -> list[Disagreement]:
    """Fields whose first and second values differ, oldest first; open ones unless asked."""
    found = []
    for (pmid, patient, field), item in _latest_by_role(db).items():
        first, second = item.get("first"), item.get("second")
        if first is None or second is None or canonical(first.value) == canonical(second.value):
            continue
        adj = item.get("adjudicator")
        resolved = adj if adj and adj.id > max(first.id, second.id) else None
        if resolved and not include_resolved:
            continue
        found.append(
            Disagreement(
                pmid,
                patient,
                field,
                machine_value(db, pmid, patient, field),
                first,
                second,
                resolved,
            )
        )
    return sorted(found, key=lambda d: max(d.first.id, d.second.id))


def resolve(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int,
    field: str,
    value: Any,
    *,
    reviewer: str,
    reason: str | None = None,
) -> int:
    """An adjudicator settles a disagreement; the value is validated like any correction.

    Only an adjudicator or admin who was not one of the record's two blind reviewers may resolve.
    Returns the id of the ``adjudicator`` log entry.
    """
    row = next(db.query("select role from reviewers where name = ?", [reviewer]), None)
    if row is None or row["role"] not in ADJUDICATOR_ROLES:
        raise ValidationError(f"{reviewer} is not an adjudicator; ask an admin to grant the role")
    if reviewer in assignments(db, pmid).values():
        raise ValidationError(f"{reviewer} reviewed record {pmid} and cannot adjudicate it")
    with transaction(db):
        corrections.correct(
            db,
            pmid,
            patient,
            field,
            value,
            reviewer=reviewer,
            reason=reason or "adjudication",
            role="adjudicator",
        )
        return int(next(db.query("select max(id) as id from reviewer_log"))["id"])


def cohen_kappa(db: sqlite_utils.Database, field: str) -> Kappa:
    """Cohen's κ between the first and second reviewer over every item both rated for ``field``."""
    pairs = [
        (canonical(item["first"].value), canonical(item["second"].value))
        for (_, _, f), item in _latest_by_role(db).items()
        if f == field and "first" in item and "second" in item
    ]
    return kappa_of(field, pairs)


def kappa_of(field: str, pairs: list[tuple[str, str]]) -> Kappa:
    """κ = (pₒ − pₑ) / (1 − pₑ) from paired category labels (pure; undefined cases give None)."""
    n = len(pairs)
    if n == 0:
        return Kappa(field, 0, None, None)
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first.keys() | second.keys()) / (n * n)
    if expected >= 1.0:
        return Kappa(field, n, observed, None)
    return Kappa(field, n, observed, (observed - expected) / (1 - expected))


def kappa_table(db: sqlite_utils.Database) -> list[Kappa]:
    """κ for every field the two reviewers have both rated at least once."""
    fields = sorted(
        {
            f
            for (_, _, f), item in _latest_by_role(db).items()
            if "first" in item and "second" in item
        }
    )
    return [cohen_kappa(db, f) for f in fields]
