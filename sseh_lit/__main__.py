"""``python -m sseh_lit`` runs the CLI."""

from .cli import cli

cli()
