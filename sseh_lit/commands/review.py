"""CLI commands: reviewer, correct, add-patient, remove-patient, restore-patient, resolve-flag,
show, history, review, review-stats.

Thin wrappers: each parses options, calls one function of :mod:`sseh_lit.review` or
:mod:`sseh_lit.dataset`, and prints. Library errors (a refused value, an unknown reviewer or
record) become ``Error: …`` and exit status 1 through :func:`~sseh_lit.cli.handle_errors`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from .. import dataset
from ..cli import cli, db_option, handle_errors, resolve_db
from ..db import connect, connect_existing
from ..errors import ValidationError
from ..review import corrections, reviewers, stats, tui
from ..review.queue import QueueFilters, review_queue
from ..review.reviewers import ROLES
from ..review.validate import get_field


def _db(db_path: Path | None) -> Any:
    """The corpus DB; a missing file is an error, not a new empty DB at a mistyped path."""
    return connect_existing(resolve_db(db_path))


def _json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


reviewer_option = click.option(
    "--reviewer",
    "reviewer",
    required=True,
    help="Your reviewer name (see `sseh-lit reviewer list`).",
)


def _non_blank(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A required reason must say something: '' or spaces would log an act with no why."""
    if value is not None and not value.strip():
        raise click.BadParameter("give a reason (it is kept in the log); it cannot be blank")
    return value.strip() if value is not None else None


reason_option = click.option(
    "--reason", required=True, callback=_non_blank, help="Why (kept in the log)."
)
patient_option = click.option("--patient", type=int, required=True, help="Patient number (from 1).")


# ------------------------------------------------------------------------------ reviewers


@cli.group()
def reviewer() -> None:
    """Manage reviewer accounts.

    Example: sseh-lit reviewer add alice --role adjudicator
    """


@reviewer.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="reviewer",
    show_default=True,
    help="reviewer: review records; adjudicator: also settle dual-review disagreements; "
    "admin: also switch the review mode.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@db_option
