"""A per-database process lock, so two refreshes (or updates) never run on one corpus at once.

:func:`hold_lock` takes an exclusive, non-blocking ``fcntl.flock`` on ``<db>.<name>.lock`` and
writes the holder's PID and start time into it. The kernel releases a flock when its process
exits, however it exits (even ``kill -9``), so a crashed run never leaves a stale lock behind; the
file itself stays (deleting it would race with a process that just opened it).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .db import utcnow
from .errors import DatabaseError, LockHeldError


def lock_path(db_path: str | Path, name: str) -> Path:
    """The lock file of ``name`` (e.g. ``refresh``) for the DB at ``db_path``.

    Symlinks are resolved, so a DB reached through a link and through its real path shares
    one lock (two refreshes on one file would otherwise both run).
    """
    db_path = Path(db_path).resolve()
    return db_path.with_name(f"{db_path.name}.{name}.lock")


@contextmanager
def hold_lock(db_path: str | Path, name: str = "refresh") -> Iterator[Path]:
    """Hold the ``name`` lock of ``db_path`` for the block; LockHeldError if another process has it."""
    path = lock_path(db_path, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise DatabaseError(
            f"cannot create the {name} lock file {path}: {e.strerror or e}; the folder of the "
            "corpus database must be writable"
        ) from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
            who = f" (pid {holder[0]} since {holder[1]})" if len(holder) >= 2 else ""
            raise LockHeldError(
                f"another {name} is running{who} on {db_path}; wait for it to finish "
                "(the lock is released automatically when that process exits)"
            ) from e
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {utcnow()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
