"""Probable duplicate patients: the same person published twice (a case report, then a series).

Two included patients from different records are a *probable duplicate* when they agree on age,
sex, haematoma levels and drug agents, and their records share an author surname or were
published within :data:`YEAR_WINDOW` years of each other. The later report points at the earlier
one (``duplicate_of`` = the earlier ``pmid:patient``; earlier = publication year, then PMID).

Patients are blocked on (age, sex, levels, agents) in one streaming pass over the current
dataset, so the work is linear in the number of patients, not quadratic; only patients with age,
sex and upper level all stated can be matched ("unknown" never makes two patients equal).

A reviewer's decision on a pair (:func:`decide_duplicate`) is one ``duplicate_decision`` row in
the reviewer log; the latest decision per pair wins on every later run: a rejected pair is never
flagged again, a confirmed pair is reported as ``confirmed`` even if the data later diverge.
:func:`flag_duplicates` mirrors the probable pairs into the ``flags`` table (kind
``probable_duplicate``) for the review queue, idempotently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .db import transaction, utcnow
from .errors import NotFoundError, ValidationError
from .review import log

YEAR_WINDOW = 3
#: Blocks matched per batch (bounds the article metadata held in memory).
BATCH_BLOCKS = 2000
FLAG_KIND = "probable_duplicate"
FLAGGED_BY = "sseh-lit duplicates"


def patient_id(pmid: str, patient: int) -> str:
    """The ``pmid:patient`` form used in ``duplicate_of`` and on the command line."""
    return f"{pmid}:{patient}"


def parse_patient_id(text: str) -> tuple[str, int]:
    """``"12345678:2"`` → ``("12345678", 2)``; :class:`ValidationError` for anything else."""
    pmid, sep, number = str(text).strip().rpartition(":")
    if not sep or not pmid or not number.isdigit() or int(number) < 1:
        raise ValidationError(f"{text!r} is not a patient id; write PMID:PATIENT, e.g. 31234567:1")
    return pmid, int(number)


@dataclass(frozen=True)
class DuplicateMatch:
    """A patient's duplicate status: the earlier report it repeats, probable or confirmed."""

    of: str  # pmid:patient of the earlier report
    status: str  # probable | confirmed


@dataclass
class DuplicateReport:
    """What :func:`flag_duplicates` found and changed."""

    probable: int = 0
    confirmed: int = 0
    flags_added: int = 0
    flags_cleared: int = 0
    matches: dict[str, DuplicateMatch] = field(default_factory=dict)


@dataclass(frozen=True)
class _Record:
    year: int | None
    surnames: frozenset[str]


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def block_key(values: dict[str, Any]) -> tuple[Any, ...] | None:
    """(age, sex, upper, lower, agents) of a patient, or None when age, sex or level is unknown."""
    age, sex = _plain(values.get("age_years")), _plain(values.get("sex"))
    upper = _plain(values.get("level_upper"))
    lower = _plain(values.get("level_lower")) or upper
    if age is None or not sex or not upper:
        return None
    try:
        age_key = round(float(age), 2)
    except (TypeError, ValueError):
        return None
    agents: set[str] = set()
    for name in ("anticoagulant_agents", "antiplatelet_agents"):
        agents.update(str(a).lower() for a in (_plain(values.get(name)) or []))
    return (age_key, str(sex).lower(), str(upper), str(lower), tuple(sorted(agents)))


def surname(author: str) -> str:
    """``"van der Berg JH"`` → ``"van der berg"`` (PubMed's "Surname Initials", lower-cased)."""
    name = " ".join(str(author).split())
    head, sep, tail = name.rpartition(" ")
    if sep and tail.isalpha() and tail.isupper() and len(tail) <= 4:
        name = head
    return name.lower()


def _records(db: sqlite_utils.Database, pmids: Iterable[str]) -> dict[str, _Record]:
    """Publication year and author surnames of ``pmids`` (queried in chunks)."""
    pmids = list(dict.fromkeys(pmids))
    out: dict[str, _Record] = {}
    for i in range(0, len(pmids), 500):
        chunk = pmids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"select pmid, year, authors from articles where pmid in ({marks})"
        for row in db.execute(sql, chunk).fetchall():
            try:
                authors = json.loads(row[2]) if row[2] else []
            except ValueError:
                authors = []
            names = frozenset(surname(a) for a in authors if isinstance(a, str) and a.strip())
            out[row[0]] = _Record(row[1], names)
    return out


