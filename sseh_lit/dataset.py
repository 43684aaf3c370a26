"""The current dataset: machine values overlaid with the latest reviewer act, per patient and field.

This is the one place that decides what the value of a field *is* right now; export, the web
review app, ``sseh-lit show`` and the statistics all read it from here.

Rules (see DESIGN.md, "Nothing a reviewer wrote is lost"):

* The machine value comes from ``extractions``; the latest *effective* reviewer act on the same
  (pmid, patient, field) overrides it. Effective acts are ``correct`` / ``accept`` (and a
  ``clear``, should one ever be logged) written with role ``single``, ``adjudicator`` or
  ``consensus``. Blind dual-review entries (role ``first`` / ``second``) stay out of the dataset
  until an adjudicator or the consensus step writes its own entry.
* Reviewer values have source ``reviewer`` and confidence 1.0; an accepted value stays in force
  even if a later extraction run changes the machine value underneath (the record is flagged).
* Patients: the ``patients`` rows with status ``active`` or ``reviewer_added`` (plus any patient a
  reviewer added in the log whose row went missing), minus those whose latest patient-level act
  is ``remove_patient`` (shown with ``removed=True`` only on request). A patient the machine no
  longer finds (status ``gone``) stays visible, flagged ``machine_gone``, if a reviewer ever
  touched it; otherwise it disappears.
* Derived fields (segments, region, compression) are recomputed from the *current* levels.

:func:`iter_patients` streams: one ordered pass over patients ⋈ extractions merged with ordered
passes over the log and the flags, so memory stays flat however large the corpus is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import groupby
from typing import Any

import sqlite_utils

from .errors import NotFoundError
from .fields import DERIVED_FIELDS, EXTRACTED_FIELDS, FIELDS, derive

#: Log roles whose entries become current (blind dual-review roles "first"/"second" do not).
EFFECTIVE_ROLES = ("single", "adjudicator", "consensus")
#: Field-level acts that set a current value.
VALUE_ACTIONS = ("correct", "accept", "clear")
#: Article columns stored as JSON text.
_JSON_ARTICLE_COLUMNS = ("authors", "publication_types", "mesh", "keywords", "retraction")


@dataclass
class CurrentValue:
    """The value of one field of one patient now, and where it came from."""

    value: Any  # None when unknown
    source: str  # machine | reviewer | derived
    confidence: float | None
    evidence: str | None = None
    start: int | None = None
    end: int | None = None
    reviewer: str | None = None
    timestamp: str | None = None
    machine_value: Any = None  # what the machine says now (None if nothing)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PatientView:
    """One patient with the current value of every field in :data:`sseh_lit.fields.FIELDS`."""

    pmid: str
    patient: int
    label: str | None
    origin: str  # machine | reviewer
    removed: bool
    values: dict[str, CurrentValue]
    flags: list[str] = field(default_factory=list)
    review_status: str = "unreviewed"  # unreviewed | partial | reviewed

    def plain(self) -> dict[str, Any]:
        """``{field: value}`` without provenance."""
        return {name: cv.value for name, cv in self.values.items()}


@dataclass
class RecordView:
    """One record: article, effective screening decision, patients, open flags, reviewer history."""

    article: dict[str, Any]
    screening: dict[str, Any] | None
    patients: list[PatientView]
    flags: list[dict[str, Any]]
    history: list[dict[str, Any]]


# --------------------------------------------------------------------------------------------
# Pure core: one patient from its rows
# --------------------------------------------------------------------------------------------


def decode(text: str | None) -> Any:
    """A JSON-encoded stored value → Python; a non-JSON string is returned as it is."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _is_effective(entry: dict[str, Any]) -> bool:
    return (entry.get("role") or "single") in EFFECTIVE_ROLES


def _unknown(value: Any) -> bool:
    return value is None or value == [] or value == ""


