"""CLI commands: extract, annotate, evaluate."""

from __future__ import annotations
