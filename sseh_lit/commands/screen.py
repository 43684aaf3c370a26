"""CLI commands: screen, prisma."""

from __future__ import annotations
