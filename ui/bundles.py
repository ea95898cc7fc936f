"""Evidence bundles from the workbench: export claims, verify a bundle, import one.

The work itself is the core's (``app.bundles``: ``export_claims``, ``verify_path``,
``import_bundle``, the same functions ``sourcetrace export / verify / import-bundle`` call);
here it runs through the task helper with a progress bar and Cancel in the status bar, and the
results are shown as dialogs a person can read: what was written, and file by file whether a
bundle is intact.

Exporting reads the workspace (a reader thread); importing writes it (the writer thread, in
order with every other change); verifying needs no workspace at all (the controller's own
task helper, so it works before any workspace is open).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from ui import filedialogs
from ui.bundle_dialogs import (
    ExportResultDialog,
    VerifyResultDialog,
    default_bundle_name,
    export_summary,
    html_text,
    import_summary,
    verdict_text,
)
from ui.session import Changes, WorkspaceSession
from ui.tasks import Task, TaskContext, TaskManager

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow

BUNDLE_FILTER = "Evidence bundles (*.zip);;All files (*)"


# ---------------------------------------------------------------------- progress in the status bar
class TaskProgress(QWidget):
    """What a long bundle task is doing, how far it is, and Cancel (in the status bar)."""

    LABEL_WIDTH = 260

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setObjectName("bundleTaskLabel")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("bundleProgress")
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setObjectName("cancelBundleTask")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.what = ""
        self.hide()

    def begin(self, what: str) -> None:
        self.what = what
        self.set_text(f"{what}…")
        self.bar.setRange(0, 0)
        self.bar.resetFormat()
        self.cancel.setEnabled(True)
        self.show()

    def step(self, done: int, total: int, message: str = "") -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        self.bar.setFormat(f"{done} / {total}")
        if self.cancel.isEnabled():
            self.set_text(f"{self.what}: {message}" if message else f"{self.what}…")

    def cancelling(self) -> None:
        self.set_text("Cancelling…")
        self.cancel.setEnabled(False)

    def set_text(self, text: str) -> None:
        self.label.setToolTip(text)
        self.label.setText(self.label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle,
                                                               self.LABEL_WIDTH))


# ---------------------------------------------------------------------- the controller
class BundleController(QObject):
    """Runs the three bundle operations for the main window, one at a time."""

    # fires after an export wrote its bundle; ExportReport
    exported = Signal(object)
    # fires after a verification finished (intact or not); VerifyReport
    verified = Signal(object)
    # fires after a bundle was imported into the workspace; ImportBundleReport
    imported = Signal(object)
    # fires when an operation ends in any way (done, cancelled, failed); its label
    finished = Signal(str)
    # fires when a result dialog opens (tests find it here)
    dialogShown = Signal(QDialog)

    def __init__(self, window: MainWindow, progress: TaskProgress) -> None:
        super().__init__(window)
        self.window = window
        self.progress = progress
        self.session: WorkspaceSession | None = None
        self.tasks = TaskManager(self, readers=1)  # verification needs no workspace
        self.tasks.unhandledError.connect(lambda exc, label: window.reporter.show(exc, label))
        self.task: Task | None = None
        self._task_session: WorkspaceSession | None = None  # the workspace the running task works on
        self.dialog: QDialog | None = None
        self.last_message = ""
        progress.cancel.clicked.connect(self.cancel)

    # ------------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self.task is not None

    def set_session(self, session: WorkspaceSession | None) -> None:
        """The window's workspace changed; a task on the old one was stopped with it."""
        if self.task is not None and self._task_session is not None and self._task_session is not session:
            self._end()
        self.session = session

    def cancel(self) -> None:
        if self.task is not None:
            self.task.request_cancel()
            self.progress.cancelling()

    def shutdown(self) -> None:
        self.tasks.shutdown()

    def _settings_dir(self) -> str:
        return str(self.window.settings.value("bundleDir", "") or Path.home())

    def _remember_dir(self, path: str) -> None:
        self.window.settings.setValue("bundleDir", str(Path(path).parent))

    def _busy(self) -> bool:
        if self.task is not None:
            self._status("An evidence bundle task is still running; wait for it or cancel it.")
            return True
        return False

    def _status(self, text: str, ms: int = 10000) -> None:
        self.last_message = text
        self.window.statusBar().showMessage(text, ms)

    def _start(self, what: str, work: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
               on_failure: Callable[[BaseException], None], *, cancelled_text: str,
               session: WorkspaceSession | None = None, write: bool = False,
               ended: Callable[[], None] | None = None) -> None:
        """Run ``work(ctx)`` on ``session``'s task helper (or the controller's own, without one);
        ``ended()`` runs first when it ends in any way.

        A read of the workspace waits for the writes already queued (a verdict saved just before
        "Export"), so it sees them: a no-op on the writer thread goes first."""
        self.progress.begin(what)
        tasks = session.tasks if session is not None else self.tasks

        def finish(exc: BaseException | None, result: Any = None, *, cancelled: bool = False) -> None:
            self._end()
            if ended is not None:
                ended()
            if cancelled:
                self._status(cancelled_text)
            elif exc is None:
                on_success(result)
                return
            else:
                on_failure(exc)
            self.finished.emit(what)

        def launch() -> None:
            task = tasks.run(work, lambda result: finish(None, result),
                             lambda exc: finish(exc, cancelled=task.cancel.is_set()),
                             write=write, context=True, progress=self.progress.step, label=what)
            self.task, self._task_session = task, session

        if session is None or write or not session.tasks.busy_writing():
            launch()
            return

        def saved(_result: Any) -> None:
            if barrier.cancel.is_set():
                finish(None, cancelled=True)
            elif self.task is barrier:
                launch()

        barrier = session.tasks.write(lambda: None, saved, lambda exc: finish(exc),
                                      label=f"{what}: waiting for your changes to be saved")
        self.task, self._task_session = barrier, session

    def _end(self) -> None:
        self.task, self._task_session = None, None
        self.progress.hide()

    def _show(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _o=None, d=dialog: setattr(self, "dialog", None) if self.dialog is d else None)
        self.dialog = dialog
        dialog.open()
        self.dialogShown.emit(dialog)

    # ------------------------------------------------------------------ export
    def export_claims(self, claim_ids: Sequence[int]) -> None:
        """Ask where to write the bundle of ``claim_ids``, then export it in the background."""
        ids = list(dict.fromkeys(int(i) for i in claim_ids))
        if self.session is None:
            self.window.reporter.show_message("Export evidence bundle", "Open a workspace first.", self.window)
            return
        if not ids:
            self._status("Select one or more claims first (in the claims list or the inspector).", 6000)
            return
        if self._busy():
            return
        start = str(Path(self._settings_dir()) / default_bundle_name(ids))
        path = filedialogs.save_file(self.window, "Export evidence bundle", start, BUNDLE_FILTER)
        if not path:
            return
        if not path.lower().endswith(".zip"):
            path += ".zip"
        self._remember_dir(path)
        self.start_export(ids, path)

    def start_export(self, claim_ids: Sequence[int], path: str) -> None:
        session = self.session
        if session is None or self._busy():
            return
        try:  # report.pdf is drawn with Qt; the core finds the renderer through app.plugins
            from ui.services import install_qt_services

            install_qt_services()
        except ImportError:
            pass
        ws, ids = session.ws, list(claim_ids)

        def work(ctx: TaskContext) -> Any:
            from app.bundles.export import export_claims

            return export_claims(ws, ids, path, progress=ctx.progress, cancel=ctx.cancel)

        n = len(ids)
        self._start(f"Exporting {n} claim{'s' if n != 1 else ''}", work, self._exported,
                    lambda exc: self._failed(exc, "Exporting the evidence bundle"), session=session,
                    cancelled_text="Export cancelled; nothing was written.")

    def _exported(self, report: Any) -> None:
        warn = f"; {len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}" if report.warnings else ""
        self._status(f"Evidence bundle written to {report.path}: {export_summary(report)}{warn}.", 15000)
        dlg = ExportResultDialog(report, self.window)
        dlg.verifyRequested.connect(self.start_verify)
        self._show(dlg)
        self.exported.emit(report)
        self.finished.emit("export")

    def _failed(self, exc: BaseException, what: str) -> None:
        self._status(f"{what} failed.", 8000)
        self.window.reporter.show(exc, what, self.window)

    # ------------------------------------------------------------------ verify
    def verify_dialog(self) -> None:
        if self._busy():
            return
        path = filedialogs.open_file(self.window, "Verify evidence bundle", self._settings_dir(), BUNDLE_FILTER)
        if path:
            self._remember_dir(path)
            self.start_verify(path)

    def verify_folder_dialog(self) -> None:
        """Verify a bag that was unpacked (or received) as a folder rather than a zip."""
        if self._busy():
            return
        path = filedialogs.open_folder(self.window, "Verify an unpacked bundle folder", self._settings_dir())
        if path:
            self._remember_dir(path)
            self.start_verify(path)

    def start_verify(self, path: str) -> None:
        if self._busy():
            return

        def work(ctx: TaskContext) -> Any:
            from app.bundles.verify import verify_path

            return verify_path(path, progress=ctx.progress, cancel=ctx.cancel)

        self._start(f"Verifying {Path(path).name}", work, self._verified,
                    lambda exc: self._failed(exc, "Verifying the evidence bundle"),
                    cancelled_text="Verification cancelled.")

    def _verified(self, report: Any) -> None:
        _intact, headline, _summary = verdict_text(report)
        self._status(f"{Path(report.source).name}: {headline}", 15000)
        self._show(VerifyResultDialog(report, self.window))
        self.verified.emit(report)
        self.finished.emit("verify")

    # ------------------------------------------------------------------ import
    def import_dialog(self) -> None:
        session = self.session
        if session is None:
            self.window.reporter.show_message("Import evidence bundle", "Open a workspace first.", self.window)
            return
        if session.readonly:
            self.window.reporter.show_message("Import evidence bundle",
                                              "This workspace is open read-only; nothing can be imported.",
                                              self.window)
            return
        if self._busy():
            return
        path = filedialogs.open_file(self.window, "Import evidence bundle", self._settings_dir(), BUNDLE_FILTER)
        if path:
            self._remember_dir(path)
            self.start_import(path)

    def start_import(self, path: str) -> None:
        session = self.session
        if session is None or session.readonly or self._busy():
            return
        ws = session.ws

        def work(ctx: TaskContext) -> Any:
            from app.bundles.importer import import_bundle

            return import_bundle(ws, path, progress=ctx.progress, cancel=ctx.cancel)

        semantic = self.window.semantic
        if semantic is not None:
            semantic.import_started()

        def resume() -> None:  # new documents' sentences get their vectors after the import
            if semantic is not None and self.window.semantic is semantic:
                semantic.import_finished()

        self._start(f"Importing {Path(path).name}", work, lambda rep: self._imported(session, rep),
                    lambda exc: self._import_failed(exc, path), session=session, write=True, ended=resume,
                    cancelled_text="Import of the evidence bundle cancelled; nothing was imported.")

    def _imported(self, session: WorkspaceSession, report: Any) -> None:
        session.apply(Changes(everything=True))  # new documents, claims, history: every view reloads
        summary = import_summary(report)
        self._status(f"Imported {report.bundle}: {summary}.", 15000)
        lines = [f"<p><b>{html_text(report.bundle)}</b>: {html_text(summary)}.</p>"]
        if report.claims_created:
            lines.append("<p>Claims added:</p><ul>" + "".join(
                f"<li>#{c['id']} {html_text(str(c.get('text', '')))}</li>" for c in report.claims_created[:20]) + "</ul>")
        if report.claims_skipped:
            lines.append("<p>Already in this workspace, left unchanged:</p><ul>" + "".join(
                f"<li>#{c['id']} {html_text(str(c.get('text', '')))}</li>" for c in report.claims_skipped[:20]) + "</ul>")
        if report.warnings:
            lines.append("<p>Warnings:</p><ul>" + "".join(f"<li>{html_text(w)}</li>" for w in report.warnings) + "</ul>")
        box = QMessageBox(QMessageBox.Icon.Information, "Evidence bundle imported", "".join(lines),
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("bundleImported")
        box.setTextFormat(Qt.TextFormat.RichText)
        self._show(box)
        self.imported.emit(report)
        self.finished.emit("import")

    def _import_failed(self, exc: BaseException, path: str) -> None:
        report = getattr(exc, "report", None)
        if report is not None and not report.ok:
            self._status(f"{Path(path).name} was not imported: it failed verification.", 15000)
            self._show(VerifyResultDialog(report, self.window, title="Evidence bundle not imported",
                                          preface="Not imported: the bundle failed verification. "
                                                  "Nothing was changed in this workspace."))
            return
        self._failed(exc, "Importing the evidence bundle")
