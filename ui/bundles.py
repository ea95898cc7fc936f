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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import filedialogs, theme
from ui.metadata import human_size
from ui.session import Changes, WorkspaceSession
from ui.table_model import RowsTableModel
from ui.tasks import Task, TaskContext, TaskManager

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow

BUNDLE_FILTER = "Evidence bundles (*.zip);;All files (*)"
OK_COLOR, BAD_COLOR, WARN_COLOR = "#1a7f37", "#c0392b", "#9a6700"


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


# ---------------------------------------------------------------------- verification, file by file
@dataclass(frozen=True)
class FileCheck:
    """One file of a verified bag: ``state`` is ``error``, ``warning`` or ``ok``."""

    path: str  # "" for the bag as a whole
    state: str
    messages: tuple[str, ...]
    sha256: str = ""


STATE_LABELS = {"error": "✘ Problem", "warning": "⚠ Warning", "ok": "✔ Intact"}
STATE_ORDER = {"error": 0, "warning": 1, "ok": 2}


def file_checks(report: Any) -> list[FileCheck]:
    """Every file the verifier hashed or found something about: problems first, then warnings,
    then the intact files, each group in path order (the bag as a whole first)."""
    findings: dict[str, list[Any]] = {}
    for f in report.findings:
        findings.setdefault(f.path, []).append(f)
    digests = dict(getattr(report, "digests", {}) or {})
    rows = []
    for path in set(findings) | set(digests):
        found = findings.get(path, [])
        state = ("error" if any(f.severity == "error" for f in found)
                 else "warning" if found else "ok")
        messages = tuple(f.message for f in sorted(found, key=lambda f: f.severity != "error"))
        rows.append(FileCheck(path, state, messages, digests.get(path, {}).get("sha256", "")))
    rows.sort(key=lambda r: (STATE_ORDER[r.state], r.path != "", r.path))
    return rows


