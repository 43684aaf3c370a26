"""Extraction into the corpus DB: ``sseh-lit extract``.

For every active article that is new or changed since its last extraction (content hash of
title + abstract + publication types, or :data:`EXTRACTOR_VERSION`, differs — or every active
article with ``all=True``) the extractor runs and, in ONE transaction per record:

* patients keep stable numbers (``patients`` table): a machine patient whose signature (age,
  sex, level_upper, level_lower) is found again keeps its number; a new one gets
  ``max(patient) + 1`` over every number the record ever used (never reused); a machine patient
  no longer found becomes ``gone``. Rows with status ``reviewer_added`` belong to reviewers and
  are never touched. Nothing is renumbered by position.
* ``extractions`` rows (one per patient and field, null values included) are replaced for the
  patients found; a gone patient's last machine values stay for the reviewer to see.
* a ``flags`` row of kind ``machine_changed`` is added when the patient set changes on a
  re-run, or when a machine value changes under a field a reviewer has acted on.
* ``extraction_state`` records the hash, version and patient count.

It never writes ``reviewer_log``. A record whose extraction fails is recorded in
``failed_records`` (stage ``extract``) and the run goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ..db import connect, transaction, utcnow
from ..errors import DatabaseError
from .core import EXTRACTOR_VERSION, extract_records
from .model import Patient, RecordResult

SIGNATURE_FIELDS = ("age_years", "sex", "level_upper", "level_lower")


@dataclass
class ExtractSummary:
    """What one ``extract`` run did."""

    candidates: int = 0  # active articles considered
    processed: int = 0
    unchanged: int = 0
    patients: int = 0
    new_patients: int = 0
    gone_patients: int = 0
    flagged: int = 0
    failed: list[str] = field(default_factory=list)


def content_hash(record: Mapping[str, Any]) -> str:
    """Hash of what extraction reads: title, abstract and publication types."""
    types = record.get("publication_types")
    if isinstance(types, str):
        try:
            types = json.loads(types)
        except json.JSONDecodeError:
            types = [types]
    payload = json.dumps(
        [record.get("title") or "", record.get("abstract") or "", sorted(map(str, types or []))],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def signature(patient: Patient) -> dict[str, Any]:
    """What identifies a machine patient across re-runs."""
    return {name: patient.values[name].value for name in SIGNATURE_FIELDS if name in patient.values}


def _records(db: sqlite_utils.Database, pmids: list[str]) -> Iterator[dict[str, Any]]:
    for i in range(0, len(pmids), 500):
        chunk = pmids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = {
            r["pmid"]: r
            for r in db.query(
                "select pmid, title, abstract, journal, year, publication_types from articles "
                f"where pmid in ({marks})",
                chunk,
            )
        }
        for pmid in chunk:
            row = dict(rows[pmid])
            try:
                row["publication_types"] = json.loads(row["publication_types"] or "[]")
            except (TypeError, json.JSONDecodeError):
                row["publication_types"] = []
            yield row


def pending(db: sqlite_utils.Database, all_: bool) -> tuple[list[str], dict[str, str], int]:
    """PMIDs to (re)extract, their new content hashes, and how many active articles there are."""
    state = {
        r["pmid"]: (r["content_hash"], r["extractor_version"])
        for r in db.query("select pmid, content_hash, extractor_version from extraction_state")
    }
    todo: list[str] = []
    hashes: dict[str, str] = {}
    n = 0
    for row in db.query(
        "select pmid, title, abstract, publication_types from articles "
        "where coalesce(status, 'active') = 'active' order by pmid"
    ):
        n += 1
        digest = content_hash(row)
        if all_ or state.get(row["pmid"]) != (digest, EXTRACTOR_VERSION):
            todo.append(row["pmid"])
            hashes[row["pmid"]] = digest
    return todo, hashes, n


def _reviewed_fields(db: sqlite_utils.Database, pmid: str) -> set[tuple[int, str]]:
    return {
        (r["patient"], r["field"])
        for r in db.query(
            "select distinct patient, field from reviewer_log "
            "where pmid = ? and patient is not null and field is not null",
            [pmid],
        )
    }


def _flag(db: sqlite_utils.Database, pmid: str, patient: int | None, detail: str, now: str) -> None:
    db["flags"].insert(
        {
            "pmid": pmid,
            "patient": patient,
            "kind": "machine_changed",
            "detail": detail,
            "created_at": now,
        }
    )


def store_result(
    db: sqlite_utils.Database, result: RecordResult, digest: str, now: str | None = None
) -> tuple[int, int, int]:
    """Write one record's extraction (call inside a transaction). Returns (new, gone, flags)."""
    now = now or utcnow()
    pmid = result.pmid
    rows = list(db.query("select * from patients where pmid = ? order by patient", [pmid]))
    machine = [r for r in rows if r["status"] != "reviewer_added"]
    first_run = not db["extraction_state"].exists() or not list(
        db.query("select 1 from extraction_state where pmid = ?", [pmid])
    )
    next_no = max((r["patient"] for r in rows), default=0) + 1
    unmatched = {r["patient"]: json.loads(r["signature"] or "{}") for r in machine}
    assigned: list[tuple[int, Patient, bool]] = []  # (number, patient, is_new)
    for patient in result.patients:
        sig = signature(patient)
        number = next((n for n, s in unmatched.items() if s == sig), None)
        if number is None:
            assigned.append((next_no, patient, True))
            next_no += 1
        else:
            del unmatched[number]
            assigned.append((number, patient, False))
    gone = [
        n for n in unmatched if any(r["patient"] == n and r["status"] != "gone" for r in machine)
    ]
    new = [n for n, _, is_new in assigned if is_new]
    flags = 0
    if not first_run and (new or gone):
        _flag(
            db,
            pmid,
            None,
            f"patient set changed: new {new or 'none'}, no longer found {gone or 'none'}",
            now,
        )
        flags += 1
    reviewed = _reviewed_fields(db, pmid)
    for number in gone:
        db["patients"].update((pmid, number), {"status": "gone", "updated_at": now})
    for number, patient, is_new in assigned:
        sig = json.dumps(signature(patient), sort_keys=True)
        if is_new:
            db["patients"].insert(
                {
                    "pmid": pmid,
                    "patient": number,
                    "label": patient.label,
                    "signature": sig,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        else:
            db["patients"].update(
                (pmid, number),
                {"status": "active", "label": patient.label, "signature": sig, "updated_at": now},
            )
        old = {
            r["field"]: r["value"]
            for r in db.query(
                "select field, value from extractions where pmid = ? and patient = ?",
                [pmid, number],
            )
        }
        changed = []
        new_rows = []
        for name, fv in patient.values.items():
            value = json.dumps(fv.value, sort_keys=True)
            if name in old and old[name] != value and (number, name) in reviewed:
                changed.append(f"{name}: {old[name]} -> {value}")
            new_rows.append(
                {
                    "pmid": pmid,
                    "patient": number,
                    "field": name,
                    "value": value,
                    "evidence": fv.evidence,
                    "start": fv.start,
                    "end": fv.end,
                    "cue": fv.cue,
                    "assertion": fv.assertion,
                    "confidence": fv.confidence,
                    "extractor_version": EXTRACTOR_VERSION,
                    "extracted_at": now,
                }
            )
        if changed:
            _flag(
                db, pmid, number, "machine value changed under review: " + "; ".join(changed), now
            )
            flags += 1
        db.execute("delete from extractions where pmid = ? and patient = ?", [pmid, number])
        db["extractions"].insert_all(new_rows)
    db["extraction_state"].upsert(
        {
            "pmid": pmid,
            "content_hash": digest,
            "extractor_version": EXTRACTOR_VERSION,
            "extracted_at": now,
            "n_patients": len(result.patients),
        },
        pk="pmid",
    )
    return len(new), len(gone), flags


def extract_db(
    db_or_path: sqlite_utils.Database | str | Path,
    *,
    all: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 64,
) -> ExtractSummary:
    """Extract every new or changed active article (or all with ``all=True``) into the DB.

    ``progress`` is called with the number of records just finished (for a progress bar).
    """
    db = db_or_path if isinstance(db_or_path, sqlite_utils.Database) else connect(db_or_path)
    summary = ExtractSummary()
    todo, hashes, summary.candidates = pending(db, all)
    summary.unchanged = summary.candidates - len(todo)

    def failed(record: Mapping[str, Any], error: Exception) -> None:
        summary.failed.append(str(record["pmid"]))
        _record_failure(db, str(record["pmid"]), error)
        if progress:
            progress(1)

    for result in extract_records(_records(db, todo), batch_size=batch_size, on_error=failed):
        try:
            with transaction(db):
                new, gone, flags = store_result(db, result, hashes[result.pmid])
        except DatabaseError:
            raise
        except Exception as e:  # one bad record must not lose the run
            summary.failed.append(result.pmid)
            _record_failure(db, result.pmid, e)
        else:
            summary.processed += 1
            summary.patients += len(result.patients)
            summary.new_patients += new
            summary.gone_patients += gone
            summary.flagged += flags
        if progress:
            progress(1)
    return summary


def _record_failure(db: sqlite_utils.Database, pmid: str, error: Exception) -> None:
    with transaction(db):
        db["failed_records"].insert(
            {
                "run_id": None,
                "pmid": pmid,
                "stage": "extract",
                "error": f"{type(error).__name__}: {error}",
                "created_at": utcnow(),
            }
        )
