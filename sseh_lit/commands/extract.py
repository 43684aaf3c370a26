"""CLI commands: extract, annotate, evaluate (thin wrappers over the library)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from ..cli import cli, db_option, handle_errors, resolve_db
from ..evaluate import Report


@cli.command()
@db_option
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="Re-extract every active article, not only new/changed ones.",
)
@handle_errors
def extract(db_path: Path | None, all_: bool) -> None:
    """Extract per-patient fields with evidence for new or changed records into the DB.

    Patients keep stable numbers across re-runs; a changed patient set or a changed machine
    value under a reviewed field is flagged for review. Reviewer entries are never touched.

    Example: sseh-lit extract --db outputs/demo.db
    """
    from ..db import connect_existing
    from ..extract.storage import extract_db, pending

    db = connect_existing(resolve_db(db_path))
    todo, _hashes, _n = pending(db, all_)
    with click.progressbar(length=len(todo), label="extracting", file=sys.stderr) as bar:
        summary = extract_db(db, all=all_, progress=bar.update)
    click.echo(
        f"{summary.processed} record(s) extracted, {summary.unchanged} unchanged, "
        f"{summary.patients} patient(s) ({summary.new_patients} new, {summary.gone_patients} gone), "
        f"{summary.flagged} flag(s) for review"
    )
    if summary.failed:
        click.echo(
            f"{len(summary.failed)} record(s) failed (see failed_records): "
            + ", ".join(summary.failed[:10]),
            err=True,
        )


@cli.command()
@click.argument("in_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out_path", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def annotate(in_path: Path, out_path: Path) -> None:
    """Annotate a JSONL of records (no DB): screening and patients per line.

    Each input line holds {pmid, title, abstract, journal, year, publication_types}; each output
    line {pmid, screening: {include, reason}, patients: [{field: value}]}. Bad lines are reported
    on stderr and skipped.

    Example: sseh-lit annotate records.jsonl predictions.jsonl
    """
    from ..annotate import annotate as run

    summary = run(in_path, out_path, warn=lambda m: click.echo(f"warning: {m}", err=True))
    click.echo(
        f"{summary.written} record(s) annotated, {len(summary.skipped)} line(s) skipped -> {out_path}"
    )


@cli.command()
@click.option(
    "--gold",
    "gold_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Gold JSONL (schema of gold/SCHEMA.md).",
)
@click.option(
    "--pred",
    "pred_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Predictions JSONL from `sseh-lit annotate`; omitted: annotate the gold inputs now.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option(
    "--max-errors", default=200, show_default=True, help="Error lines to list in text output."
)
@handle_errors
def evaluate(gold_path: Path, pred_path: Path | None, as_json: bool, max_errors: int) -> None:
    """Score predictions against a gold JSONL: screening, per-field P/R/F1, patient count, errors.

    Without --pred, the gold records (stripped to pmid, title, abstract, journal, year,
    publication_types) are annotated first, through the same code as `sseh-lit annotate`.

    Example: sseh-lit evaluate --gold ../shared/gold/dev.jsonl
    """
    from ..evaluate import evaluate_files, format_report

    fresh = pred_path is None
    report = _evaluate_fresh(gold_path) if fresh else evaluate_files(gold_path, pred_path)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        click.echo(format_report(report, max_errors=max_errors))


def _evaluate_fresh(gold_path: Path) -> Report:
    from ..annotate import INPUT_KEYS, annotate
    from ..evaluate import evaluate_files, read_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.jsonl"
        preds = Path(tmp) / "predictions.jsonl"
        with open(inputs, "w", encoding="utf-8") as fh:
            for rec in read_jsonl(gold_path):
                fh.write(json.dumps({k: rec.get(k) for k in INPUT_KEYS}, ensure_ascii=False) + "\n")
        annotate(inputs, preds)
        return evaluate_files(gold_path, preds)
