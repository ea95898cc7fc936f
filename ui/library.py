"""The document library: a sortable, filterable table of the workspace's documents."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QRegularExpression, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.session import WorkspaceSession
from ui.table_model import RowsTableModel

ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2

MEDIA_LABELS = {
    "application/pdf": "PDF",
    "text/html": "Web page",
    "application/xhtml+xml": "Web page",
    "text/plain": "Text",
    "text/markdown": "Markdown",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "message/rfc822": "E-mail",
}


def media_label(media_type: str) -> str:
    if media_type in MEDIA_LABELS:
        return MEDIA_LABELS[media_type]
    sub = media_type.split("/")[-1]
    return sub.upper() if len(sub) <= 5 else sub


def doc_title(info: Any) -> str:
    return (info.title or "").strip() or info.filename


class DocumentTableModel(RowsTableModel):
    """Rows are ``DocumentInfo`` values; updated in place by id so views keep their selection."""

    COLUMNS = ("Title", "Outlet", "Date", "Type", "Claims")
    TITLE, OUTLET, DATE, TYPE, CLAIMS = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_of: dict[int, int] = {}
        self._dirty = False
        self._keys: list[Any] = []  # sort key of each row, in row order
        self._claims: dict[int, int] = {}
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.sort_key = self._make_key()

    # ------------------------------------------------------------------ Qt API
    def cell(self, info: Any, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.TITLE:
                return doc_title(info)
            if col == self.OUTLET:
                return info.outlet or ""
            if col == self.DATE:
                return info.published or "unknown"
            if col == self.TYPE:
                return media_label(info.media_type)
            if col == self.CLAIMS:
                return self._claims.get(info.id, 0)
        elif role == SORT_ROLE:
            if col == self.DATE:
                return info.published or "9999"  # unknown dates sort last
            if col == self.CLAIMS:
                return self._claims.get(info.id, 0)
            return str(self.cell(info, col, Qt.ItemDataRole.DisplayRole)).casefold()
        elif role == ID_ROLE:
            return info.id
        elif role == FILTER_ROLE:
            return " ".join(filter(None, (info.title, info.outlet, info.filename, info.author,
                                          info.published, media_label(info.media_type)))).casefold()
        elif role == Qt.ItemDataRole.ToolTipRole:
            parts = [doc_title(info), info.filename]
            if info.author:
                parts.append(f"by {info.author}")
            if info.url:
                parts.append(info.url)
            return "\n".join(parts)
        elif role == Qt.ItemDataRole.ForegroundRole and col == self.DATE and not info.published:
            from PySide6.QtGui import QGuiApplication, QPalette

            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == self.CLAIMS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ------------------------------------------------------------------ sorting (here, not in the proxy)
    def _make_key(self) -> Any:
        """The key function for the current sort (built once: comparing Qt enums per row is slow)."""
        col, claims = self._sort_column, self._claims
        ascending = self._sort_order == Qt.SortOrder.AscendingOrder
        if col == self.DATE:  # unknown dates last, whichever the direction
            if ascending:
                return lambda info: (info.published is None, info.published or "", info.id)
            return lambda info: (info.published is None, _Desc((info.published or "", info.id)))
        if col == self.CLAIMS:
            def key(info: Any) -> Any:
                return (claims.get(info.id, 0), info.id)
        elif col == self.OUTLET:
            def key(info: Any) -> Any:
                return ((info.outlet or "").casefold(), info.id)
        elif col == self.TYPE:
            def key(info: Any) -> Any:
                return (media_label(info.media_type), info.id)
        elif col == self.TITLE:
            def key(info: Any) -> Any:
                return (doc_title(info).casefold(), info.id)
        else:
            def key(info: Any) -> Any:
                return info.id
        return key if ascending else (lambda info: _Desc(key(info)))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted with precomputed keys in Python (fast for 10,000+ rows); persistent indexes follow."""
        self._sort_column, self._sort_order = column, order
        self.sort_key = self._make_key()
        self._resort()

    def _resort(self) -> None:
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [self._rows[i.row()].id if 0 <= i.row() < len(self._rows) else None for i in old_persistent]
        keyed = sorted(zip(map(self.sort_key, self._rows), range(len(self._rows)), self._rows, strict=True))
        self._keys = [k for k, _n, _r in keyed]
        self._rows = [r for _k, _n, r in keyed]
        self._reindex()
        new = []
        for idx, doc_id in zip(old_persistent, old_ids, strict=True):
            row = self._row_of.get(doc_id) if doc_id is not None else None
            new.append(QModelIndex() if row is None else self.index(row, idx.column()))
        self.changePersistentIndexList(old_persistent, new)
        self.layoutChanged.emit()

    def _reindex(self) -> None:
        self._row_of = {r.id: n for n, r in enumerate(self._rows)}
        self._dirty = False

    @property
    def _index(self) -> dict[int, int]:
        """Row of each document id (rebuilt lazily after insertions and removals)."""
        if self._dirty:
            self._reindex()
        return self._row_of

    # ------------------------------------------------------------------ updates
    def info(self, doc_id: int) -> Any | None:
        row = self._index.get(doc_id)
        return None if row is None else self._rows[row]

    def ids(self) -> list[int]:
        return [r.id for r in self._rows]

    def row_of(self, doc_id: int) -> int | None:
        return self._index.get(doc_id)

    def set_rows(self, rows: Iterable[Any]) -> None:
        """Rows are merged by id (``set_documents``), never reset: views keep their selection."""
        self.set_documents(list(rows))

    def set_documents(self, infos: list[Any]) -> None:
        """Replace the contents by a fresh list: removes, updates and adds rows by id."""
        wanted = {i.id for i in infos}
        self.remove([d for d in self._index if d not in wanted])
        self.upsert(infos)

    def upsert(self, infos: list[Any]) -> None:
        """Update rows in place and add new ones where the current sort puts them."""
        index = self._index
        new: list[Any] = []
        moved = False
        for info in infos:
            row = index.get(info.id)
            if row is None:
                new.append(info)
            elif self._rows[row] != info:
                key = self.sort_key(info)
                moved = moved or key != self._keys[row]
                self._rows[row], self._keys[row] = info, key
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        if len(new) > 200 or (new and not self._rows):  # a (re)load: append all, sort once
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self._keys.extend(map(self.sort_key, new))
            self._dirty = True
            self.endInsertRows()
            moved = moved or self._sort_column >= 0
        else:  # arrivals during an import: each into its place, no re-sort of the others
            for info in new:
                key = self.sort_key(info)
                row = bisect_right(self._keys, key)
                self.beginInsertRows(QModelIndex(), row, row)
                self._rows.insert(row, info)
                self._keys.insert(row, key)
                self._dirty = True
                self.endInsertRows()
        if moved:
            self._resort()

    def remove(self, ids: list[int]) -> None:
        index = self._index
        rows = sorted((index[i] for i in ids if i in index), reverse=True)
        # remove contiguous runs from the bottom so row numbers above stay valid
        while rows:
            last = first = rows.pop(0)
            while rows and rows[0] == first - 1:
                first = rows.pop(0)
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first:last + 1]
            del self._keys[first:last + 1]
            self._dirty = True
            self.endRemoveRows()

    def set_claim_counts(self, counts: dict[int, int]) -> None:
        changed = {d for d in set(counts) | set(self._claims) if counts.get(d, 0) != self._claims.get(d, 0)}
        self._claims = dict(counts)
        for doc_id in changed:
            row = self._index.get(doc_id)
            if row is not None:
                idx = self.index(row, self.CLAIMS)
                self.dataChanged.emit(idx, idx)
        if changed and self._sort_column == self.CLAIMS:
            self.sort_key = self._make_key()
            self._resort()


