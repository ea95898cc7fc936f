"""The claims list: every claim in the workspace with its status, verdict and reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.session import WorkspaceSession
from ui.table_model import Index, RowsTableModel

ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2


def swatch(color: QColor, size: int = 12) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(color)
    p.setPen(color.darker(130))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.end()
    return pm


def count_of(value: Any) -> int:
    """``appearances`` / ``documents`` may be counts or lists."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


class ClaimListModel(RowsTableModel):
    """Rows are ``ClaimSummary`` values, merged by id so selections survive refreshes."""

    COLUMNS = ("Claim", "Status", "Verdict", "Passages", "Docs")
    TEXT, STATUS, VERDICT, APPEARANCES, DOCUMENTS = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_of: dict[int, int] = {}
        self._swatches: dict[int, QPixmap] = {}

    def cell(self, c: Any, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.TEXT:
                return c.text
            if col == self.STATUS:
                return c.status or "open"
            if col == self.VERDICT:
                return c.verdict or "—"
            if col == self.APPEARANCES:
                return count_of(c.appearances)
            if col == self.DOCUMENTS:
                return count_of(getattr(c, "documents", 0))
        elif role == SORT_ROLE:
            value = self.cell(c, col, Qt.ItemDataRole.DisplayRole)
            return value.casefold() if isinstance(value, str) else value
        elif role == ID_ROLE:
            return c.id
        elif role == FILTER_ROLE:
            return f"{c.text} {c.status} {c.verdict or ''} #{c.id}".casefold()
        elif role == Qt.ItemDataRole.DecorationRole and col == self.TEXT:
            pm = self._swatches.get(c.id)
            if pm is None:
                pm = self._swatches[c.id] = swatch(theme.claim_color(c.id))
            return pm
        elif role == Qt.ItemDataRole.ToolTipRole and col == self.TEXT:
            return f"Claim #{c.id}: {c.text}"
        elif role == Qt.ItemDataRole.ToolTipRole and col in (self.APPEARANCES, self.DOCUMENTS):
            return (f"{count_of(c.appearances)} accepted appearances in "
                    f"{count_of(getattr(c, 'documents', 0))} documents")
        elif role == Qt.ItemDataRole.TextAlignmentRole and col in (self.APPEARANCES, self.DOCUMENTS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def summary(self, claim_id: int) -> Any | None:
        row = self._row_of.get(claim_id)
        return None if row is None else self._rows[row]

    def row_of(self, claim_id: int) -> int | None:
        return self._row_of.get(claim_id)

    def ids(self) -> list[int]:
        return [c.id for c in self._rows]

    def set_rows(self, rows: Iterable[Any]) -> None:
        """Rows are merged by id (``set_claims``), never reset: views keep their selection."""
        self.set_claims(list(rows))

    def set_claims(self, claims: list[Any]) -> None:
        wanted = {c.id for c in claims}
        self.remove([i for i in self._row_of if i not in wanted])
        new = []
        for c in claims:
            row = self._row_of.get(c.id)
            if row is None:
                new.append(c)
            elif self._rows[row] != c:
                self._rows[row] = c
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for c in new:
                self._row_of[c.id] = len(self._rows)
                self._rows.append(c)
            self.endInsertRows()

    def remove(self, ids: list[int]) -> None:
        for claim_id in ids:
            row = self._row_of.get(claim_id)
            if row is None:
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self._row_of = {c.id: n for n, c in enumerate(self._rows)}
            self.endRemoveRows()


class ClaimFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words:
            return True
        hay = self.sourceModel().index(source_row, 0, source_parent).data(FILTER_ROLE) or ""
        return all(w in hay for w in self._words)


class ClaimsPanel(QWidget):
    """Filter box, the claims table and a New claim button."""

    # fires when the user selects a claim; claim id
    claimSelected = Signal(int)
    # fires when the user asks for a new claim typed by hand
    newClaimRequested = Signal()
    # fires when the user asks to see a claim's lineage; claim id
    lineageRequested = Signal(int)
    # fires when the user asks to delete the selected claim; claim id
    deleteRequested = Signal(int)
    # fires when the user asks for an evidence bundle of claims; list of claim ids
    exportRequested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.model = ClaimListModel(self)
        self.proxy = ClaimFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self)
        self.search.setObjectName("claimSearch")
        self.search.setPlaceholderText("Filter claims")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_filter_text)
        self.new_button = QPushButton(theme.icon("claim"), "New claim…", self)
        self.new_button.setObjectName("newClaim")
        self.new_button.clicked.connect(self.newClaimRequested)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        self.view = QTableView(self)
        self.view.setObjectName("claimsTable")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # several claims can be selected (Ctrl/Shift+click) to export them as one bundle
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(ClaimListModel.TEXT, QHeaderView.ResizeMode.Stretch)
        for col, width in ((ClaimListModel.STATUS, 70), (ClaimListModel.VERDICT, 80),
                           (ClaimListModel.APPEARANCES, 64), (ClaimListModel.DOCUMENTS, 44)):
            header.resizeSection(col, width)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.doubleClicked.connect(lambda idx: self.lineageRequested.emit(int(idx.data(ID_ROLE))))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        delete = QAction("Delete claim…", self)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.request_delete)
        self.view.addAction(delete)
        self.delete_action = delete
        self.context_menu: QMenu | None = None
        self.hint = QLabel("No claims yet. Select a passage in a document and press M, "
                           "or make one from a repeated assertion.", self)
        theme.hint(self.hint)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        self.model.rowsInserted.connect(self._update_hint)
        self.model.rowsRemoved.connect(self._update_hint)

    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            self.session.claimsChanged.disconnect(self._changed)
            self.session.claimsRemoved.disconnect(self.model.remove)
            self.session.documentsRemoved.disconnect(self._changed)
            self.session.reloadRequested.disconnect(self.reload)
        self.session = session
        self.model.set_claims([])
        available = session is not None and session.has("claims", "list")
        self.new_button.setEnabled(available and not session.readonly)  # type: ignore[union-attr]
        if session is None:
            return
        session.claimsChanged.connect(self._changed)
        session.claimsRemoved.connect(self.model.remove)
        session.documentsRemoved.connect(self._changed)
        session.reloadRequested.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        session = self.session
        if session is None or not session.has("claims", "list"):
            self._update_hint()
            return
        session.read(session.ws.claims.list, self.model.set_claims, label="Loading claims")

    def _changed(self, _ids: list[int]) -> None:
        self.reload()

    def current_claim(self) -> int | None:
        idx = self.view.currentIndex()
        return int(idx.data(ID_ROLE)) if idx.isValid() else None

    def select_claim(self, claim_id: int) -> bool:
        row = self.model.row_of(claim_id)
        if row is None:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():  # filtered out: clear the filter so the user sees it
            self.search.clear()
            idx = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)
        return True

    def selected_claims(self) -> list[int]:
        """The selected claims' ids, in the order the list shows them."""
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [int(i.data(ID_ROLE)) for i in rows]

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if current.isValid():
            self.claimSelected.emit(int(current.data(ID_ROLE)))

    def _context_menu(self, pos: Any) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        claim_id = int(idx.data(ID_ROLE))
        selected = self.selected_claims()
        # the clicked claim, or the whole selection when the click was inside it
        chosen = selected if claim_id in selected else [claim_id]
        n = len(chosen)
        menu = QMenu(self)
        menu.setObjectName("claimsContextMenu")
        menu.addAction("Inspect", lambda: self.claimSelected.emit(claim_id))
        menu.addAction(theme.icon("lineage"), "Show lineage", lambda: self.lineageRequested.emit(claim_id))
        menu.addSeparator()
        export = menu.addAction("Export evidence bundle…" if n == 1 else f"Export {n} claims as an evidence bundle…",
                                lambda: self.exportRequested.emit(list(chosen)))
        export.setObjectName("exportBundle")
        export.setToolTip("A zip anyone can verify: the sources, the claims, a report")
        menu.addSeparator()
        menu.addAction(theme.icon("delete"), "Delete claim…", lambda: self.deleteRequested.emit(claim_id))
        self.context_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def request_delete(self) -> None:
        claim_id = self.current_claim()
        if claim_id is not None:
            self.deleteRequested.emit(claim_id)

    def _update_hint(self, *_args: Any) -> None:
        self.hint.setVisible(self.model.rowCount() == 0)
