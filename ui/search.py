"""Search the whole workspace with the claim matcher (Ctrl+Shift+F).

"By words and meaning" is the matcher's hybrid search; "By words" its lexical stage alone; "By
meaning" lists the passages nearest in meaning (paraphrases that may share no words), most similar
first. The last two need the semantic stage: with it off, the choice is disabled and says why.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.candidates import FOUND_BY, AlignmentView, PassageTableModel, make_table, show_found_by
from ui.semantic import SemanticState, sentence_case
from ui.session import WorkspaceSession

SEARCH_LIMIT = 50
SEARCH_BY = (  # (label, matcher.search(by=...))
    ("By words and meaning", "both"),
    ("By words", "words"),
    ("By meaning", "meaning"),
)
SEARCH_BY_TIP = ("By words and meaning: passages that share the claim's words or its meaning (default).\n"
                 "By words: passages that share the claim's words only.\n"
                 "By meaning: the passages nearest in meaning (paraphrases), most similar first.")


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
        self.by = QComboBox(self)
        self.by.setObjectName("searchBy")
        for label, value in SEARCH_BY:
            self.by.addItem(label, value)
        self.by.activated.connect(self._by_chosen)
        self.semantic = SemanticState()
        self.go = QPushButton(theme.icon("search"), "Search", self)
        self.go.clicked.connect(self.run)
        self.make_claim = QPushButton(theme.icon("claim"), "Make it a claim", self)
        self.make_claim.setObjectName("searchMakeClaim")
        self.make_claim.clicked.connect(lambda: self._query and self.makeClaimRequested.emit(self._query))
        self.make_claim.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.edit, 1)
        top.addWidget(self.by)
        top.addWidget(self.go)
        top.addWidget(self.make_claim)
        self.model = PassageTableModel(self, columns=("Score", FOUND_BY, "Document", "Date", "Passage"))
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
        self.set_semantic(self.semantic)

    def set_session(self, session: WorkspaceSession | None) -> None:
        self.session = session
        self.model.set_rows([])
        self.alignment.clear()
        self.status.setText("")
        ok = session is not None and session.has("matcher", "search")
        self.go.setEnabled(ok)
        self.edit.setEnabled(ok)
        self.set_semantic(SemanticState())

    def set_semantic(self, state: SemanticState) -> None:
        """Follow the semantic stage: the "by" choice and the "Found by" column need it on."""
        self.semantic = state
        on = state.known and state.on
        self.by.setEnabled(on)
        if on:
            self.by.setToolTip(SEARCH_BY_TIP)
        else:
            self.by.setCurrentIndex(0)  # the hybrid search: word matching alone while the stage is off
            why = sentence_case(state.reason) + "." if state.known else "Checking whether semantic matching can run…"
            self.by.setToolTip(f"{why}\nSearches use word matching only.")
        show_found_by(self.view, self.model, state)

    def _by_chosen(self, _index: int) -> None:
        if self._query and self.edit.text().strip():  # search again the new way
            self.run()

    def search_by(self) -> str:
        """The ``by=`` of the next search: "both", "words" or "meaning"."""
        return str(self.by.currentData()) if self.by.isEnabled() else "both"

    def set_search_by(self, by: str) -> None:
        i = self.by.findData(by)
        if i >= 0:
            self.by.setCurrentIndex(i)

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
        by = self.search_by()
        self.status.setText("Searching…")

        def got(results: list[Any]) -> None:
            if req != self._req:
                return
            self.model.set_rows(results)
            if by == "meaning":  # the matcher's order: most similar in meaning first
                self.view.sortByColumn(self.model.COLUMNS.index(FOUND_BY), Qt.SortOrder.DescendingOrder)
            else:
                self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
            n = len(results)
            docs = len({r.document_id for r in results})
            found = f"{n} passage{'s' if n != 1 else ''} in {docs} document{'s' if docs != 1 else ''}"
            if by == "meaning":
                text = (f"{found} close in meaning, most similar first." if n
                        else "No passage close enough in meaning.")
            else:
                text = f"{found} at or above the match threshold." if n else "Nothing at or above the match threshold."
            if by != "words" and self.semantic.on and (self.semantic.indexing or self.semantic.pending):
                text += " Some sentences are not indexed for meaning yet."
            self.status.setText(text)
            self.make_claim.setEnabled(not session.readonly and session.has("claims", "create"))
            if n:
                self.view.setCurrentIndex(self.proxy.index(0, 0))
            self.resultsShown.emit(n)

        session.read(lambda: session.ws.matcher.search(query, limit=SEARCH_LIMIT, by=by), got, label="Searching")

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
