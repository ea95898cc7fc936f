"""Noticing other people's commits: a cheap "did anything change?" probe plus the audit feed.

The UI polls ``ChangeWatcher.poll()`` about once a second (no Qt here). Each poll first asks a
probe whether anything was committed since the last poll, which costs next to nothing:

* SQLite: ``PRAGMA data_version`` on a dedicated, persistent read-only connection. Its value
  changes exactly when *another* connection (in this process or any other) commits.
* PostgreSQL: ``LISTEN sourcetrace_changes`` on a dedicated connection; migration 0002's
  statement-level trigger sends ``NOTIFY`` after every insert into ``audit_log``. When the
  listener cannot be set up (or its connection drops) the probe falls back to polling
  ``max(audit_log.id)``.

Only when the probe says so does the watcher read the new audit entries (``id > last seen``);
entries this ``Workspace`` wrote itself are left out unless ``include_own=True``.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.audit import HistoryEntry
from db.engine import BUSY_TIMEOUT_MS, Database
from db.models import AuditEntry

if TYPE_CHECKING:
    from app.workspace import Workspace

CHANNEL = "sourcetrace_changes"
_OWN_KEY = "own_audit_ids"
# On PostgreSQL ids come from a sequence and are not committed in order: a transaction that took
# id 10 may commit after one that took id 11. Ids skipped over are re-checked for this long.
GAP_WATCH_SECONDS = 300.0
MAX_GAPS = 10_000


def normalize(entry: HistoryEntry) -> HistoryEntry:
    """SQLite hands back naive datetimes; they are UTC (``db.models.utcnow``)."""
    if entry.at.tzinfo is None:
        return replace(entry, at=entry.at.replace(tzinfo=UTC))
    return entry


def _entry(row: AuditEntry) -> HistoryEntry:
    return HistoryEntry(row.id, row.at, row.user, row.action, row.entity, row.entity_id,
                        row.claim_id, row.document_id, row.before, row.after)


def own_audit_ids(db: Database) -> set[int]:
    """Ids of audit entries committed through this ``Database`` (tracked from first call on)."""
    own = db.__dict__.get(_OWN_KEY)
    if own is not None:
        return own
    own = set()
    db.__dict__[_OWN_KEY] = own

    def after_flush(session: Session, _ctx: Any) -> None:
        ids = session.info.setdefault(_OWN_KEY, set())
        ids.update(obj.id for obj in session.new if isinstance(obj, AuditEntry) and obj.id is not None)

    def after_commit(session: Session) -> None:
        own.update(session.info.pop(_OWN_KEY, ()))

    def after_rollback(session: Session) -> None:
        session.info.pop(_OWN_KEY, None)

    factory = db._write
    event.listen(factory, "after_flush", after_flush)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _prev: after_rollback(s))
    return own


class _SqliteProbe:
    def __init__(self, db: Database) -> None:
        assert db.path is not None
        self.conn = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                    check_same_thread=False)

    def version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()


class _PgProbe:
    """LISTEN/NOTIFY when possible, else ``max(audit_log.id)``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.counter = 0
        self.conn: Any = None
        try:
            import psycopg

            url = db.read_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(url, autocommit=True, application_name=f"SourceTrace {db.user} (watch)"[:63])
            self.conn.execute(f"LISTEN {CHANNEL}")
        except Exception:
            self.close()

    def version(self) -> int:
        if self.conn is not None:
            try:
                got = list(self.conn.notifies(timeout=0.0))
                self.counter += len(got)
                return self.counter
            except Exception:
                self.close()
        with self.db.reading() as s:
            return audit.last_id(s)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None


class DataVersion:
    """An integer that changes whenever another connection commits to the workspace."""

    def __init__(self, db: Database) -> None:
        self._probe: _SqliteProbe | _PgProbe = _SqliteProbe(db) if db.path is not None else _PgProbe(db)
        db.on_dispose(self.close)

    def __call__(self) -> int:
        return self._probe.version()

    def close(self) -> None:
        self._probe.close()


class ChangeWatcher:
    """Polls for entries in the audit trail written by others since the last poll."""

    def __init__(self, ws: Workspace, *, include_own: bool = False, after_id: int | None = None) -> None:
        """Report entries after ``after_id`` (default: the newest when the workspace was opened)."""
        self.ws = ws
        self.include_own = include_own
        self._own = own_audit_ids(ws.db)
        self._version = DataVersion(ws.db)
        # The first poll always looks: commits may have happened between ``after_id`` and now.
        self._seen_version: int | None = None
        if after_id is None:
            # From when the workspace was opened (what a window shows was loaded after that), so a
            # watcher created late misses nothing; entries already seen only cause a refresh.
            after_id = ws.maintenance.opened_at_id
        self.last_id = after_id
        self._gaps: dict[int, float] = {}  # id skipped over -> when first noticed

    def poll(self) -> list[HistoryEntry]:
        """New entries by others since the last poll (oldest first); ``[]`` when nothing changed."""
        version = self._version()
        if version == self._seen_version:
            return []
        self._seen_version = version
        now = time.monotonic()
        self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_WATCH_SECONDS}
        q = select(AuditEntry).order_by(AuditEntry.id)
        if self._gaps:
            q = q.where(or_(AuditEntry.id > self.last_id, AuditEntry.id.in_(sorted(self._gaps))))
        else:
            q = q.where(AuditEntry.id > self.last_id)
        with self.ws.db.reading() as s:
            entries = [_entry(r) for r in s.scalars(q)]
        if not entries:
            return []
        got = {e.id for e in entries}
        top = max(got)
        if top > self.last_id and len(self._gaps) < MAX_GAPS:
            for missing in range(self.last_id + 1, min(top, self.last_id + 1 + MAX_GAPS)):
                if missing not in got:
                    self._gaps.setdefault(missing, now)
        for i in got:
            self._gaps.pop(i, None)
        self.last_id = max(self.last_id, top)
        if not self.include_own:
            entries = [e for e in entries if e.id not in self._own]
        return [normalize(e) for e in entries]

    def close(self) -> None:
        self._version.close()
