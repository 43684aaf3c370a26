"""The screening rule engine: patterns from ``rules/screening.json`` applied to one record.

Pure functions only (no DB): :func:`decide` takes the record's text and metadata and returns a
:class:`Verdict` (reason code, confidence, flags, the rule ids that fired).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RULES_VERSION = "screen-0.1"


@dataclass
class Verdict:
    """Raw engine output; :func:`sseh_lit.screen.screen_record` turns it into a Decision."""

    reason: str
    confidence: float
    needs_review: bool
    flags: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)


_EPIDURAL = re.compile(r"\b(epidural|extradural)\b", re.I)


def decide(
    *,
    title: str,
    abstract: str,
    publication_types: list,
    mesh: list,
    language: str,
    retraction: list,
) -> Verdict:
    """Provisional engine: include anything that mentions an epidural location."""
    if _EPIDURAL.search(f"{title} {abstract}"):
        return Verdict("sseh_case", 0.5, True, [], ["provisional"])
    return Verdict("other", 0.5, True, [], ["provisional"])
