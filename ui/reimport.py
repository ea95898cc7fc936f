"""Re-importing an edited version of a document (a page that changed since it was collected).

The core (``ws.documents.reimport``) replaces the document's original and text, re-splits its
sentences and re-anchors every excerpt by its quote and context; an excerpt whose passage is
gone is marked orphaned, never moved or dropped. Here: pick the file, run it on the writer
thread, refresh what shows the document and its claims, and say what happened to the excerpts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from ui import filedialogs
from ui.menus import IMPORT_FILTER
from ui.session import Changes

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow

@dataclass(frozen=True)
class ReimportResult:
    outcome: Any  # ImportOutcome; ``outcome.excerpts`` is the re-anchoring report

    @property
    def excerpts(self) -> dict[str, Any] | None:
        return self.outcome.excerpts if self.outcome.status == "imported" else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def describe_excerpts(report: dict[str, Any] | None) -> str:
    """What happened to the document's excerpts, in words ("" when the core did not say)."""
    if not report:
        return ""
    count = {k: len(report.get(k) or []) for k in ("unchanged", "moved", "fuzzy", "orphaned", "restored")}
    total = int(report.get("total") or sum(count[k] for k in ("unchanged", "moved", "fuzzy", "orphaned")))
    if not total:
        return "The document had no excerpts to re-anchor."
    found = count["unchanged"] + count["moved"] + count["fuzzy"]
    detail = [f"{count['unchanged']} unchanged"] if count["unchanged"] else []
    if count["moved"]:
        detail.append(f"{count['moved']} at a new position")
    if count["fuzzy"]:
        detail.append(f"{count['fuzzy']} with small differences in wording")
    text = f"{found} of {_plural(total, 'excerpt')} re-anchored" + (f" ({', '.join(detail)})" if detail else "")
    text += "."
    if count["orphaned"]:
        text += (f" {_plural(count['orphaned'], 'excerpt')} could not be found in the new version and "
                 f"{'are' if count['orphaned'] != 1 else 'is'} marked orphaned: kept with the claims, "
                 "not moved or deleted.")
    if count["restored"]:
        text += f" {count['restored']} previously orphaned found again."
    return text


class Reimporter(QObject):
    """Library > Re-import edited version…"""

    # fires after a re-import ended (imported, duplicate or failed); ReimportResult, or None on an error
    finished = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.box: QMessageBox | None = None
        self.last_message = ""

    def ask(self, doc_id: int) -> None:
        session = self.window.session
        if session is None:
            return
        if session.readonly:
            self.window.reporter.show_message("Re-import", "This workspace is open read-only; nothing can be "
                                              "re-imported.", self.window)
            return
        start = str(self.window.settings.value("importDir", "") or Path.home())
        path = filedialogs.open_file(self.window, "Re-import an edited version of the document", start,
                                     IMPORT_FILTER)
        if path:
            self.window.settings.setValue("importDir", str(Path(path).parent))
            self.start(doc_id, path)

    def start(self, doc_id: int, path: str) -> None:
        session = self.window.session
        if session is None or session.readonly:
            return
        ws = session.ws

        def work() -> tuple[ReimportResult, Changes]:
            # read with the import's own checks (size limit, empty, unreadable: a failed outcome)
            outcome = ws.documents.reimport_path(doc_id, path)
            if outcome.status != "imported":
                return ReimportResult(outcome), Changes()
            # excerpts moved or orphaned: every claim with a passage in the document may differ
            claims = {c.id for c in ws.claims.list()} if session.has("claims", "list") else set()
            return ReimportResult(outcome), Changes(documents={doc_id}, claims=claims)

        def failed(exc: BaseException) -> None:
            self.last_message = "Re-import failed."
            session.report(exc, "Re-importing the document")
            self.finished.emit(None)

        session.write(work, lambda r: self._done(doc_id, path, r), failed, label="Re-importing the document")

    def _done(self, doc_id: int, path: str, result: ReimportResult) -> None:
        outcome = result.outcome
        name = Path(path).name
        if outcome.status == "imported":
            title = "Document re-imported"
            text = f"Document #{doc_id} now holds the version in {name}."
            excerpts = describe_excerpts(result.excerpts)
            if excerpts:
                text += " " + excerpts
            if outcome.warnings:
                text += " Warnings: " + "; ".join(outcome.warnings)
            icon = QMessageBox.Icon.Information
        elif outcome.status == "duplicate":
            title = "Nothing re-imported"
            text = (f"{name} is already in the workspace as document #{outcome.id}; document #{doc_id} was "
                    "left unchanged.")
            icon = QMessageBox.Icon.Warning
        else:
            title = "Nothing re-imported"
            text = f"{name} could not be read, so document #{doc_id} was left unchanged: {outcome.error}"
            icon = QMessageBox.Icon.Warning
        self.last_message = text
        self.window.statusBar().showMessage(text, 15000)
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("reimportResult")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.box = box
        self.finished.emit(result)
