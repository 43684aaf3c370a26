"""CLI commands: analyze, update."""

from __future__ import annotations
