"""Benchmark: requests per full refresh and wall time against the rate-limit floor.

Runs ``refresh`` (the real client, the real 3 requests/s limiter) against the fake E-utilities
server on 127.0.0.1 and prints, per scenario, the HTTP requests sent, the wall time, the floor
(requests ÷ 3 per second: no polite client can be faster) and the ratio wall ÷ floor. A ratio near
1.0 means the run is bound by NCBI's rate limit, not by parsing or storing. Run by hand:

    .venv/bin/python bench/bench_refresh.py [--records 1200] [--fault-rate 0.15] [--batch-size 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakeserver import FakeEutils

from sseh_lit.pubmed.eutils import EutilsClient
from sseh_lit.refresh import refresh

RATE = 3.0


def scenario(
    label: str, fake: FakeEutils, db_path: Path, batch_size: int, **kwargs: object
) -> None:
    client = EutilsClient(fake.url)
    started = time.monotonic()
    summary = refresh(db_path, client=client, batch_size=batch_size, **kwargs)  # type: ignore[arg-type]
    wall = time.monotonic() - started
    floor = summary.requests / RATE
    ratio = wall / floor if floor else float("nan")
    print(
        f"{label:<34} records={summary.found:>6} fetched={summary.fetched:>6} "
        f"requests={summary.requests:>4} wall={wall:7.2f}s floor={floor:7.2f}s ratio={ratio:5.2f} "
        f"max/1s-window={fake.max_requests_in_window(1.0)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1200)
    parser.add_argument("--fault-rate", type=float, default=0.15)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for fault_rate in sorted({0.0, args.fault_rate}):
            db_path = Path(tmp) / f"bench-{fault_rate}.db"
            with FakeEutils(args.records, fault_rate=fault_rate, seed=args.seed) as fake:
                tag = f"faults={fault_rate:.0%}"
                scenario(f"first (full) refresh, {tag}", fake, db_path, args.batch_size)
                fake.log.clear()
                scenario(f"immediate re-run, {tag}", fake, db_path, args.batch_size)
                fake.log.clear()
                scenario(f"--full re-run, {tag}", fake, db_path, args.batch_size, full=True)


if __name__ == "__main__":
    main()
