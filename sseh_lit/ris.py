"""RIS writer for the included records (importable into Zotero, EndNote, Mendeley).

One record per article: ``TY  - JOUR`` … ``ER  -``, tags AU (one per author, "Surname, Initials"),
TI, JO and T2 (journal), PY, DO, AN (the PMID), AB, UR (the PubMed page). Values are kept on one
line each (newlines in titles and abstracts become spaces), because RIS is line-oriented.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def ris_author(name: str) -> str:
    """PubMed's ``"Smith JA"`` → RIS ``"Smith, JA"``; a name without initials is kept as is."""
    name = _one_line(name)
    surname, sep, initials = name.rpartition(" ")
    if sep and initials.isalpha() and initials.isupper() and len(initials) <= 4:
        return f"{surname}, {initials}"
    return name


def authors_of(article: Mapping[str, Any]) -> list[str]:
    """The author list of an ``articles`` row (stored as a JSON list); [] when absent or broken."""
    raw = article.get("authors")
    if not raw:
        return []
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    return [str(a) for a in value if a] if isinstance(value, list) else []


def record_lines(article: Mapping[str, Any]) -> list[str]:
    """The RIS lines of one ``articles`` row (without line terminators)."""
    lines = ["TY  - JOUR"]
    lines += [f"AU  - {ris_author(a)}" for a in authors_of(article)]
    tags = (
        ("TI", article.get("title")),
        ("JO", article.get("journal")),
        ("T2", article.get("journal")),
        ("PY", article.get("year")),
        ("DO", article.get("doi")),
        ("AN", article.get("pmid")),
        ("AB", article.get("abstract")),
    )
    lines += [f"{tag}  - {_one_line(value)}" for tag, value in tags if value not in (None, "")]
    if article.get("pmid") and str(article["pmid"]).isdigit():
        lines.append(f"UR  - {PUBMED_URL.format(pmid=article['pmid'])}")
    lines.append("ER  - ")
    return lines


def write_ris(articles: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """Write one RIS record per article to ``out`` (CRLF line ends); return the number written."""
    n = 0
    for article in articles:
        out.write("\r\n".join(record_lines(article)) + "\r\n\r\n")
        n += 1
    return n
