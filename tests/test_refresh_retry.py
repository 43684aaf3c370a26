"""A record that failed in a refresh is retried until it succeeds, however many runs failed since.

Runs against the synthetic fake E-utilities server (tests/fakeserver.py) on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fakeserver import FakeEutils, fast_client

from sseh_lit.db import connect
from sseh_lit.errors import NetworkError
from sseh_lit.refresh import refresh


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    with FakeEutils(30, rate_limit=None, seed=11) as fake:
        yield fake


def _title(db_path: Path, pmid: str) -> str:
    db = connect(db_path)
    try:
        return db.execute("SELECT title FROM articles WHERE pmid = ?", [pmid]).fetchone()[0]
    finally:
        db.conn.close()


@pytest.mark.parametrize("failed_runs_between", [0, 1, 2])
def test_a_failed_record_is_retried_after_failed_runs(
    db_path: Path, server: FakeEutils, failed_runs_between: int
) -> None:
    client = fast_client(server.url)
    refresh(db_path, client=client, batch_size=10)
    pmid = sorted(server.records)[4]
    record = server.records[pmid]
    stored_title = _title(db_path, pmid)

    # The revision arrives, but cannot be parsed: the stored copy stays, the failure is noted.
    record.title = ""
    since = (record.mdat - timedelta(days=1)).isoformat()
    revised = refresh(db_path, client=client, batch_size=10, since=since)
    assert (revised.status, revised.failed) == ("ok", 1)
    assert _title(db_path, pmid) == stored_title

    server.faults, server.fault_rate = ("503",), 1.0  # NCBI down for a night or two
    for _ in range(failed_runs_between):
        with pytest.raises(NetworkError):
            refresh(db_path, client=fast_client(server.url, max_retries=0), batch_size=10)
    server.fault_rate = 0.0

    record.title = "Synthetic repaired title"  # fixed at NCBI without a new revision date
    later = refresh(db_path, client=client, batch_size=10)
    assert (later.status, later.updated, later.failed) == ("ok", 1, 0)
    assert _title(db_path, pmid) == "Synthetic repaired title"
