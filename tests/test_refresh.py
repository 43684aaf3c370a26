"""``refresh``: incremental and full runs, faults, deletions, kill -9, the lock, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakeserver import FakeEutils, fast_client

from sseh_lit.cli import cli
from sseh_lit.corpus import active_articles
from sseh_lit.db import MIGRATIONS, connect, migrate
from sseh_lit.errors import NetworkError
from sseh_lit.lock import hold_lock
from sseh_lit.refresh import RefreshSummary, refresh

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = ("first_seen", "updated_at", "deleted_at", "unmatched_since")


def articles(db_path: Path) -> dict[str, dict[str, Any]]:
    """Every article row without timestamps, by PMID (what must converge)."""
    db = connect(db_path)
    rows = {
        r["pmid"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in db["articles"].rows
    }
    db.conn.close()
    return rows


def runs(db_path: Path) -> list[dict[str, Any]]:
    db = connect(db_path)
    rows = list(db["refresh_runs"].rows)
    db.conn.close()
    return rows


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    with FakeEutils(60, rate_limit=None, seed=5) as fake:
        yield fake


def run(db_path: Path, fake: FakeEutils, **kwargs: Any) -> RefreshSummary:
    return refresh(db_path, client=fast_client(fake.url), batch_size=25, **kwargs)


def test_done_when_1200_records_15pc_faults_3_per_second(tmp_path: Path) -> None:
    """The issue's acceptance scenario, as a subprocess against the fake server."""
    db_path = tmp_path / "X.db"
    with FakeEutils(1200, fault_rate=0.15, seed=11, rate_limit=3.0) as fake:
        env = {**os.environ, "NCBI_EUTILS_URL": fake.url}
        command = [sys.executable, "-m", "sseh_lit", "refresh", "--db", str(db_path)]
        first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=400)
        assert first.returncode == 0, first.stderr
        assert len(articles(db_path)) == 1200
        assert fake.max_requests_in_window(1.0) <= 3
        assert not [r for r in fake.log if r.fault == "ratelimit"]
        n_first = len(fake.log)

        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=400)
        assert second.returncode == 0, second.stderr
        assert "0 new, 0 updated" in second.stdout
        assert fake.max_requests_in_window(1.0) <= 3
        assert not [r for r in fake.log[n_first:] if r.endpoint == "efetch"]
    first_run, second_run = runs(db_path)
    assert (first_run["status"], first_run["found"], first_run["new"]) == ("ok", 1200, 1200)
    assert (second_run["status"], second_run["new"], second_run["updated"]) == ("ok", 0, 0)
    assert first_run["query_name"] == "sseh" and first_run["query_version"]
    assert first_run["requests"] >= 7  # 1 esearch + 6 efetch of 200, plus retries


def test_incremental_run_fetches_only_what_changed(db_path: Path, server: FakeEutils) -> None:
    first = run(db_path, server)
    assert (first.found, first.new, first.fetched) == (60, 60, 60)

    pmids = sorted(server.records)
    added = server.add_records(4)
    server.modify(pmids[0], title="Synthetic revised title of a spinal epidural haematoma")
    server.modify(pmids[1], abstract="Synthetic revised abstract.")
    server.modify(pmids[2])  # only DateRevised changes: still an update of the stored record
    server.delete(pmids[3])
    second = run(db_path, server)
    assert (second.new, second.updated, second.unchanged, second.deleted) == (4, 3, 0, 1)
    assert second.fetched == 4 + 3 + 1  # new, modified window, vanished
    assert second.since == first.search_date

    stored = articles(db_path)
    assert stored[pmids[0]]["title"].startswith("Synthetic revised title")
    assert stored[pmids[3]]["status"] == "deleted"
    assert all(stored[p]["status"] == "active" for p in added)
    db = connect(db_path)
    active = [r["pmid"] for r in active_articles(db)]
    assert pmids[3] not in active and len(active) == 63
    assert db.execute("SELECT deleted_at FROM articles WHERE pmid = ?", [pmids[3]]).fetchone()[0]
    db.conn.close()

    before = articles(db_path)
    third = run(db_path, server)
    # the window (since today) refetches today's 3 revisions; the content hash finds no change
    assert (third.fetched, third.unchanged) == (3, 3)
    assert (third.new, third.updated, third.deleted, third.failed) == (0, 0, 0, 0)
    assert articles(db_path) == before