def _pmid_key(pmid: str) -> tuple[int, int | str]:
    return (0, int(pmid)) if pmid.isdigit() else (1, pmid)


def _order_key(pid: tuple[str, int], records: dict[str, _Record]) -> tuple[Any, ...]:
    rec = records.get(pid[0])
    year = rec.year if rec and rec.year is not None else 9999
    return (year, _pmid_key(pid[0]), pid[1])


def _related(a: _Record | None, b: _Record | None) -> bool:
    if a is None or b is None:
        return False
    if a.surnames & b.surnames:
        return True
    return a.year is not None and b.year is not None and abs(a.year - b.year) <= YEAR_WINDOW


def decisions(db: sqlite_utils.Database) -> dict[frozenset[str], bool]:
    """The latest reviewer decision per unordered pair of patient ids (True = same patient)."""
    out: dict[frozenset[str], bool] = {}
    for entry in log.entries(db, action="duplicate_decision"):
        value = entry.get("new_value")
        if isinstance(value, dict) and value.get("a") and value.get("b"):
            out[frozenset((str(value["a"]), str(value["b"])))] = bool(value.get("is_duplicate"))
    return out


def _patients(db: sqlite_utils.Database) -> Iterator[Any]:
    from .dataset import iter_patients  # the review stage's current dataset

    return iter_patients(db, included_only=True)


def find_duplicates(
    db: sqlite_utils.Database, patients: Iterable[Any] | None = None
) -> dict[str, DuplicateMatch]:
    """``{pmid:patient: DuplicateMatch}`` for every included patient that repeats an earlier one.

    ``patients`` (``PatientView`` objects) defaults to the current dataset; read-only.
    """
    decided = decisions(db)
    wanted = {pid for pair in decided for pid in pair}
    # Memory per patient is one dict slot: the block key is kept only as its hash (a collision
    # between two different keys is ~1e-10 likely at 100k patients) and a block with a single
    # member holds that member's id string itself, not a list.
    blocks: dict[int, str | list[str]] = {}
    present: set[str] = set()
    for view in patients if patients is not None else _patients(db):
        pid = patient_id(str(view.pmid), int(view.patient))
        if pid in wanted:
            present.add(pid)
        key = block_key(view.values)
        if key is None:
            continue
        h = hash(key)
        members = blocks.get(h)
        if members is None:
            blocks[h] = pid
        elif isinstance(members, str):
            blocks[h] = [members, pid]
        else:
            members.append(pid)
    matches: dict[str, DuplicateMatch] = {}
    confirmed = [pair for pair, same in decided.items() if same and pair <= present]
    records = _records(db, [parse_patient_id(x)[0] for pair in confirmed for x in pair])
    for pair in confirmed:
        early, late = sorted(
            (parse_patient_id(x) for x in pair), key=lambda p: _order_key(p, records)
        )
        matches[patient_id(*late)] = DuplicateMatch(patient_id(*early), "confirmed")
    # Blocks with members from more than one record, matched a batch at a time so only one
    # batch's article metadata is in memory.
    batch: list[list[tuple[str, int]]] = []
    for members in blocks.values():
        if isinstance(members, list) and len({x.rpartition(":")[0] for x in members}) > 1:
            batch.append([parse_patient_id(x) for x in members])
        if len(batch) >= BATCH_BLOCKS:
            _match_blocks(db, batch, decided, matches)
            batch = []
    _match_blocks(db, batch, decided, matches)
    return matches


def _match_blocks(
    db: sqlite_utils.Database,
    blocks: list[list[tuple[str, int]]],
    decided: dict[frozenset[str], bool],
    matches: dict[str, DuplicateMatch],
) -> None:
    """Within each block, point every later report at the earliest related earlier one."""
    records = _records(db, [pmid for block in blocks for pmid, _ in block])
    for block in blocks:
        members = sorted(block, key=lambda p: _order_key(p, records))
        for i, later in enumerate(members):
            later_id = patient_id(*later)
            if later_id in matches:
                continue
            for earlier in members[:i]:
                earlier_id = patient_id(*earlier)
                if (
                    earlier[0] == later[0]
                    or decided.get(frozenset((earlier_id, later_id))) is False
                ):
                    continue
                if _related(records.get(earlier[0]), records.get(later[0])):
                    matches[later_id] = DuplicateMatch(earlier_id, "probable")
                    break


