"""The one text that offsets point into.

Every character offset sseh-lit stores (extraction evidence, highlights in the review UI) is an
index into :func:`document_text`: the title, a blank line, then the abstract exactly as stored
(structured sections as ``Label: text`` paragraphs separated by blank lines). Keeping this in one
function is what makes evidence offsets line up across extract, review and export.
"""

from __future__ import annotations

SEPARATOR = "\n\n"


def document_text(title: str | None, abstract: str | None) -> str:
    """``title + "\\n\\n" + abstract``; just the title when there is no abstract."""
    title = title or ""
    abstract = abstract or ""
    return f"{title}{SEPARATOR}{abstract}" if abstract else title


def abstract_offset(title: str | None) -> int:
    """Offset in :func:`document_text` at which the abstract starts."""
    return len(title or "") + len(SEPARATOR)


#: Characters Python's ``re.IGNORECASE`` matches to an ASCII letter although ``str.lower`` does
#: not turn them into it (see the ``re`` docs: İ ı ſ and the Kelvin sign).
_ASCII_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold(text: str) -> str:
    """``text.lower()`` as a case-insensitive regex sees it: "endoſcopic" → "endoscopic".

    Use it to look a matched word up in a lower-case lexicon: a pattern compiled with
    ``re.IGNORECASE`` matches "ſ" where it expects "s", but ``"ſ".lower()`` stays "ſ".
    ASCII text is only lower-cased (every character the table folds is non-ASCII).
    """
    if text.isascii():
        return text.lower()
    return text.translate(_ASCII_FOLDS).lower()
