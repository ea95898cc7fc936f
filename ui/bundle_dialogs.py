"""The dialogs of evidence bundles: what an export wrote, and file by file whether a bundle is
intact (used by ``ui.bundles.BundleController``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.metadata import human_size
from ui.table_model import RowsTableModel

OK_COLOR, BAD_COLOR, WARN_COLOR = "#1a7f37", "#c0392b", "#9a6700"


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
        where = QLabel(f"<b>File</b> {html_text(str(report.path))}<br><b>Payload fingerprint</b> "
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
            self.warnings.setText("<b>Warnings</b><ul>" + "".join(f"<li>{html_text(w)}</li>" for w in report.warnings)
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


def html_text(text: str) -> str:
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