class _Desc:
    """Reverses the order of a sort key (descending sorts)."""

    __slots__ = ("k",)

    def __init__(self, k: Any) -> None:
        self.k = k

    def __lt__(self, other: _Desc) -> bool:
        return other.k < self.k

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.k == other.k

    __hash__ = None  # type: ignore[assignment]


class LibraryFilterProxy(QSortFilterProxyModel):
    """Keeps rows whose title, outlet, file name, author or date contain every typed word.

    Filtering runs in Qt (a regular expression on ``FILTER_ROLE``), so with no filter typed no
    Python is called per row; sorting is passed on to the source model, which sorts 10,000 rows
    with precomputed keys far faster than per-comparison ``lessThan`` calls into Python."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        self.setDynamicSortFilter(True)  # re-filters edited rows; never sorts (sortColumn stays -1)

    def set_filter_text(self, text: str) -> None:
        words = text.casefold().split()
        pattern = "".join(f"(?=.*{QRegularExpression.escape(w)})" for w in words)
        self.setFilterRegularExpression(QRegularExpression(
            pattern, QRegularExpression.PatternOption.CaseInsensitiveOption
            | QRegularExpression.PatternOption.DotMatchesEverythingOption))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)


class LibraryPanel(QWidget):
    """Search box + table. Emits the document the user picks."""

    # fires when the user selects a document (keyboard or mouse); document id
    documentSelected = Signal(int)
    # fires after the whole library was (re)loaded; number of documents
    loaded = Signal(int)
    # fires when the user asks to delete the selected documents; list of ids
    deleteRequested = Signal(list)
    # fires when the user asks for a document's change history; document id
    historyRequested = Signal(int)
    # fires when the user asks to replace a document with an edited version of it; document id
    reimportRequested = Signal(int)

    def __init__(self, session: WorkspaceSession | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.model = DocumentTableModel(self)
        self.proxy = LibraryFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self)
        self.search.setObjectName("librarySearch")
        self.search.setPlaceholderText("Filter documents: title, outlet, file, date…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_filter_text)
        self.view = QTableView(self)
        self.view.setObjectName("libraryTable")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(DocumentTableModel.DATE, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(DocumentTableModel.TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((DocumentTableModel.OUTLET, 96), (DocumentTableModel.DATE, 84),
                           (DocumentTableModel.TYPE, 56), (DocumentTableModel.CLAIMS, 52)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setHighlightSections(False)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.context_menu: QMenu | None = None
        self.count = QLabel(self)
        theme.subheader(self.count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.delete_action = QAction("Delete document", self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self._request_delete)
        self.view.addAction(self.delete_action)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count)
        self._update_count()
        if session is not None:
            self.set_session(session)

    # ------------------------------------------------------------------ session wiring
    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            for sig, slot in self._connections():
                sig.disconnect(slot)
        self.session = session
        self.model.set_documents([])
        self.model.set_claim_counts({})
        if session is None:
            return
        for sig, slot in self._connections():
            sig.connect(slot)
        self.reload()

    def _connections(self) -> list[tuple[Any, Any]]:
        s = self.session
        assert s is not None
        return [(s.documentsChanged, self.refresh_documents), (s.documentsRemoved, self.model.remove),
                (s.claimsChanged, self._claims_changed), (s.claimsRemoved, self._claims_changed),
                (s.reloadRequested, self.reload)]

    def reload(self) -> None:
        """Fetch the whole list (off the GUI thread), then merge it in by id."""
        session = self.session
        if session is None:
            return
        session.read(session.ws.documents.list, self._loaded, label="Loading the library")
        self._reload_claim_counts()

    def _loaded(self, infos: list[Any]) -> None:
        self.model.set_documents(infos)
        self.loaded.emit(len(infos))

    def refresh_documents(self, ids: list[int]) -> None:
        session = self.session
        if session is None or not ids:
            return
        from ui.queries import document_infos

        # new or edited documents do not change claim counts (deletions come with claimsChanged)
        session.read(lambda: document_infos(session.ws, ids), self.model.upsert, label="Refreshing documents")

    def _claims_changed(self, _ids: list[int]) -> None:
        self._reload_claim_counts()

    def _reload_claim_counts(self) -> None:
        session = self.session
        if session is None:
            return
        from ui.queries import claim_counts_by_document

        session.read(lambda: claim_counts_by_document(session.ws), self.model.set_claim_counts,
                     label="Counting claims")

    # ------------------------------------------------------------------ user actions
    def selected_ids(self) -> list[int]:
        rows = self.view.selectionModel().selectedRows()
        return [int(r.data(ID_ROLE)) for r in rows]

    def select_document(self, doc_id: int) -> None:
        row = self.model.row_of(doc_id)
        if row is None:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if idx.isValid():
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.documentSelected.emit(int(current.data(ID_ROLE)))

    def _request_delete(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.deleteRequested.emit(ids)

    def _context_menu(self, pos: Any) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        doc_id = int(idx.data(ID_ROLE))
        menu = QMenu(self)
        menu.setObjectName("libraryContextMenu")
        menu.addAction("Open", lambda: self.documentSelected.emit(doc_id))
        menu.addAction("History", lambda: self.historyRequested.emit(doc_id))
        menu.addSeparator()
        reimport = menu.addAction("Re-import edited version…", lambda: self.reimportRequested.emit(doc_id))
        reimport.setObjectName("reimportDocument")
        reimport.setToolTip("Replace this document with a newer version of the same page or file; its excerpts "
                            "are found again in the new text")
        reimport.setEnabled(self.session is not None and not self.session.readonly)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        self.context_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _update_count(self, *_args: Any) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{total} documents" if shown == total else f"{shown} of {total} documents")
