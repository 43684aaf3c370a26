"""The corrections service: every reviewer act goes through here into the append-only log.

Each function validates first (nothing is stored for a bad value or an unknown reviewer; the log
gets the account's stored name, so " ann " is logged as "ann"), then
writes in one short ``BEGIN IMMEDIATE`` transaction, reading the current value inside it so the
logged ``old_value`` is exactly what the reviewer replaced: two reviewers saving the same field
queue on the write lock and both entries are kept, in order. Re-extraction never touches the
log, so these acts stay in force (see :mod:`sseh_lit.dataset`).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ..dataset import CurrentValue, patient_view
from ..db import transaction, utcnow
from ..errors import NotFoundError, ValidationError
from . import log
from .reviewers import require_active
from .validate import get_field, validate, validate_patient

#: Roles a log entry can carry: single review, the two blind dual reviewers, the adjudicator,
#: and the consensus entry written when both blind reviewers agree.
LOG_ROLES = ("single", "first", "second", "adjudicator", "consensus")


def _check_role(role: str) -> None:
    if role not in LOG_ROLES:
        raise ValidationError(f"unknown review role {role!r}; use one of: {', '.join(LOG_ROLES)}")


def _require_article(db: sqlite_utils.Database, pmid: str) -> None:
    if not db.execute("select 1 from articles where pmid = ?", [pmid]).fetchone():
        raise NotFoundError(f"no record with PMID {pmid} in the corpus; check the number")


def _live_patient(db: sqlite_utils.Database, pmid: str, patient: int) -> Any:
    view = patient_view(db, pmid, patient)
    if view.removed:
        raise ValidationError(
            f"patient {patient} of {pmid} was removed; restore it first "
            f"(`sseh-lit restore-patient {pmid} --patient {patient} …`)"
        )
    return view


def _result(
    db: sqlite_utils.Database, pmid: str, patient: int, field: str, role: str, entry: dict
) -> CurrentValue:
    """The value now in force after an act (for a blind role: the reviewer's own entry)."""
    current = patient_view(db, pmid, patient).values[field]
    if role in ("first", "second"):
        return CurrentValue(
            value=entry["new_value"],
            source="reviewer",
            confidence=1.0,
            reviewer=entry["reviewer"],
            timestamp=utcnow(),
            machine_value=current.machine_value,
        )
    return current


def correct(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int,
    field: str,
    value: Any,
    *,
    reviewer: str,
    reason: str | None,
    role: str = "single",
) -> CurrentValue:
    """Set ``field`` of one patient to ``value`` ("null"/"" clears it: the text does not say).

    The value is validated (per field, then against the patient's other current values) before
    anything is written; ``old_value`` in the log is the value that was current.
    """
    pmid = str(pmid)
    spec = get_field(field)
    new = validate(spec.name, value)
    _check_role(role)
    reviewer = require_active(db, reviewer)["name"]
    with transaction(db):
        view = _live_patient(db, pmid, patient)
        merged = {**view.plain(), spec.name: new}
        validate_patient(merged, changed=spec.name)
        entry = {
            "pmid": pmid,
            "patient": int(patient),
            "field": spec.name,
            "action": "correct",
            "old_value": view.values[spec.name].value,
            "new_value": new,
            "reviewer": reviewer,
            "reason": reason,
            "role": role,
        }
        log.append(db, **entry)
    return _result(db, pmid, int(patient), spec.name, role, entry)


def accept(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int,
    field: str,
    *,
    reviewer: str,
    role: str = "single",
    reason: str | None = None,
) -> CurrentValue:
    """Confirm the machine's value of ``field`` as it is now (it stays in force after re-runs)."""
    pmid = str(pmid)
    spec = get_field(field)
    _check_role(role)
    reviewer = require_active(db, reviewer)["name"]
    with transaction(db):
        view = _live_patient(db, pmid, patient)
        current = view.values[spec.name]
        entry = {
            "pmid": pmid,
            "patient": int(patient),
            "field": spec.name,
            "action": "accept",
            "old_value": current.value,
            "new_value": current.machine_value,
            "reviewer": reviewer,
            "reason": reason,
            "role": role,
        }
        log.append(db, **entry)
    return _result(db, pmid, int(patient), spec.name, role, entry)


def add_patient(
    db: sqlite_utils.Database,
    pmid: str,
    *,
    reviewer: str,
    reason: str | None,
    values: dict[str, Any] | None = None,
    label: str | None = None,
) -> int:
    """Add a patient the extractor missed; return its new number (max known number + 1).

    ``values`` (field → value) are validated first and logged as corrections of the new patient.
    """
    pmid = str(pmid)
    clean = {get_field(k).name: validate(k, v) for k, v in (values or {}).items()}
    validate_patient(clean)
    reviewer = require_active(db, reviewer)["name"]
    with transaction(db):
        _require_article(db, pmid)
        top = db.execute(
            """select max(n) from (select max(patient) as n from patients where pmid = ?
               union all select max(patient) from reviewer_log where pmid = ?)""",
            [pmid, pmid],
        ).fetchone()[0]
        number = int(top or 0) + 1
        now = utcnow()
        db["patients"].insert(
            {
                "pmid": pmid,
                "patient": number,
                "label": label,
                "status": "reviewer_added",
                "created_at": now,
                "updated_at": now,
            }
        )
        log.append(
            db,
            pmid=pmid,
            patient=number,
            action="add_patient",
            new_value={"label": label} if label else None,
            reviewer=reviewer,
            reason=reason,
        )
        for name, value in clean.items():
            if value is None:
                continue
            log.append(
                db,
                pmid=pmid,
                patient=number,
                field=name,
                action="correct",
                old_value=None,
                new_value=value,
                reviewer=reviewer,
                reason=reason,
            )
    return number


def remove_patient(
    db: sqlite_utils.Database, pmid: str, patient: int, *, reviewer: str, reason: str | None
) -> None:
    """Mark a patient as not a real individual patient (an extractor false positive).

    The patient keeps its number and its history; :func:`restore_patient` undoes this.
    """
    pmid = str(pmid)
    reviewer = require_active(db, reviewer)["name"]
    with transaction(db):
        view = _live_patient(db, pmid, patient)
        log.append(
            db,
            pmid=pmid,
            patient=int(patient),
            action="remove_patient",
            old_value={"label": view.label, "origin": view.origin},
            reviewer=reviewer,
            reason=reason,
        )


def restore_patient(
    db: sqlite_utils.Database, pmid: str, patient: int, *, reviewer: str, reason: str | None
) -> None:
    """Undo a removal (logged as an ``add_patient`` act for the same number)."""
    pmid = str(pmid)
    reviewer = require_active(db, reviewer)["name"]
    with transaction(db):
        view = patient_view(db, pmid, patient)
        if not view.removed:
            raise ValidationError(f"patient {patient} of {pmid} is not removed; nothing to restore")
        log.append(
            db,
            pmid=pmid,
            patient=int(patient),
            action="add_patient",
            new_value={"restore": True},
            reviewer=reviewer,
            reason=reason,
        )


def history(
    db: sqlite_utils.Database,
    pmid: str,
    patient: int | None = None,
    field: str | None = None,
) -> list[dict[str, Any]]:
    """The reviewer log of one record in the order written, optionally for a patient/field.

    An unknown field name is refused (a typo would otherwise read as "no acts").
    """
    pmid = str(pmid)
    if field is not None:
        field = get_field(field).name
    rows = [
        row
        for row in log.entries(db, pmid)
        if (patient is None or row["patient"] == int(patient))
        and (field is None or row["field"] == field)
    ]
    if not rows and not db.execute("select 1 from articles where pmid = ?", [pmid]).fetchone():
        raise NotFoundError(f"no record with PMID {pmid} in the corpus and no history for it")
    return rows


def resolve_flag(
    db: sqlite_utils.Database, flag_id: int, *, reviewer: str, reason: str | None = None
) -> dict[str, Any]:
    """Clear an open flag (e.g. "machine changed since review") and log who did it and why."""
    reviewer = require_active(db, reviewer)["name"]
    with transaction(db):
        rows = list(db.query("select * from flags where id = ?", [int(flag_id)]))
        if not rows:
            raise NotFoundError(f"no flag with id {flag_id}; see `sseh-lit show PMID`")
        flag = rows[0]
        if flag["cleared_at"]:
            raise ValidationError(
                f"flag {flag_id} was already resolved by {flag['cleared_by']} at "
                f"{flag['cleared_at']}"
            )
        now = utcnow()
        db.execute(
            "update flags set cleared_at = ?, cleared_by = ? where id = ?",
            [now, reviewer, int(flag_id)],
        )
        log.append(
            db,
            pmid=flag["pmid"],
            patient=flag["patient"],
            field=flag["kind"],
            action="flag_resolved",
            old_value=flag["detail"],
            reviewer=reviewer,
            reason=reason,
        )
        flag.update(cleared_at=now, cleared_by=reviewer)
    return flag
