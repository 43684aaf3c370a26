"""Running the review app: the bind check and the uvicorn call behind ``sseh-lit serve``."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from ...db import connect
from ...errors import ConfigError
from .. import reviewers

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    """True for a loopback address (only this machine can connect)."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(db_path: str | Path, host: str) -> None:
    """Refuse to listen beyond this machine unless sign-in is configured (a reviewer exists).

    The app always requires sign-in, but with no account nobody could sign in and a
    non-local bind is almost certainly a mistake; with accounts, say what is exposed.
    """
    if is_local(host):
        return
    db = connect(db_path)
    try:
        if not reviewers.list_reviewers(db):
            raise ConfigError(
                f"refusing to listen on {host}: no reviewer accounts exist, so nothing protects "
                "the review app. Add one with `sseh-lit reviewer add NAME` first, or serve on "
                "127.0.0.1."
            )
    finally:
        db.close()


def serve(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Check the bind, then serve the review app with uvicorn until interrupted."""
    import uvicorn

    from .app import create_app

    check_bind(db_path, host)
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="info")
