"""CLI commands: reviewer, correct, show, history, review, review-stats."""

from __future__ import annotations
