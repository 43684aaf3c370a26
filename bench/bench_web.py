"""Benchmark: p50/p95 round-trip of a field save in the review web app, over real HTTP.

Builds the demo DB (``sseh-lit demo`` into a temporary folder) unless ``--db`` names one, starts
``sseh-lit serve`` in a separate process on a free 127.0.0.1 port, signs in, and times N field
saves exactly as the browser sends them (a JSON POST with the CSRF header), alternating a
correction and an acceptance over every patient and field. Also times the record page it
reloads. Prints the figures and their ratio to the 100 ms budget; run by hand, not by pytest:

    .venv/bin/python bench/bench_web.py            # demo DB, 300 saves
    .venv/bin/python bench/bench_web.py --db outputs/demo.db --saves 1000
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from sseh_lit.db import connect
from sseh_lit.fields import EXTRACTED_FIELDS
from sseh_lit.review import reviewers
from sseh_lit.review.web.sample import build_sample_db

BUDGET_MS = 100.0
PASSWORD = "bench-password-1"
#: A valid typed value per field type, so every save passes validation and is written.
PER_FIELD = {"antiplatelet_agents": "aspirin", "reversal_agents": "vitamin k"}
TYPED = {
    "number": "42",
    "enum": None,  # first allowed value
    "bool": "yes",
    "level": "T4",
    "agents": "warfarin",
    "grade": "ASIA C",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_db(db: str | None, workdir: Path) -> tuple[Path, str]:
    """The DB to benchmark (a copy when ``--db`` is given) and a note on where it came from."""
    path = workdir / "bench.db"
    if db:
        shutil.copy(db, path)
        note = f"copy of {db}"
    else:
        subprocess.run(
            [sys.executable, "-m", "sseh_lit", "demo", "--db", str(path), "--out", str(workdir)],
            check=True,
            capture_output=True,
        )
        note = "sseh-lit demo"
    conn = connect(path)
    if not conn.execute("select count(*) from patients").fetchone()[0]:
        build_sample_db(path, 12)  # demo stages without extraction yet: add synthetic patients
        note += " + 12 synthetic sample records (the DB had no extracted patients)"
    if not conn.execute("select 1 from reviewers where name = 'bench'").fetchone():
        reviewers.add_reviewer(conn, "bench", PASSWORD)
    conn.close()
    return path, note


def targets(path: Path) -> list[tuple[str, int]]:
    conn = connect(path)
    rows = conn.execute(
        "select pmid, patient from patients where status in ('active','reviewer_added') "
        "order by pmid, patient"
    ).fetchall()
    conn.close()
    return [(str(p), int(n)) for p, n in rows]


def typed_value(field: str) -> str:
    from sseh_lit.fields import FIELD_BY_NAME

    spec = FIELD_BY_NAME[field]
    value = PER_FIELD.get(field) or TYPED.get(spec.type)
    return value if value is not None else spec.allowed[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="corpus DB to benchmark on (copied); default: demo DB")
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    path, note = prepare_db(args.db, workdir)
    records = targets(path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sseh_lit", "serve", "--db", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(200):
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            page = client.get("/login").text
            nonce = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": nonce})
            first = client.get(f"/record/{records[0][0]}").text
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', first).group(1)
            headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}

            t0 = time.perf_counter()  # reported apart from the rest
            client.post(
                f"/record/{records[0][0]}/field",
                json={"patient": records[0][1], "field": "sex", "action": "accept"},
                headers=headers,
            )
            warmup = (time.perf_counter() - t0) * 1000
            saves: list[float] = []
            failures: list[str] = []
            fields = [f for f in EXTRACTED_FIELDS if f not in ("level_upper", "level_lower")]
            for i in range(args.saves):
                pmid, patient = records[i % len(records)]
                field = fields[(i // len(records)) % len(fields)]
                body = {"patient": patient, "field": field}
                if i % 2:
                    body["action"] = "accept"
                else:
                    body |= {"action": "correct", "value": typed_value(field)}
                t0 = time.perf_counter()
                response = client.post(f"/record/{pmid}/field", json=body, headers=headers)
                response.json()
                saves.append((time.perf_counter() - t0) * 1000)
                if saves[-1] > BUDGET_MS:
                    print(f"over budget: save {i} ({field}, {body['action']}) {saves[-1]:.0f} ms")
                if response.status_code != 200:
                    failures.append(f"{field}: {response.json().get('error')}")

            pages: list[float] = []
            for i in range(min(50, len(records) * 3)):
                t0 = time.perf_counter()
                client.get(f"/record/{records[i % len(records)][0]}").raise_for_status()
                pages.append((time.perf_counter() - t0) * 1000)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)

    p50, p95 = statistics.median(saves), percentile(saves, 0.95)
    print(f"DB: {note}; {len(records)} patients")
    print(f"first save: {warmup:.0f} ms")
    print(f"field saves: n={len(saves)}, refused by validation: {len(failures)}")
    for reason in sorted(set(failures)):
        print(f"  refused: {reason}")
    print(f"  p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {max(saves):.1f} ms")
    print(f"  p95 / budget ({BUDGET_MS:.0f} ms) = {p95 / BUDGET_MS:.2f}")
    print(
        f"record page loads: n={len(pages)}  p50 {statistics.median(pages):.1f} ms  "
        f"p95 {percentile(pages, 0.95):.1f} ms"
    )
    return 0 if p95 < BUDGET_MS and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