def build_patient(
    pmid: str,
    patient: int,
    label: str | None,
    status: str,
    machine_rows: Iterable[dict[str, Any]],
    log_rows: Iterable[dict[str, Any]],
    flag_kinds: Iterable[str] = (),
) -> PatientView | None:
    """Assemble one :class:`PatientView` from its stored rows (pure; no DB access).

    ``machine_rows`` are ``extractions`` rows (value JSON-encoded), ``log_rows`` the reviewer log
    rows for this patient in id order (values decoded). Returns ``None`` for a patient the machine
    no longer finds and no reviewer ever touched.
    """
    machine = {row["field"]: row for row in machine_rows if row.get("field")}
    latest: dict[str, dict[str, Any]] = {}
    removed = False
    touched = False
    for entry in log_rows:
        touched = True
        if not _is_effective(entry):
            continue
        action = entry["action"]
        if action in VALUE_ACTIONS and entry.get("field"):
            latest[entry["field"]] = entry
        elif action == "add_patient":  # a reviewer's new patient, or a restore
            removed = False
        elif action == "remove_patient":
            removed = True
    if status == "gone" and not touched:
        return None

    flags = list(dict.fromkeys(flag_kinds))
    values: dict[str, CurrentValue] = {}
    for name in EXTRACTED_FIELDS:
        row = machine.get(name)
        machine_value = decode(row["value"]) if row else None
        act = latest.get(name)
        if act is None:
            values[name] = CurrentValue(
                value=machine_value,
                source="machine",
                confidence=row["confidence"] if row else None,
                evidence=row["evidence"] if row else None,
                start=row["start"] if row else None,
                end=row["end"] if row else None,
                machine_value=machine_value,
            )
            continue
        value = None if act["action"] == "clear" else act["new_value"]
        same = row is not None and value == machine_value
        if act["action"] == "accept" and not same and "machine_changed" not in flags:
            flags.append("machine_changed")  # accepted value no longer what the machine says
        values[name] = CurrentValue(
            value=value,
            source="reviewer",
            confidence=1.0,
            evidence=row["evidence"] if same and row else None,
            start=row["start"] if same and row else None,
            end=row["end"] if same and row else None,
            reviewer=act["reviewer"],
            timestamp=act["timestamp"],
            machine_value=machine_value,
        )
    _add_derived(values)
    if status == "gone" and "machine_gone" not in flags:
        flags.append("machine_gone")

    origin = "reviewer" if status == "reviewer_added" else "machine"
    return PatientView(
        pmid=pmid,
        patient=int(patient),
        label=label,
        origin=origin,
        removed=removed,
        values={f.name: values[f.name] for f in FIELDS},
        flags=flags,
        review_status=_review_status(values, latest),
    )


def _add_derived(values: dict[str, CurrentValue]) -> None:
    """Segments, region and compression from the current levels (and from the machine's)."""
    levels_now = {k: values[k].value for k in ("level_upper", "level_lower")}
    levels_machine = {k: values[k].machine_value for k in ("level_upper", "level_lower")}
    current = derive(levels_now)
    machine = current if levels_machine == levels_now else derive(levels_machine)
    levels = [values["level_upper"], values["level_lower"]]
    known = [cv for cv in levels if cv.value is not None]
    confidence = min((cv.confidence or 0.0) for cv in known) if known else None
    first = known[0] if known else None
    for name in DERIVED_FIELDS:
        has = current[name] is not None
        values[name] = CurrentValue(
            value=current[name],
            source="derived",
            confidence=confidence if has else None,
            evidence=first.evidence if has and first else None,
            start=first.start if has and first else None,
            end=first.end if has and first else None,
            machine_value=machine[name],
        )


def _review_status(values: dict[str, CurrentValue], latest: dict[str, dict[str, Any]]) -> str:
    """``reviewed`` when every field the machine filled has a reviewer act; else partial/unreviewed."""
    if not latest:
        return "unreviewed"
    pending = [
        name
        for name in EXTRACTED_FIELDS
        if name not in latest and not _unknown(values[name].machine_value)
    ]
    return "partial" if pending else "reviewed"


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------

