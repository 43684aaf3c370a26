"""PRISMA 2020 counts add up, on a hand-built DB (several runs, duplicates, deletions, failures,
overrides, patients) and on the demo DB; the SVG and PNG diagrams are written.

Articles here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sseh_lit import dataset
from sseh_lit.db import connect, utcnow
from sseh_lit.errors import ConfigError
from sseh_lit.prisma import (
    check_invariant,
    prisma_counts,
    render_markdown,
    render_png,
    render_svg,
    write_prisma,
)
from sseh_lit.review import log
from sseh_lit.screen import override, screen_db

INCLUDE = ("Spontaneous thoracic epidural haematoma", "A 60-year-old man had paraplegia.")
SUBDURAL = ("Spinal subdural haematoma in a woman", "A 70-year-old woman had back pain.")
TRAUMA = ("Traumatic cervical epidural haematoma", "A 20-year-old man fell from a ladder.")
SERIES = (
    "Spontaneous spinal epidural haematoma: a retrospective cohort",
    "Forty patients were retrospectively reviewed; outcome was analysed by regression.",
)


def _article(
    pmid: str, text: tuple[str, str], status: str = "active", source: str = "pubmed"
) -> dict:
    return {
        "pmid": pmid,
        "title": text[0],
        "abstract": text[1],
        "publication_types": "[]",
        "status": status,
        "deleted_at": utcnow() if status == "deleted" else None,
        "source": source,
    }


def _run(db, run_id: int, query: str, date: str, pmids: list[str]) -> None:
    db["refresh_runs"].insert(
        {
            "id": run_id,
            "query_name": query,
            "query_version": "1.0",
            "search_date": date,
            "mode": "incremental",
            "status": "ok",
            "found": len(pmids),
        }
    )
    db["search_hits"].insert_all({"run_id": run_id, "pmid": p} for p in pmids)


@pytest.fixture
def built(db_path: Path):
    """Two queries, three runs: 14 hits, 6 duplicates, 1 deleted, 1 never retrieved, 1 file import."""
    db = connect(db_path)
    _run(db, 1, "sseh", "2024-01-10", ["1", "2", "3", "4", "5"])
    _run(db, 2, "sseh", "2024-06-10", ["1", "2", "3", "4", "5", "6"])  # 5 duplicates
    _run(db, 3, "broad <&> query", "2024-06-11", ["5", "7", "8"])  # 1 duplicate ("5")
    db["articles"].insert_all(
        [
            _article("1", INCLUDE),
            _article("2", INCLUDE),
            _article("3", SUBDURAL),
            _article("4", TRAUMA),
            _article("5", SERIES),
            _article("6", INCLUDE, status="deleted"),
            _article("7", INCLUDE),
            # "8" was found but never fetched (not retrieved)
            _article("9", INCLUDE, source="file"),  # other source
        ]
    )
    screen_db(db)
    override(db, "7", "exclude", code="other", reason="letter without a patient", reviewer="ann")
    override(db, "4", "include", reason="trauma was trivial and remote", reviewer="ann")
    now = utcnow()
    db["patients"].insert_all(
        [
            {"pmid": "1", "patient": 1, "status": "active", "created_at": now},
            {"pmid": "1", "patient": 2, "status": "active", "created_at": now},  # removed below
            {"pmid": "2", "patient": 1, "status": "gone", "created_at": now},
            {"pmid": "2", "patient": 2, "status": "reviewer_added", "created_at": now},
            {"pmid": "4", "patient": 1, "status": "active", "created_at": now},
            {"pmid": "3", "patient": 1, "status": "active", "created_at": now},  # excluded record
            {"pmid": "6", "patient": 1, "status": "active", "created_at": now},  # deleted record
        ]
    )
    log.append(db, pmid="1", patient=2, action="remove_patient", reviewer="ann", reason="dup")
    log.append(db, pmid="9", patient=1, action="add_patient", reviewer="ann", reason="missed")
    return db


def test_counts_on_a_db_with_runs_duplicates_deletions_and_overrides(built) -> None:
    c = prisma_counts(built)
    assert c["identified_from_searches"] == 14
    assert c["other_sources"] == 1
    assert c["identified"] == 15
    assert c["duplicates"] == 6
    assert c["deleted"] == 1
    assert c["not_retrieved"] == 1
    assert c["awaiting_screening"] == 0
    assert c["screened"] == 7  # 1 2 3 4 5 7 9
    assert c["included"] == 4  # 1 2 4 (override) 9
    assert c["excluded_by_reason"] == {
        "not_epidural": 1,
        "traumatic": 0,
        "iatrogenic": 0,
        "no_individual_patient": 1,
        "retracted": 0,
        "other": 1,  # the override
    }
    # 1/1, 2/2 (reviewer_added), 4/1, 9/1 (log only); 1/2 removed, 2/1 gone, 3 and 6 not included
    assert c["included_patients"] == 4
    assert c["reviewer_overrides"] == 2
    assert c["invariant_holds"] is True
    flow = c["identified"] - c["duplicates"] - c["deleted"] - c["not_retrieved"]
    assert flow == c["screened"] == c["included"] + sum(c["excluded_by_reason"].values())
    sseh = next(q for q in c["identified_by_query"] if q["query"] == "sseh")
    assert (sseh["runs"], sseh["records"], sseh["last_search_date"]) == (2, 11, "2024-06-10")
    assert [s["records"] for s in c["searches"]] == [5, 6, 3]


def test_unscreened_records_are_counted_as_awaiting(built) -> None:
    built["articles"].insert(_article("8", INCLUDE))  # fetched later, not yet screened
    c = prisma_counts(built)
    assert (c["not_retrieved"], c["awaiting_screening"], c["screened"]) == (0, 1, 7)
    assert c["invariant_holds"]
    screen_db(built)
    c = prisma_counts(built)
    assert (c["awaiting_screening"], c["screened"], c["included"]) == (0, 8, 5)
    assert c["invariant_holds"]


def test_invariant_check_catches_a_count_that_does_not_add_up(built) -> None:
    c = prisma_counts(built)
    c["included"] += 1
    assert not check_invariant(c)


def test_svg_is_well_formed_and_escapes_text(built) -> None:
    svg = render_svg(prisma_counts(built))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "broad <&> query" in text  # escaped in the file, intact once parsed
    assert "Records identified: n = 15" in text
    assert "Patients included: n = 4" in text
    assert len([e for e in root.iter() if e.tag.endswith("line")]) == 4  # the arrows


def test_png_and_files_are_written(built, tmp_path: Path) -> None:
    png = render_png(prisma_counts(built), tmp_path / "deep" / "flow.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    counts, paths = write_prisma(built, tmp_path / "out", fmt="md")
    assert set(paths) == {"md", "svg", "png"}
    assert "| Records identified | 15 |" in paths["md"].read_text(encoding="utf-8")
    assert "Counts add up: yes" in render_markdown(counts)
    _, paths = write_prisma(built, tmp_path / "out", fmt="json")
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["screened"] == 7


def _below_a_file(tmp_path: Path) -> Path:
    (tmp_path / "taken").write_text("a file, not a folder\n", encoding="utf-8")
    return tmp_path / "taken" / "prisma"


def _png_name_is_a_folder(tmp_path: Path) -> Path:
    (tmp_path / "out" / "prisma.png").mkdir(parents=True)
    return tmp_path / "out"


@pytest.mark.parametrize("make_out", [_below_a_file, _png_name_is_a_folder])
@pytest.mark.parametrize("fmt", ["json", "md"])
def test_an_unwritable_out_folder_is_a_config_error(
    built, tmp_path: Path, make_out, fmt: str
) -> None:
    out = make_out(tmp_path)
    with pytest.raises(ConfigError, match=f"cannot write the PRISMA files to {out}"):
        write_prisma(built, out, fmt=fmt)


def test_empty_db_gives_zeros_that_add_up(db_path: Path) -> None:
    c = prisma_counts(connect(db_path))
    assert c["identified"] == c["screened"] == c["included"] == 0
    assert c["invariant_holds"]
    ET.fromstring(render_svg(c))


def test_numbers_add_up_on_the_demo_db(tmp_path: Path) -> None:
    demo = pytest.importorskip("sseh_lit.demo")
    db_file = tmp_path / "demo.db"
    summary = demo.build_demo_corpus(db_file)
    db = connect(db_file)
    screen_db(db)
    c = prisma_counts(db)
    assert c["identified"] == len({*[r["pmid"] for r in db.query("select pmid from search_hits")]})
    assert c["deleted"] == summary.deleted >= 1
    assert c["screened"] == summary.records - summary.deleted
    assert c["included"] > 0 and c["excluded"] > 0
    assert c["invariant_holds"]
    assert c["identified"] - c["duplicates"] - c["deleted"] == c["screened"]
    assert c["screened"] == c["included"] + sum(c["excluded_by_reason"].values())


@pytest.mark.parametrize(
    ("reviewer_touched_it", "expected"),
    [(False, 1), (True, 2)],  # a gone patient a reviewer worked on stays in the dataset
)
def test_included_patients_match_the_dataset(
    db_path: Path, reviewer_touched_it: bool, expected: int
) -> None:
    db = connect(db_path)
    _run(db, 1, "sseh", "2024-01-10", ["1"])
    db["articles"].insert(_article("1", INCLUDE))
    screen_db(db)
    now = utcnow()
    db["patients"].insert_all(
        [
            {"pmid": "1", "patient": 1, "status": "active", "created_at": now},
            {"pmid": "1", "patient": 2, "status": "gone", "created_at": now},  # machine lost it
        ]
    )
    if reviewer_touched_it:
        log.append(
            db, pmid="1", patient=2, field="sex", action="correct", new_value="male",
            reviewer="ann", reason="second patient of the report",
        )  # fmt: skip
    assert prisma_counts(db)["included_patients"] == expected
    assert len(list(dataset.iter_patients(db))) == expected
