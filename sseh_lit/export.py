"""Export the current dataset as the files a meta-analyst takes away.

:func:`export` writes, into one folder: ``dataset.csv`` (one row per included patient of the
profile), ``evidence.csv`` (the sentence and offsets behind every value, or the reviewer who set
it), ``corrections.csv`` (the reviewer log), ``codebook.csv`` / ``codebook.md``, ``studies.csv`` /
``studies.ris``, ``prisma.json`` and ``manifest.json`` (versions, queries, profile, row counts and
the SHA-256 of every file).

Design choices:

* **One snapshot.** Everything is read inside one read transaction, so a reviewer saving during
  the export cannot make dataset.csv and corrections.csv disagree.
* **Streaming.** Patients are read from :func:`sseh_lit.dataset.iter_patients` and written row by
  row; what stays in memory is per-record (patient counts, duplicate links), not per-value.
* **All or nothing.** Files are written to a temporary folder inside ``out_dir`` and moved into
  place only when all are complete (manifest last), so a failed export leaves the previous one.
* **CSV edge.** RFC 4180, UTF-8 (no BOM), CRLF, minimal quoting, via the :mod:`csv` module. Lists
  are joined with ``;`` only here. Text cells a spreadsheet would run as a formula are prefixed
  with ``'`` (see :func:`neutralise`); values of numeric columns are written as numbers and never
  prefixed, so ``-0.5`` stays a number.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import math
import re
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from . import __version__
from .codebook import (
    CODEBOOK_HEADER,
    CORRECTION_COLUMNS,
    EVIDENCE_COLUMNS,
    STUDY_COLUMNS,
    Column,
    codebook_markdown,
    codebook_rows,
    dataset_columns,
)
from .db import connect, connect_existing, transaction, utcnow
from .duplicates import DuplicateMatch, find_duplicates, patient_id
from .errors import ConfigError, DatabaseError, SsehLitError
from .fields import FIELDS
from .profiles import Profile, get_profile, profile_matches
from .review import log
from .ris import PUBMED_URL, authors_of, write_ris

#: Files written by :func:`export`, in the order they are written (manifest.json last).
FILES = (
    "dataset.csv",
    "evidence.csv",
    "corrections.csv",
    "codebook.csv",
    "codebook.md",
    "studies.csv",
    "studies.ris",
    "prisma.json",
    "manifest.json",
)

#: A cell is a formula risk when, after any leading apostrophes, it starts with one of these.
_FORMULA_RE = re.compile(r"^'*[=+\-@\t\r]")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(text: str) -> str:
    """Prefix ``'`` to a text cell a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``, tab, CR).

    A cell that is a plain number (``-0.5``, ``+3``) is left alone: a spreadsheet reads it as the
    number, not a formula. The rule also escapes cells that already start with ``'`` before such
    a character, which makes it reversible with :func:`unneutralise`.
    """
    if _FORMULA_RE.match(text) and not _NUMBER_RE.match(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` (for a reader that wants the stored text back exactly)."""
    if text.startswith("'") and _FORMULA_RE.match(text[1:]) and not _NUMBER_RE.match(text[1:]):
        return text[1:]
    return text


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return ""
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


#: First characters that can start a formula (or an escaped one): the fast pre-check.
_RISKY_FIRST = frozenset("=+-@\t\r'")


def cell(value: Any, *, numeric: bool = False) -> str:
    """One CSV cell: empty for unknown, ``true``/``false``, numbers as numbers, text neutralised.

    In a numeric column a text that is a number (a reviewer typed ``"65"``) is written as that
    number; any other text is neutralised like every text cell.
    """
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        if not value or value[0] not in _RISKY_FIRST:
            if numeric and _NUMBER_RE.match(value.strip()):
                return _number(float(value))
            return value
        if numeric and _NUMBER_RE.match(value.strip()):
            return _number(float(value))
        return neutralise(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return _number(value)
    if isinstance(value, (list, tuple)):
        return neutralise(";".join(str(v) for v in value))
    if isinstance(value, dict):
        return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, (int, float)):
        return _number(value)
    return cell(str(value), numeric=numeric)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


