"""Reviewer work: the append-only log, validation, corrections, the terminal queue, the web app."""