def test_delete_citation_soft_deletes_on_full_run(db_path: Path, server: FakeEutils) -> None:
    run(db_path, server)
    server.delete_style = "citation"
    gone = sorted(server.records)[:2]
    for pmid in gone:
        server.delete(pmid)
    summary = run(db_path, server, full=True)
    assert summary.mode == "full" and summary.fetched == 60 and summary.deleted == 2
    stored = articles(db_path)
    assert [stored[p]["status"] for p in gone] == ["deleted", "deleted"]
    assert sum(r["status"] == "active" for r in stored.values()) == 58


def test_records_the_query_no_longer_matches_are_flagged_not_deleted(
    db_path: Path, server: FakeEutils
) -> None:
    run(db_path, server)
    pmid = sorted(server.records)[5]
    server.unmatch(pmid)
    summary = run(db_path, server, full=True)
    assert (summary.unmatched, summary.deleted, summary.found) == (1, 0, 59)
    db = connect(db_path)
    status, flag = db.execute(
        "SELECT status, unmatched_since FROM articles WHERE pmid = ?", [pmid]
    ).fetchone()
    assert status == "active" and flag
    db.conn.close()
    assert run(db_path, server).fetched == 0  # flagged once, not refetched every night

    server.records[pmid].matches = True
    run(db_path, server)
    db = connect(db_path)
    assert (
        db.execute("SELECT unmatched_since FROM articles WHERE pmid = ?", [pmid]).fetchone()[0]
        is None
    )
    db.conn.close()


def test_search_hits_record_what_each_run_found(db_path: Path, server: FakeEutils) -> None:
    first = run(db_path, server)
    server.delete(sorted(server.records)[0])
    second = run(db_path, server)
    db = connect(db_path)
    counts = dict(db.execute("SELECT run_id, COUNT(*) FROM search_hits GROUP BY run_id").fetchall())
    db.conn.close()
    assert counts == {first.run_id: 60, second.run_id: 59}


def test_every_record_arrives_despite_heavy_faults(db_path: Path) -> None:
    with FakeEutils(150, rate_limit=None, fault_rate=0.4, seed=3) as fake:
        summary = refresh(db_path, client=fast_client(fake.url, max_retries=12), batch_size=10)
        faults = [r.fault for r in fake.log if r.fault]
        assert len(faults) >= 5 and len(set(faults)) >= 4
    assert summary.new == 150 and summary.failed == 0 and summary.status == "ok"
    assert summary.requests == len(fake.log)
    assert set(articles(db_path)) == set(fake.records)


def test_unparseable_record_is_recorded_and_retried(db_path: Path, server: FakeEutils) -> None:
    bad = sorted(server.records)[7]
    server.records[bad].title = ""
    summary = run(db_path, server)
    assert (summary.status, summary.new, summary.failed) == ("ok", 59, 1)
    db = connect(db_path)
    row = db.execute("SELECT pmid, error FROM failed_records").fetchone()
    db.conn.close()
    assert row[0] == bad and "no title" in row[1]

    server.records[bad].title = "Synthetic repaired title"
    again = run(db_path, server)
    assert (again.new, again.failed) == (1, 0)
    assert articles(db_path)[bad]["title"] == "Synthetic repaired title"


def test_network_failure_mid_run_fails_the_run_and_keeps_whole_batches(
    db_path: Path, server: FakeEutils
) -> None:
    def progress(stage: str, done: int, total: int) -> None:
        if stage == "fetch" and done == 25:  # after the first batch: NCBI goes down
            server.faults, server.fault_rate = ("503",), 1.0

    with pytest.raises(NetworkError):
        refresh(
            db_path, client=fast_client(server.url, max_retries=2), batch_size=25, progress=progress
        )
    (failed,) = runs(db_path)
    assert failed["status"] == "failed" and "503" in failed["error"]
    assert len(articles(db_path)) == 25  # the first batch, whole

    server.fault_rate = 0.0
    summary = run(db_path, server)
    assert (summary.status, summary.new) == ("ok", 35)
    assert len(articles(db_path)) == 60


