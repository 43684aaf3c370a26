"""Throughput of the extractor against a bare spaCy tokenizer (run by hand, not by pytest).

Prints two ratios (target ≥ 0.15 each):

1. in-process: abstracts/second of the full pipeline (``extract_records``) vs ``spacy.blank("en")``
   tokenising the same texts, in one run;
2. end to end: the marginal rate of ``sseh-lit annotate`` between a 40-record and a 4,000-record
   file (records cycled from the same texts), which cancels start-up cost, vs the tokenizer.
   The Done-when figure. It is given twice: by wall-clock time and by the child process's CPU
   time (user + system), which the other jobs of a shared machine disturb much less.

plus, for orientation, the per-record cost of each stage in milliseconds (spaCy pipeline alone,
extraction, screening, and ``annotate_stream`` in process), and what the pipeline's chunk memo
(``sseh_lit.extract.chunks``) costs on texts it has never seen and saves on texts whose chunks it
has met: the cycled records of the end-to-end run are seen again, a fresh corpus is not.

The hot modules run compiled when the install compiled them (``setup.py``); the first line
says how many did. ``SSEH_LIT_PURE=1`` measures the pure-Python sources instead.

Texts are the gold dev abstracts read in place (``../shared/gold/dev.jsonl``); without them, a
synthetic abstract is repeated. Usage: ``.venv/bin/python bench/bench_extract.py``
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parent.parent
GOLD = Path(os.environ.get("SSEH_LIT_SHARED", ROOT.parent / "shared")) / "gold" / "dev.jsonl"
ROUNDS = 3
KEYS = ("pmid", "title", "abstract", "journal", "year", "publication_types")
SYNTHETIC = {  # written for this benchmark
    "pmid": "0",
    "title": "Synthetic spontaneous cervical epidural haematoma",
    "abstract": "A 70-year-old man on warfarin presented with neck pain and tetraparesis. MRI "
    "showed a dorsal epidural hematoma from C3 to C6. He underwent laminectomy and recovered.",
    "journal": None,
    "year": 2020,
    "publication_types": ["Case Reports"],
}


def records() -> list[dict]:
    if GOLD.exists():
        with open(GOLD, encoding="utf-8") as fh:
            return [{k: json.loads(line).get(k) for k in KEYS} for line in fh if line.strip()]
    return [dict(SYNTHETIC, pmid=str(i)) for i in range(80)]


def tokenizer_rate(texts: list[str], repeat: int = 5) -> float:
    nlp = spacy.blank("en")
    list(nlp.pipe(texts[:200]))  # the first pass fills the vocab; the pipeline's is warm too
    start = time.perf_counter()
    n = 0
    for _ in range(repeat):
        for _doc in nlp.pipe(texts):
            n += 1
    return n / (time.perf_counter() - start)


def pipeline_rate(recs: list[dict], repeat: int = 5) -> float:
    from sseh_lit.extract import extract_records

    list(extract_records(recs[:5]))  # build the pipeline outside the timing
    start = time.perf_counter()
    n = sum(1 for _ in extract_records(recs * repeat))
    return n / (time.perf_counter() - start)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def annotate_seconds(recs: list[dict], n: int, tmp: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``sseh-lit annotate`` run over ``n`` cycled records."""
    path = tmp / f"in-{n}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i, rec in enumerate(islice(cycle(recs), n)):
            fh.write(json.dumps(dict(rec, pmid=f"{rec['pmid']}-{i}")) + "\n")
    exe = Path(sys.executable).with_name("sseh-lit")
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(
        [str(exe), "annotate", str(path), str(tmp / f"out-{n}.jsonl")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def tokenizer_cpu_rate(texts: list[str]) -> float:
    """Texts per CPU second of the bare tokenizer (for the CPU-time ratio)."""
    nlp = spacy.blank("en")
    list(nlp.pipe(texts[:200]))  # the first pass fills the vocab
    start = time.process_time()
    n = sum(1 for _ in nlp.pipe(texts))
    return n / (time.process_time() - start)


def stage_ms(recs: list[dict], texts: list[str]) -> dict[str, float]:
    """CPU milliseconds per record of each stage, in this process (best of ROUNDS)."""
    from sseh_lit.annotate import annotate_stream
    from sseh_lit.extract import extract_records
    from sseh_lit.extract.pipeline import load
    from sseh_lit.screen import screen_record

    nlp = load()
    blank = spacy.blank("en")
    lines = "".join(json.dumps(r) + "\n" for r in recs)
    stages = {
        "tokenizer": lambda: list(blank.pipe(texts)),
        "spaCy pipeline (sentences + abbreviations)": lambda: list(nlp.pipe(texts)),
        "extraction (incl. pipeline)": lambda: list(extract_records(recs)),
        "screening": lambda: [screen_record(r) for r in recs],
        "annotate_stream (all, no process start)": lambda: annotate_stream(
            io.StringIO(lines), io.StringIO()
        ),
    }
    out = {}
    for name, run in stages.items():
        run()  # warm up: vocab, lexicons, matchers
        best = float("inf")
        for _ in range(ROUNDS):
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
        out[name] = 1000 * best / len(recs)
    return out


def chunk_memo_ms(texts: list[str]) -> dict[str, float]:
    """CPU milliseconds per text of spaCy's tokenizer and of the pipeline's chunk memo in front
    of it (``sseh_lit.extract.chunks``): on texts neither has seen (a fresh tokenizer each
    round, so spaCy's own cache is empty too), then on the same texts once they are known (after
    ten more passes: the memo learns one novel text in eight, see ``chunks.NOVEL``)."""
    from sseh_lit.extract.chunks import ChunkTokenizer

    makers = {
        "spaCy tokenizer": lambda: spacy.blank("en").tokenizer,
        "chunk memo + spaCy tokenizer": lambda: ChunkTokenizer(spacy.blank("en").tokenizer),
    }
    out = {}
    for name, make in makers.items():
        first = again = float("inf")
        for _ in range(ROUNDS):
            tokenize = make()
            start = time.process_time()
            for text in texts:
                tokenize(text)
            first = min(first, time.process_time() - start)
            for _pass in range(10):
                for text in texts:
                    tokenize(text)
            start = time.process_time()
            for text in texts:
                tokenize(text)
            again = min(again, time.process_time() - start)
        out[f"{name}, first sight"] = 1000 * first / len(texts)
        out[f"{name}, seen before"] = 1000 * again / len(texts)
    return out


def _accel_summary() -> str:
    """How many of the hot modules this interpreter imports compiled (see setup.py)."""
    from sseh_lit import _accel

    status = _accel.status()
    compiled = sum(how == "compiled" for how in status.values())
    pure = f" ({_accel.PURE_ENV} set)" if _accel.pure() else ""
    return f"{compiled} of {len(status)} compiled{pure}"


def main() -> None:
    from sseh_lit.text import document_text

    recs = records()
    texts = [document_text(r["title"], r["abstract"]) for r in recs]
    # the machine is shared: alternate the two measurements and keep each one's best round
    tok = full = 0.0
    for _ in range(ROUNDS):
        tok = max(tok, tokenizer_rate(texts))
        full = max(full, pipeline_rate(recs))
    print(f"texts: {len(texts)} ({'gold dev' if GOLD.exists() else 'synthetic'})")
    print(f"hot modules: {_accel_summary()}")
    # the ratio depends on how the interpreter was built (docs/performance.md, sixth session)
    print(f"python: {sys.version.split()[0]} at {sys.base_prefix}")
    print(f"tokenizer only:  {tok:9.1f} abstracts/s")
    print(f"full pipeline:   {full:9.1f} abstracts/s")
    print(f"PIPELINE RATIO (in process, extraction only): {full / tok:.3f} (target >= 0.15)")
    print("\nper-record CPU cost by stage (in process):")
    for name, ms in stage_ms(recs, texts).items():
        print(f"  {name:45s} {ms:7.3f} ms")
    print("\ntokenizing, per text (CPU):")
    for name, ms in chunk_memo_ms(texts).items():
        print(f"  {name:45s} {ms:7.3f} ms")
    with tempfile.TemporaryDirectory() as d:
        runs40 = [annotate_seconds(recs, 40, Path(d)) for _ in range(ROUNDS)]
        t4000, c4000 = annotate_seconds(recs, 4000, Path(d))
    t40, c40 = min(r[0] for r in runs40), min(r[1] for r in runs40)
    marginal = (4000 - 40) / (t4000 - t40)
    marginal_cpu = (4000 - 40) / (c4000 - c40)
    big_texts = [document_text(r["title"], r["abstract"]) for r in islice(cycle(recs), 4000)]
    tok_big = max(tokenizer_rate(big_texts, repeat=1) for _ in range(ROUNDS))
    tok_cpu = max(tokenizer_cpu_rate(big_texts) for _ in range(ROUNDS))
    print(f"\nannotate 40: {t40:.2f} s, 4000: {t4000:.2f} s -> marginal {marginal:.1f} records/s")
    print(f"tokenizer on the 4000 texts: {tok_big:.1f}/s")
    print(f"ANNOTATE RATIO (wall): {marginal / tok_big:.3f} (target >= 0.15)")
    print(
        f"annotate CPU 40: {c40:.2f} s, 4000: {c4000:.2f} s -> marginal {marginal_cpu:.1f} "
        f"records/CPU-s; tokenizer {tok_cpu:.1f}/CPU-s"
    )
    print(f"ANNOTATE RATIO (CPU):  {marginal_cpu / tok_cpu:.3f} (target >= 0.15)")


if __name__ == "__main__":
    main()