@dataclass
class ExportSummary:
    """What :func:`export` wrote: the folder, the files with their row counts, the manifest."""

    out_dir: Path
    profile: str
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def manifest(self) -> Path:
        return self.files["manifest.json"]


class _CsvFile:
    """A CSV file written row by row through one set of columns; counts its rows."""

    def __init__(self, out: TextIO, columns: Iterable[Column | str]) -> None:
        self.columns = [c if isinstance(c, Column) else Column(c, "text", "") for c in columns]
        self._spec = [(c.name, c.numeric) for c in self.columns]
        self.writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        self.writer.writerow([c.name for c in self.columns])
        self.rows = 0

    def write(self, row: Mapping[str, Any]) -> None:
        get = row.get
        self.writer.writerow([cell(get(name), numeric=numeric) for name, numeric in self._spec])
        self.rows += 1


class _Articles:
    """Article rows by PMID with a small cache (the dataset arrives grouped by record)."""

    def __init__(self, db: sqlite_utils.Database, size: int = 2048) -> None:
        self.db, self.size = db, size
        self.cache: dict[str, dict[str, Any]] = {}

    def get(self, pmid: str) -> dict[str, Any]:
        if pmid not in self.cache:
            if len(self.cache) >= self.size:
                self.cache.clear()
            rows = list(self.db.query("select * from articles where pmid = ?", [pmid]))
            self.cache[pmid] = rows[0] if rows else {"pmid": pmid}
        return self.cache[pmid]


def citation(article: Mapping[str, Any]) -> dict[str, Any]:
    """First author, year, journal and DOI of an ``articles`` row."""
    authors = authors_of(article)
    return {
        "first_author": authors[0] if authors else None,
        "year": article.get("year"),
        "journal": article.get("journal"),
        "doi": article.get("doi"),
    }


def dataset_row(
    view: Any, article: Mapping[str, Any], duplicate: DuplicateMatch | None
) -> dict[str, Any]:
    """The dataset.csv row of one patient (a dataset ``PatientView``), keyed by column name."""
    row: dict[str, Any] = {"pmid": view.pmid, "patient": view.patient, "label": view.label}
    row.update(citation(article))
    for f in FIELDS:
        current = view.values.get(f.name)
        value = None if current is None else current.value
        if f.type == "grade":
            grade = value if isinstance(value, dict) else {"grade": value}
            row[f"{f.name}_scale"] = grade.get("scale")
            row[f"{f.name}_grade"] = grade.get("grade")
        else:
            row[f.name] = value
        row[f"{f.name}_source"] = None if current is None else current.source
        row[f"{f.name}_confidence"] = None if current is None else current.confidence
    flags = set(view.flags or ())
    row["origin"] = view.origin
    row["review_status"] = view.review_status
    row["open_flags"] = sorted(flags)
    row["flag_machine_changed"] = "machine_changed" in flags
    row["flag_full_text_needed"] = "full_text_needed" in flags
    row["flag_probable_duplicate"] = duplicate is not None and duplicate.status == "probable"
    row["duplicate_of"] = duplicate.of if duplicate else None
    row["duplicate_status"] = duplicate.status if duplicate else None
    return row


def evidence_rows(view: Any) -> Iterator[dict[str, Any]]:
    """evidence.csv rows of one patient: every stated value, and every value a reviewer set."""
    for f in FIELDS:
        current = view.values.get(f.name)
        if current is None or current.source == "derived":
            continue
        if current.value is None and current.source != "reviewer":
            continue
        yield {
            "pmid": view.pmid,
            "patient": view.patient,
            "field": f.name,
            "value": _json(current.value),
            "source": current.source,
            "confidence": current.confidence,
            "evidence": current.evidence,
            "start": current.start,
            "end": current.end,
            "machine_value": _json(current.machine_value) if current.source == "reviewer" else None,
            "reviewer": current.reviewer,
            "timestamp": current.timestamp,
        }


