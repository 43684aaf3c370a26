"""CLI commands: refresh, demo (corpus backbone)."""

from __future__ import annotations
