"""The base of every flat list model: counts, headers, bounds, reset."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from ui.table_model import RowsTableModel


class Pairs(RowsTableModel):
    COLUMNS = ("Name", "Count")

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return item[column]
        return None

    def header_tooltip(self, section: int) -> str | None:
        return "how many" if section == 1 else None


def test_rows_table_model(qtmodeltester, qtbot) -> None:
    m = Pairs(None, [("a", 1), ("b", 2)])
    qtmodeltester.check(m)
    assert m.rowCount() == 2 and m.columnCount() == 2
    assert m.rowCount(m.index(0, 0)) == 0  # a flat table: no children
    assert m.data(m.index(1, 0)) == "b" and m.data(QModelIndex()) is None
    assert m.headerData(1, Qt.Orientation.Horizontal) == "Count"
    assert m.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "how many"
    assert m.headerData(0, Qt.Orientation.Vertical) is None and m.headerData(5, Qt.Orientation.Horizontal) is None
    assert m.row_at(2) is None and m.row_at(-1) is None
    with qtbot.waitSignal(m.modelReset):
        m.set_rows([("c", 3)])
    assert m.rows == [("c", 3)]
    qtmodeltester.check(m)
