"""The interactive terminal review queue behind ``sseh-lit review``.

For each :class:`~sseh_lit.review.queue.QueueItem` (lowest confidence first) it shows the record,
the patient, the machine value, its confidence and the evidence sentence with the supporting
span, then reads one key: ``a`` accept, ``e`` edit (new value + a required reason; a bad value is refused
with the validator's message and asked again), ``s`` skip, ``q`` quit. Every save goes through
:mod:`sseh_lit.review.corrections`, so it is validated and logged like any other act.

I/O uses click's prompt/echo so the loop can be driven by ``CliRunner(input=...)`` in tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import click
import sqlite_utils

from ..errors import SsehLitError
from . import corrections
from .queue import QueueItem
from .validate import validate

KEYS = ("a", "e", "s", "q")


@dataclass
class Session:
    """What one run of the queue did."""

    accepted: int = 0
    corrected: int = 0
    skipped: int = 0
    quit: bool = False

    def summary(self) -> str:
        return f"accepted {self.accepted}, corrected {self.corrected}, skipped {self.skipped}"


def format_value(value: Any) -> str:
    """A value as a reviewer reads it (lists comma-joined, grades as 'ASIA C')."""
    if value is None:
        return "(unknown)"
    if isinstance(value, dict) and "scale" in value:
        return f"{value.get('scale')} {value.get('grade')}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if not isinstance(value, str) else value


def _show(item: QueueItem, index: int, total: int) -> None:
    conf = "?" if item.confidence is None else f"{item.confidence:.2f}"
    who = f"patient {item.patient}" + (f" ({item.label})" if item.label else "")
    click.echo("")
    click.secho(f"[{index}/{total}] PMID {item.pmid} · {who} · {item.field}", bold=True)
    click.echo(f"  machine value: {format_value(item.value)}   confidence: {conf}")
    if item.flags:
        click.echo(f"  flags: {', '.join(item.flags)}")
    click.echo(f"  evidence: {item.evidence or '(none recorded)'}")


def _edit(db: sqlite_utils.Database, item: QueueItem, reviewer: str) -> bool:
    """Ask for a value and a reason until the correction is stored; False if the reviewer gives up."""
    while True:
        value = click.prompt(
            "  new value ('null' = not stated, empty = back)", default="", show_default=False
        )
        if value == "":
            return False
        try:
            validate(item.field, value)
        except SsehLitError as e:
            click.echo(f"  refused: {e}")
            continue
        reason = _reason()
        try:
            saved = corrections.correct(
                db,
                item.pmid,
                item.patient,
                item.field,
                value,
                reviewer=reviewer,
                reason=reason,
            )
        except SsehLitError as e:
            click.echo(f"  refused: {e}")
            continue
        click.echo(f"  saved: {item.field} = {format_value(saved.value)}")
        return True


def _reason() -> str:
    """Ask why until the answer says something: the log keeps who, when *and why*."""
    while True:
        reason = click.prompt("  reason", default="", show_default=False).strip()
        if reason:
            return reason
        click.echo("  a reason is required (it is kept in the log)")


def run(db: sqlite_utils.Database, items: Iterable[QueueItem], *, reviewer: str) -> Session:
    """Walk the queue interactively; returns what was done. Stops at ``q`` or the end."""
    queue = list(items)
    session = Session()
    try:
        _loop(db, queue, reviewer, session)
    except click.Abort:  # end of input or Ctrl-C: what was saved stays saved
        session.quit = True
    return session


def _loop(
    db: sqlite_utils.Database, queue: list[QueueItem], reviewer: str, session: Session
) -> None:
    for index, item in enumerate(queue, start=1):
        _show(item, index, len(queue))
        while True:
            key = click.prompt(
                "  [a]ccept [e]dit [s]kip [q]uit",
                type=click.Choice(KEYS, case_sensitive=False),
                show_choices=False,
            ).lower()
            if key == "a":
                try:
                    corrections.accept(db, item.pmid, item.patient, item.field, reviewer=reviewer)
                except SsehLitError as e:
                    click.echo(f"  refused: {e}")
                    continue
                session.accepted += 1
            elif key == "e":
                if not _edit(db, item, reviewer):
                    continue
                session.corrected += 1
            elif key == "s":
                session.skipped += 1
            else:
                session.quit = True
            break
        if session.quit:
            break
