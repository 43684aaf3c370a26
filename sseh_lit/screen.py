"""Screening: is a record a spontaneous spinal epidural haematoma (SSEH) case, and if not, why not.

Three layers, each usable alone:

* :func:`screen_record` — a PURE function over one record's title, abstract and metadata that
  returns a :class:`Decision` (include, or an exclusion reason code from ``gold/SCHEMA.md``) with a
  confidence. The patterns live in ``rules/screening.json`` (see :mod:`sseh_lit.screen_rules`).
* :func:`screen_db` — stores the rules' decision per record in ``screening`` and re-screens
  records whose content or whose rules version changed.
* :func:`override` / :func:`current_decision` / :func:`included_pmids` — a reviewer's
  ``screen_override`` in the append-only reviewer log always wins over the rules.

Sensitivity comes first: losing a true case costs more than reviewing a false one, so doubtful
decisions lean to *include* and are queued for a reviewer (``needs_review`` plus a
``screening_doubtful`` flag).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .db import transaction, utcnow
from .errors import NotFoundError, ValidationError
from .review import log
from .screen_rules import RULES_VERSION, decide, decide_reason

__all__ = [
    "EXCLUSION_CODES",
    "INCLUDE_CODE",
    "REASON_CODES",
    "RULES_VERSION",
    "Decision",
    "EffectiveDecision",
    "ScreenSummary",
    "current_decision",
    "included_pmids",
    "override",
    "schema_code",
    "screen_db",
    "screen_reason",
    "screen_record",
]

#: Reason code of an included record.
INCLUDE_CODE = "sseh_case"
#: Exclusion reason codes (gold/SCHEMA.md plus "retracted").
EXCLUSION_CODES = (
    "not_epidural",
    "traumatic",
    "iatrogenic",
    "no_individual_patient",
    "retracted",
    "other",
)
REASON_CODES = (INCLUDE_CODE, *EXCLUSION_CODES)

#: Flags kinds this module writes to the ``flags`` table (cleared again when no longer true).
DOUBTFUL_FLAG = "screening_doubtful"
FULL_TEXT_FLAG = "full_text_needed"
_FLAGGED_BY = "screen"


@dataclass
class Decision:
    """The rules' verdict on one record.

    ``reason`` is ``"sseh_case"`` when included, else an exclusion code; ``flags`` name things a
    reviewer or the analysis should know (``anticoagulant``, ``pregnancy``, ``full_text_needed`` …);
    ``detail`` says which rules fired, so a reviewer can see why.
    """

    include: bool
    reason: str
    confidence: float
    needs_review: bool
    flags: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def schema_reason(self) -> str:
        """The reason as a gold/SCHEMA.md code: ``retracted`` has no code there and is ``other``."""
        return schema_code(self.reason)


def schema_code(reason: str) -> str:
    """Map a screening reason to the gold schema's vocabulary (``retracted`` → ``other``)."""
    return "other" if reason == "retracted" else reason


@dataclass
class EffectiveDecision:
    """The decision that counts for a record: the latest reviewer override, else the rules' row."""

    decision: str  # include | exclude
    reason: str  # sseh_case or an exclusion code
    confidence: float
    source: str  # rules | reviewer
    needs_review: bool
    reviewer: str | None = None
    note: str | None = None  # the reviewer's stated reason, or the rules' detail

    @property
    def include(self) -> bool:
        """True when the record is in the review."""
        return self.decision == "include"


@dataclass
class ScreenSummary:
    """What one :func:`screen_db` run did."""

    screened: int = 0
    unchanged: int = 0
    included: int = 0
    excluded: int = 0
    needs_review: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    overridden: int = 0  # active records whose reviewer override wins over the rules' row


def screen_record(record: Mapping[str, Any]) -> Decision:
    """Decide one record from ``title``, ``abstract``, ``publication_types`` and, when present,
    ``mesh``, ``language`` and ``retraction`` (lists or their JSON text, as stored in ``articles``).

    Pure: no DB, no network; missing keys are treated as absent, never as an error.
    """
    verdict = decide(**_inputs(record), language=_text(record.get("language")))
    return Decision(
        include=verdict.reason == INCLUDE_CODE,
        reason=verdict.reason,
        confidence=round(verdict.confidence, 2),
        needs_review=verdict.needs_review,
        flags=sorted(set(verdict.flags)),
        detail="; ".join(verdict.fired),
    )


def screen_reason(record: Mapping[str, Any]) -> tuple[bool, str]:
    """``(d.include, d.schema_reason)`` of ``d = screen_record(record)``, at a lower cost.

    For callers that need only the verdict and its gold/SCHEMA.md reason (``sseh-lit
    annotate``): the same decision is run, but nothing whose only product is the confidence,
    the review mark, the flags or the detail (see :func:`sseh_lit.screen_rules.decide_reason`).
    """
    reason = decide_reason(**_inputs(record))  # the language only sets a flag
    return reason == INCLUDE_CODE, schema_code(reason)


