"""CLI commands: serve."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import cli, db_option, handle_errors, resolve_db


@cli.command()
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; a non-local one needs at least one reviewer account.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--review-mode",
    type=click.Choice(["single", "dual"]),
    default=None,
    help="Switch the project to single or blind dual review first (kept in the DB).",
)
@handle_errors
def serve(db_path: Path | None, host: str, port: int, review_mode: str | None) -> None:
    """Serve the review web app (queue, evidence-highlighted records, dual review).

    Reviewers sign in with the password set by `sseh-lit reviewer add`. Press ? in the
    browser for the keyboard shortcuts.

    Example: sseh-lit serve --db outputs/demo.db --port 8000
    """
    from ..db import connect_existing
    from ..review.web.server import check_bind
    from ..review.web.server import serve as run

    path = resolve_db(db_path)
    connect_existing(path).close()  # a missing, foreign or newer DB fails here, before "Serving"
    check_bind(path, host)  # before changing anything
    if review_mode:
        from ..review.dual import set_review_mode

        set_review_mode(connect_existing(path), review_mode)
        click.echo(f"Review mode: {review_mode}")
    click.echo(f"Serving {path} on http://{host}:{port}/ (Ctrl+C to stop)")
    run(path, host=host, port=port)
