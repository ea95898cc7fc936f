"""``ws.maintenance``: history, change detection, backups, checks and team-use diagnostics."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import audit
from app.audit import HistoryEntry
from app.changes import ChangeWatcher, DataVersion, normalize, own_audit_ids
from app.check import CheckReport, check_workspace
from db.errors import WorkspaceError

if TYPE_CHECKING:
    from app.workspace import Workspace

log = logging.getLogger(__name__)


class MaintenanceService:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._data_version: DataVersion | None = None
        # Created when the workspace is opened (``Workspace.open`` takes the daily backup through
        # it): from here on this process's own audit entries are known, and change watchers
        # start from this id by default.
        own_audit_ids(ws.db)
        self.opened_at_id = self.last_change_id()

    # ------------------------------------------------------------------ who did what
    def history(
        self, claim_id: int | None = None, document_id: int | None = None, limit: int | None = None
    ) -> list[HistoryEntry]:
        """Audit entries (oldest first), all of them or those of one claim and/or document."""
        with self.ws.db.reading() as s:
            return [normalize(e) for e in audit.history(s, claim_id=claim_id, document_id=document_id,
                                                        limit=limit)]

    # ------------------------------------------------------------------ others' work
    def last_change_id(self) -> int:
        with self.ws.db.reading() as s:
            return audit.last_id(s)

    def changes_since(self, last_audit_id: int) -> list[HistoryEntry]:
        """Every audit entry after ``last_audit_id`` (by anyone), oldest first."""
        with self.ws.db.reading() as s:
            return [normalize(e) for e in audit.changes_since(s, last_audit_id)]

    def data_version(self) -> int:
        """Changes whenever another connection or process commits (SQLite ``PRAGMA data_version``;
        PostgreSQL: notifications counted, or the newest audit id)."""
        if self._data_version is None:
            self._data_version = DataVersion(self.ws.db)
        return self._data_version()

    def watcher(self, *, include_own: bool = False) -> ChangeWatcher:
        """A ``ChangeWatcher`` starting now; poll it about once a second."""
        return ChangeWatcher(self.ws, include_own=include_own)

    def lock_holder(self) -> dict[str, Any] | None:
        """Who is writing to a shared workspace file right now, if anyone announced it."""
        return self.ws.db.lock_holder()

    def readonly_reason(self) -> str | None:
        """Why the workspace is open read-only (to show in the window), or None when writable."""
        if not self.ws.readonly:
            return None
        return self.ws.db.readonly_message().replace("; the change was not saved.", "") + (
            ": everything can be read, but changes cannot be saved."
        )

    def filesystem_warning(self) -> str | None:
        """A warning to show when the workspace file lives on a network file system."""
        if self.ws.path is None:
            return None
        from db.fsinfo import network_warning

        return network_warning(self.ws.path)

    # ------------------------------------------------------------------ safety net
    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Write a complete, consistent copy of the workspace to the new file ``dest``.

        SQLite: the online backup API. PostgreSQL: the workspace is copied (and verified) into a
        new SQLite workspace file, which ``--db`` can open and ``migrate-to`` can move back."""
        out = Path(dest).expanduser().resolve()
        if out.exists():
            raise WorkspaceError(f"{out} already exists; choose a new file name for the backup")
        if self.ws.path is not None:
            if out == self.ws.path.resolve():
                raise WorkspaceError("the backup cannot overwrite the workspace itself")
            from app.backup import backup_sqlite

            return backup_sqlite(self.ws.path, out, verify=True)
        return self._backup_server(out)

    def _backup_server(self, out: Path) -> Path:
        from app.migrate_to import copy_database
        from db.engine import Database, to_url

        tmp = out.with_name(out.name + ".partial")
        tmp.unlink(missing_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        dst = Database(to_url(tmp), user=self.ws.user)
        try:
            copy_database(self.ws.db, dst)
        except BaseException:
            dst.dispose()
            tmp.unlink(missing_ok=True)
            raise
        dst.dispose()
        tmp.replace(out)
        return out

    def maybe_daily_backup(self, now: datetime | None = None) -> Path | None:
        """Take the rotating daily backup when the newest backup is a day old (SQLite only).

        Called on open and by the UI's timer. Never raises: a failed backup is logged and
        reported by returning None, it must not keep anyone from working."""
        path = self.ws.path
        if path is None or self.ws.readonly or not path.exists():
            return None
        from app.backup import automatic_backup, daily_backup_due

        try:
            if not daily_backup_due(path, now):
                return None
            if self.last_change_id() == 0:  # nothing worth keeping yet
                return None
            return automatic_backup(path, "daily")
        except Exception as exc:
            log.warning("daily backup of %s failed: %s", path, exc)
            return None

    def check(self) -> CheckReport:
        return check_workspace(self.ws)

    def close(self) -> None:
        if self._data_version is not None:
            self._data_version.close()
            self._data_version = None
