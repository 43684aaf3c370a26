"""``sseh-lit update``: the nightly chain — refresh, screen, extract, duplicates, export, analyze.

One call keeps a corpus and its outputs current, for cron or a systemd timer:

1. ``refresh`` — incremental PubMed refresh (:func:`sseh_lit.refresh.refresh`);
2. ``screen`` — new and changed records only (:func:`sseh_lit.screen.screen_db`);
3. ``extract`` — new and changed records only (:func:`sseh_lit.extract.storage.extract_db`);
4. ``duplicates`` — probable duplicate patients flagged for the review queue
   (:func:`sseh_lit.duplicates.flag_duplicates`; idempotent);
5. ``export`` — the dataset files of the profile (:func:`sseh_lit.export.export`);
6. ``analyze`` — tables, plots and ``report.html`` (:func:`sseh_lit.report.analyze`).

The whole chain runs under ONE per-database ``update`` lock (:func:`sseh_lit.lock.hold_lock`), so
a second update started while one runs fails at once with :class:`LockHeldError` (exit 3); the
refresh step additionally takes the ``refresh`` lock it always takes, so a stand-alone refresh
cannot interleave with it either. Each step commits its own work (per batch / per record), so a
step that fails stops the chain with :class:`UpdateError` (exit 1) naming the step, and every
earlier step's results stay in the database. Nothing runs twice: every step skips what has not
changed, so a second update right after the first adds no articles, decisions, patients,
extractions or flags (the refresh is still recorded as a run, as every search is).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .db import connect
from .errors import LockHeldError, SsehLitError
from .lock import hold_lock

log = logging.getLogger(__name__)

#: The steps, in order.
STEPS: tuple[str, ...] = ("refresh", "screen", "extract", "duplicates", "export", "analyze")


class UpdateError(SsehLitError):
    """A step of the update chain failed; the chain stopped there."""

    def __init__(self, step: str, message: str, completed: list[str]) -> None:
        kept = (
            f"; {', '.join(completed)} finished and {'is' if len(completed) == 1 else 'are'} kept"
            if completed
            else "; no later step ran"
        )
        super().__init__(f"update stopped at step {step!r}: {message}{kept}")
        self.step = step
        self.completed = list(completed)


@dataclass
class UpdateSummary:
    """What one update did."""

    out_dir: Path
    completed: list[str] = field(default_factory=list)
    new_records: int = 0
    updated_records: int = 0
    deleted_records: int = 0
    screened: int = 0
    new_patients: int = 0
    flagged: int = 0  # flags raised during this update (review queue)
    details: dict[str, Any] = field(default_factory=dict)  # each step's own summary

    def line(self) -> str:
        """The one-line summary printed at the end (cron mails it)."""
        return (
            f"update: {self.new_records} new records ({self.updated_records} updated, "
            f"{self.deleted_records} deleted), {self.new_patients} new patients, "
            f"{self.flagged} flagged for review; outputs in {self.out_dir}"
        )


def _max_flag_id(db_path: Path) -> int:
    db = connect(db_path)
    try:
        row = db.execute("select coalesce(max(id), 0) from flags").fetchone()
        return int(row[0])
    finally:
        db.conn.close()


def _new_flags(db_path: Path, since_id: int) -> int:
    db = connect(db_path)
    try:
        row = db.execute(
            "select count(*) from flags where id > ? and cleared_at is null", [since_id]
        ).fetchone()
        return int(row[0])
    finally:
        db.conn.close()


def update(
    db_path: str | Path,
    *,
    out_dir: str | Path = "outputs",
    query_name: str | None = None,
    base_url: str | None = None,
    profile: str = "all",
    analyze: bool = True,
    client: Any = None,
    echo: Callable[[str], None] | None = None,
) -> UpdateSummary:
    """Run refresh → screen → extract → duplicates → export (→ analyze) on ``db_path`` under one lock.

    ``client`` (an :class:`~sseh_lit.pubmed.eutils.EutilsClient`) is passed to the refresh, for
    tests; ``echo`` receives one progress line per finished step. Raises
    :class:`LockHeldError` when another update (or a refresh, during the refresh step) holds the
    lock, and :class:`UpdateError` naming the failed step otherwise.
    """
    db_path = Path(db_path)
    out = Path(out_dir)
    say = echo or (lambda line: log.info("%s", line))
    summary = UpdateSummary(out_dir=out)
    with hold_lock(db_path, "update"):
        first_flag = _max_flag_id(db_path) if db_path.exists() else 0

        def step(name: str, run: Callable[[], Any]) -> Any:
            try:
                result = run()
            except LockHeldError:
                raise
            except SsehLitError as e:
                raise UpdateError(name, str(e), summary.completed) from e
            except Exception as e:  # a bug in a step must still stop cleanly, with its name
                log.exception("update step %s failed", name)
                raise UpdateError(name, f"{type(e).__name__}: {e}", summary.completed) from e
            summary.completed.append(name)
            return result

        from .refresh import refresh

        refreshed = step(
            "refresh",
            lambda: refresh(db_path, query_name=query_name, base_url=base_url, client=client),
        )
        summary.new_records = refreshed.new
        summary.updated_records = refreshed.updated
        summary.deleted_records = refreshed.deleted
        summary.details["refresh"] = refreshed.to_dict()
        say(
            f"refresh: {refreshed.found} found, {refreshed.new} new, {refreshed.updated} updated, "
            f"{refreshed.deleted} deleted, {refreshed.failed} failed"
        )

        db = connect(db_path)
        try:
            from .extract.storage import extract_db
            from .screen import screen_db

            screened = step("screen", lambda: screen_db(db))
            summary.screened = screened.screened
            summary.details["screen"] = vars(screened)
            say(
                f"screen: {screened.screened} screened ({screened.included} included, "
                f"{screened.excluded} excluded), {screened.unchanged} unchanged"
            )
            extracted = step("extract", lambda: extract_db(db))
            summary.new_patients = extracted.new_patients
            summary.details["extract"] = vars(extracted)
            say(
                f"extract: {extracted.processed} records, {extracted.new_patients} new patients, "
                f"{len(extracted.failed)} failed, {extracted.unchanged} unchanged"
            )
            from .duplicates import flag_duplicates

            dups = step("duplicates", lambda: flag_duplicates(db))
            summary.details["duplicates"] = {
                "probable": dups.probable,
                "flags_added": dups.flags_added,
                "flags_cleared": dups.flags_cleared,
            }
            say(
                f"duplicates: {dups.probable} probable duplicate patients "
                f"({dups.flags_added} newly flagged for review)"
            )
        finally:
            db.conn.close()

        from .export import export

        exported = step("export", lambda: export(db_path, profile=profile, out_dir=out))
        summary.details["export"] = {"files": [str(p) for p in exported.files.values()]}
        say(f"export: {len(exported.files)} files in {out}")
        if analyze:
            from .report import analyze as run_analysis

            analysed = step("analyze", lambda: run_analysis(db_path, profile=profile, out_dir=out))
            summary.details["analyze"] = {"files": [str(p) for p in analysed.files.values()]}
            say(f"analyze: {len(analysed.files)} files; {analysed.model_line()}")
        summary.flagged = _new_flags(db_path, first_flag)
    return summary
