"""PubMed XML (efetch ``PubmedArticleSet``) → :class:`Article` records, streamed.

The parser walks the document with :func:`xml.etree.ElementTree.iterparse` and clears each
record once it is converted, so memory stays flat however large the file. Each record becomes

* an :class:`Article` (the fields the corpus stores),
* a :class:`Deletion` for every PMID in a ``<DeleteCitation>`` block, or
* a :class:`RecordError` when one record is malformed (no PMID, no title …): the error is
  reported for that record and parsing carries on with the next one.

A document that is not well-formed XML, or is not a PubMed article set at all (an ``eInfoResult``,
an HTML error page), raises :class:`~sseh_lit.errors.ParseError` with the reason.

Text is normalised the way the gold files and PubMed's web page show it: inline markup
(``<i>``, ``<sup>``, ``<sub>``, MathML) is flattened to its text without losing words, runs of
whitespace become one space, and a structured abstract is stored as ``Label: text`` paragraphs
joined by a blank line (upper-case labels such as ``CASE PRESENTATION`` in sentence case, as
PubMed displays them), so evidence offsets computed on the stored abstract line up.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import ParseError

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"

#: CommentsCorrections types kept as retraction/erratum links (``Cites``/``CommentIn`` are not).
CORRECTION_TYPES = frozenset(
    {
        "RetractionIn",
        "RetractionOf",
        "ErratumIn",
        "ErratumFor",
        "ExpressionOfConcernIn",
        "ExpressionOfConcernFor",
        "RetractedandRepublishedIn",
        "RetractedandRepublishedFrom",
        "RetractedAndRepublishedIn",
        "RetractedAndRepublishedFrom",
        "UpdateIn",
        "UpdateOf",
        "RepublishedIn",
        "RepublishedFrom",
        "PartialRetractionIn",
        "PartialRetractionOf",
    }
)

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_YEAR_RE = re.compile(r"\b(1[6-9]\d\d|20\d\d|21\d\d)\b")
_WS_RE = re.compile(r"\s+")
_PMID_RE = re.compile(r"^\d{1,9}$")


@dataclass
class Article:
    """One PubMed record as the corpus stores it. Lists stay lists (JSON in the DB)."""

    pmid: str
    title: str
    abstract: str = ""
    journal: str | None = None
    journal_abbrev: str | None = None
    year: int | None = None
    pub_date: str | None = None  # "2019-03-14", "2019-03", "1998 Dec-1999 Jan", "1990 Spring"
    authors: list[str] = field(default_factory=list)  # "Last Initials" or a collective name
    publication_types: list[str] = field(default_factory=list)
    mesh: list[str] = field(default_factory=list)  # descriptor names
    keywords: list[str] = field(default_factory=list)
    language: str | None = None  # first <Language>, e.g. "eng"
    doi: str | None = None
    pmcid: str | None = None  # "PMC1234567"
    date_revised: str | None = None  # YYYY-MM-DD
    date_completed: str | None = None
    retraction: list[dict[str, str | None]] = field(default_factory=list)  # {type, ref, pmid}

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (lists as lists)."""
        return asdict(self)


@dataclass(frozen=True)
class Deletion:
    """A PMID PubMed has withdrawn (listed in a ``<DeleteCitation>`` block)."""

    pmid: str


@dataclass(frozen=True)
class RecordError:
    """A record that could not be converted; ``pmid`` is None when even that was unreadable."""

    pmid: str | None
    error: str


@dataclass
class ParseResult:
    """Everything one document held, collected (use :func:`iter_pubmed` to stream instead)."""

    articles: list[Article] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


Source = bytes | str | Path | IO[bytes]


def parse_pubmed(source: Source) -> ParseResult:
    """Parse a whole PubMed XML document into a :class:`ParseResult`.

    ``source`` is the raw bytes, a path, or a binary file object. Raises ParseError for a broken
    or non-PubMed document; malformed single records land in ``errors``.
    """
    result = ParseResult()
    for item in iter_pubmed(source):
        if isinstance(item, Article):
            result.articles.append(item)
        elif isinstance(item, Deletion):
            result.deleted.append(item.pmid)
        else:
            result.errors.append(item)
    return result


def iter_pubmed(source: Source) -> Iterator[Article | Deletion | RecordError]:
    """Stream the records of a PubMed XML document one at a time (memory flat in file size)."""
    stream, name, close = _open(source)
    try:
        yield from _iter_stream(stream, name)
    finally:
        if close:
            stream.close()


def _open(source: Source) -> tuple[IO[bytes], str, bool]:
    if isinstance(source, bytes):
        return io.BytesIO(source), "<bytes>", False
    if isinstance(source, str | Path):
        try:
            return open(source, "rb"), str(source), True
        except OSError as e:
            raise ParseError(f"cannot read {source}: {e}") from e
    return source, getattr(source, "name", "<stream>"), False


