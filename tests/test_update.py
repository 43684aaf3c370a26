"""``update``: refresh → screen → extract → duplicates → export → analyze against the fake E-utilities server.

The fake server (``tests/fakeserver.py``) serves SYNTHETIC case reports written for these tests;
nothing here reaches NCBI. Covers the end-to-end run, the second run being a no-op, a new record
being picked up, the one lock (exit 3), and a failed step stopping the chain (exit 1) with the
earlier steps' results kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakeserver import FakeEutils, fast_client

from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.lock import hold_lock
from sseh_lit.update import UpdateError, update

#: Synthetic case reports (written for these tests; not from any publication).
CASES = (
    (
        "Cervical spontaneous spinal epidural haematoma in a man on warfarin: synthetic case",
        "A 67-year-old man taking warfarin presented with sudden neck pain and quadriparesis "
        "(ASIA B). MRI showed a dorsal spontaneous spinal epidural haematoma from C5 to C7. He "
        "underwent emergency laminectomy 8 hours after onset and recovered completely.",
    ),
    (
        "Thoracic spontaneous epidural hematoma with paraplegia: a synthetic case report",
        "A 54-year-old woman presented with acute back pain and paraplegia, ASIA grade A. MRI "
        "revealed a spontaneous ventral epidural hematoma at T4-T6. Decompressive laminectomy "
        "was performed 30 hours after onset; she did not recover.",
    ),
    (
        "Lumbar spontaneous spinal epidural haematoma during apixaban therapy: synthetic case",
        "A 72-year-old man on apixaban developed low back pain and saddle anaesthesia. MRI "
        "demonstrated a spontaneous spinal epidural haematoma at L3-L4. He was treated "
        "conservatively and recovered fully.",
    ),
    (
        "Spontaneous spinal epidural hematoma presenting as chest pain: synthetic case",
        "A 45-year-old woman without anticoagulant therapy presented with acute thoracic pain "
        "and paraparesis (Frankel C). MRI showed a spontaneous spinal epidural hematoma at "
        "T9-T11. Hemilaminectomy was performed after 20 hours, with partial recovery.",
    ),
)
DATA_TABLES = (
    "articles",
    "screening",
    "patients",
    "extractions",
    "extraction_state",
    "flags",
    "reviewer_log",
    "failed_records",
)


def add_cases(fake: FakeEutils, n: int) -> list[str]:
    """Add ``n`` synthetic case reports to the fake server."""
    pmids = fake.add_records(n)
    for i, pmid in enumerate(pmids):
        title, abstract = CASES[(len(fake.records) - n + i) % len(CASES)]
        fake.records[pmid].title = f"{title} {pmid}"
        fake.records[pmid].abstract = abstract
    return pmids


def counts(db_path: Path) -> dict[str, int]:
    db = connect(db_path)
    try:
        return {t: db[t].count for t in (*DATA_TABLES, "refresh_runs")}
    finally:
        db.conn.close()


@pytest.fixture
def fake() -> Iterator[FakeEutils]:
    with FakeEutils(0, rate_limit=None, seed=9) as server:
        add_cases(server, 8)
        yield server


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["update", *args])
    return result.exit_code, result.output


def test_update_end_to_end_then_a_second_run_is_a_no_op(
    fake: FakeEutils, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_EUTILS_URL", fake.url)
    out = tmp_path / "out"
    code, output = run_cli("--db", str(db_path), "--out", str(out))
    assert code == 0, output
    first = counts(db_path)
    assert first["articles"] == 8 and first["screening"] == 8
    assert first["patients"] >= 8  # every synthetic report describes one patient
    last = output.strip().splitlines()[-1]
    assert last.startswith(
        f"update: 8 new records (0 updated, 0 deleted), {first['patients']} new patients"
    )
    for name in (
        "dataset.csv",
        "manifest.json",
        "descriptive.csv",
        "report.html",
        "prisma_flow.png",
    ):
        assert (out / name).is_file(), name
    stamp = (out / "report.html").stat().st_mtime_ns

    code, output = run_cli("--db", str(db_path), "--out", str(out))
    assert code == 0, output
    assert (
        output.strip()
        .splitlines()[-1]
        .startswith(
            "update: 0 new records (0 updated, 0 deleted), 0 new patients, 0 flagged for review"
        )
    )
    second = counts(db_path)
    assert {t: second[t] for t in DATA_TABLES} == {t: first[t] for t in DATA_TABLES}
    assert second["refresh_runs"] == first["refresh_runs"] + 1  # every search is recorded
    assert (out / "report.html").stat().st_mtime_ns >= stamp  # outputs rewritten, same data


def test_update_picks_up_a_new_record(fake: FakeEutils, db_path: Path, tmp_path: Path) -> None:
    client = fast_client(fake.url)
    update(db_path, out_dir=tmp_path / "out", client=client)
    before = counts(db_path)
    add_cases(fake, 1)
    summary = update(db_path, out_dir=tmp_path / "out", client=fast_client(fake.url))
    assert (summary.new_records, summary.new_patients) == (1, 1)
    assert summary.completed == ["refresh", "screen", "extract", "duplicates", "export", "analyze"]
    assert counts(db_path)["articles"] == before["articles"] + 1
    assert summary.details["extract"]["unchanged"] == before["articles"]  # only the new one ran
    # the new record repeats the first case's patient: flagged as a probable duplicate, once
    assert summary.details["duplicates"]["flags_added"] == 1
    again = update(db_path, out_dir=tmp_path / "out", client=fast_client(fake.url))
    assert again.details["duplicates"] == dict(summary.details["duplicates"], flags_added=0)


@pytest.mark.parametrize("held", ["update", "refresh"])
def test_update_exits_3_while_another_run_holds_the_lock(
    db_path: Path, tmp_path: Path, held: str
) -> None:
    with hold_lock(db_path, held):
        code, output = run_cli("--db", str(db_path), "--out", str(tmp_path / "out"))
    assert code == 3
    assert f"another {held} is running (pid {os.getpid()} since" in output
    assert not (tmp_path / "out").exists()


def test_failed_export_stops_the_chain_and_keeps_earlier_steps(
    fake: FakeEutils, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_EUTILS_URL", fake.url)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the output folder should be\n", encoding="utf-8")
    code, output = run_cli("--db", str(db_path), "--out", str(blocked / "out"))
    assert code == 1
    assert "update stopped at step 'export'" in output
    assert "refresh, screen, extract, duplicates finished and are kept" in output
    kept = counts(db_path)
    assert kept["articles"] == kept["screening"] == 8 and kept["patients"] >= 8
    assert not list(tmp_path.glob("**/report.html"))

    good = tmp_path / "out"  # the next run finishes the chain without redoing the kept work
    summary = update(db_path, out_dir=good, client=fast_client(fake.url))
    assert summary.details["extract"]["processed"] == 0
    assert (good / "dataset.csv").is_file() and (good / "report.html").is_file()


def test_failed_refresh_stops_before_anything_else(db_path: Path, tmp_path: Path) -> None:
    dead = fast_client("http://127.0.0.1:9/", max_retries=1)
    with pytest.raises(
        UpdateError, match=r"update stopped at step 'refresh': .*; no later step ran"
    ) as info:
        update(db_path, out_dir=tmp_path / "out", client=dead)
    assert info.value.step == "refresh" and info.value.completed == []
    assert counts(db_path)["screening"] == 0
    assert not (tmp_path / "out").exists()