def test_killed_run_leaves_whole_batches_and_the_next_run_converges(tmp_path: Path) -> None:
    killed_db, clean_db = tmp_path / "killed.db", tmp_path / "clean.db"
    with FakeEutils(240, rate_limit=3.0, seed=2) as fake:
        env = {**os.environ, "NCBI_EUTILS_URL": fake.url}
        command = [
            sys.executable,
            "-m",
            "sseh_lit",
            "refresh",
            "--db",
            str(killed_db),
            "--batch-size",
            "12",
        ]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(fake.requests("efetch")) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.15)  # land somewhere inside a batch's fetch/parse/commit
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        partial = articles(killed_db)
        assert 0 < len(partial) < 240 and len(partial) % 12 == 0  # whole batches only
        assert runs(killed_db)[0]["status"] == "running"

        fake.rate_limit = None
        summary = refresh(killed_db, client=fast_client(fake.url), batch_size=12)
        assert summary.new == 240 - len(partial)
        refresh(clean_db, client=fast_client(fake.url), batch_size=12)

    assert articles(killed_db) == articles(clean_db)
    dead, resumed = runs(killed_db)
    assert dead["status"] == "failed" and "interrupted" in dead["error"]
    assert resumed["status"] == "ok"
    assert resumed["since"] == dead["search_date"]  # revisions since the dead run are refetched


def test_second_refresh_exits_3_while_one_holds_the_lock(db_path: Path) -> None:
    with hold_lock(db_path, "refresh"):
        result = CliRunner().invoke(cli, ["refresh", "--db", str(db_path)])
    assert result.exit_code == 3
    assert f"another refresh is running (pid {os.getpid()} since" in result.output
    assert not db_path.exists() or runs(db_path) == []
    with hold_lock(db_path, "refresh"):  # released: can be taken again
        pass


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ('(spinal AND "epidural', "malformed"),  # HTTP 400 from the server
    ],
)
def test_permanent_error_exits_1_and_records_a_failed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, term: str, message: str
) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "bad.toml").write_text(
        f"name = 'bad'\nversion = '0.1'\nterm = '''{term}'''\n", encoding="utf-8"
    )
    monkeypatch.setenv("SSEH_LIT_QUERIES", str(queries))
    db_path = tmp_path / "c.db"
    with FakeEutils(5, rate_limit=None) as fake:
        monkeypatch.setenv("NCBI_EUTILS_URL", fake.url)
        result = CliRunner().invoke(cli, ["refresh", "--query", "bad", "--db", str(db_path)])
        assert len(fake.log) == 1  # no retry of a permanent error
    assert result.exit_code == 1
    assert message in result.output
    (failed,) = runs(db_path)
    assert failed["status"] == "failed" and message in failed["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "31/01/2024"], "not a date"),
        (["--query", "nosuch"], "no query named 'nosuch'"),
    ],
)
def test_bad_options_exit_1_with_a_clear_message(
    db_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, ["refresh", "--db", str(db_path), *args])
    assert result.exit_code == 1
    assert message in result.output


def test_cli_refresh_prints_a_summary_and_log_lines(
    db_path: Path, server: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_EUTILS_URL", server.url)
    result = CliRunner().invoke(cli, ["refresh", "--db", str(db_path), "--batch-size", "30"])
    assert result.exit_code == 0, result.output
    assert "fetched 30/60 records" in result.output
    assert "sseh v1.0.0 (incremental, run 1): 60 found, 60 new" in result.output


def test_since_reopens_the_modification_window(db_path: Path, server: FakeEutils) -> None:
    run(db_path, server)
    summary = run(db_path, server, since="1990-01-01")
    assert summary.since == "1990-01-01"
    assert summary.fetched == 60 and summary.unchanged == 60 and summary.updated == 0


def test_older_schema_is_upgraded_in_place(db_path: Path) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    name, first = MIGRATIONS[0]
    first(db)
    db["_migrations"].insert({"name": name, "applied_at": "2025-01-01T00:00:00Z"})
    db["articles"].insert({"pmid": "99000001", "title": "Synthetic old row", "status": "active"})
    db.conn.close()

    upgraded = connect(db_path)
    applied = [r["name"] for r in upgraded["_migrations"].rows]
    assert applied == [n for n, _ in MIGRATIONS]
    assert upgraded["articles"].get("99000001")["title"] == "Synthetic old row"
    assert "idx_search_hits_pmid" in {i.name for i in upgraded["search_hits"].indexes}
    assert migrate(upgraded) == []  # nothing left to apply
    upgraded.conn.close()


def test_summary_is_json_serialisable(db_path: Path, server: FakeEutils) -> None:
    summary = run(db_path, server)
    assert json.loads(json.dumps(summary.to_dict()))["new"] == 60
