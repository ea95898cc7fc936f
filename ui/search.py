"""Search the whole workspace with the claim matcher (Ctrl+Shift+F)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter, QVBoxLayout, QWidget

from ui import theme
from ui.candidates import AlignmentView, PassageTableModel, make_table
from ui.session import WorkspaceSession

SEARCH_LIMIT = 50


class SearchPanel(QWidget):
    """Type a claim; see every passage in the workspace that asserts it, ranked."""

    # fires when the user opens a result; (document id, start, end)
    openPassage = Signal(int, int, int)
    # fires when the user asks to turn the query into a claim; the query text
    makeClaimRequested = Signal(str)
    # fires after results arrived; number of results
    resultsShown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self._req = 0
        self._query = ""
        self.edit = QLineEdit(self)
        self.edit.setObjectName("workspaceSearch")
        self.edit.setPlaceholderText("Search the workspace for a claim, e.g. “Assad withdrew his forces from Palmyra”")
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self.run)
        self.go = QPushButton(theme.icon("search"), "Search", self)
        self.go.clicked.connect(self.run)
        self.make_claim = QPushButton(theme.icon("claim"), "Make it a claim", self)
        self.make_claim.setObjectName("searchMakeClaim")
        self.make_claim.clicked.connect(lambda: self._query and self.makeClaimRequested.emit(self._query))
        self.make_claim.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.edit, 1)
        top.addWidget(self.go)
        top.addWidget(self.make_claim)
        self.model = PassageTableModel(self, columns=("Score", "Document", "Date", "Passage"))
        self.view, self.proxy = make_table(self, self.model, "searchResults")
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.view.doubleClicked.connect(self._open)
        self.view.activated.connect(self._open)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.alignment = AlignmentView(self)
        self.status = QLabel(self)
        theme.subheader(self.status)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.view)
        split.addWidget(self.alignment)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def set_session(self, session: WorkspaceSession | None) -> None:
        self.session = session
        self.model.set_rows([])
        self.alignment.clear()
        self.status.setText("")
        ok = session is not None and session.has("matcher", "search")
        self.go.setEnabled(ok)
        self.edit.setEnabled(ok)

    def focus_search(self, text: str | None = None) -> None:
        if text:
            self.edit.setText(text)
        self.edit.setFocus()
        self.edit.selectAll()

    def run(self) -> None:
        session = self.session
        query = self.edit.text().strip()
        if session is None or not query:
            return
        self._req += 1
        req = self._req
        self._query = query
        self.status.setText("Searching…")

        def got(results: list[Any]) -> None:
            if req != self._req:
                return
            self.model.set_rows(results)
            self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
            n = len(results)
            docs = len({r.document_id for r in results})
            self.status.setText(f"{n} passage{'s' if n != 1 else ''} in {docs} document{'s' if docs != 1 else ''}"
                                " at or above the match threshold." if n else "Nothing at or above the match threshold.")
            self.make_claim.setEnabled(not session.readonly and session.has("claims", "create"))
            if n:
                self.view.setCurrentIndex(self.proxy.index(0, 0))
            self.resultsShown.emit(n)

        session.read(lambda: session.ws.matcher.search(query, limit=SEARCH_LIMIT), got, label="Searching")

    def _row(self, idx: QModelIndex) -> Any | None:
        return self.model.row_at(self.proxy.mapToSource(idx).row()) if idx.isValid() else None

    def _open(self, idx: QModelIndex) -> None:
        row = self._row(idx)
        if row is not None:
            self.openPassage.emit(row.document_id, row.start, row.end)

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        row = self._row(current)
        if row is None:
            self.alignment.clear()
        else:
            self.alignment.show_pair(self._query, row)
