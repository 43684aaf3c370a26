"""CLI commands: analyze, update."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import click

from ..cli import cli, db_option, handle_errors, resolve_db


def _out_option(default: str) -> click.Option:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help="Folder to write the files into.",
    )


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@cli.command("analyze")
@db_option
@click.option("--profile", default="all", show_default=True, help="Profile from profiles.toml.")
@_out_option("outputs")
@handle_errors
def analyze_command(db_path: Path | None, profile: str, out_dir: Path) -> None:
    """Write descriptive tables, outcome by grade, the logistic regression, plots and report.html.

    The regression of good outcome (as the profile defines it) is fitted on complete cases and
    states the n used and why patients were dropped; with too few events the report says so and
    the other files are still written.

    Example: sseh-lit analyze --profile bakker2015 --out outputs/analysis
    """
    from ..report import analyze

    summary = analyze(resolve_db(db_path), profile=profile, out_dir=out_dir)
    for path in summary.files.values():
        click.echo(str(path))
    click.echo(f"{summary.patients} patients in profile {summary.profile}")
    click.echo(summary.model_line())


@cli.command("update")
@db_option
@_out_option("outputs")
@click.option("--query", "query_name", default=None, help="Query name [default: sseh].")
@click.option("--profile", default="all", show_default=True, help="Profile to export/analyze.")
@handle_errors
def update_command(
    db_path: Path | None, out_dir: Path, query_name: str | None, profile: str
) -> None:
    """Refresh from PubMed, screen and extract what changed, flag duplicates, export, analyze.

    The nightly command: one lock for the whole chain (a second update exits 3), a failed step
    stops the chain with exit 1 and keeps what earlier steps stored, and the last line is a
    one-line summary for cron mail.

    Example: sseh-lit update --db ~/sseh/sseh.db --out ~/sseh/outputs
    """
    from ..update import update

    signal.signal(signal.SIGTERM, _on_sigterm)  # systemd stop: unwind, record, release the lock
    summary = update(
        resolve_db(db_path), out_dir=out_dir, query_name=query_name, profile=profile,
        echo=lambda line: click.echo(line, err=True),
    )  # fmt: skip
    click.echo(summary.line())