def _pmid_key(pmid: str) -> tuple[int, int | str]:
    return (0, int(pmid)) if pmid.isdigit() else (1, pmid)


def _study_rows(
    db: sqlite_utils.Database, pmids: list[str], counts: Mapping[str, int]
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(articles row, studies.csv row) per PMID, in the given order, read in chunks."""
    for i in range(0, len(pmids), 500):
        chunk = pmids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found = {
            r["pmid"]: r for r in db.query(f"select * from articles where pmid in ({marks})", chunk)
        }
        for pmid in chunk:
            article = found.get(pmid, {"pmid": pmid})
            authors = authors_of(article)
            row = {
                **article,
                "first_author": authors[0] if authors else None,
                "authors": "; ".join(authors),
                "url": PUBMED_URL.format(pmid=pmid) if pmid.isdigit() else None,
                "n_patients": counts.get(pmid, 0),
            }
            yield article, row


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _queries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    sql = """select query_name, query_version, query_term, count(*) as runs,
        min(search_date) as first_search_date, max(search_date) as last_search_date,
        group_concat(distinct mode) as modes
        from refresh_runs where coalesce(status, '') != 'failed'
        group by query_name, query_version, query_term order by query_name, query_version"""
    return list(db.query(sql))


def _extractor_version() -> str | None:
    """``EXTRACTOR_VERSION`` of the installed extractor.

    Read from the module source (``ast``) unless the extractor is already imported: importing it
    loads spaCy, which costs seconds and ~40 MB of memory for one string.
    """
    for name in ("sseh_lit.extract.storage", "sseh_lit.extract.core", "sseh_lit.extract"):
        loaded = sys.modules.get(name)
        if loaded is not None and hasattr(loaded, "EXTRACTOR_VERSION"):
            return str(loaded.EXTRACTOR_VERSION)
    package = Path(__file__).resolve().parent / "extract"
    for filename in ("storage.py", "core.py"):  # by path: importing the package loads spaCy
        try:
            tree = ast.parse((package / filename).read_text("utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "EXTRACTOR_VERSION" for t in node.targets
                )
                and isinstance(node.value, ast.Constant)
            ):
                return str(node.value.value)
    return None


def _distinct(db: sqlite_utils.Database, table: str, column: str) -> list[str]:
    sql = f"select distinct {column} from {table} where {column} is not null order by 1"
    return [r[0] for r in db.execute(sql).fetchall()]


def _open(folder: Path, name: str, stack: ExitStack) -> TextIO:
    return stack.enter_context((folder / name).open("w", encoding="utf-8", newline=""))


def _write_patients(
    db: sqlite_utils.Database,
    folder: Path,
    profile: Profile,
    patients: Callable[[], Iterable[Any]],
    rows: dict[str, int],
) -> dict[str, int]:
    """dataset.csv and evidence.csv in one streaming pass; returns patients per PMID."""
    duplicates = find_duplicates(db, patients())
    articles = _Articles(db)
    counts: dict[str, int] = {}
    with ExitStack() as stack:
        dataset = _CsvFile(_open(folder, "dataset.csv", stack), dataset_columns())
        evidence = _CsvFile(_open(folder, "evidence.csv", stack), EVIDENCE_COLUMNS)
        for view in patients():
            if not profile_matches(profile, view):
                continue
            pmid = str(view.pmid)
            duplicate = duplicates.get(patient_id(pmid, int(view.patient)))
            dataset.write(dataset_row(view, articles.get(pmid), duplicate))
            for row in evidence_rows(view):
                evidence.write(row)
            counts[pmid] = counts.get(pmid, 0) + 1
    rows["dataset.csv"], rows["evidence.csv"] = dataset.rows, evidence.rows
    return counts


def _write_records(
    db: sqlite_utils.Database,
    folder: Path,
    profile: Profile,
    counts: Mapping[str, int],
    rows: dict[str, int],
) -> None:
    """corrections, codebook, studies (CSV + RIS) and prisma.json."""
    from .prisma import prisma_counts
    from .screen import included_pmids

    with ExitStack() as stack:
        corrections = _CsvFile(_open(folder, "corrections.csv", stack), CORRECTION_COLUMNS)
        for entry in log.entries(db):
            corrections.write(
                {
                    **entry,
                    "old_value": _json(entry["old_value"]),
                    "new_value": _json(entry["new_value"]),
                }
            )
        rows["corrections.csv"] = corrections.rows

        codebook = _CsvFile(_open(folder, "codebook.csv", stack), CODEBOOK_HEADER)
        for row in codebook_rows():
            codebook.write(row)
        rows["codebook.csv"] = codebook.rows
        _open(folder, "codebook.md", stack).write(codebook_markdown())

    # Profile "all" lists every included record (even one with no patient extracted yet), a
    # narrower profile the records that contribute at least one patient.
    pmids = set(counts)
    if not profile.criteria:
        pmids.update(str(p) for p in included_pmids(db))
    ordered = sorted(pmids, key=_pmid_key)
    with ExitStack() as stack:
        studies = _CsvFile(_open(folder, "studies.csv", stack), STUDY_COLUMNS)
        ris = _open(folder, "studies.ris", stack)
        for article, study in _study_rows(db, ordered, counts):
            studies.write(study)
            write_ris([article], ris)
        rows["studies.csv"] = rows["studies.ris"] = studies.rows

    with (folder / "prisma.json").open("w", encoding="utf-8", newline="") as fh:
        json.dump(prisma_counts(db), fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")


def _manifest(
    db: sqlite_utils.Database, db_path: Path, folder: Path, profile: Profile, rows: dict[str, int]
) -> dict[str, Any]:
    files = {}
    for name in FILES[:-1]:
        path = folder / name
        files[name] = {
            "sha256": _sha256(path),
            "bytes": path.stat().st_size,
            "rows": rows.get(name),
        }
    return {
        "tool": {"name": "sseh-lit", "version": __version__},
        "extractor_version": _extractor_version(),
        "extractor_versions_in_db": _distinct(db, "extraction_state", "extractor_version"),
        "screening_rules_versions_in_db": _distinct(db, "screening", "rules_version"),
        "queries": _queries(db),
        "profile": profile.to_dict(),
        "database": str(db_path.resolve()),
        "exported_at": utcnow(),
        "row_counts": {name: n for name, n in rows.items()},
        "files": files,
    }


def export(
    db_path: str | Path,
    *,
    profile: str = "all",
    out_dir: str | Path = "outputs",
) -> ExportSummary:
    """Write the export files for ``profile`` into ``out_dir``; return what was written.

    Raises :class:`NotFoundError` for a missing DB or unknown profile, :class:`ConfigError` for
    an output folder that cannot be created, :class:`DatabaseError` when the DB cannot be read
    and :class:`SsehLitError` when writing fails; in every failure the previous export in
    ``out_dir`` is left as it was.
    """
    from .dataset import iter_patients

    db_path = Path(db_path)
    connect_existing(db_path).conn.close()  # a mistyped path is an error, before any output
    chosen = get_profile(profile)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    except OSError as e:
        raise ConfigError(f"cannot write to output folder {out}: {e}; choose another --out") from e
    db = connect(db_path)
    summary = ExportSummary(out_dir=out, profile=chosen.name)
    try:
        with transaction(db, immediate=False):  # one read snapshot for every file
            counts = _write_patients(
                db, folder, chosen, lambda: iter_patients(db, included_only=True), summary.rows
            )
            _write_records(db, folder, chosen, counts, summary.rows)
            manifest = _manifest(db, db_path, folder, chosen, summary.rows)
        (folder / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for name in FILES:
            target = out / name
            (folder / name).replace(target)
            summary.files[name] = target
    except OSError as e:
        raise SsehLitError(f"export to {out} failed, previous files left as they were: {e}") from e
    except sqlite3.Error as e:
        raise DatabaseError(f"export failed reading {db_path}: {e}") from e
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        db.conn.close()
    return summary
