"""Plain result types of the extractor (no spaCy objects escape the pipeline).

A :class:`FieldValue` is one extracted value with its provenance: the supporting sentence, its
character offsets into :func:`sseh_lit.text.document_text`, the assertion cue that fired (for
drugs and comorbidities, e.g. ``"no history of"``) and a confidence in [0, 1].

The classes have ``__slots__`` (``slots=True``): a record makes dozens of values (every field
nothing was found for gets an empty one), and a slotted instance is created and freed without
a separate attribute-values block. No code sets other attributes on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class FieldValue:
    """One extracted value and the evidence for it."""

    value: Any  # str | float | bool | list[str] | {"scale": ..., "grade": ...}
    evidence: str = ""  # the supporting sentence
    start: int | None = None  # offsets of ``evidence`` in document_text(title, abstract)
    end: int | None = None
    cue: str | None = None  # assertion cue that fired, if any
    assertion: str = "affirmed"  # affirmed | negated | historical | hypothetical | family
    confidence: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "evidence": self.evidence,
            "start": self.start,
            "end": self.end,
            "cue": self.cue,
            "assertion": self.assertion,
            "confidence": self.confidence,
        }


@dataclass(slots=True)
class Patient:
    """One individual patient found in a record; ``values`` maps field name → FieldValue."""

    label: str | None = None
    values: dict[str, FieldValue] = field(default_factory=dict)

    def plain(self) -> dict[str, Any]:
        """``{field: value}`` without evidence, as written by ``sseh-lit annotate``."""
        return {name: fv.value for name, fv in self.values.items()}


@dataclass(slots=True)
class RecordResult:
    """Everything the extractor says about one record."""

    pmid: str
    patients: list[Patient] = field(default_factory=list)
    aggregate_only: bool = False  # the text reports only pooled data (series, review)