_PATIENTS_SQL = """
select pmid, patient, label, status from patients
 where status in ('active', 'reviewer_added', 'gone') {where}
union all
select distinct l.pmid, l.patient, null, 'reviewer_added' from reviewer_log l
 where l.action = 'add_patient' and l.patient is not null {lwhere}
   and not exists (select 1 from patients p where p.pmid = l.pmid and p.patient = l.patient)
"""


def _patients_sql(pmid: str | None) -> tuple[str, list[Any]]:
    where = "and pmid = ?" if pmid is not None else ""
    lwhere = "and l.pmid = ?" if pmid is not None else ""
    sql = _PATIENTS_SQL.format(where=where, lwhere=lwhere)
    params = [pmid, pmid] if pmid is not None else []
    return sql, params


def _rows_with_machine(db: sqlite_utils.Database, pmid: str | None) -> Iterator[dict[str, Any]]:
    """Patients ⋈ extractions, ordered by pmid, patient (one row per machine value)."""
    inner, params = _patients_sql(pmid)
    sql = f"""
    select p.pmid, p.patient, p.label, p.status, e.field, e.value, e.evidence, e.start, e."end",
           e.confidence
      from ({inner}) p
      left join extractions e on e.pmid = p.pmid and e.patient = p.patient
     order by p.pmid, p.patient
    """
    yield from db.query(sql, params)


def _log_rows(db: sqlite_utils.Database, pmid: str | None) -> Iterator[dict[str, Any]]:
    """Patient-level reviewer log rows ordered by pmid, patient, id; values decoded."""
    sql = "select * from reviewer_log where patient is not null"
    params: list[Any] = []
    if pmid is not None:
        sql += " and pmid = ?"
        params.append(pmid)
    sql += " order by pmid, patient, id"
    for row in db.query(sql, params):
        row["old_value"] = decode(row["old_value"])
        row["new_value"] = decode(row["new_value"])
        yield row


def _flag_rows(db: sqlite_utils.Database, pmid: str | None) -> Iterator[dict[str, Any]]:
    """Open flags ordered by pmid, id."""
    sql = "select * from flags where cleared_at is null"
    params: list[Any] = []
    if pmid is not None:
        sql += " and pmid = ?"
        params.append(pmid)
    sql += " order by pmid, id"
    yield from db.query(sql, params)


class _Follower:
    """Walks a row stream sorted by a key in step with another sorted stream (a merge join)."""

    def __init__(self, rows: Iterator[dict[str, Any]], key: Any) -> None:
        self._rows = rows
        self._key = key
        self._head: dict[str, Any] | None = next(rows, None)

    def take(self, target: Any) -> list[dict[str, Any]]:
        """Skip rows with a key below ``target``; return (and consume) those equal to it."""
        out = []
        while self._head is not None and self._key(self._head) < target:
            self._head = next(self._rows, None)
        while self._head is not None and self._key(self._head) == target:
            out.append(self._head)
            self._head = next(self._rows, None)
        return out


def _stream(
    db: sqlite_utils.Database, pmid: str | None, include_removed: bool
) -> Iterator[PatientView]:
    logs = _Follower(_log_rows(db, pmid), lambda r: (r["pmid"], int(r["patient"])))
    flags = _Follower(_flag_rows(db, pmid), lambda r: r["pmid"])
    record_flags: list[dict[str, Any]] = []
    current_pmid: str | None = None
    for (p_pmid, p_num), group in groupby(
        _rows_with_machine(db, pmid), key=lambda r: (r["pmid"], int(r["patient"]))
    ):
        rows = list(group)
        if p_pmid != current_pmid:
            current_pmid = p_pmid
            record_flags = flags.take(p_pmid)
        kinds = [
            f["kind"] for f in record_flags if f["patient"] is None or int(f["patient"]) == p_num
        ]
        first = rows[0]
        view = build_patient(
            p_pmid,
            p_num,
            first["label"],
            first["status"],
            [r for r in rows if r["field"] is not None],
            logs.take((p_pmid, p_num)),
            kinds,
        )
        if view is None or (view.removed and not include_removed):
            continue
        yield view


