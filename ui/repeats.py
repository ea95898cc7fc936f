"""Repeated assertions: groups of near-identical sentences across documents, one click from a claim."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.lineage_model import get
from ui.session import WorkspaceSession

Index = QModelIndex | QPersistentModelIndex
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
MAKE_CLAIM = "Make claim"


def members_of(cluster: Any) -> list[Any]:
    return list(get(cluster, "members", []) or [])


def representative(cluster: Any) -> Any:
    """The member to quote: the earliest dated one, else the first."""
    members = members_of(cluster)
    dated = [m for m in members if get(m, "published")]
    return min(dated, key=lambda m: get(m, "published")) if dated else members[0]


def doc_count(cluster: Any) -> int:
    n = get(cluster, "documents")
    if isinstance(n, int):
        return n
    return len({get(m, "document_id") for m in members_of(cluster)})


class RepeatsModel(QAbstractItemModel):
    """Two levels: groups (assertion, reach, action) and their members (passage, document)."""

    COLUMNS = ("Assertion", "Reach", "")
    TEXT, REACH, ACTION = range(3)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clusters: list[Any] = []

    def set_clusters(self, clusters: list[Any]) -> None:
        self.beginResetModel()
        self.clusters = sorted((c for c in clusters if members_of(c)), key=lambda c: (-doc_count(c),
                               -len(members_of(c))))
        self.endResetModel()

    # ------------------------------------------------------------------ structure
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        ident = int(index.internalId())
        return QModelIndex() if ident == 0 else self.createIndex(ident - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self.clusters)
        if int(parent.internalId()) == 0 and parent.column() == 0:
            return len(members_of(self.clusters[parent.row()]))
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None

    def cluster_at(self, index: Index) -> Any | None:
        if not index.isValid():
            return None
        ident = int(index.internalId())
        row = index.row() if ident == 0 else ident - 1
        return self.clusters[row] if 0 <= row < len(self.clusters) else None

    def member_at(self, index: Index) -> Any | None:
        if not index.isValid() or int(index.internalId()) == 0:
            return None
        members = members_of(self.clusters[int(index.internalId()) - 1])
        return members[index.row()] if 0 <= index.row() < len(members) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        member = self.member_at(index)
        cluster = self.cluster_at(index)
        if cluster is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if member is None:
                if col == self.TEXT:
                    return " ".join((get(representative(cluster), "text") or "").split())
                if col == self.REACH:
                    n = doc_count(cluster)
                    return f"appears in {n} document{'s' if n != 1 else ''}"
                return MAKE_CLAIM
            if col == self.TEXT:
                return " ".join((get(member, "text") or "").split())
            if col == self.REACH:
                title = (get(member, "title") or get(member, "filename") or "").strip()
                date = get(member, "published")
                return f"{title} ({date})" if date else title
            return None
        if role == Qt.ItemDataRole.ToolTipRole and col == self.TEXT:
            return get(member or representative(cluster), "text")
        if role == FILTER_ROLE:
            return " ".join(get(m, "text") or "" for m in members_of(cluster)).casefold()
        if role == Qt.ItemDataRole.FontRole and member is None and col == self.REACH:
            from PySide6.QtGui import QFont

            f = QFont()
            f.setBold(True)
            return f
        return None


class RepeatsFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []

    def set_filter_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if source_parent.isValid() or not self._words:
            return True
        hay = self.sourceModel().index(source_row, 0, source_parent).data(FILTER_ROLE) or ""
        return all(w in hay for w in self._words)


class ButtonDelegate(QStyledItemDelegate):
    """Paints a push button in a column's top-level cells; a click emits ``clicked``."""

    # fires when a painted button is clicked; the (proxy) index of the cell
    clicked = Signal(QModelIndex)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> Any:
        hint = super().sizeHint(option, index)
        hint.setHeight(max(hint.height(), option.fontMetrics.height() + 12))  # room for a button
        return hint

    def paint(self, painter: Any, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if index.parent().isValid() or not index.data():
            super().paint(painter, option, index)
            return
        btn = QStyleOptionButton()
        btn.rect = QRect(option.rect.adjusted(4, 2, -4, -2))
        btn.text = str(index.data())
        btn.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        btn.icon = theme.icon("claim")
        btn.iconSize = option.decorationSize
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_PushButton, btn, painter, option.widget)

    def editorEvent(self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        if (event.type() == QEvent.Type.MouseButtonRelease and not index.parent().isValid() and index.data()
                and option.rect.contains(event.position().toPoint())):  # type: ignore[attr-defined]
            self.clicked.emit(index)
            return True
        return super().editorEvent(event, model, option, index)


class RepeatsPanel(QWidget):
    """Corpus-wide repetition groups from ``ws.matcher.clusters()``."""

    # fires when the user opens a member passage; (document id, start, end)
    openPassage = Signal(int, int, int)
    # fires when the user makes a group into a claim; (text, (document id, start, end))
    makeClaimRequested = Signal(str, object)
    # fires after groups were (re)loaded; number of groups
    groupsLoaded = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.loaded = False
        self._req = 0
        self.model = RepeatsModel(self)
        self.proxy = RepeatsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter repeated assertions")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_filter_text)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.reload)
        self.status = QLabel(self)
        theme.subheader(self.status)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.refresh_button)
        self.view = QTreeView(self)
        self.view.setObjectName("repeatsTree")
        self.view.setModel(self.proxy)
        self.view.setAlternatingRowColors(True)
        self.view.setUniformRowHeights(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(RepeatsModel.TEXT, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(RepeatsModel.REACH, 220)
        header.resizeSection(RepeatsModel.ACTION, 120)
        self.delegate = ButtonDelegate(self.view)
        self.view.setItemDelegateForColumn(RepeatsModel.ACTION, self.delegate)
        self.delegate.clicked.connect(self._make_claim)
        self.view.doubleClicked.connect(self._open)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(1500)
        self._debounce.timeout.connect(self.reload)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            self.session.documentsChanged.disconnect(self._docs_changed)
            self.session.documentsRemoved.disconnect(self._docs_changed)
            self.session.aliasesChanged.disconnect(self.reload)
            self.session.reloadRequested.disconnect(self.refresh_later)
        self.session = session
        self.loaded = False
        self.model.set_clusters([])
        self.status.setText("")
        if session is not None:
            session.documentsChanged.connect(self._docs_changed)
            session.documentsRemoved.connect(self._docs_changed)
            session.aliasesChanged.connect(self.reload)
            session.reloadRequested.connect(self.refresh_later)
            if self.isVisible():
                self.ensure_loaded()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Load now if never loaded, or if a refresh after new documents is still waiting."""
        if not self.loaded or self._debounce.isActive():
            self._debounce.stop()
            self.reload()

    def reload(self) -> None:
        session = self.session
        if session is None or not session.has("matcher", "clusters"):
            return
        self.loaded = True
        self._req += 1
        req = self._req
        self.status.setText("Looking for sentences repeated across documents…")

        def got(clusters: list[Any]) -> None:
            if req != self._req:
                return
            self.model.set_clusters(list(clusters))
            n = self.model.rowCount()
            self.status.setText(f"{n} assertion{'s' if n != 1 else ''} repeated across documents. "
                                "Double-click a passage to read it; “Make claim” starts checking it."
                                if n else "No sentence appears in more than one document.")
            self.groupsLoaded.emit(n)

        session.read(session.ws.matcher.clusters, got, label="Finding repeated assertions")

    def _docs_changed(self, _ids: list[int]) -> None:
        if self.loaded:
            self._debounce.start()

    def refresh_later(self) -> None:
        """The groups may differ now (new sentence vectors): reload soon if they were loaded."""
        self._docs_changed([])

    def _open(self, index: QModelIndex) -> None:
        src = self.proxy.mapToSource(index)
        member = self.model.member_at(src)
        if member is None:
            cluster = self.model.cluster_at(src)
            member = representative(cluster) if cluster is not None else None
        if member is not None:
            self.openPassage.emit(int(get(member, "document_id")), int(get(member, "start")), int(get(member, "end")))

    def _make_claim(self, index: QModelIndex) -> None:
        cluster = self.model.cluster_at(self.proxy.mapToSource(index))
        if cluster is None:
            return
        m = representative(cluster)
        text = " ".join((get(m, "text") or "").split())
        self.makeClaimRequested.emit(text, (int(get(m, "document_id")), int(get(m, "start")), int(get(m, "end"))))
