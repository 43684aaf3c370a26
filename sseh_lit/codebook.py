"""The codebook: one row per column of every exported CSV, generated from the field vocabulary.

The export writes its CSV headers *from* these column lists, so a column cannot exist without a
codebook row (a test checks it anyway). Field columns take their type, allowed values, unit and
definition from :data:`sseh_lit.fields.FIELDS`; the citation, provenance and flag columns are
declared here once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from .fields import FIELDS, SCALES, Field

SOURCES = ("machine", "reviewer", "derived")
BOOL_VALUES = ("true", "false")


@dataclass(frozen=True)
class Column:
    """One column of an exported CSV file."""

    name: str
    type: str  # text | integer | number | bool | enum | level | agents | json
    definition: str
    allowed: tuple[str, ...] = ()
    unit: str | None = None
    field: str | None = None  # the schema field the column comes from, if any
    file: str = "dataset.csv"

    @property
    def numeric(self) -> bool:
        """Numeric columns are written as numbers and never formula-neutralised."""
        return self.type in ("integer", "number")


def _field_columns(f: Field) -> list[Column]:
    derived = " Derived from level_upper/level_lower." if f.derived else ""
    if f.type == "grade":
        return [
            Column(
                f"{f.name}_scale",
                "enum",
                f"Scale of: {f.definition}",
                SCALES,
                field=f.name,
            ),
            Column(
                f"{f.name}_grade",
                "text",
                f"Grade of: {f.definition} A–E for ASIA/Frankel, a number for JOA/Nurick.",
                field=f.name,
            ),
        ]
    if f.type == "agents":
        return [
            Column(
                f.name,
                "agents",
                f"{f.definition} Several agents are joined with ';'; empty when none named.",
                f.allowed,
                f.unit,
                f.name,
            )
        ]
    if f.type == "bool":
        note = " Never false: true or empty." if f.true_or_null else " Empty = not stated."
        return [Column(f.name, "bool", f.definition + note, BOOL_VALUES, f.unit, f.name)]
    kind = "integer" if f.name == "segments" else f.type
    return [Column(f.name, kind, f.definition + derived, f.allowed, f.unit, f.name)]


CITATION_COLUMNS: tuple[Column, ...] = (
    Column("pmid", "text", "PubMed ID of the record the patient was reported in."),
    Column(
        "patient",
        "integer",
        "Patient number within the record, from 1; stable for life (pmid + patient identify a "
        "patient).",
    ),
    Column("label", "text", "How the record names the patient (e.g. 'Case 2'), if it does."),
    Column("first_author", "text", "First author of the record ('Surname Initials')."),
    Column("year", "integer", "Publication year of the record."),
    Column("journal", "text", "Journal title."),
    Column("doi", "text", "DOI of the record, if known."),
)

STATUS_COLUMNS: tuple[Column, ...] = (
    Column(
        "origin",
        "enum",
        "machine = found by the extractor; reviewer = added by a reviewer.",
        ("machine", "reviewer"),
    ),
    Column(
        "review_status",
        "enum",
        "unreviewed = no reviewer act; partial = some machine values not yet seen by a reviewer; "
        "reviewed = every machine value confirmed or corrected.",
        ("unreviewed", "partial", "reviewed"),
    ),
    Column(
        "open_flags",
        "text",
        "Every open review flag of the patient or its record, kind names joined with ';'.",
    ),
    Column(
        "flag_machine_changed",
        "bool",
        "A re-run of the extractor changed a value a reviewer had already seen.",
        BOOL_VALUES,
    ),
    Column(
        "flag_full_text_needed",
        "bool",
        "The abstract is not enough; a reviewer asked for (or the rules need) the full text.",
        BOOL_VALUES,
    ),
    Column(
        "flag_probable_duplicate",
        "bool",
        "Probably the same patient as duplicate_of (same age, sex, levels and agents; shared "
        "author or close publication years), not yet decided by a reviewer.",
        BOOL_VALUES,
    ),
    Column(
        "duplicate_of",
        "text",
        "pmid:patient of the earlier report of the same patient (probable or confirmed).",
    ),
    Column(
        "duplicate_status",
        "enum",
        "probable = flagged by the rules; confirmed = a reviewer said it is the same patient.",
        ("probable", "confirmed"),
    ),
)


def dataset_columns() -> list[Column]:
    """Every column of dataset.csv, in order: citation, field values, provenance, status."""
    cols = list(CITATION_COLUMNS)
    for f in FIELDS:
        cols.extend(_field_columns(f))
    for f in FIELDS:
        cols.append(
            Column(
                f"{f.name}_source",
                "enum",
                f"Where {f.name} comes from: machine (extractor), reviewer (latest correction) "
                "or derived (computed from other fields).",
                SOURCES,
                field=f.name,
            )
        )
        cols.append(
            Column(
                f"{f.name}_confidence",
                "number",
                f"Extractor confidence in {f.name}, 0–1; empty for reviewer-set or unknown values.",
                unit="probability",
                field=f.name,
            )
        )
    cols.extend(STATUS_COLUMNS)
    return cols


def _cols(file: str, spec: list[tuple[str, str, str]]) -> list[Column]:
    return [Column(name, kind, definition, file=file) for name, kind, definition in spec]


EVIDENCE_COLUMNS = _cols(
    "evidence.csv",
    [
        ("pmid", "text", "PubMed ID."),
        ("patient", "integer", "Patient number within the record."),
        ("field", "text", "Field name (see dataset.csv)."),
        ("value", "json", "Current value, JSON-encoded (lists and grades as JSON)."),
        ("source", "text", "machine | reviewer | derived."),
        ("confidence", "number", "Extractor confidence 0–1."),
        ("evidence", "text", "The sentence the machine value was read from."),
        ("start", "integer", "Offset of the evidence in title + blank line + abstract."),
        ("end", "integer", "End offset (exclusive) of the evidence."),
        (
            "machine_value",
            "json",
            "What the extractor said, JSON-encoded, when a reviewer changed it.",
        ),
        ("reviewer", "text", "Reviewer who set the value, if any."),
        ("timestamp", "text", "When the reviewer set it (UTC, ISO 8601)."),
    ],
)

CORRECTION_COLUMNS = _cols(
    "corrections.csv",
    [
        ("id", "integer", "Log entry number, in the order written."),
        ("timestamp", "text", "When (UTC, ISO 8601)."),
        ("reviewer", "text", "Who."),
        ("role", "text", "single | first | second | adjudicator (dual review)."),
        (
            "action",
            "text",
            "correct | accept | add_patient | remove_patient | screen_override | "
            "duplicate_decision | flag_resolved.",
        ),
        ("pmid", "text", "PubMed ID."),
        ("patient", "integer", "Patient number; empty for record-level acts."),
        ("field", "text", "Field changed; empty when not a field act."),
        ("old_value", "json", "Value before, JSON-encoded."),
        ("new_value", "json", "Value after, JSON-encoded."),
        ("reason", "text", "Why, in the reviewer's words."),
    ],
)

STUDY_COLUMNS = _cols(
    "studies.csv",
    [
        ("pmid", "text", "PubMed ID."),
        ("first_author", "text", "First author."),
        ("authors", "text", "All authors, joined with '; '."),
        ("year", "integer", "Publication year."),
        ("title", "text", "Title."),
        ("journal", "text", "Journal title."),
        ("doi", "text", "DOI."),
        ("pmcid", "text", "PubMed Central ID, if any."),
        ("url", "text", "PubMed page."),
        ("n_patients", "integer", "Patients of this record in dataset.csv."),
    ],
)


def all_columns() -> list[Column]:
    """Codebook rows for every CSV the export writes."""
    return [*dataset_columns(), *EVIDENCE_COLUMNS, *CORRECTION_COLUMNS, *STUDY_COLUMNS]


CODEBOOK_HEADER = ("file", "column", "type", "allowed", "unit", "field", "definition")


def codebook_rows() -> list[dict[str, str]]:
    """The codebook as rows (allowed values joined with '; ')."""
    return [
        {
            "file": c.file,
            "column": c.name,
            "type": c.type,
            "allowed": "; ".join(str(a) for a in c.allowed),
            "unit": c.unit or "",
            "field": c.field or "",
            "definition": c.definition,
        }
        for c in all_columns()
    ]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown() -> str:
    """The codebook as Markdown: one table per file."""
    out = io.StringIO()
    out.write("# sseh-lit export codebook\n\n")
    out.write(
        "Empty cell = not stated (unknown), never false. Text cells that a spreadsheet would run "
        "as a formula (starting with `=`, `+`, `-`, `@`, tab or CR, after any leading `'`) are "
        "prefixed with one `'`; numeric columns are never prefixed.\n"
    )
    rows = codebook_rows()
    for file in dict.fromkeys(r["file"] for r in rows):
        out.write(f"\n## {file}\n\n| column | type | allowed | unit | definition |\n")
        out.write("|---|---|---|---|---|\n")
        for r in rows:
            if r["file"] == file:
                cells = (r["column"], r["type"], r["allowed"], r["unit"], r["definition"])
                out.write("| " + " | ".join(_md_cell(c) for c in cells) + " |\n")
    return out.getvalue()
