"""CLI commands: export."""

from __future__ import annotations