class FileCheckModel(RowsTableModel):
    """Verification result per file: file, result, what is wrong (or its checksum)."""

    COLUMNS = ("File", "Result", "Details")

    def cell(self, item: FileCheck, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return item.path or "(the bag as a whole)"
            if column == 1:
                return STATE_LABELS[item.state]
            if len(item.messages) > 1:
                return "\n".join(f"• {m}" for m in item.messages)
            if item.messages:
                return item.messages[0]
            return f"checksum matches (SHA-256 {item.sha256[:16]}…)" if item.sha256 else "checksum matches"
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 2 and item.messages:
                return "\n".join(item.messages)
            if column == 2 and item.sha256:
                return f"SHA-256 {item.sha256}"
            if column == 0:
                return item.path or "the bag as a whole"
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QColor({"error": BAD_COLOR, "warning": WARN_COLOR, "ok": OK_COLOR}[item.state])
        return None


def _table(parent: QWidget, model: RowsTableModel, name: str, stretch: int) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long file names keep their end
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.resizeColumnsToContents()
    view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def verdict_text(report: Any) -> tuple[bool, str, str]:
    """``(intact, headline, summary)`` of a verification report, in words."""
    kind = "SourceTrace evidence bundle" if report.is_bundle else "BagIt bag"
    facts = [f"{report.payload_files} payload file{'s' if report.payload_files != 1 else ''}",
             f"{report.files_hashed} file{'s' if report.files_hashed != 1 else ''} checked against their checksums"]
    if report.is_bundle:
        facts.append(f"{report.excerpts_checked} quoted excerpt{'s' if report.excerpts_checked != 1 else ''} "
                     "found at their recorded positions")
    summary = f"{Path(report.source).name}: {kind}" + (f" (BagIt {report.version})" if report.version else "")
    summary += ", " + ", ".join(facts) + "."
    info = {k.lower(): v for k, v in (report.bag_info or [])}
    who = info.get("sourcetrace-exported-by") or info.get("contact-name")
    org = info.get("source-organization")
    when = info.get("bagging-date")
    if who or when:  # what the bag says about itself (protected by the tag manifest when there is one)
        made = "Made" + (f" by {who}" if who else "") + (f" ({org})" if org and org != "not given" else "")
        summary += f" {made}" + (f" on {when}" if when else "") + "."
    errors, warnings = len(report.errors), len(report.warnings)
    if report.ok:
        headline = "Intact: nothing in this bundle was altered since it was made."
        if warnings:
            headline = f"Intact, with {warnings} warning{'s' if warnings != 1 else ''} (nothing was altered)."
        return True, headline, summary
    files = len({f.path for f in report.errors})
    headline = (f"NOT intact: {errors} problem{'s' if errors != 1 else ''} in {files} "
                f"file{'s' if files != 1 else ''}. Do not rely on this bundle as it is.")
    return False, headline, summary


class VerifyResultDialog(QDialog):
    """The verdict in one line (intact or not), then every file with its result."""

    def __init__(self, report: Any, parent: QWidget | None = None, *, title: str = "Verify evidence bundle",
                 preface: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("verifyResult")
        self.setWindowTitle(title)
        self.report = report
        self.intact, headline, summary = verdict_text(report)
        color = OK_COLOR if self.intact else BAD_COLOR
        self.headline = QLabel(f"<span style='color:{color}; font-size:15pt; font-weight:600'>"
                               f"{'✔' if self.intact else '✘'} {headline}</span>", self)
        self.headline.setObjectName("verifyHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel(summary, self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        theme.subheader(self.summary)
        self.model = FileCheckModel(self, file_checks(report))
        self.view = _table(self, self.model, "verifyFiles", 2)
        # what is wrong is read in full: the details wrap, each finding on its own line
        self.view.setWordWrap(True)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().resizeSection(0, min(self.view.horizontalHeader().sectionSize(0), 440))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setObjectName("copyVerifyReport")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.report_text()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if preface:
            lead = QLabel(preface, self)
            lead.setObjectName("verifyPreface")
            lead.setWordWrap(True)
            theme.header(lead)
            layout.addWidget(lead)
        layout.addWidget(self.headline)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(900, 520)

    def report_text(self) -> str:
        return str(self.report.format_text())


# ---------------------------------------------------------------------- what an export wrote
class ExportedFilesModel(RowsTableModel):
    COLUMNS = ("File", "Size", "SHA-256")

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (item.path, human_size(item.size), item.sha256)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def export_summary(report: Any) -> str:
    c, d, a = report.claims, report.documents, report.appearances
    return (f"{c} claim{'s' if c != 1 else ''}, {d} document{'s' if d != 1 else ''}, "
            f"{a} appearance{'s' if a != 1 else ''}; {len(report.files)} files, {human_size(report.size)}")


class ExportResultDialog(QDialog):
    """Where the bundle went, what is in it, and anything that was left out."""

    # fires when the user asks to verify the bundle just written; its path
    verifyRequested = Signal(str)

    def __init__(self, report: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportResult")
        self.setWindowTitle("Evidence bundle written")
        self.report = report
        head = QLabel(f"Evidence bundle written: {export_summary(report)}.", self)
        theme.header(head)
        head.setWordWrap(True)
        where = QLabel(f"<b>File</b> {_html(str(report.path))}<br><b>Payload fingerprint</b> "
                       f"<span style='font-family:monospace'>{report.fingerprint}</span>", self)
        where.setObjectName("exportPath")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(where)
        self.warnings = QLabel(self)
        self.warnings.setObjectName("exportWarnings")
        self.warnings.setWordWrap(True)
        if report.warnings:
            self.warnings.setText("<b>Warnings</b><ul>" + "".join(f"<li>{_html(w)}</li>" for w in report.warnings)
                                  + "</ul>")
            layout.addWidget(self.warnings)
        self.model = ExportedFilesModel(self, report.files)
        self.view = _table(self, self.model, "exportedFiles", 2)
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.verify_button = buttons.addButton("Verify now", QDialogButtonBox.ButtonRole.ActionRole)
        self.verify_button.setObjectName("verifyExported")
        self.verify_button.clicked.connect(lambda: self.verifyRequested.emit(str(report.path)))
        copy = buttons.addButton("Copy path", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(report.path)))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 480)


def _html(text: str) -> str:
    import html

    return html.escape(text)


def import_summary(report: Any) -> str:
    made, skipped = len(report.claims_created), len(report.claims_skipped)
    parts = [f"{made} claim{'s' if made != 1 else ''} added",
             f"{report.documents_created} new document{'s' if report.documents_created != 1 else ''}"
             + (f" ({report.documents_reused} already here)" if report.documents_reused else ""),
             f"{report.excerpts_created} excerpt{'s' if report.excerpts_created != 1 else ''}",
             f"{report.history_entries} history entr{'ies' if report.history_entries != 1 else 'y'}"]
    if skipped:
        parts.append(f"{skipped} claim{'s' if skipped != 1 else ''} already here (left unchanged)")
    return ", ".join(parts)


def default_bundle_name(claim_ids: Sequence[int]) -> str:
    ids = list(claim_ids)
    if len(ids) == 1:
        return f"claim-{ids[0]}.zip"
    shown = "-".join(str(i) for i in ids[:4])
    return f"claims-{shown}{'-and-more' if len(ids) > 4 else ''}.zip"


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
        lines = [f"<p><b>{_html(report.bundle)}</b>: {_html(summary)}.</p>"]
        if report.claims_created:
            lines.append("<p>Claims added:</p><ul>" + "".join(
                f"<li>#{c['id']} {_html(str(c.get('text', '')))}</li>" for c in report.claims_created[:20]) + "</ul>")
        if report.claims_skipped:
            lines.append("<p>Already in this workspace, left unchanged:</p><ul>" + "".join(
                f"<li>#{c['id']} {_html(str(c.get('text', '')))}</li>" for c in report.claims_skipped[:20]) + "</ul>")
        if report.warnings:
            lines.append("<p>Warnings:</p><ul>" + "".join(f"<li>{_html(w)}</li>" for w in report.warnings) + "</ul>")
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
