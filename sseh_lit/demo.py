"""The offline demo: build a corpus DB from ``corpus/demo/*.xml`` and run the stages on it.

:func:`build_demo_corpus` feeds the bundled synthetic PubMed XML through the same parser and
upsert as a refresh (:func:`sseh_lit.pubmed.parse.iter_pubmed`,
:func:`sseh_lit.corpus.upsert_articles`), and records a ``refresh_runs`` row (query ``demo``,
mode ``demo``) with its ``search_hits`` so PRISMA counts work on the demo DB too. No network.

:func:`run_demo` is the ``sseh-lit demo`` sequence: one call per stage, each printing a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .config import demo_corpus_dir
from .corpus import UpsertCounts, mark_deleted, upsert_articles
from .db import connect, transaction, utcnow
from .errors import ConfigError, ParseError
from .lock import hold_lock
from .pubmed.parse import Article, Deletion, iter_pubmed


@dataclass
class DemoSummary:
    """What :func:`build_demo_corpus` stored."""

    db_path: str
    source_dir: str
    files: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    run_id: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_files(directory: str | Path | None = None) -> tuple[Path, list[Path]]:
    """The demo XML files, ``corpus/demo/*.xml`` in name order (later files update earlier ones)."""
    folder = Path(directory) if directory else demo_corpus_dir()
    files = sorted(folder.glob("*.xml")) if folder.is_dir() else []
    if not files:
        raise ConfigError(f"no demo corpus: {folder} holds no *.xml files")
    return folder, files


def _refuse_a_real_corpus(db: sqlite_utils.Database, db_path: str | Path) -> None:
    """The demo writes synthetic records: never into a DB that holds real (non-demo) ones."""
    (real,) = db.execute(
        "select count(*) from articles where coalesce(source, '') != 'demo'"
    ).fetchone()
    if real:
        raise ConfigError(
            f"{db_path} holds records that are not from the demo corpus ({real}); the demo builds "
            "its own database of synthetic records: choose another --db (e.g. outputs/demo.db)"
        )


def build_demo_corpus(db_path: str | Path, source_dir: str | Path | None = None) -> DemoSummary:
    """Load the demo XML into ``db_path`` through the refresh code path; idempotent."""
    folder, files = demo_files(source_dir)
    summary = DemoSummary(db_path=str(db_path), source_dir=str(folder), files=len(files))
    with hold_lock(db_path, "refresh"):
        db = connect(db_path)
        try:
            _refuse_a_real_corpus(db, db_path)
            articles: list[Article] = []
            deleted: list[str] = []
            for path in files:
                try:
                    for item in iter_pubmed(path):
                        if isinstance(item, Article):
                            articles.append(item)
                        elif isinstance(item, Deletion):
                            deleted.append(item.pmid)
                        else:
                            summary.errors.append(f"{path.name}: {item.error}")
                except ParseError as e:  # keep what came before the break, note the file
                    summary.errors.append(f"{path.name}: {e}")
            now = utcnow()
            with transaction(db):
                run_id = int(
                    db["refresh_runs"]
                    .insert(
                        {
                            "query_name": "demo",
                            "query_version": "demo",
                            "query_term": f"files {folder.name}/*.xml",
                            "search_date": datetime.now(UTC).date().isoformat(),
                            "mode": "demo",
                            "started_at": now,
                            "status": "running",
                        }
                    )
                    .last_pk
                )
                hit_pmids = [a.pmid for a in articles] + deleted
                db["search_hits"].insert_all(
                    ({"run_id": run_id, "pmid": p} for p in dict.fromkeys(hit_pmids)), ignore=True
                )
                counts: UpsertCounts = upsert_articles(db, articles, source="demo", run_id=run_id)
                summary.deleted = mark_deleted(db, deleted, now)
                db["failed_records"].insert_all(
                    {"run_id": run_id, "pmid": None, "stage": "demo", "error": e, "created_at": now}
                    for e in summary.errors
                )
                summary.records = len(articles)
                summary.new, summary.updated = counts.new, counts.updated
                summary.unchanged, summary.failed = counts.unchanged, len(summary.errors)
                summary.run_id = run_id
                db["refresh_runs"].update(
                    run_id,
                    {
                        "found": len(dict.fromkeys(hit_pmids)),
                        "new": counts.new,
                        "updated": counts.updated,
                        "unchanged": counts.unchanged,
                        "deleted": summary.deleted,
                        "failed": summary.failed,
                        "requests": 0,
                        "status": "ok",
                        "finished_at": utcnow(),
                    },
                )
        finally:
            db.conn.close()
    return summary


def run_demo(
    db_path: str | Path, out_dir: str | Path, echo: Callable[[str], None] = print
) -> dict[str, Any]:
    """``sseh-lit demo``: build the demo corpus, then run every later stage on it in turn.

    corpus → screen → extract → probable duplicates → export → analyze, each stage the same
    library call the CLI and ``update`` make, each printing one line. Re-running it is safe: the
    corpus upsert, screening and extraction skip what has not changed, and reviewer work in the
    DB is never touched.
    """
    # Stage modules are imported here, not at the top: ``sseh-lit refresh`` should not pay for
    # spaCy and matplotlib.
    from .analysis import analyze
    from .duplicates import flag_duplicates
    from .export import export
    from .extract.storage import extract_db
    from .screen import screen_db

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(
            f"cannot create the demo output folder {out_dir}: {e.strerror or e}; "
            "choose another with --out"
        ) from e
    corpus = build_demo_corpus(db_path)
    echo(
        f"corpus: {corpus.records} records from {corpus.files} files in {corpus.source_dir} "
        f"({corpus.new} new, {corpus.updated} updated, {corpus.unchanged} unchanged, "
        f"{corpus.deleted} deleted, {corpus.failed} failed) -> {db_path}"
    )
    for error in corpus.errors:
        echo(f"  skipped: {error}")

    db = connect(db_path)
    try:
        screened = screen_db(db)
        reasons = ", ".join(
            f"{k} {v}" for k, v in sorted(screened.by_reason.items()) if k != "sseh_case"
        )
        echo(
            f"screen: {screened.screened} screened ({screened.unchanged} unchanged): "
            f"{screened.included} included, {screened.excluded} excluded ({reasons}); "
            f"{screened.needs_review} for review"
        )
        extracted = extract_db(db)
        echo(
            f"extract: {extracted.processed} records processed ({extracted.unchanged} unchanged), "
            f"{extracted.patients} patients ({extracted.new_patients} new), "
            f"{len(extracted.failed)} failed"
        )
        dups = flag_duplicates(db)
        echo(f"duplicates: {dups.probable} probable duplicate patients flagged for review")
    finally:
        db.conn.close()

    exported = export(db_path, profile="all", out_dir=out)
    echo(
        f"export: {exported.rows.get('dataset.csv', 0)} patients in "
        f"{out / 'dataset.csv'} (+ {len(exported.files) - 1} more files, manifest.json)"
    )
    analysed = analyze(db_path, profile="all", out_dir=out / "analysis")
    echo(f"analyze: {analysed.model_line()}")
    echo(f"report: open {out / 'analysis' / 'report.html'}")
    return {
        "corpus": corpus.to_dict(),
        "screen": asdict(screened),
        "extract": asdict(extracted),
        "export": {name: str(path) for name, path in exported.files.items()},
        "analysis": {name: str(path) for name, path in analysed.files.items()},
    }
