"""CLI commands: export, duplicates, duplicate-decision."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import cli, db_option, handle_errors, resolve_db


@cli.command("export")
@db_option
@click.option("--profile", default="all", show_default=True, help="Profile from profiles.toml.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Folder to write the files into.",
)
@handle_errors
def export_command(db_path: Path | None, profile: str, out_dir: Path) -> None:
    """Write the dataset, evidence, corrections, codebook, studies, PRISMA and manifest files.

    dataset.csv has one row per included patient of the profile; manifest.json records the
    versions, queries and the SHA-256 of every file written.

    Example: sseh-lit export --profile bakker2015 --out outputs/bakker
    """
    from ..export import export

    summary = export(resolve_db(db_path), profile=profile, out_dir=out_dir)
    for name, path in summary.files.items():
        rows = summary.rows.get(name)
        click.echo(f"{path}" + (f"  ({rows} rows)" if rows is not None else ""))


@cli.command("duplicates")
@db_option
@handle_errors
def duplicates_command(db_path: Path | None) -> None:
    """Flag probable duplicate patients for review (same age, sex, levels and agents).

    Pairs also need a shared author surname or publication years at most 3 apart. Flags go to
    the review queue; running it again changes nothing unless the data changed.

    Example: sseh-lit duplicates --db outputs/demo.db
    """
    from ..db import connect
    from ..duplicates import flag_duplicates

    report = flag_duplicates(connect(resolve_db(db_path)))
    click.echo(
        f"{report.probable} probable and {report.confirmed} confirmed duplicate(s); "
        f"{report.flags_added} flag(s) added, {report.flags_cleared} cleared"
    )
    for pid, match in sorted(report.matches.items()):
        click.echo(f"{pid}\t{match.status}\tduplicate of {match.of}")


@cli.command("duplicate-decision")
@db_option
@click.argument("a")
@click.argument("b")
@click.option(
    "--is/--not",
    "is_duplicate",
    default=None,
    help="--is: the same patient; --not: different patients (one is required).",
)
@click.option("--reviewer", required=True, help="Who decides.")
@click.option("--reason", required=True, help="Why, in a few words.")
@handle_errors
def duplicate_decision_command(
    db_path: Path | None, a: str, b: str, is_duplicate: bool, reviewer: str, reason: str
) -> None:
    """Record whether patients A and B (PMID:PATIENT) are the same person, in the reviewer log.

    Example: sseh-lit duplicate-decision 31234567:1 33345678:2 --not --reviewer ann --reason "two people"
    """
    from ..db import connect
    from ..duplicates import decide_duplicate

    if is_duplicate is None:
        raise click.UsageError("say --is (the same patient) or --not (different patients)")
    entry = decide_duplicate(
        connect(resolve_db(db_path)), a, b, is_duplicate, reviewer=reviewer, reason=reason
    )
    verdict = "the same patient" if is_duplicate else "different patients"
    click.echo(f"recorded (log entry {entry}): {a} and {b} are {verdict}")
