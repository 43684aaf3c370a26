"""``screen_reason`` (what ``sseh-lit annotate`` needs) agrees with ``screen_record``.

``screen_reason`` runs the same decision without the work whose only product is the confidence,
the flags or the detail; its include/reason must be those of the full decision on every record
we have: the gold dev set, both synthetic evaluation sets and the demo corpus, each also upper-
and lower-cased (case changes which sentences and rules the gates let through).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sseh_lit.pubmed.parse import Article, iter_pubmed
from sseh_lit.screen import screen_reason, screen_record

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("pmid", "title", "abstract", "publication_types", "mesh", "language", "retraction")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _demo() -> list[dict[str, Any]]:
    out = []
    for xml in sorted((ROOT / "corpus" / "demo").glob("*.xml")):
        for item in iter_pubmed(xml):
            if isinstance(item, Article):
                data = dataclasses.asdict(item)
                out.append({k: data.get(k) for k in KEYS})
    return out


def _variants(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for record in records:
        yield record
        for case in (str.upper, str.lower):
            yield dict(
                record,
                title=case(record.get("title") or ""),
                abstract=case(record.get("abstract") or ""),
            )


def _assert_agree(records: list[dict[str, Any]]) -> None:
    assert records
    differ = []
    for record in _variants(records):
        decision = screen_record(record)
        if screen_reason(record) != (decision.include, decision.schema_reason):
            differ.append((record.get("pmid"), record.get("title", "")[:60]))
    assert not differ


def test_agrees_on_gold_dev(gold_path: Path) -> None:
    _assert_agree(_jsonl(gold_path))


@pytest.mark.parametrize("name", ["synthetic-a.jsonl", "synthetic-b.jsonl"])
def test_agrees_on_synthetic_sets(name: str) -> None:
    _assert_agree(_jsonl(ROOT / "corpus" / "eval" / name))


def test_agrees_on_demo_corpus() -> None:
    _assert_agree(_demo())


def test_metadata_and_empty_records() -> None:
    """Notices, publication types, MeSH and missing keys take the same path in both."""
    records = [
        {},
        {"title": "Retracted: spontaneous spinal epidural haematoma"},
        {"title": "Spinal epidural hematoma", "publication_types": ["Retracted Publication"]},
        {"title": "Spinal epidural hematoma", "publication_types": '["Review"]'},
        {"title": "Spinal epidural hematoma in a dog", "mesh": ["Animals", "Dogs"]},
        {"title": "Spinal hematoma", "abstract": "", "mesh": ["Hematoma, Subdural, Spinal"]},
        {"title": "Erratum", "publication_types": ["Published Erratum"]},
    ]
    _assert_agree(records)