# --------------------------------------------------------------------------------------------
# Screening: the effective decision belongs to sseh_lit.screen (override beats rules)
# --------------------------------------------------------------------------------------------


def screening_decision(db: sqlite_utils.Database, pmid: str) -> dict[str, Any] | None:
    """The effective screening decision of a record (``decision``, ``reason``, ``source`` …) as a
    dict, from :func:`sseh_lit.screen.current_decision`; ``None`` when never screened."""
    from .screen import current_decision  # lazy: screen imports the review log package

    result = current_decision(db, pmid)
    return None if result is None else asdict(result)


def _included(db: sqlite_utils.Database) -> set[str]:
    """PMIDs of active records whose effective decision is include."""
    from .screen import included_pmids

    return {str(p) for p in included_pmids(db)}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _article(db: sqlite_utils.Database, pmid: str) -> dict[str, Any]:
    rows = list(db.query("select * from articles where pmid = ?", [pmid]))
    if not rows:
        raise NotFoundError(f"no record with PMID {pmid} in the corpus; check the number")
    article = rows[0]
    for col in _JSON_ARTICLE_COLUMNS:
        if isinstance(article.get(col), str):
            article[col] = decode(article[col])
    return article


def record_view(db: sqlite_utils.Database, pmid: str) -> RecordView:
    """Everything about one record now: article, screening, patients (removed ones too, marked),
    open flags and the full reviewer history. Raises :class:`NotFoundError` for an unknown PMID."""
    pmid = str(pmid)
    article = _article(db, pmid)
    patients = list(_stream(db, pmid, include_removed=True))
    flags = list(_flag_rows(db, pmid))
    history = [
        {**row, "old_value": decode(row["old_value"]), "new_value": decode(row["new_value"])}
        for row in db.query("select * from reviewer_log where pmid = ? order by id", [pmid])
    ]
    return RecordView(
        article=article,
        screening=screening_decision(db, pmid),
        patients=patients,
        flags=flags,
        history=history,
    )


def patient_view(db: sqlite_utils.Database, pmid: str, patient: int) -> PatientView:
    """One patient of one record (a removed patient is returned with ``removed=True``).

    Raises :class:`NotFoundError` when the record or the patient does not exist (or the machine
    dropped it and no reviewer ever touched it)."""
    pmid = str(pmid)
    for view in _stream(db, pmid, include_removed=True):
        if view.patient == int(patient):
            return view
    if not db.execute("select 1 from articles where pmid = ?", [pmid]).fetchone():
        raise NotFoundError(f"no record with PMID {pmid} in the corpus; check the number")
    known = [v.patient for v in _stream(db, pmid, include_removed=True)]
    hint = f"it has patients {', '.join(map(str, known))}" if known else "it has no patients"
    raise NotFoundError(f"record {pmid} has no patient {patient}; {hint}")


def iter_patients(
    db: sqlite_utils.Database, *, included_only: bool = True, include_removed: bool = False
) -> Iterator[PatientView]:
    """Every current patient, ordered by PMID and patient number, streamed.

    ``included_only`` keeps active records whose effective screening decision is include
    (``False`` yields every record, withdrawn ones too, so nothing reviewed is hidden);
    ``include_removed`` also yields reviewer-removed patients (marked ``removed=True``).
    """
    included = _included(db) if included_only else None
    for view in _stream(db, None, include_removed):
        if included is not None and view.pmid not in included:
            continue
        yield view
