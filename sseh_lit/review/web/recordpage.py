"""What the record page shows: the highlighted text and, per patient, one row per field.

Assembled from :func:`sseh_lit.dataset.record_view` (no HTTP here). In blind dual review the
reviewer's own entries replace the dataset values they would otherwise see, and the other
reviewer's entries are dropped from every history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from markupsafe import Markup

from ... import dataset, screen
from ...fields import DERIVED_FIELDS, EXTRACTED_FIELDS, FIELD_BY_NAME
from ...text import document_text
from .. import dual
from .forms import display, hint
from .highlight import Span, highlight
from .records import LOW_CONFIDENCE


@dataclass
class FieldRow:
    """One field of one patient as the record page shows it."""

    field: str
    value: str
    source: str  # machine | reviewer | derived | you (own blind entry) | none (nothing found)
    confidence: float | None
    evidence: str | None
    machine: str
    low: bool
    editable: bool
    hint: str
    definition: str
    history: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    submitted: str | None = None  # what was typed, shown again with its error


@dataclass
class RecordPage:
    """Everything the record template needs except navigation and the session."""

    pmid: str
    article: dict[str, Any]
    highlighted: Markup
    patients: list[dict[str, Any]]
    screening: Any
    flags: list[dict[str, Any]]
    record_history: list[dict[str, Any]]
    blind: bool
    my_role: str | None

    def context(self) -> dict[str, Any]:
        return {
            "pmid": self.pmid,
            "article": self.article,
            "highlighted": self.highlighted,
            "patients": self.patients,
            "screening": self.screening,
            "flags": self.flags,
            "record_history": self.record_history,
            "blind": self.blind,
            "my_role": self.my_role,
            "exclusion_codes": screen.EXCLUSION_CODES,
        }


def visible(entry: dict[str, Any], reviewer: str, blind: bool) -> bool:
    """In blind dual review a reviewer sees only their own first/second log entries."""
    if not blind or entry.get("role") not in dual.BLIND_ROLES:
        return True
    return entry.get("reviewer") == reviewer


def build_record_page(
    db: sqlite_utils.Database,
    pmid: str,
    *,
    reviewer: str,
    role: str,
    errors: dict[tuple[int, str], tuple[str, str]] | None = None,
) -> RecordPage:
    """The record page of ``pmid`` for ``reviewer`` (account ``role``).

    ``errors`` maps ``(patient, field)`` to ``(message, typed text)`` for a form re-shown after
    a refused save. Raises :class:`~sseh_lit.errors.NotFoundError` for an unknown PMID.
    """
    view = dataset.record_view(db, pmid)
    blind = dual.review_mode(db) == "dual" and role not in dual.ADJUDICATOR_ROLES
    own = dual.own_entries(db, pmid, reviewer) if blind else {}
    history = [h for h in view.history if visible(h, reviewer, blind)]
    errors = errors or {}
    spans: list[Span] = []
    patients = []
    for pv in view.patients:
        rows = []
        for name in (*EXTRACTED_FIELDS, *DERIVED_FIELDS):
            cv = pv.values[name]
            mine = (pv.patient, name) in own
            source = "you" if mine else cv.source
            if source == "machine" and cv.machine_value in (None, [], ""):
                source = "none"
            if cv.start is not None and cv.end is not None and not pv.removed:
                spans.append(Span(int(cv.start), int(cv.end), name, pv.patient))
            err = errors.get((pv.patient, name))
            rows.append(
                FieldRow(
                    field=name,
                    value=display(own[(pv.patient, name)] if mine else cv.value),
                    source=source,
                    confidence=cv.confidence,
                    evidence=cv.evidence,
                    machine=display(cv.machine_value),
                    low=source == "machine"
                    and cv.confidence is not None
                    and cv.confidence < LOW_CONFIDENCE,
                    editable=name not in DERIVED_FIELDS and not pv.removed,
                    hint=hint(name),
                    definition=FIELD_BY_NAME[name].definition,
                    history=[
                        h
                        for h in history
                        if h.get("patient") == pv.patient and h.get("field") == name
                    ],
                    error=err[0] if err else None,
                    submitted=err[1] if err else None,
                )
            )
        patients.append({"view": pv, "rows": rows})
    article = view.article
    return RecordPage(
        pmid=str(pmid),
        article=article,
        highlighted=highlight(document_text(article.get("title"), article.get("abstract")), spans),
        patients=patients,
        screening=view.screening,
        flags=view.flags,
        record_history=[h for h in history if h.get("patient") is None],
        blind=blind,
        my_role=dual.role_for_display(db, pmid, reviewer),
    )