def _inputs(record: Mapping[str, Any]) -> dict[str, Any]:
    """The rules' inputs of a record but its language: texts and lists, absent ones empty."""
    return {
        "title": _text(record.get("title")),
        "abstract": _text(record.get("abstract")),
        "publication_types": _as_list(record.get("publication_types")),
        "mesh": _as_list(record.get("mesh")),
        "retraction": _as_list(record.get("retraction")),
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _as_list(value: Any) -> list[Any]:
    """A list from a list or its JSON text; anything else is an empty list."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value] if value.strip() else []
    return list(value) if isinstance(value, list | tuple) else []


def content_hash(record: Mapping[str, Any]) -> str:
    """Hash of exactly the inputs the rules read, so a record is re-screened when one changes."""
    payload = {
        "title": _text(record.get("title")),
        "abstract": _text(record.get("abstract")),
        "publication_types": _as_list(record.get("publication_types")),
        "mesh": _as_list(record.get("mesh")),
        "language": _text(record.get("language")),
        "retraction": _as_list(record.get("retraction")),
    }
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------- storage


def screen_db(db: sqlite_utils.Database, *, all: bool = False) -> ScreenSummary:
    """Screen the active articles and store one ``screening`` row each.

    Only new records, records whose screened inputs changed and records screened by another rules
    version are re-screened, unless ``all``. Reviewer overrides live in the reviewer log and are
    never touched here, so they keep winning. Each record is written in its own transaction, so an
    interrupted run keeps every record it finished.
    """
    stored = {
        row["pmid"]: (row["content_hash"], row["rules_version"])
        for row in db.query("select pmid, content_hash, rules_version from screening")
    }
    summary = ScreenSummary()
    reasons: Counter[str] = Counter()
    rows = db.query(
        "select pmid, title, abstract, publication_types, mesh, language, retraction "
        "from articles where coalesce(status, 'active') = 'active' order by pmid"
    )
    for article in list(rows):
        pmid = article["pmid"]
        digest = content_hash(article)
        if not all and stored.get(pmid) == (digest, RULES_VERSION):
            summary.unchanged += 1
            continue
        decision = screen_record(article)
        _store(db, pmid, decision, digest)
        summary.screened += 1
        summary.included += decision.include
        summary.excluded += not decision.include
        summary.needs_review += decision.needs_review
        reasons[decision.reason] += 1
    summary.by_reason = dict(sorted(reasons.items()))
    summary.overridden = sum(1 for d in effective_decisions(db).values() if d.source == "reviewer")
    return summary


def _store(db: sqlite_utils.Database, pmid: str, decision: Decision, digest: str) -> None:
    """Write one record's decision and bring its screening flags in line, atomically."""
    now = utcnow()
    with transaction(db):
        db["screening"].upsert(
            {
                "pmid": pmid,
                "decision": "include" if decision.include else "exclude",
                "reason": decision.reason,
                "confidence": decision.confidence,
                "needs_review": int(decision.needs_review),
                "flags": json.dumps(decision.flags),
                "rules_version": RULES_VERSION,
                "content_hash": digest,
                "screened_at": now,
                "detail": decision.detail,
            },
            pk="pmid",
        )
        wanted = {
            DOUBTFUL_FLAG: decision.needs_review,
            FULL_TEXT_FLAG: FULL_TEXT_FLAG in decision.flags,
        }
        for kind, on in wanted.items():
            _set_flag(db, pmid, kind, on, detail=f"{decision.reason}: {decision.detail}", now=now)


def _set_flag(
    db: sqlite_utils.Database, pmid: str, kind: str, on: bool, *, detail: str, now: str
) -> None:
    """Open a record-level flag if wanted and none is open; clear our open one if not wanted."""
    open_ids = [
        row["id"]
        for row in db.query(
            "select id from flags where pmid = ? and kind = ? and patient is null "
            "and cleared_at is null",
            [pmid, kind],
        )
    ]
    if on and not open_ids:
        db["flags"].insert({"pmid": pmid, "kind": kind, "detail": detail, "created_at": now})
    elif not on and open_ids:
        db.execute(
            "update flags set cleared_at = ?, cleared_by = ? where id in "
            f"({', '.join('?' * len(open_ids))})",
            [now, _FLAGGED_BY, *open_ids],
        )


# --------------------------------------------------------------------------- overrides


def _latest_overrides(db: sqlite_utils.Database, pmid: str | None = None) -> dict[str, dict]:
    """The latest ``screen_override`` log row per record (later rows replace earlier ones)."""
    latest: dict[str, dict] = {}
    for entry in log.entries(db, pmid, action="screen_override"):
        latest[entry["pmid"]] = entry
    return latest


def _from_override(entry: Mapping[str, Any]) -> EffectiveDecision:
    new = entry["new_value"] or {}
    decision = new.get("decision", "exclude")
    code = new.get("code") or (INCLUDE_CODE if decision == "include" else "other")
    return EffectiveDecision(
        decision=decision,
        reason=code,
        confidence=1.0,
        source="reviewer",
        needs_review=False,
        reviewer=entry.get("reviewer"),
        note=entry.get("reason"),
    )


def _from_row(row: Mapping[str, Any]) -> EffectiveDecision:
    return EffectiveDecision(
        decision=row["decision"],
        reason=row["reason"],
        confidence=float(row["confidence"] or 0.0),
        source="rules",
        needs_review=bool(row["needs_review"]),
        note=row.get("detail"),
    )


def current_decision(db: sqlite_utils.Database, pmid: str) -> EffectiveDecision | None:
    """The decision that counts for ``pmid``: the latest reviewer override, else the rules' row;
    ``None`` when the record has been neither screened nor overridden."""
    pmid = str(pmid)
    latest = _latest_overrides(db, pmid)
    if pmid in latest:
        return _from_override(latest[pmid])
    rows = list(db.query("select * from screening where pmid = ?", [pmid]))
    return _from_row(rows[0]) if rows else None


def effective_decisions(db: sqlite_utils.Database) -> dict[str, EffectiveDecision]:
    """The effective decision of every active article that has one (rules row or override)."""
    active = {row["pmid"] for row in db.query(_ACTIVE_SQL)}
    result = {
        row["pmid"]: _from_row(row)
        for row in db.query("select * from screening")
        if row["pmid"] in active
    }
    for pmid, entry in _latest_overrides(db).items():
        if pmid in active:
            result[pmid] = _from_override(entry)
    return result


_ACTIVE_SQL = "select pmid from articles where coalesce(status, 'active') = 'active'"


def included_pmids(db: sqlite_utils.Database) -> set[str]:
    """PMIDs of active articles whose effective decision is include."""
    return {pmid for pmid, dec in effective_decisions(db).items() if dec.include}


def override(
    db: sqlite_utils.Database,
    pmid: str,
    decision: str,
    *,
    code: str | None = None,
    reason: str,
    reviewer: str,
) -> EffectiveDecision:
    """Record a reviewer's include/exclude for ``pmid`` in the reviewer log; it wins from now on.

    ``code`` defaults to ``sseh_case`` for include and is required for exclude (one of
    :data:`EXCLUSION_CODES`). When the ``reviewers`` table has accounts the reviewer must be one
    of its active names; while it is empty (a single-user project) any non-empty name is accepted.
    Open ``screening_doubtful`` flags of the record are cleared: a person has decided.
    """
    pmid = str(pmid)
    decision = (decision or "").strip().lower()
    if decision not in ("include", "exclude"):
        raise ValidationError(f"decision must be 'include' or 'exclude', not {decision!r}")
    if decision == "include":
        code = code or INCLUDE_CODE
        if code != INCLUDE_CODE:
            raise ValidationError(f"an included record has code {INCLUDE_CODE!r}, not {code!r}")
    elif code not in EXCLUSION_CODES:
        raise ValidationError(
            f"excluding needs --code, one of: {', '.join(EXCLUSION_CODES)} (got {code!r})"
        )
    if not (reason or "").strip():
        raise ValidationError("say why: a screening override needs a non-empty --reason")
    _check_reviewer(db, reviewer)
    if not list(db.query("select 1 from articles where pmid = ?", [pmid])):
        raise NotFoundError(f"no record {pmid} in the corpus; run `sseh-lit refresh` first")
    previous = current_decision(db, pmid)
    old = (
        None
        if previous is None
        else {"decision": previous.decision, "code": previous.reason, "source": previous.source}
    )
    with transaction(db):
        log.append(
            db,
            pmid=pmid,
            action="screen_override",
            reviewer=reviewer.strip(),
            reason=reason.strip(),
            field="screening",
            old_value=old,
            new_value={"decision": decision, "code": code},
        )
        db.execute(
            "update flags set cleared_at = ?, cleared_by = ? where pmid = ? and kind = ? "
            "and cleared_at is null",
            [utcnow(), reviewer.strip(), pmid, DOUBTFUL_FLAG],
        )
    result = current_decision(db, pmid)
    assert result is not None
    return result


def _check_reviewer(db: sqlite_utils.Database, reviewer: str) -> None:
    name = (reviewer or "").strip()
    if not name:
        raise ValidationError("a screening override needs --reviewer NAME")
    known = {
        row["name"]: row["active"]
        for row in db.query("select name, coalesce(active, 1) as active from reviewers")
    }
    if known and not known.get(name):
        raise ValidationError(
            f"unknown or inactive reviewer {name!r}; known reviewers: {', '.join(sorted(known))}"
        )
