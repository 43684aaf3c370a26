"""The one append-only reviewer log.

Every reviewer act — a field correction, an accepted machine value, an added or removed patient,
a screening override, a decision on a probable duplicate — is one row of ``reviewer_log``
(who, when, old, new, why). Rows are only ever inserted: SQLite triggers abort any UPDATE or
DELETE. The current value of anything a reviewer touched is the *latest* row for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from ..db import transaction, utcnow

#: The kinds of reviewer act the log holds.
ACTIONS = (
    "correct",  # set a field's value (new_value may be null: "not stated")
    "accept",  # confirm the machine value as it is
    "add_patient",  # an individual patient the extractor missed
    "remove_patient",  # a patient the extractor invented
    "screen_override",  # include/exclude a record against the rules (field = "screening")
    "duplicate_decision",  # a probable duplicate pair confirmed or rejected
    "flag_resolved",  # a "machine changed" or other flag seen and cleared
)


def append(
    db: sqlite_utils.Database,
    *,
    pmid: str,
    action: str,
    reviewer: str,
    reason: str | None = None,
    patient: int | None = None,
    field: str | None = None,
    old_value: Any = None,
    new_value: Any = None,
    role: str = "single",
) -> int:
    """Insert one reviewer act and return its id. Values are stored JSON-encoded."""
    if action not in ACTIONS:
        raise ValueError(f"unknown reviewer action {action!r}; expected one of {ACTIONS}")
    row = {
        "pmid": str(pmid),
        "patient": patient,
        "field": field,
        "action": action,
        "old_value": json.dumps(old_value),
        "new_value": json.dumps(new_value),
        "reviewer": reviewer,
        "role": role,
        "timestamp": utcnow(),
        "reason": reason,
    }
    with transaction(db):
        return int(db["reviewer_log"].insert(row).last_pk)


def entries(
    db: sqlite_utils.Database,
    pmid: str | None = None,
    *,
    action: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Log rows in the order they were written, values decoded; optionally for one record/action."""
    where, params = [], []
    if pmid is not None:
        where.append("pmid = ?")
        params.append(str(pmid))
    if action is not None:
        where.append("action = ?")
        params.append(action)
    sql = "select * from reviewer_log"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by id"
    for row in db.query(sql, params):
        row["old_value"] = json.loads(row["old_value"]) if row["old_value"] is not None else None
        row["new_value"] = json.loads(row["new_value"]) if row["new_value"] is not None else None
        yield row
