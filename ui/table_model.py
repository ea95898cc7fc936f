"""The flat table model every list of the workbench is built on.

Documents, claims, passages, history entries, alias sets and import outcomes are all shown the
same way: one Python value per row, named columns. ``RowsTableModel`` holds the rows and does the
Qt plumbing they share (row and column counts, horizontal headers, a bounds-checked row lookup,
whole-table reset); a subclass says what each cell shows in ``cell``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

__all__ = ["Index", "RowsTableModel"]


class RowsTableModel(QAbstractTableModel):
    """Rows are Python values, columns are ``COLUMNS``; subclasses implement ``cell``."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None, rows: Iterable[Any] = ()) -> None:
        super().__init__(parent)
        self._rows: list[Any] = list(rows)

    @property
    def rows(self) -> list[Any]:
        """The rows, in row order (do not modify; use ``set_rows``)."""
        return self._rows

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tooltip(section)
        return None

    def header_tooltip(self, section: int) -> str | None:
        """The tooltip of column ``section``'s header (none by default)."""
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.row_at(index.row())
        return None if item is None else self.cell(item, index.column(), role)

    def cell(self, item: Any, column: int, role: int) -> Any:
        """What the cell of row value ``item`` in ``column`` shows for ``role`` (None: nothing)."""
        raise NotImplementedError

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_rows(self, rows: Iterable[Any]) -> None:
        """Replace every row (a model reset: views drop their selection)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()
