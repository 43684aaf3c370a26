"""CLI commands: screen, prisma."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlite_utils

from ..cli import cli, db_option, handle_errors, resolve_db
from ..config import outputs_dir
from ..db import connect_existing
from ..prisma import render_markdown, write_prisma
from ..screen import EXCLUSION_CODES, override, screen_db


def _open_existing(db_path: Path | None) -> sqlite_utils.Database:
    """Open the corpus DB; a missing file is an error (screening an empty new DB helps nobody)."""
    return connect_existing(resolve_db(db_path))


@cli.command("screen")
@db_option
@click.option(
    "--all", "rescreen_all", is_flag=True, help="Re-screen every record, not only new/changed ones."
)
@click.option(
    "--set",
    "set_decision",
    nargs=2,
    metavar="PMID include|exclude",
    default=None,
    help="Record a reviewer's decision for one record instead of running the rules.",
)
@click.option(
    "--code",
    type=click.Choice(EXCLUSION_CODES),
    default=None,
    help="Exclusion reason code (required with --set PMID exclude).",
)
@click.option("--reason", default=None, help="Why the reviewer decided so (required with --set).")
@click.option("--reviewer", default=None, help="Reviewer name (required with --set).")
@handle_errors
def screen_command(
    db_path: Path | None,
    rescreen_all: bool,
    set_decision: tuple[str, str] | None,
    code: str | None,
    reason: str | None,
    reviewer: str | None,
) -> None:
    """Screen records with the rules, or record a reviewer's override with --set.

    Without --set, new records and records whose text or rules version changed are screened
    (every record with --all). Reviewer overrides live in the append-only reviewer log and
    always win over the rules, however often the rules are re-run.

    Example: sseh-lit screen --set 12345678 exclude --code traumatic --reason "fall" --reviewer ann
    """
    db = _open_existing(db_path)
    if set_decision is not None:
        if rescreen_all:
            raise click.UsageError("--set and --all cannot be combined")
        pmid, decision = set_decision
        if not reason or not reviewer:
            raise click.UsageError("--set needs --reason TEXT and --reviewer NAME")
        result = override(db, pmid, decision, code=code, reason=reason, reviewer=reviewer)
        click.echo(f"{pmid}: {result.decision} ({result.reason}) by {result.reviewer}")
        return
    if code or reason or reviewer:
        raise click.UsageError("--code, --reason and --reviewer go with --set PMID include|exclude")
    summary = screen_db(db, all=rescreen_all)
    reasons = ", ".join(f"{k} {v}" for k, v in summary.by_reason.items()) or "none"
    click.echo(
        f"screened {summary.screened} ({summary.unchanged} unchanged): {summary.included} "
        f"included, {summary.excluded} excluded, {summary.needs_review} need review [{reasons}]; "
        f"{summary.overridden} reviewer overrides in force"
    )


@cli.command("prisma")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "md"]),
    default="json",
    show_default=True,
    help="Format printed and written next to the diagrams.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for prisma.json|md, prisma.svg and prisma.png [default: outputs/prisma].",
)
@handle_errors
def prisma_command(db_path: Path | None, fmt: str, out_dir: Path | None) -> None:
    """PRISMA 2020 counts from the refresh and screening logs, with the flow diagram.

    Prints the counts (JSON or Markdown) and writes them with prisma.svg and prisma.png.

    Example: sseh-lit prisma --format md --out outputs/prisma
    """
    db = _open_existing(db_path)
    folder = out_dir or outputs_dir() / "prisma"
    counts, paths = write_prisma(db, folder, fmt=fmt)
    if fmt == "md":
        click.echo(render_markdown(counts))
    else:
        click.echo(json.dumps(counts, indent=2, ensure_ascii=False))
    click.echo(f"wrote {', '.join(str(p) for p in paths.values())}", err=True)
    if not counts["invariant_holds"]:
        click.echo("warning: PRISMA counts do not add up; see the numbers above", err=True)
