"""Importing files and folders in the background: progress bar, Cancel, a report of failures."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.session import Changes, WorkspaceSession
from ui.table_model import RowsTableModel
from ui.tasks import Task, TaskContext

FLUSH_SECONDS = 0.25  # the library is told about new documents at most this often


HELPER_NICENESS = 10


def lower_priority_of_helpers(done: set[int]) -> None:
    """Let the window keep the CPU: the core extracts text in worker processes (one per core);
    give them a lower scheduling priority than the GUI (they only get less CPU when it is busy)."""
    if not hasattr(os, "setpriority"):
        return
    for child in multiprocessing.active_children():
        if child.pid is not None and child.pid not in done:
            done.add(child.pid)
            try:
                os.setpriority(os.PRIO_PROCESS, child.pid, HELPER_NICENESS)
            except OSError:
                pass


class OutcomeTableModel(RowsTableModel):
    """Import outcomes: file, result, reason."""

    COLUMNS = ("File", "Result", "Reason")
    LABELS = {"failed": "Not imported", "duplicate": "Already in the workspace", "cancelled": "Cancelled",
              "imported": "Imported"}

    def __init__(self, outcomes: Sequence[Any], parent: QObject | None = None) -> None:
        super().__init__(parent, outcomes)

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return (item.path or item.filename) if role == Qt.ItemDataRole.ToolTipRole else item.filename
            if column == 1:
                return self.LABELS.get(item.status, item.status)
            return item.error or ""
        return None


def needs_password(outcome: Any) -> bool:
    return outcome.status == "failed" and "password" in (outcome.error or "").lower() and bool(outcome.path)


class ImportReportDialog(QDialog):
    """Lists the files that were not imported and why; offers a retry with a password."""

    # fires when the user asks to retry encrypted files; (paths, password)
    retryRequested = Signal(list, str)

    def __init__(self, summary: str, problems: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importReport")
        self.setWindowTitle("Import report")
        self.model = OutcomeTableModel(problems, self)
        head = QLabel(summary, self)
        theme.header(head)
        head.setWordWrap(True)
        view = QTableView(self)
        view.setObjectName("importProblems")
        view.setModel(self.model)
        view.verticalHeader().hide()
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setWordWrap(True)
        view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        view.resizeColumnsToContents()
        view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_report)
        self.locked = [o.path for o in problems if needs_password(o)]
        if self.locked:
            retry = buttons.addButton(f"Retry {len(self.locked)} with password…", QDialogButtonBox.ButtonRole.ActionRole)
            retry.setObjectName("retryWithPassword")
            retry.clicked.connect(self._retry)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(view, 1)
        layout.addWidget(buttons)
        self.resize(720, 360)

    def report_text(self) -> str:
        return "\n".join(f"{o.path or o.filename}\t{OutcomeTableModel.LABELS.get(o.status, o.status)}\t{o.error or ''}"
                         for o in self.model.rows)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())

    def _retry(self) -> None:
        password, ok = QInputDialog.getText(self, "Password", "Password for the encrypted files:",
                                            QLineEdit.EchoMode.Password)
        if ok:
            self.retryRequested.emit(list(self.locked), password)
            self.accept()


class ImportProgress(QWidget):
    """Progress bar + Cancel, shown in the status bar while an import runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("importProgress")
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setObjectName("cancelImport")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()


class ImportController(QObject):
    """Runs ``ws.documents.import_paths`` on the writer thread and reports as files arrive."""

    # fires when an import starts; number of files or folders given
    started = Signal(int)
    # fires after the import ended (finished, cancelled or failed); list of ImportOutcome
    finished = Signal(list)
    # fires when a report dialog opens (tests use it to find the dialog)
    reportShown = Signal(QDialog)

    def __init__(self, session: WorkspaceSession, progress: ImportProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.progress = progress
        self.parent_widget = parent
        self.workers: int | None = None  # None: the core decides (worker processes for big batches)
        self.task: Task | None = None
        self.report: ImportReportDialog | None = None
        self._lock = threading.Lock()
        self._arrived: list[Any] = []
        self._pending_ids: set[int] = set()
        self._last_flush = 0.0
        self.progress.cancel.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self, paths: Sequence[str | Path], password: str | None = None) -> bool:
        """Start importing; returns False when another import is still running."""
        if self.task is not None or not paths:
            return False
        if self.session.readonly:
            self.session.reporter.show_message("Import", "This workspace is open read-only; nothing can be imported.")
            return False
        ws, workers = self.session.ws, self.workers
        paths = [str(p) for p in paths]

        def work(ctx: TaskContext) -> list[Any]:
            niced: set[int] = set()

            def on_progress(done: int, total: int, outcome: Any) -> None:
                if outcome is not None:
                    with self._lock:
                        self._arrived.append(outcome)
                lower_priority_of_helpers(niced)
                ctx.progress(done, total)

            return ws.documents.import_paths(paths, password=password, progress=on_progress,
                                             cancel=ctx.cancel, workers=workers)

        self.progress.label.setText("Importing…")
        self.progress.bar.setRange(0, 0)
        self.progress.cancel.setEnabled(True)
        self.progress.show()
        self.task = self.session.tasks.run(work, self._done, self._failed, write=True, context=True,
                                           progress=self._on_progress, label="Importing files")
        self.started.emit(len(paths))
        return True

    def cancel(self) -> None:
        if self.task is not None:
            self.task.request_cancel()
            self.progress.label.setText("Cancelling…")
            self.progress.cancel.setEnabled(False)

    # ------------------------------------------------------------------ GUI thread
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.bar.setRange(0, max(total, 1))
        self.progress.bar.setValue(done)
        self.progress.bar.setFormat(f"{done} / {total}")
        if self.task is not None and not self.task.cancel.is_set():
            self.progress.label.setText("Importing…")
        self._drain()
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self._flush()

    def _drain(self) -> None:
        with self._lock:
            arrived, self._arrived = self._arrived, []
        self._pending_ids.update(o.id for o in arrived if o.status == "imported" and o.id is not None)

    def _flush(self) -> None:
        self._last_flush = time.monotonic()
        if self._pending_ids:
            ids, self._pending_ids = self._pending_ids, set()
            self.session.apply(Changes(documents=ids))

    def _done(self, outcomes: list[Any]) -> None:
        self._drain()
        self._flush()
        cancelled = self.task is not None and self.task.cancel.is_set()
        self.task = None
        self.progress.hide()
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        words = {"imported": "imported", "duplicate": "already present", "failed": "not imported",
                 "cancelled": "cancelled"}
        summary = ", ".join(f"{counts[k]} {words[k]}" for k in words if counts.get(k)) or "no files found"
        self.last_summary = f"Import cancelled: {summary}." if cancelled else f"Import: {summary}."
        problems = [o for o in outcomes if o.status == "failed"]
        if problems:
            self.show_report(f"{len(problems)} of {len(outcomes)} files could not be imported.", problems)
        self.finished.emit(outcomes)

    def _failed(self, exc: BaseException) -> None:
        self._drain()
        self._flush()
        self.task = None
        self.progress.hide()
        self.last_summary = "Import failed."
        self.session.report(exc, "Import")
        self.finished.emit([])

    def show_report(self, summary: str, problems: list[Any]) -> None:
        if self.report is not None:
            self.report.close()
        self.report = ImportReportDialog(summary, problems, self.parent_widget)
        self.report.retryRequested.connect(lambda paths, pw: self.start(paths, pw))
        self.report.open()
        self.reportShown.emit(self.report)