@handle_errors
def reviewer_add(name: str, role: str, password_stdin: bool, db_path: Path | None) -> None:
    """Create a reviewer account (the password is stored only as a salted scrypt hash).

    Without --password-stdin the password is asked for twice, hidden.

    Example: echo 's3cret-pass' | sseh-lit reviewer add alice --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # The one review command that may create the DB: accounts can be set up before a refresh.
    account = reviewers.add_reviewer(connect(resolve_db(db_path)), name, password, role=role)
    click.echo(f"Added reviewer {account['name']} ({account['role']}).")


@reviewer.command("list")
@db_option
@handle_errors
def reviewer_list(db_path: Path | None) -> None:
    """List reviewer accounts with their role.

    Example: sseh-lit reviewer list
    """
    rows = reviewers.list_reviewers(_db(db_path))
    if not rows:
        click.echo("No reviewers yet; add one with `sseh-lit reviewer add NAME`.")
    for row in rows:
        state = "" if row["active"] else " (inactive)"
        click.echo(f"{row['name']}\t{row['role']}\t{row['created_at']}{state}")


# ------------------------------------------------------------------------------ corrections


@cli.command()
@click.argument("pmid")
@patient_option
@click.option(
    "--field", required=True, help="Field name, e.g. age_years, level_upper, preop_grade."
)
@click.option("--value", required=True, help="New value; 'null' or '' means not stated.")
@reason_option
@reviewer_option
@db_option
@handle_errors
def correct(
    pmid: str,
    patient: int,
    field: str,
    value: str,
    reason: str,
    reviewer: str,
    db_path: Path | None,
) -> None:
    """Correct one field of one patient; a bad value is refused and nothing is stored.

    Values: numbers for age/time/follow-up, levels like T10 (Th10, D10), grades like
    'ASIA C', 'Frankel D', 'JOA 9', 'Nurick 3', booleans true/false, agents comma-separated.

    Example: sseh-lit correct 12345678 --patient 1 --field age_years --value 68 --reason typo --reviewer ann
    """
    saved = corrections.correct(
        _db(db_path), pmid, patient, field, value, reviewer=reviewer, reason=reason
    )
    click.echo(f"{pmid} patient {patient}: {field} = {tui.format_value(saved.value)} (reviewer)")


def _parse_sets(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValidationError(f"--set needs FIELD=VALUE, got {pair!r}")
        values[name.strip()] = value
    return values


@cli.command("add-patient")
@click.argument("pmid")
@click.option("--label", default=None, help="How the text names the patient, e.g. 'Case 2'.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="A value; repeatable.")
@reason_option
@reviewer_option
@db_option
@handle_errors
def add_patient(
    pmid: str,
    label: str | None,
    sets: tuple[str, ...],
    reason: str,
    reviewer: str,
    db_path: Path | None,
) -> None:
    """Add a patient the extractor missed; prints the new patient number.

    Example: sseh-lit add-patient 12345678 --set age_years=54 --set sex=female --reason missed --reviewer ann
    """
    number = corrections.add_patient(
        _db(db_path),
        pmid,
        reviewer=reviewer,
        reason=reason,
        values=_parse_sets(sets),
        label=label,
    )
    click.echo(f"Added patient {number} to {pmid}.")


@cli.command("remove-patient")
@click.argument("pmid")
@patient_option
@reason_option
@reviewer_option
@db_option
@handle_errors
def remove_patient(
    pmid: str, patient: int, reason: str, reviewer: str, db_path: Path | None
) -> None:
    """Remove a patient the extractor invented (kept in the log; restore-patient undoes it).

    Example: sseh-lit remove-patient 12345678 --patient 2 --reason "pooled series" --reviewer ann
    """
    corrections.remove_patient(_db(db_path), pmid, patient, reviewer=reviewer, reason=reason)
    click.echo(f"Removed patient {patient} of {pmid}.")


@cli.command("restore-patient")
@click.argument("pmid")
@patient_option
@reason_option
@reviewer_option
@db_option
@handle_errors
def restore_patient(
    pmid: str, patient: int, reason: str, reviewer: str, db_path: Path | None
) -> None:
    """Undo the removal of a patient.

    Example: sseh-lit restore-patient 12345678 --patient 2 --reason "removed by mistake" --reviewer alice
    """
    corrections.restore_patient(_db(db_path), pmid, patient, reviewer=reviewer, reason=reason)
    click.echo(f"Restored patient {patient} of {pmid}.")


@cli.command("resolve-flag")
@click.argument("flag_id", type=int)
@click.option("--reason", default=None, help="What you checked (kept in the log).")
@reviewer_option
@db_option
@handle_errors
def resolve_flag(flag_id: int, reason: str | None, reviewer: str, db_path: Path | None) -> None:
    """Clear a flag (ids are shown by `sseh-lit show PMID`), e.g. "machine changed since review".

    Example: sseh-lit resolve-flag 7 --reason "rechecked levels" --reviewer alice
    """
    flag = corrections.resolve_flag(_db(db_path), flag_id, reviewer=reviewer, reason=reason)
    click.echo(f"Resolved flag {flag_id} ({flag['kind']}) on {flag['pmid']}.")


# ------------------------------------------------------------------------------ reading


def _conf(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _print_record(view: dataset.RecordView) -> None:
    art = view.article
    click.secho(f"PMID {art['pmid']}: {art.get('title') or ''}", bold=True)
    click.echo(f"  {art.get('journal') or '?'} ({art.get('year') or '?'}) · status {art['status']}")
    if view.screening:
        s = view.screening
        code = s.get("reason") or s.get("code") or ""
        click.echo(f"  screening: {s.get('decision')} {code} ({s.get('source', '?')})")
    else:
        click.echo("  screening: not screened")
    for flag in view.flags:
        where = f" patient {flag['patient']}" if flag.get("patient") is not None else ""
        click.echo(f"  flag #{flag['id']}{where}: {flag['kind']} {flag.get('detail') or ''}")
    if not view.patients:
        click.echo("  no patients")
    for p in view.patients:
        state = " REMOVED" if p.removed else ""
        label = f" ({p.label})" if p.label else ""
        flags = f" flags: {', '.join(p.flags)}" if p.flags else ""
        click.secho(
            f"  Patient {p.patient}{label} · {p.origin} · {p.review_status}{state}{flags}",
            bold=True,
        )
        for name, cv in p.values.items():
            if cv.value is None and cv.machine_value is None:
                continue
            line = f"    {name:<22} {tui.format_value(cv.value):<24} {cv.source:<8}"
            line += f" conf {_conf(cv.confidence)}"
            if cv.source == "reviewer":
                line += f" by {cv.reviewer} {cv.timestamp}"
                if not stats.same(cv.value, cv.machine_value):
                    line += f" (machine: {tui.format_value(cv.machine_value)})"
            click.echo(line)
            if cv.evidence and cv.source != "derived":
                click.echo(f"      evidence [{cv.start}:{cv.end}]: {cv.evidence}")


@cli.command()
@click.argument("pmid")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@db_option
@handle_errors
def show(pmid: str, as_json: bool, db_path: Path | None) -> None:
    """Show a record: screening, flags, patients, and every value with source and evidence.

    Example: sseh-lit show 12345678
    """
    view = dataset.record_view(_db(db_path), pmid)
    if as_json:
        _json(
            {
                "article": view.article,
                "screening": view.screening,
                "flags": view.flags,
                "patients": [asdict(p) for p in view.patients],
                "history": view.history,
            }
        )
        return
    _print_record(view)


@cli.command()
@click.argument("pmid")
@click.option("--patient", type=int, default=None, help="Only this patient.")
@click.option("--field", default=None, help="Only this field.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@db_option
@handle_errors
def history(
    pmid: str, patient: int | None, field: str | None, as_json: bool, db_path: Path | None
) -> None:
    """Every reviewer act on a record, oldest first (who, when, old → new, why).

    Example: sseh-lit history 12345678 --patient 1
    """
    rows = corrections.history(_db(db_path), pmid, patient, field)
    if as_json:
        _json(rows)
        return
    if not rows:
        click.echo(f"No reviewer acts on {pmid} yet.")
    for r in rows:
        where = " ".join(
            x for x in (f"patient {r['patient']}" if r["patient"] else "", r["field"] or "") if x
        )
        change = ""
        if r["action"] in ("correct", "accept", "screen_override"):
            old, new = tui.format_value(r["old_value"]), tui.format_value(r["new_value"])
            change = f" {old} -> {new}"
        why = f" — {r['reason']}" if r["reason"] else ""
        role = f" [{r['role']}]" if r["role"] and r["role"] != "single" else ""
        click.echo(
            f"#{r['id']} {r['timestamp']} {r['reviewer']}{role} {r['action']} {where}{change}{why}"
        )


# ------------------------------------------------------------------------------ queue, stats


@cli.command()
@reviewer_option
@click.option("--pmid", default=None, help="Only this record.")
@click.option("--field", "fields", multiple=True, help="Only these fields; repeatable.")
@click.option(
    "--max-confidence",
    type=click.FloatRange(0, 1),
    default=None,
    help="Only values at or below this (0 to 1).",
)
@click.option("--flagged", is_flag=True, help="Only patients with an open flag.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many items.")
@db_option
@handle_errors
def review(
    reviewer: str,
    pmid: str | None,
    fields: tuple[str, ...],
    max_confidence: float | None,
    flagged: bool,
    limit: int | None,
    db_path: Path | None,
) -> None:
    """Review machine values in the terminal, lowest confidence first.

    Shows each value with its evidence sentence; keys: a accept, e edit, s skip, q quit.

    Example: sseh-lit review --reviewer alice --field level_upper --limit 20
    """
    db = _db(db_path)
    reviewer = reviewers.require_active(db, reviewer)["name"]
    for name in fields:
        get_field(name)  # refuse unknown fields before starting
    filters = QueueFilters(
        pmid=pmid,
        fields=tuple(fields) or None,
        max_confidence=max_confidence,
        flagged_only=flagged,
        limit=limit,
    )
    items = review_queue(db, filters=filters)
    if not items:
        click.echo("Nothing to review: every machine value matching the filters is confirmed.")
        return
    click.echo(f"{len(items)} values to review, lowest confidence first.")
    session = tui.run(db, items, reviewer=reviewer)
    click.echo(f"\nDone: {session.summary()}.")


@cli.command("review-stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@db_option
@handle_errors
def review_stats(as_json: bool, db_path: Path | None) -> None:
    """How good is the machine on your corpus: per field, accepted / changed / cleared / added,
    and precision and recall against reviewer-confirmed values.

    Example: sseh-lit review-stats --json
    """
    result = stats.review_stats(_db(db_path))
    if as_json:
        _json(result.to_dict())
        return
    click.echo(
        f"Patients reviewed {result.patients_reviewed}, added by reviewers "
        f"{result.patients_added}, removed {result.patients_removed}."
    )
    header = f"{'field':<22} {'reviewed':>8} {'accepted':>8} {'changed':>8} {'cleared':>8}"
    click.echo(header + f" {'added':>6} {'precision':>9} {'recall':>7}")
    for fs in result.fields.values():
        if not fs.reviewed and not fs.fp:
            continue
        p = "-" if fs.precision is None else f"{fs.precision:.2f}"
        r = "-" if fs.recall is None else f"{fs.recall:.2f}"
        click.echo(
            f"{fs.field:<22} {fs.reviewed:>8} {fs.accepted:>8} {fs.changed:>8} {fs.cleared:>8}"
            f" {fs.added:>6} {p:>9} {r:>7}"
        )
