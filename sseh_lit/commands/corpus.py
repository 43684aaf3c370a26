"""CLI commands of the corpus backbone: ``refresh`` and ``demo``."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Any

import click

from ..cli import cli, db_option, handle_errors, resolve_db
from ..config import ncbi_email
from ..demo import run_demo
from ..refresh import DEFAULT_BATCH_SIZE, RefreshSummary, refresh


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds: the run is recorded as failed, the lock released


class _Progress:
    """A progress bar on a terminal; plain log lines (for cron mail) otherwise."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.bar: Any = None
        self.last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "search":
            if done == 0:
                click.echo("searching PubMed ...", err=True)
            return
        if self.tty:
            if self.bar is None and total:
                self.bar = click.progressbar(length=total, label="fetching", file=sys.stderr)
                self.bar.__enter__()
            if self.bar is not None:
                self.bar.update(done - max(self.last, 0))
                if done >= total:
                    self.bar.__exit__(None, None, None)
                    self.bar = None
        else:
            click.echo(f"fetched {done}/{total} records", err=True)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _describe(s: RefreshSummary) -> str:
    return (
        f"{s.query_name} v{s.query_version} ({s.mode}, run {s.run_id}): {s.found} found, "
        f"{s.new} new, {s.updated} updated, {s.unchanged} unchanged, {s.deleted} deleted, "
        f"{s.unmatched} no longer matched, {s.failed} failed; {s.requests} requests "
        f"in {s.seconds:.1f} s"
    )


@cli.command("refresh")
@click.option("--query", "query_name", default=None, help="Query name in queries/ [default: sseh].")
@db_option
@click.option(
    "--since",
    default=None,
    metavar="DATE",
    help="Also refetch records modified since DATE (YYYY-MM-DD).",
)
@click.option(
    "--full", is_flag=True, help="Refetch every record and flag those the query no longer matches."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Records per efetch request (and per transaction).",
)
@handle_errors
def refresh_command(
    query_name: str | None, db_path: Path | None, since: str | None, full: bool, batch_size: int
) -> None:
    """Fetch new and changed PubMed records for a search strategy into the corpus DB.

    Incremental by default; safe to run from cron (a second run while one is going exits 3).
    Exit 0 on success (records that could not be parsed are listed in failed_records), 1 when
    the run failed, 3 when another refresh holds the lock.

    Example: NCBI_EMAIL=you@example.org sseh-lit refresh --db ~/sseh/corpus.db
    """
    tty = sys.stderr.isatty()
    if not tty:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    if not ncbi_email():
        click.echo(
            "warning: NCBI_EMAIL is not set; NCBI asks every tool to send a contact e-mail",
            err=True,
        )
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    progress = _Progress(tty)
    try:
        summary = refresh(
            resolve_db(db_path),
            query_name=query_name,
            since=since,
            full=full,
            progress=progress,
            batch_size=batch_size,
        )
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous)
    click.echo(_describe(summary))


@cli.command("demo")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("outputs/demo.db"),
    show_default=True,
    help="Demo database to build.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs/demo"),
    show_default=True,
    help="Folder for the demo outputs.",
)
@handle_errors
def demo_command(db_path: Path, out_dir: Path) -> None:
    """Build a corpus DB from the bundled synthetic demo corpus (offline) and run the stages.

    Example: sseh-lit demo --db outputs/demo.db --out outputs/demo
    """
    run_demo(db_path, out_dir, echo=click.echo)
