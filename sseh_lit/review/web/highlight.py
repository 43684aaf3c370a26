"""Evidence highlighting: the record text, escaped, with ``<mark>`` over each value's evidence.

Pure function of the text and the evidence spans, so it is tested without a server. Offsets
index into :func:`sseh_lit.text.document_text`. Overlapping spans are split at every boundary
and each piece is marked with all the fields that cover it; spans outside the text are dropped
(a stale offset must never break the page or slice into markup).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """One piece of evidence: ``text[start:end]`` supports ``field`` of ``patient``."""

    start: int
    end: int
    field: str
    patient: int | None = None


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """``text`` HTML-escaped, with ``<mark data-fields="…">`` around every evidence span."""
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    if not valid:
        return Markup(escape(text))
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out: list[str] = []
    for a, b in pairwise(cuts):
        piece = escape(text[a:b])
        covering = [s for s in valid if s.start <= a and b <= s.end]
        if not covering:
            out.append(piece)
            continue
        keys = sorted(
            {f"{s.patient}:{s.field}" if s.patient is not None else s.field for s in covering}
        )
        fields = sorted({s.field for s in covering})
        out.append(
            Markup('<mark data-ev="{}" title="{}">{}</mark>').format(
                " ".join(keys), ", ".join(fields), piece
            )
        )
    return Markup("").join(out)
