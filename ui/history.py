"""Who did what: the audit trail of one claim or one document."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ui import theme
from ui.session import WorkspaceSession
from ui.table_model import RowsTableModel

ACTIONS = {
    "document.import": "Imported the document", "document.edit": "Edited details",
    "document.delete": "Deleted the document", "document.reimport": "Re-imported a new version",
    "alias.add": "Added aliases", "alias.remove": "Removed aliases", "claim.create": "Created the claim",
    "claim.edit": "Edited the claim", "claim.verdict": "Set the verdict", "claim.delete": "Deleted the claim",
    "appearance.accept": "Accepted an appearance", "appearance.reject": "Rejected a candidate",
    "appearance.edit": "Edited an appearance", "appearance.remove": "Removed an appearance",
    "appearance.unreject": "Proposed a candidate again",
    "excerpt.create": "Marked an excerpt", "excerpt.reanchor": "Re-anchored an excerpt",
    "origin.add": "Added an external origin", "origin.link": "Linked an origin to a document",
}


def _short(value: Any, limit: int = 60) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    before, after = before or {}, after or {}
    parts = []
    for key in list(dict.fromkeys([*after, *before])):
        if key in ("sha256",):
            continue
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old != new:
            parts.append(f"{key}: “{_short(old)}” → “{_short(new)}”")
        elif key in after and new not in (None, "", [], {}):
            parts.append(f"{key}: {_short(new)}")
        elif key in before and old not in (None, "", [], {}):
            parts.append(f"{key} was {_short(old)}")
    return "; ".join(parts)


class HistoryModel(RowsTableModel):
    """Rows are audit entries, newest first."""

    COLUMNS = ("When", "Who", "What", "Details")

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                at = item.at.astimezone() if getattr(item.at, "tzinfo", None) else item.at
                return at.strftime("%Y-%m-%d %H:%M")
            if column == 1:
                return item.user
            if column == 2:
                return ACTIONS.get(item.action, item.action)
            return describe_change(item.before, item.after)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return describe_change(item.before, item.after).replace("; ", "\n")
        return None

    def set_entries(self, entries: list[Any]) -> None:
        """Audit entries as the workspace gives them (oldest first)."""
        self.set_rows(reversed(entries))


class HistoryPanel(QWidget):
    """Shows the history of the claim or document last asked for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.target: tuple[str, int] | None = None
        self.title = QLabel("History: pick a claim or a document", self)
        theme.header(self.title)
        self.model = HistoryModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("historyTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.resizeSection(0, 130)
        header.resizeSection(1, 90)
        header.resizeSection(2, 170)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)

    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            self.session.claimsChanged.disconnect(self._claims_changed)
            self.session.documentsChanged.disconnect(self._documents_changed)
            self.session.reloadRequested.disconnect(self._load)
        self.session = session
        self.target = None
        self.model.set_entries([])
        self.title.setText("History: pick a claim or a document")
        if session is not None:
            session.claimsChanged.connect(self._claims_changed)
            session.documentsChanged.connect(self._documents_changed)
            session.reloadRequested.connect(self._load)

    def show_claim(self, claim_id: int) -> None:
        self.target = ("claim", claim_id)
        self.title.setText(f"History of claim #{claim_id}")
        self._load()

    def show_document(self, doc_id: int, title: str = "") -> None:
        self.target = ("document", doc_id)
        self.title.setText(f"History of document “{title}”" if title else f"History of document #{doc_id}")
        self._load()

    def _load(self) -> None:
        session, target = self.session, self.target
        if session is None or target is None or not session.has("maintenance", "history"):
            return
        kind, ident = target
        kwargs = {"claim_id": ident} if kind == "claim" else {"document_id": ident}

        def got(entries: list[Any]) -> None:
            if self.target == target:
                self.model.set_entries(entries)

        session.read(lambda: session.ws.maintenance.history(**kwargs), got, label="Loading history")

    def _claims_changed(self, ids: list[int]) -> None:
        if self.target is not None and self.target[0] == "claim" and self.target[1] in ids:
            self._load()

    def _documents_changed(self, ids: list[int]) -> None:
        if self.target is not None and self.target[0] == "document" and self.target[1] in ids:
            self._load()