def flag_duplicates(db: sqlite_utils.Database) -> DuplicateReport:
    """Find probable duplicates and mirror them into ``flags`` (kind ``probable_duplicate``).

    Idempotent: a flag is added once per (patient, earlier patient); a flag a reviewer cleared is
    not re-added; a flag whose pair is no longer probable (rejected, confirmed, or the values
    changed) is cleared by ``sseh-lit duplicates``.
    """
    matches = find_duplicates(db)
    report = DuplicateReport(matches=matches)
    probable = {
        (*parse_patient_id(pid), m.of) for pid, m in matches.items() if m.status == "probable"
    }
    report.probable = len(probable)
    report.confirmed = sum(1 for m in matches.values() if m.status == "confirmed")
    now = utcnow()
    with transaction(db):
        seen: set[tuple[str, int, str]] = set()
        rows = db.execute(
            "select id, pmid, patient, detail, cleared_at from flags where kind = ?", [FLAG_KIND]
        ).fetchall()
        for flag_id, pmid, patient, detail, cleared_at in rows:
            key = (str(pmid), int(patient), str(detail))
            seen.add(key)
            if cleared_at is None and key not in probable:
                db.execute(
                    "update flags set cleared_at = ?, cleared_by = ? where id = ?",
                    [now, FLAGGED_BY, flag_id],
                )
                report.flags_cleared += 1
        new = [
            {"pmid": p, "patient": n, "kind": FLAG_KIND, "detail": of, "created_at": now}
            for p, n, of in sorted(probable - seen)
        ]
        if new:
            db["flags"].insert_all(new)
        report.flags_added = len(new)
    return report


def _exists(db: sqlite_utils.Database, pmid: str, patient: int) -> bool:
    if db.execute(
        "select 1 from patients where pmid = ? and patient = ?", [pmid, patient]
    ).fetchone():
        return True
    row = db.execute(
        "select 1 from reviewer_log where action = 'add_patient' and pmid = ? and patient = ?",
        [pmid, patient],
    ).fetchone()
    return row is not None


def _check_reviewer(db: sqlite_utils.Database, reviewer: str) -> None:
    """A non-empty name; one of the active accounts once the project has any (as screening)."""
    name = (reviewer or "").strip()
    if not name:
        raise ValidationError("a duplicate decision needs a reviewer name (--reviewer)")
    known = {
        row[0]: row[1]
        for row in db.execute("select name, coalesce(active, 1) from reviewers").fetchall()
    }
    if known and not known.get(name):
        raise ValidationError(
            f"unknown or inactive reviewer {name!r}; known reviewers: {', '.join(sorted(known))}"
        )


def decide_duplicate(
    db: sqlite_utils.Database,
    a: str,
    b: str,
    is_duplicate: bool,
    reviewer: str,
    reason: str,
) -> int:
    """Record a reviewer's decision that patients ``a`` and ``b`` (``pmid:patient``) are / are not
    the same person; returns the reviewer-log id. Clears the pair's open duplicate flags."""
    pa, pb = parse_patient_id(a), parse_patient_id(b)
    if pa == pb:
        raise ValidationError("a patient cannot be a duplicate of itself; give two different ids")
    _check_reviewer(db, reviewer)
    if not reason or not reason.strip():
        raise ValidationError("a duplicate decision needs a reason (--reason)")
    for pid in (pa, pb):
        if not _exists(db, *pid):
            raise NotFoundError(f"no patient {patient_id(*pid)} in the corpus")
    ida, idb = patient_id(*pa), patient_id(*pb)
    with transaction(db):
        entry = log.append(
            db,
            pmid=pa[0],
            patient=pa[1],
            field="duplicate_of",
            action="duplicate_decision",
            reviewer=reviewer.strip(),
            reason=reason.strip(),
            new_value={"a": ida, "b": idb, "is_duplicate": bool(is_duplicate)},
        )
        db.execute(
            "update flags set cleared_at = ?, cleared_by = ? where kind = ? and cleared_at is null"
            " and ((pmid = ? and patient = ? and detail = ?) or (pmid = ? and patient = ? and"
            " detail = ?))",
            [utcnow(), reviewer.strip(), FLAG_KIND, pa[0], pa[1], idb, pb[0], pb[1], ida],
        )
    return entry
