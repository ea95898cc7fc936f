"""The main window: reader in the centre; library, claims, inspector and views as dockable panels."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from ui import theme
from ui.bundles import BundleController, TaskProgress
from ui.claims_list import ClaimsPanel
from ui.errors import ErrorReporter
from ui.history import HistoryPanel
from ui.importer import ImportController, ImportProgress
from ui.inspector import ClaimInspector
from ui.library import LibraryPanel, doc_title
from ui.lineage_view import LineagePanel
from ui.menus import build_menus
from ui.metadata_saving import MetadataSaving
from ui.reader import ReaderPanel
from ui.reimport import Reimporter
from ui.repeats import RepeatsPanel
from ui.search import SearchPanel
from ui.semantic import QUIET_LABELS, IndexProgress, SemanticController, SemanticIndicator, SemanticState
from ui.session import Changes, WorkspaceSession, warm_up
from ui.tasks import TaskManager
from ui.watcher import ChangePoller
from ui.workflow import ClaimWorkflow

STATE_VERSION = 3


def settle_heap() -> None:
    """Move everything alive now (modules, the library's rows) out of the cyclic collector's way.

    A full collection scans every tracked object while holding the GIL; with a 10,000-document
    library that took 100-200 ms on a worker thread, freezing the GUI thread too. After
    ``gc.freeze()`` full collections only scan what was created since.
    """
    gc.freeze()
MAX_RECENT = 8
BACKUP_CHECK_MS = 60 * 60 * 1000


class MainWindow(MetadataSaving, QMainWindow):
    """One window on one workspace at a time."""

    # fires after a workspace was opened and every panel was given its session
    workspaceOpened = Signal(object)

    def __init__(self, settings: QSettings | None = None, reporter: ErrorReporter | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings or QSettings()
        self.reporter = reporter or ErrorReporter(self)
        self.session: WorkspaceSession | None = None
        self.poller: ChangePoller | None = None
        self.opener = TaskManager(self, readers=1)  # opening/creating workspaces (no session yet)
        self.opener.unhandledError.connect(lambda exc, label: self.reporter.show(exc, label or "Opening"))
        self.undo_group = QUndoGroup(self)
        self._shown_once = False
        self._restored = False
        self.setWindowIcon(theme.app_icon())
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        # ---------------------------------------------------------------- panels
        self.reader = ReaderPanel(self)
        self.setCentralWidget(self.reader)
        self.library = LibraryPanel(parent=self)
        self.claims = ClaimsPanel(self)
        self.inspector = ClaimInspector(self)
        self.lineage = LineagePanel(self)
        self.repeats = RepeatsPanel(self)
        self.search = SearchPanel(self)
        self.history = HistoryPanel(self)
        self.docks: dict[str, QDockWidget] = {}
        self.library_dock = self._dock("library", "Library", self.library, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.claims_dock = self._dock("claims", "Claims", self.claims, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("inspector", "Claim inspector", self.inspector,
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.lineage_dock = self._dock("lineage", "Lineage", self.lineage, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.repeats_dock = self._dock("repeats", "Repeated assertions", self.repeats,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.search_dock = self._dock("search", "Search workspace", self.search, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.history_dock = self._dock("history", "History", self.history, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._default_layout()
        self.default_state = self.saveState(STATE_VERSION)
        # ---------------------------------------------------------------- status bar
        self.progress = ImportProgress(self)
        self.bundle_progress = TaskProgress(self)
        self.semantic_progress = IndexProgress(self)
        self.busy = QLabel(self)
        self.busy.setObjectName("busyLabel")
        self.semantic_indicator = SemanticIndicator(self)
        self.where = QLabel(self)
        self.where.setObjectName("workspaceLabel")
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.bundle_progress)
        self.statusBar().addPermanentWidget(self.semantic_progress)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.semantic_indicator)
        self.statusBar().addPermanentWidget(self.where)
        self.importer: ImportController | None = None
        self.semantic: SemanticController | None = None
        self.workflow = ClaimWorkflow(self)
        self.bundles = BundleController(self, self.bundle_progress)
        self.reimporter = Reimporter(self)
        self.actions_ = build_menus(self)
        self._wire()
        self._backup_timer = QTimer(self)
        self._backup_timer.setInterval(BACKUP_CHECK_MS)
        self._backup_timer.timeout.connect(self._daily_backup)
        self._restore_layout()
        self._update_title()

    # ------------------------------------------------------------------ layout
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def _default_layout(self) -> None:
        # the inspector runs the full height on the right; the views at the bottom span the rest
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.library_dock, self.claims_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.lineage_dock, self.repeats_dock)
        self.tabifyDockWidget(self.repeats_dock, self.search_dock)
        self.tabifyDockWidget(self.search_dock, self.history_dock)
        self.lineage_dock.raise_()
        self.resize(1440, 900)

    def _default_sizes(self) -> None:
        """Dock sizes for the default layout (applied once the window has its real size)."""
        w, h = self.width(), self.height()
        self.resizeDocks([self.library_dock, self.inspector_dock], [int(w * 0.26), int(w * 0.34)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.library_dock, self.claims_dock], [int(h * 0.4), int(h * 0.25)],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.lineage_dock], [int(h * 0.36)], Qt.Orientation.Vertical)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._restored:
                QTimer.singleShot(0, self._default_sizes)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self._restored = self.restoreState(state, STATE_VERSION)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self.default_state, STATE_VERSION)
        self._default_sizes()

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))

    def show_dock(self, name: str) -> None:
        dock = self.docks[name]
        dock.show()
        dock.raise_()

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        self.library.documentSelected.connect(lambda d: self.reader.open_document(d))
        self.library.loaded.connect(lambda _n: settle_heap())
        self.library.deleteRequested.connect(self.delete_documents)
        self.library.historyRequested.connect(self.show_document_history)
        self.library.reimportRequested.connect(self.reimporter.ask)
        self.reader.markRequested.connect(self.workflow.mark_as_claim)
        self.reader.addToClaimRequested.connect(self.workflow.add_to_claim)
        self.reader.claimClicked.connect(self.select_claim)
        self.reader.metadataSaveRequested.connect(self.save_metadata)
        self.claims.claimSelected.connect(self._claim_selected)
        self.claims.newClaimRequested.connect(self.workflow.new_claim)
        self.claims.lineageRequested.connect(self.show_lineage)
        self.claims.deleteRequested.connect(self.delete_claim)
        self.claims.exportRequested.connect(self.bundles.export_claims)
        self.inspector.openPassage.connect(self.open_passage)
        self.inspector.lineageRequested.connect(self.show_lineage)
        self.inspector.historyRequested.connect(self.show_claim_history)
        self.inspector.exportRequested.connect(self.bundles.export_claims)
        self.lineage.openPassage.connect(self.open_passage)
        self.search.openPassage.connect(self.open_passage)
        self.search.makeClaimRequested.connect(lambda text: self.workflow.create_claim(text, None))
        self.repeats.openPassage.connect(self.open_passage)
        self.repeats.makeClaimRequested.connect(self.workflow.create_claim)

    # ------------------------------------------------------------------ opening workspaces
    def open_workspace(self, target: str | Path, *, user: str | None = None, readonly: bool | None = None) -> None:
        """Open (or create) a workspace off the GUI thread, then show it."""
        target = str(target)
        self.statusBar().showMessage(f"Opening {target}…")

        def work() -> Any:
            from app.workspace import Workspace  # the core's first import is slow: not on the GUI thread

            return warm_up(Workspace.open(target, user=user, readonly=readonly))

        self.opener.run(work, self.set_workspace,
                        lambda exc: self._open_failed(exc, target), label="Opening the workspace")

    def open_demo(self, *, user: str | None = None) -> None:
        """Build a fresh demo workspace in a temporary folder and open it."""
        from ui.demo import build_demo_workspace

        self.statusBar().showMessage("Building the demo workspace…")
        self.opener.run(lambda: warm_up(build_demo_workspace(user=user)), self.set_workspace,
                        lambda exc: self._open_failed(exc, "the demo workspace"), label="Building the demo")

    def _open_failed(self, exc: BaseException, target: str) -> None:
        self.statusBar().showMessage(f"Could not open {target}", 8000)
        self.reporter.show(exc, "Opening the workspace", self)

    def set_workspace(self, ws: Any) -> None:
        """Install an open ``Workspace`` (closing the previous one)."""
        self.close_workspace()
        session = WorkspaceSession(ws, self, reporter=self.reporter)
        self.session = session
        self.undo_group.addStack(session.undo)
        self.undo_group.setActiveStack(session.undo)
        session.tasks.activeChanged.connect(self._busy_changed)
        session.changed.connect(self._changed)
        self.importer = ImportController(session, self.progress, self)
        self.importer.finished.connect(lambda _o: self.statusBar().showMessage(self.importer.last_summary, 10000)
                                       if self.importer else None)
        self.semantic = SemanticController(session, self.semantic_indicator, self.semantic_progress, self)
        self.semantic.stateChanged.connect(self._semantic_changed)
        self.semantic.message.connect(self.statusBar().showMessage)
        self.semantic.indexingFinished.connect(self._semantic_indexed)
        self.importer.started.connect(self.semantic.import_started)
        self.importer.finished.connect(self.semantic.import_finished)
        for panel in (self.library, self.reader, self.claims, self.inspector, self.lineage, self.repeats,
                      self.search, self.history, self.bundles):
            panel.set_session(session)
        self.poller = ChangePoller(session, self)
        self.poller.othersChanged.connect(self._others_changed)
        self.poller.start()
        if not session.readonly:
            self._backup_timer.start()
        self._remember_recent(session.location)
        self._update_title()
        self.statusBar().showMessage("Workspace opened" + (" read-only: changes cannot be saved"
                                                          if session.readonly else ""), 6000)
        if session.has("maintenance", "filesystem_warning"):
            session.read(session.ws.maintenance.filesystem_warning, self._fs_warning)
        self.actions_.update_enabled()
        self.semantic.start()
        self.workspaceOpened.emit(session)

    def close_workspace(self) -> None:
        session = self.session
        if session is None:
            return
        if self.poller is not None:
            self.poller.stop()
            self.poller = None
        self._backup_timer.stop()
        for panel in (self.library, self.reader, self.claims, self.inspector, self.lineage, self.repeats,
                      self.search, self.history, self.bundles):
            panel.set_session(None)
        self.undo_group.removeStack(session.undo)
        self.session = None
        self.importer = None
        if self.semantic is not None:
            self.semantic.close()
            self.semantic.deleteLater()
            self.semantic = None
            self._semantic_changed(SemanticState())
        session.close()
        session.deleteLater()
        self._update_title()
        self.actions_.update_enabled()

    def _fs_warning(self, warning: str | None) -> None:
        if warning:
            self.reporter.show_message("Workspace on a network drive", warning, self)

    def _remember_recent(self, location: str) -> None:
        if not location or location.startswith("postgres") or "sourcetrace-demo-" in location:
            return
        recent = [r for r in self.recent_workspaces() if r != location]
        self.settings.setValue("recent", [location, *recent][:MAX_RECENT])

    def recent_workspaces(self) -> list[str]:
        value = self.settings.value("recent") or []
        return [str(v) for v in ([value] if isinstance(value, str) else value)]

    def _update_title(self) -> None:
        s = self.session
        if s is None:
            self.setWindowTitle("SourceTrace")
            self.where.setText("No workspace open")
            return
        loc = s.location
        name = Path(loc).name if "://" not in loc else loc.split("@")[-1]
        demo = " (demo)" if "sourcetrace-demo-" in loc else ""
        ro = " [read-only]" if s.readonly else ""
        self.setWindowTitle(f"{name}{demo}{ro} — SourceTrace")
        self.where.setText(f"{name}{ro}")
        self.where.setToolTip(loc)

    # ------------------------------------------------------------------ actions
    def start_import(self, paths: list[str]) -> None:
        if self.importer is None:
            self.reporter.show_message("Import", "Open a workspace first.", self)
        elif not self.importer.start(paths) and self.importer.running:
            self.statusBar().showMessage("An import is already running; wait for it to finish.", 6000)

    def claims_to_export(self) -> list[int]:
        """The claims an export from the menu means: those selected in the claims list, else the
        one in the inspector."""
        ids = self.claims.selected_claims()
        if not ids and self.inspector.claim_id is not None:
            ids = [self.inspector.claim_id]
        return ids

    def export_bundle(self) -> None:
        self.bundles.export_claims(self.claims_to_export())

    def open_preferences(self) -> None:
        from ui.preferences import PreferencesDialog

        dlg = PreferencesDialog(self)
        dlg.saved.connect(self._user_changed)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preferences_dialog = dlg
        dlg.open()

    def _user_changed(self, name: str) -> None:
        """The saved user name changed: the open workspace records the next changes under it,
        unless SOURCETRACE_USER overrides the setting."""
        from app import config

        session = self.session
        user, source = config.user_and_source()
        if source == "SOURCETRACE_USER":
            self.statusBar().showMessage(f"Saved. SOURCETRACE_USER is set, so your changes are still recorded as "
                                         f"“{user}”.", 8000)
            return
        if session is None or not hasattr(session.ws, "set_user"):
            self.statusBar().showMessage(f"Saved: your changes will be recorded as “{name}”.", 6000)
            return
        # on the writer thread: changes already queued keep the name they were made under
        session.tasks.write(lambda: session.ws.set_user(name),
                            lambda _r: self.statusBar().showMessage(
                                f"Saved: your changes are now recorded as “{name}”.", 6000),
                            lambda exc: session.report(exc, "Changing your name"), label="Changing your name")

    def open_passage(self, doc_id: int, start: int, end: int) -> None:
        self.library.select_document(doc_id)
        self.reader.open_document(doc_id, select=(start, end))

    def select_claim(self, claim_id: int) -> None:
        self.show_dock("inspector")
        if not self.claims.select_claim(claim_id):
            self._claim_selected(claim_id)

    def _claim_selected(self, claim_id: int) -> None:
        self.inspector.show_claim(claim_id)
        if self.lineage_dock.isVisible():
            self.lineage.show_claim(claim_id)

    def show_lineage(self, claim_id: int | None = None) -> None:
        claim_id = claim_id or self.inspector.claim_id or self.claims.current_claim()
        if claim_id is None:
            self.statusBar().showMessage("Select a claim first.", 4000)
            return
        self.show_dock("lineage")
        self.lineage.show_claim(claim_id, force=True)

    def show_claim_history(self, claim_id: int) -> None:
        self.show_dock("history")
        self.history.show_claim(claim_id)

    def show_document_history(self, doc_id: int) -> None:
        self.show_dock("history")
        info = self.library.model.info(doc_id)
        self.history.show_document(doc_id, doc_title(info) if info else "")

    def delete_documents(self, ids: list[int]) -> None:
        if self.session is None or self.session.readonly or not ids:
            return
        n = len(ids)
        box = QMessageBox(QMessageBox.Icon.Question, "Delete documents",
                          f"Delete {n} document{'s' if n != 1 else ''}? Their excerpts, and their appearances "
                          "in claims, are deleted too. This cannot be undone.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmDelete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes and self.session is not None:
                self.session.delete_documents(ids, lambda _r: self.statusBar().showMessage(
                    f"Deleted {n} document{'s' if n != 1 else ''}.", 5000))

        box.finished.connect(answered)
        box.open()
        self.confirm_box = box

    def delete_claim(self, claim_id: int) -> None:
        session = self.session
        if session is None or session.readonly or not session.has("claims", "delete"):
            return
        summary = self.claims.model.summary(claim_id)
        text = summary.text if summary is not None else f"#{claim_id}"
        box = QMessageBox(QMessageBox.Icon.Question, "Delete claim",
                          f"Delete claim #{claim_id} “{text[:120]}”, with its appearances, verdict and notes? "
                          "The history keeps a record; the claim itself cannot be restored.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def work() -> tuple[Any, Changes]:
            detail = session.ws.claims.get(claim_id)
            session.ws.claims.delete(claim_id)
            return None, Changes(claims_removed={claim_id}, documents={a.document_id for a in detail.appearances})

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes and self.session is session:
                session.write(work, lambda _r: self.statusBar().showMessage(f"Claim #{claim_id} deleted.", 5000),
                              label="Deleting the claim")

        box.finished.connect(answered)
        box.open()
        self.confirm_box = box

    # ------------------------------------------------------------------ status
    def _busy_changed(self, n: int) -> None:
        if n and self.session is not None:
            shown = self.bundle_progress.what if self.bundle_progress.isVisible() else None  # has its own bar
            labels = [t.label for t in self.session.tasks.tasks()
                      if t.label and t.label != "Checking for changes" and t.label not in QUIET_LABELS
                      and not (shown and t.label.startswith(shown))]
            self.busy.setText(f"{labels[-1]}…" if labels else "")
        else:
            self.busy.setText("")

    def _semantic_changed(self, state: SemanticState) -> None:
        self.search.set_semantic(state)
        self.inspector.candidates.set_semantic(state)

    def _semantic_indexed(self, embedded: int) -> None:
        if embedded:  # passages found by meaning may join the candidates and the repeated assertions
            self.inspector.refresh_candidates()
            self.repeats.refresh_later()

    def _changed(self, _changes: Changes) -> None:
        self.actions_.update_enabled()

    def _others_changed(self, entries: list) -> None:
        users = sorted({e.user for e in entries})
        self.statusBar().showMessage(f"Updated with changes by {', '.join(users)}.", 5000)

    def _daily_backup(self) -> None:
        s = self.session
        if s is not None and s.has("maintenance", "maybe_daily_backup"):
            s.read(s.ws.maintenance.maybe_daily_backup, label="Daily backup")

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        md = event.mimeData()
        if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.start_import(paths)

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.close_workspace()
        self.bundles.shutdown()
        self.opener.shutdown()
        super().closeEvent(event)