def _iter_stream(stream: IO[bytes], name: str) -> Iterator[Article | Deletion | RecordError]:
    root: ET.Element | None = None
    try:
        for event, elem in ET.iterparse(stream, events=("start", "end")):
            if root is None:
                root = elem
                if elem.tag not in ("PubmedArticleSet", "PubmedBookArticleSet"):
                    raise ParseError(
                        f"{name} is not a PubMed article set: its root element is <{elem.tag}>"
                        " (expected <PubmedArticleSet>, the answer of efetch db=pubmed retmode=xml)"
                    )
                continue
            if event != "end":
                continue
            if elem.tag in ("PubmedArticle", "PubmedBookArticle"):
                yield _record(elem)
                root.clear()  # drop converted records: memory stays flat
            elif elem.tag == "DeleteCitation":
                for pmid_el in elem.iter("PMID"):
                    pmid = _text(pmid_el)
                    if pmid:
                        yield Deletion(pmid)
                root.clear()
    except ET.ParseError as e:
        raise ParseError(
            f"{name} is not well-formed XML ({e}); the file is broken or cut off"
        ) from e
    if root is None:
        raise ParseError(f"{name} is empty: no XML element found")


def _record(elem: ET.Element) -> Article | RecordError:
    """Convert one ``<PubmedArticle>``/``<PubmedBookArticle>``; a RecordError when malformed."""
    pmid_el = elem.find("MedlineCitation/PMID")
    if pmid_el is None:
        pmid_el = elem.find("BookDocument/PMID")
    pmid = _text(pmid_el) if pmid_el is not None else ""
    if not pmid:
        return RecordError(None, "record has no PMID")
    if not _PMID_RE.match(pmid):
        return RecordError(None, f"record has an invalid PMID {pmid[:40]!r}")
    try:
        if elem.tag == "PubmedBookArticle":
            return _book(pmid, elem)
        return _article(pmid, elem)
    except (ValueError, TypeError, AttributeError) as e:  # defensive: odd structure
        return RecordError(pmid, f"cannot read record {pmid}: {e}")


def _article(pmid: str, elem: ET.Element) -> Article | RecordError:
    citation = elem.find("MedlineCitation")
    art = citation.find("Article") if citation is not None else None
    if citation is None or art is None:
        return RecordError(pmid, f"record {pmid} has no <Article> element")
    title = flatten(art.find("ArticleTitle"))
    if not title:
        title = flatten(art.find("VernacularTitle"))
    if not title:
        return RecordError(pmid, f"record {pmid} has no title")
    journal = art.find("Journal")
    pub_date_el = journal.find("JournalIssue/PubDate") if journal is not None else None
    year, pub_date = _pub_date(pub_date_el)
    if year is None:
        year, pub_date2 = _pub_date(art.find("ArticleDate"))
        pub_date = pub_date or pub_date2
    return Article(
        pmid=pmid,
        title=title,
        abstract=_abstract(art.find("Abstract")),
        journal=_text(journal.find("Title")) or None if journal is not None else None,
        journal_abbrev=_journal_abbrev(journal, citation),
        year=year,
        pub_date=pub_date,
        authors=_authors(art.find("AuthorList")),
        publication_types=_texts(art.findall("PublicationTypeList/PublicationType")),
        mesh=_texts(citation.findall("MeshHeadingList/MeshHeading/DescriptorName")),
        keywords=_texts(citation.findall("KeywordList/Keyword")),
        language=_text(art.find("Language")) or None,
        doi=_doi(elem, art),
        pmcid=_article_id(elem, "pmc"),
        date_revised=_ymd(citation.find("DateRevised")),
        date_completed=_ymd(citation.find("DateCompleted")),
        retraction=_corrections(citation.findall("CommentsCorrectionsList/CommentsCorrections")),
    )


def _book(pmid: str, elem: ET.Element) -> Article | RecordError:
    doc = elem.find("BookDocument")
    if doc is None:
        return RecordError(pmid, f"book record {pmid} has no <BookDocument>")
    title = flatten(doc.find("ArticleTitle")) or flatten(doc.find("Book/BookTitle"))
    if not title:
        return RecordError(pmid, f"book record {pmid} has no title")
    year, pub_date = _pub_date(doc.find("Book/PubDate"))
    return Article(
        pmid=pmid,
        title=title,
        abstract=_abstract(doc.find("Abstract")),
        journal=flatten(doc.find("Book/BookTitle")) or None,
        year=year,
        pub_date=pub_date,
        authors=_authors(doc.find("AuthorList")),
        publication_types=_texts(doc.findall("PublicationType")),
        keywords=_texts(doc.findall("KeywordList/Keyword")),
        language=_text(doc.find("Language")) or None,
        doi=_article_id(elem, "doi"),
        date_revised=_ymd(doc.find("DateRevised")),
    )


# --- text -------------------------------------------------------------------------------------


def flatten(elem: ET.Element | None) -> str:
    """Text of ``elem`` with inline markup removed and whitespace collapsed.

    ``<i>``/``<sup>``/``<sub>``/``<b>``/``<u>`` keep their text; a MathML formula keeps the
    text of its tokens joined without the layout whitespace (``V̇O2max`` rather than
    ``V . O 2 m a x``).
    """
    if elem is None:
        return ""
    parts: list[str] = []
    _collect(elem, parts, top=True)
    return _WS_RE.sub(" ", "".join(parts)).strip()


