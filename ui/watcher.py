"""Seeing other people's work: poll the workspace's change feed about once a second.

Uses ``app.changes.ChangeWatcher`` (``PRAGMA data_version`` on SQLite, LISTEN/NOTIFY on
PostgreSQL): a poll that finds nothing costs next to nothing. New audit entries by others are
turned into ``Changes`` so only the affected rows refresh; selections and unsaved edits stay.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ui.session import Changes, WorkspaceSession

POLL_MS = 1000
MANY = 500  # more entries than this at once: reload everything rather than row by row


def changes_from_entries(entries: list[Any]) -> Changes:
    ch = Changes()
    if len(entries) > MANY:
        ch.everything = True
        return ch
    for e in entries:
        action = e.action or ""
        if e.document_id is not None:
            if action == "document.delete":
                ch.documents_removed.add(e.document_id)
            else:
                ch.documents.add(e.document_id)
        if e.claim_id is not None:
            if action == "claim.delete":
                ch.claims_removed.add(e.claim_id)
            else:
                ch.claims.add(e.claim_id)
        if action.startswith("alias."):
            ch.aliases = True
    return ch


class ChangePoller(QObject):
    """Polls off the GUI thread; never more than one poll in flight."""

    # fires after other people's changes were applied to the session; list of HistoryEntry
    othersChanged = Signal(list)

    def __init__(self, session: WorkspaceSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._watcher: Any = None
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        if not self.session.has("maintenance", "watcher"):
            return
        ws = self.session.ws

        def make() -> Any:
            return ws.maintenance.watcher()

        self._busy = True
        self.session.read(make, self._ready, self._unavailable, label="Watching for changes")

    def _ready(self, watcher: Any) -> None:
        self._watcher = watcher
        self._busy = False
        self._timer.start()

    def _unavailable(self, _exc: BaseException) -> None:
        self._busy = False  # no change feed: this window simply won't see others' commits live

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        if self._busy or self._watcher is None:
            return
        self._busy = True
        watcher = self._watcher
        self.session.read(watcher.poll, self._got, self._poll_failed, label="Checking for changes")

    def _got(self, entries: list[Any]) -> None:
        self._busy = False
        if entries:
            self.session.apply(changes_from_entries(entries))
            self.othersChanged.emit(entries)

    def _poll_failed(self, _exc: BaseException) -> None:
        self._busy = False  # a busy or briefly unreachable database: try again next tick
