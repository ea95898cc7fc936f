"""PostgreSQL change detection uses LISTEN/NOTIFY (migration 0002's trigger): an idle poll costs
no query at all, and a commit by someone else is noticed."""

from __future__ import annotations

import time

from app.changes import DataVersion
from app.workspace import Workspace


def test_listen_notify_probe(pg_url: str) -> None:
    me = Workspace.open(pg_url, user="me", daily_backup=False)
    other = Workspace.open(pg_url, user="other", daily_backup=False)
    try:
        version = DataVersion(me.db)
        assert version._probe.conn is not None, "LISTEN could not be set up; polling fallback in use"  # type: ignore[union-attr]
        v0 = version()
        assert version() == v0
        other.documents.import_bytes(b"Committed by someone else. Two sentences.\n", "x.txt")
        deadline = time.monotonic() + 3
        while version() == v0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert version() != v0
    finally:
        me.close()
        other.close()