def _collect(elem: ET.Element, parts: list[str], *, top: bool = False) -> None:
    if elem.tag.startswith(MATHML_NS) or elem.tag == "math":
        parts.append("".join(t.strip() for t in elem.itertext()))
    else:
        if elem.text:
            parts.append(elem.text)
        for child in elem:
            if child.tag in ("sub", "sup") and parts and "\n" in parts[-1][-20:]:
                # pretty-printed XML puts a line break before <sub>: "β\n  <sub>2" is "β2"
                stripped = parts[-1].rstrip()
                if parts[-1][len(stripped) :].count("\n"):
                    parts[-1] = stripped
            _collect(child, parts)
    if not top and elem.tail:
        parts.append(elem.tail)


def _abstract(abstract: ET.Element | None) -> str:
    """Sections as ``Label: text`` paragraphs joined by a blank line (the gold files' form)."""
    if abstract is None:
        return ""
    paragraphs = []
    for section in abstract.findall("AbstractText"):
        text = flatten(section)
        label = (section.get("Label") or "").strip()
        if label and label.upper() != "UNLABELLED":
            label = _display_label(label)
            text = f"{label}: {text}" if text else f"{label}:"
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def _display_label(label: str) -> str:
    """PubMed shows upper-case section labels in sentence case (``CASE REPORT`` → ``Case report``)."""
    label = _WS_RE.sub(" ", label)
    if label.isupper():
        return label[0] + label[1:].lower()
    return label


def _text(elem: ET.Element | None) -> str:
    return flatten(elem)


def _texts(elems: Iterable[ET.Element]) -> list[str]:
    return [t for t in (flatten(e) for e in elems) if t]


# --- dates ------------------------------------------------------------------------------------


def _ymd(elem: ET.Element | None) -> str | None:
    """``<Year><Month><Day>`` → ``YYYY-MM-DD`` (month names accepted); None when absent."""
    if elem is None:
        return None
    year = _text(elem.find("Year"))
    if not year.isdigit():
        return None
    month = _month(_text(elem.find("Month")))
    day = _text(elem.find("Day"))
    if month is None:
        return year
    if not day.isdigit():
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{int(day):02d}"


def _month(value: str) -> int | None:
    if value.isdigit():
        month = int(value)
        return month if 1 <= month <= 12 else None
    return _MONTHS.get(value[:3].lower())


def _pub_date(elem: ET.Element | None) -> tuple[int | None, str | None]:
    """(year, display date) from ``<PubDate>``/``<ArticleDate>``, including ``<MedlineDate>``.

    ``<MedlineDate>1998 Dec-1999 Jan</MedlineDate>`` gives year 1998 and keeps the text as the
    date; a ``<Season>`` is kept beside the year ("1990 Spring").
    """
    if elem is None:
        return None, None
    medline = _text(elem.find("MedlineDate"))
    if medline:
        match = _YEAR_RE.search(medline)
        return (int(match.group(1)) if match else None), medline
    year_text = _text(elem.find("Year"))
    if not year_text.isdigit():
        return None, None
    season = _text(elem.find("Season"))
    if season and elem.find("Month") is None:
        return int(year_text), f"{year_text} {season}"
    return int(year_text), _ymd(elem)


# --- people, identifiers, links -------------------------------------------------------------------


def _authors(author_list: ET.Element | None) -> list[str]:
    if author_list is None:
        return []
    names = []
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") == "N":
            continue
        collective = _text(author.find("CollectiveName"))
        if collective:
            names.append(collective)
            continue
        last = _text(author.find("LastName"))
        initials = _text(author.find("Initials"))
        if last:
            names.append(f"{last} {initials}".strip())
    return names


def _journal_abbrev(journal: ET.Element | None, citation: ET.Element) -> str | None:
    abbrev = _text(journal.find("ISOAbbreviation")) if journal is not None else ""
    return abbrev or _text(citation.find("MedlineJournalInfo/MedlineTA")) or None


def _article_id(elem: ET.Element, id_type: str) -> str | None:
    for aid in elem.findall("PubmedData/ArticleIdList/ArticleId"):
        if aid.get("IdType") == id_type:
            value = _text(aid)
            if value:
                if id_type == "pmc" and not value.upper().startswith("PMC"):
                    value = f"PMC{value}"
                return value
    return None


def _doi(elem: ET.Element, art: ET.Element) -> str | None:
    doi = _article_id(elem, "doi")
    if doi:
        return doi
    for eloc in art.findall("ELocationID"):
        if eloc.get("EIdType") == "doi" and eloc.get("ValidYN", "Y") != "N":
            return _text(eloc) or None
    return None


def _corrections(items: Iterable[ET.Element]) -> list[dict[str, str | None]]:
    links = []
    for item in items:
        ref_type = item.get("RefType", "")
        if ref_type not in CORRECTION_TYPES:
            continue
        links.append(
            {
                "type": ref_type,
                "ref": _text(item.find("RefSource")) or None,
                "pmid": _text(item.find("PMID")) or None,
            }
        )
    return links
