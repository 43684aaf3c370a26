"""Benchmark: wall time and peak RSS of ``sseh-lit export`` on a large synthetic corpus.

Builds a DB with N synthetic patients (default 100,000; two per record, ~12 extracted values
each, some reviewer corrections and flags) by direct inserts, then runs ``sseh-lit export`` as a
subprocess and reports its wall time and peak resident memory (``os.wait4`` rusage of that one
child). Run at two sizes to see that memory stays flat while time grows linearly::

    .venv/bin/python bench/bench_export.py                  # 100,000 patients
    .venv/bin/python bench/bench_export.py --patients 10000 --patients 100000

Every text is synthetic. Not run by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sseh_lit.db import connect, transaction, utcnow
from sseh_lit.fields import LEVELS

TARGET_MB = 300
ABSTRACT = (
    "Synthetic abstract {pmid}: a {age}-year-old {sex} presented with acute back pain and "
    "weakness. MRI showed a dorsal epidural haematoma from {up} to {low}. "
    "Decompressive laminectomy was performed and the patient improved."
)


def build(path: Path, n_patients: int, seed: int = 7) -> None:
    """A corpus of ``n_patients`` synthetic patients, two per included record."""
    rng = random.Random(seed)
    db = connect(path)
    now = utcnow()
    n_records = (n_patients + 1) // 2
    articles, screening, patients, extractions, log_rows, flags = [], [], [], [], [], []
    for r in range(n_records):
        pmid = str(40_000_000 + r)
        age, sex = rng.randint(1, 95), rng.choice(("male", "female"))
        up = rng.randrange(0, len(LEVELS) - 4)
        upper, lower = LEVELS[up], LEVELS[up + rng.randint(0, 3)]
        text = ABSTRACT.format(pmid=pmid, age=age, sex=sex, up=upper, low=lower)
        articles.append(
            {
                "pmid": pmid,
                "title": f"Synthetic SSEH case {pmid}",
                "abstract": text,
                "journal": rng.choice(("Synthetic Spine", "Journal of Synthetic Cases")),
                "year": rng.randint(1980, 2025),
                "authors": json.dumps(
                    [f"Author{rng.randint(1, 20000)} A", f"Coauthor{rng.randint(1, 20000)} B"]
                ),
                "doi": f"10.9999/syn.{pmid}",
                "status": "active",
                "source": "demo",
                "first_seen": now,
                "updated_at": now,
            }
        )
        screening.append(
            {
                "pmid": pmid,
                "decision": "include",
                "reason": "sseh_case",
                "confidence": 0.9,
                "needs_review": 0,
                "rules_version": "bench",
                "screened_at": now,
            }
        )
        for patient in (1, 2):
            if (r * 2 + patient) > n_patients:
                break
            patients.append(
                {
                    "pmid": pmid,
                    "patient": patient,
                    "label": f"Case {patient}",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            values = {
                "age_years": age + patient - 1,
                "sex": sex,
                "level_upper": upper,
                "level_lower": lower,
                "location": "dorsal",
                "anticoagulant": rng.random() < 0.3,
                "anticoagulant_agents": ["warfarin"] if rng.random() < 0.3 else [],
                "hypertension": rng.random() < 0.4,
                "preop_grade": {"scale": "ASIA", "grade": rng.choice("ABCDE")},
                "treatment": rng.choice(("surgical", "conservative")),
                "procedure": "laminectomy",
                "time_to_surgery_hours": round(rng.uniform(2, 96), 1),
                "outcome": rng.choice(("complete_recovery", "partial_recovery", "no_recovery")),
            }
            for name, value in values.items():
                extractions.append(
                    (
                        pmid,
                        patient,
                        name,
                        json.dumps(value),
                        text[:120],
                        0,
                        120,
                        "affirmed",
                        round(rng.random(), 3),
                        "bench",
                        now,
                    )
                )
            if rng.random() < 0.02:
                log_rows.append(
                    {
                        "pmid": pmid,
                        "patient": patient,
                        "field": "outcome",
                        "action": "correct",
                        "old_value": json.dumps(values["outcome"]),
                        "new_value": json.dumps("complete_recovery"),
                        "reviewer": "bench",
                        "role": "single",
                        "timestamp": now,
                        "reason": "synthetic correction",
                    }
                )
            if rng.random() < 0.01:
                flags.append(
                    {
                        "pmid": pmid,
                        "patient": patient,
                        "kind": "machine_changed",
                        "detail": "bench",
                        "created_at": now,
                    }
                )
    with transaction(db):
        db["articles"].insert_all(articles, batch_size=2000)
        db["screening"].insert_all(screening, batch_size=5000)
        db["patients"].insert_all(patients, batch_size=5000)
        db.conn.executemany(
            """insert into extractions (pmid, patient, field, value, evidence, start, "end",
               assertion, confidence, extractor_version, extracted_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            extractions,
        )
        if log_rows:
            db["reviewer_log"].insert_all(log_rows, batch_size=5000)
        if flags:
            db["flags"].insert_all(flags, batch_size=5000)
        db["refresh_runs"].insert(
            {
                "query_name": "sseh",
                "query_version": "bench",
                "search_date": now[:10],
                "mode": "demo",
                "status": "ok",
            }
        )
    db.conn.close()


def run_export(db_path: Path, out: Path) -> tuple[float, float, float]:
    """Run ``sseh-lit export`` as a child process; return (wall s, CPU s, peak RSS in MB).

    CPU time (user + system) is reported beside wall time because the benchmark machine may be
    shared: wall time then includes waiting for a core, CPU time does not.
    """
    exe = Path(sys.executable).with_name("sseh-lit")
    cmd = [str(exe), "export", "--db", str(db_path), "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"export failed ({proc.returncode}): {err}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, action="append", help="corpus size (repeatable)")
    parser.add_argument("--keep", type=Path, help="keep the DBs and outputs in this folder")
    args = parser.parse_args()
    sizes = args.patients or [100_000]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for n in sizes:
            db_path = work / f"bench-{n}.db"
            if not db_path.exists():
                t0 = time.perf_counter()
                build(db_path, n)
                print(f"built {n:,} patients in {time.perf_counter() - t0:.1f} s", flush=True)
            wall, cpu, rss = run_export(db_path, work / f"out-{n}")
            rows = sum(1 for _ in (work / f"out-{n}" / "dataset.csv").open("rb")) - 1
            results.append((n, cpu, rss))
            verdict = "OK" if rss < TARGET_MB else "OVER TARGET"
            print(
                f"export {n:,} patients: {rows:,} rows, wall {wall:.1f} s, CPU {cpu:.1f} s "
                f"({cpu / n * 1e3:.3f} ms CPU/patient), peak RSS {rss:.0f} MB "
                f"(target < {TARGET_MB} MB: {verdict})",
                flush=True,
            )
        if len(results) > 1:
            (n0, w0, r0), (n1, w1, r1) = results[0], results[-1]
            print(
                f"ratio {n1 / n0:.0f}x patients: CPU time x{w1 / w0:.1f}, peak RSS x{r1 / r0:.2f}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
