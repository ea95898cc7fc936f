"""Small dialogs: a new claim typed by hand, picking an existing claim, keyboard shortcuts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.claims_list import ID_ROLE, ClaimFilterProxy, ClaimListModel

SHORTCUTS = [
    ("Workspace", [("Ctrl+O", "Open a workspace"), ("Ctrl+Shift+N", "New workspace"),
                   ("Ctrl+I", "Import files"), ("Ctrl+Shift+I", "Import a folder"),
                   ("Ctrl+Shift+F", "Search the whole workspace"), ("Ctrl+Q", "Quit")]),
    ("Reading", [("Ctrl+F", "Find in the document (Enter / Shift+Enter: next / previous, Esc: close)"),
                 ("M", "Mark the selected passage as a new claim"),
                 ("Shift+M", "Add the selected passage to an existing claim")]),
    ("Claims", [("Ctrl+N", "New claim typed by hand"), ("Ctrl+S", "Save the claim's wording, verdict, notes"),
                ("A", "Accept the current candidate"), ("R", "Reject the current candidate"),
                ("J / K", "Next / previous candidate"), ("O", "Open the candidate in the reader"),
                ("Ctrl+L", "Lineage of the claim"), ("Ctrl+H", "History of the claim"),
                ("Ctrl+E", "Export the selected claims as an evidence bundle")]),
    ("Editing", [("Ctrl+Z", "Undo"), ("Ctrl+Shift+Z", "Redo"),
                 ("Delete", "Delete the selected documents / remove the selected appearance")]),
]


class NewClaimDialog(QDialog):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newClaimDialog")
        self.setWindowTitle("New claim")
        self.edit = QPlainTextEdit(text, self)
        self.edit.setObjectName("newClaimText")
        self.edit.setPlaceholderText("The statement you are checking, in your own words")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create claim")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Claim:", self))
        layout.addWidget(self.edit, 1)
        layout.addWidget(buttons)
        self.resize(520, 200)

    def text(self) -> str:
        return self.edit.toPlainText().strip()


class ClaimPickerDialog(QDialog):
    """Pick the claim a selected passage should be added to."""

    def __init__(self, claims: list[Any], passage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimPicker")
        self.setWindowTitle("Add to claim")
        self.model = ClaimListModel(self)
        self.model.set_claims(claims)
        self.proxy = ClaimFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter claims")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_filter_text)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(2, self.model.columnCount()):
            self.view.hideColumn(col)
        self.view.doubleClicked.connect(self.accept)
        if self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
        quote = passage if len(passage) < 240 else passage[:239] + "…"
        label = QLabel(f"Passage: “{quote}”", self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add to claim")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(600, 380)

    def claim_id(self) -> int | None:
        idx = self.view.currentIndex()
        return int(idx.data(ID_ROLE)) if idx.isValid() else None


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = []
        for group, items in SHORTCUTS:
            rows.append(f"<tr><td colspan=2><h3>{group}</h3></td></tr>")
            rows.extend(f"<tr><td style='padding-right:16px'><b>{k}</b></td><td>{v}</td></tr>" for k, v in items)
        label = QLabel("<table>" + "".join(rows) + "</table>", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)
