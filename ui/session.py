"""One open workspace in the window: the ``Workspace``, the task helper, undo, and change signals.

Every write goes through ``WorkspaceSession.write``: the function runs on the writer thread and
returns ``(result, Changes)``; the session then emits only the signals for what changed, so each
widget refreshes only its affected rows (Anki's "operations return what changed").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ui.errors import ErrorReporter
from ui.tasks import TaskManager


@dataclass
class Changes:
    """What an operation changed; widgets refresh exactly this."""

    documents: set[int] = field(default_factory=set)
    documents_removed: set[int] = field(default_factory=set)
    claims: set[int] = field(default_factory=set)
    claims_removed: set[int] = field(default_factory=set)
    aliases: bool = False
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.documents or self.documents_removed or self.claims or self.claims_removed
                    or self.aliases or self.everything)

    def merge(self, other: Changes) -> Changes:
        self.documents |= other.documents
        self.documents_removed |= other.documents_removed
        self.claims |= other.claims
        self.claims_removed |= other.claims_removed
        self.aliases = self.aliases or other.aliases
        self.everything = self.everything or other.everything
        return self


SERVICES = ("documents", "claims", "matcher", "lineage", "maintenance", "semantic")


def warm_up(ws: Any) -> Any:
    """Create the workspace's services (importing their modules) on the calling worker thread,
    so the GUI thread never pays for a first import. Returns ``ws``."""
    for name in SERVICES:
        has_service(ws, name)
    return ws


def has_service(ws: Any, name: str, method: str | None = None) -> bool:
    """Whether the core provides ``ws.<name>`` (and ``.method``); some land after the UI."""
    try:
        svc = getattr(ws, name)
    except (ImportError, AttributeError):
        return False
    return method is None or callable(getattr(svc, method, None))


class WorkspaceSession(QObject):
    """The GUI's handle on one workspace. Lives on the GUI thread; work runs in ``tasks``."""

    # fires after a write (or an import batch, or another process's commit) touched these documents
    documentsChanged = Signal(list)
    # fires after documents were deleted
    documentsRemoved = Signal(list)
    # fires after claims were created or changed (wording, verdict, appearances, candidates)
    claimsChanged = Signal(list)
    # fires after claims were deleted
    claimsRemoved = Signal(list)
    # fires after alias groups changed (search and candidate results may differ now)
    aliasesChanged = Signal()
    # fires when the scope of a change is unknown (another process committed): reload all views
    reloadRequested = Signal()
    # fires after each successful write with the Changes (for the status bar and watchers)
    changed = Signal(object)

    def __init__(self, ws: Any, parent: QObject | None = None, *, reporter: ErrorReporter | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.tasks = TaskManager(self)
        self.undo = QUndoStack(self)
        self.reporter = reporter or ErrorReporter(self)
        self.tasks.unhandledError.connect(self._unhandled)
        self._available: dict[str, bool] = {}
        self._closed = False

    # ------------------------------------------------------------------ info
    @property
    def readonly(self) -> bool:
        return bool(getattr(self.ws, "readonly", False))

    @property
    def location(self) -> str:
        return str(getattr(self.ws, "location", ""))

    def has(self, service: str, method: str | None = None) -> bool:
        """Whether the core offers ``ws.<service>.<method>`` (cached: some services land later)."""
        key = f"{service}.{method}"
        if key not in self._available:
            self._available[key] = has_service(self.ws, service, method)
        return self._available[key]

    # ------------------------------------------------------------------ running
    def read(self, fn: Callable[[], Any], on_success: Callable[[Any], None] | None = None,
             on_failure: Callable[[BaseException], None] | None = None, *, label: str = "") -> Any:
        return self.tasks.read(fn, on_success, on_failure, label=label)

    def write(
        self,
        fn: Callable[[], tuple[Any, Changes]],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        label: str = "",
    ) -> Any:
        """Run a write on the writer thread; emit its ``Changes``, then call ``on_success(result)``."""

        def done(payload: tuple[Any, Changes]) -> None:
            result, changes = payload
            self.apply(changes)
            if on_success is not None:
                on_success(result)

        return self.tasks.write(fn, done, on_failure, label=label)

    def apply(self, changes: Changes) -> None:
        """Emit the signals for ``changes`` (GUI thread)."""
        if self._closed or not changes:
            return
        if changes.everything:
            self.reloadRequested.emit()
        else:
            if changes.documents_removed:
                self.documentsRemoved.emit(sorted(changes.documents_removed))
            if changes.documents - changes.documents_removed:
                self.documentsChanged.emit(sorted(changes.documents - changes.documents_removed))
            if changes.claims_removed:
                self.claimsRemoved.emit(sorted(changes.claims_removed))
            if changes.claims - changes.claims_removed:
                self.claimsChanged.emit(sorted(changes.claims - changes.claims_removed))
            if changes.aliases:
                self.aliasesChanged.emit()
        self.changed.emit(changes)

    def report(self, exc: BaseException, context: str = "") -> None:
        self.reporter.show(exc, context)

    def _unhandled(self, exc: BaseException, label: str) -> None:
        if not self._closed:
            self.reporter.show(exc, label.rstrip(".…") if label else "SourceTrace")

    def close(self) -> None:
        """Wait for running work (cancelling what can be), then close the workspace."""
        if self._closed:
            return
        self._closed = True
        self.tasks.shutdown()
        self.undo.clear()
        try:
            self.ws.close()
        except Exception:
            pass

    # ------------------------------------------------------------------ common operations
    # Each returns the Task; on_success receives the core's result.

    def update_metadata(self, doc_id: int, fields: dict[str, Any], expected_version: int | None,
                        on_success: Callable[[Any], None] | None = None,
                        on_failure: Callable[[BaseException], None] | None = None) -> Any:
        """Save ``fields`` edited from ``expected_version`` of the document (``None``: no check,
        for scripted changes); a colleague's newer save makes it fail with ``ConflictError``."""

        def work() -> tuple[Any, Changes]:
            info = self.ws.documents.update_metadata(doc_id, expected_version=expected_version, **fields)
            return info, Changes(documents={doc_id})

        return self.write(work, on_success, on_failure, label="Saving document details")

    def delete_documents(self, ids: Iterable[int], on_success: Callable[[Any], None] | None = None) -> Any:
        ids = list(ids)

        def work() -> tuple[Any, Changes]:
            for i in ids:
                self.ws.documents.delete(i)
            # appearances in those documents disappear from their claims: the core wrote which
            # claims into the history (the same entries a colleague's window sees)
            return ids, Changes(documents_removed=set(ids), claims=self._claims_touched_by_deleting(ids))

        return self.write(work, on_success, label="Deleting documents")

    def _claims_touched_by_deleting(self, ids: list[int]) -> set[int]:
        if not self.has("maintenance", "history"):
            return {c.id for c in self.ws.claims.list()} if self.has("claims", "list") else set()
        return {e.claim_id for i in ids for e in self.ws.maintenance.history(document_id=i)
                if e.claim_id is not None and e.action in ("appearance.remove", "origin.link")}
