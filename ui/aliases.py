"""Alias sets the matcher treats as the same word (Daesh = ISIS = IS, Tadmur = Palmyra)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.lineage_model import get
from ui.session import Changes, WorkspaceSession
from ui.table_model import RowsTableModel


def group_terms(group: Any) -> list[str]:
    terms = get(group, "terms", group if isinstance(group, list | tuple) else [])
    return [t if isinstance(t, str) else str(get(t, "term", t)) for t in terms]


def split_terms(text: str) -> list[str]:
    """``"Daesh, ISIS, IS"`` or ``"Daesh = ISIS = IS"`` -> the terms."""
    for sep in ("=", ";", "|"):
        text = text.replace(sep, ",")
    return [t.strip() for t in text.split(",") if t.strip()]


class AliasModel(RowsTableModel):
    """Rows are alias groups."""

    COLUMNS = ("Terms", "Added by")

    def cell(self, item: Any, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return " = ".join(group_terms(item))
            return get(item, "created_by") or ""
        return None


class AliasDialog(QDialog):
    """Lists the workspace's alias sets; add one ("Daesh, ISIS, IS") or remove the selected one."""

    # fires after the alias sets were reloaded; number of sets
    loaded = Signal(int)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aliasDialog")
        self.setWindowTitle("Aliases")
        self.session = session
        intro = QLabel("Words in one set match each other when searching and finding candidates, "
                       "e.g. <i>Daesh = ISIS = IS = ISIL = Islamic State</i>. Spelling variants of names "
                       "(Qassim / Qasim) match without an alias.", self)
        intro.setWordWrap(True)
        self.model = AliasModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("aliasTable")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("aliasTerms")
        self.edit.setPlaceholderText("New set: Tadmur, Palmyra")
        self.add_button = QPushButton("Add set", self)
        self.add_button.setObjectName("addAliases")
        self.remove_button = QPushButton(theme.icon("delete"), "Remove set", self)
        self.add_button.clicked.connect(self.add)
        self.edit.returnPressed.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.add_button.setEnabled(not session.readonly)
        self.remove_button.setEnabled(not session.readonly)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(560, 380)
        self.reload()

    def reload(self) -> None:
        def got(groups: list[Any]) -> None:
            self.model.set_rows(groups)
            self.loaded.emit(len(groups))

        self.session.read(self.session.ws.matcher.aliases, got, label="Loading aliases")

    def add(self) -> None:
        terms = split_terms(self.edit.text())
        if len(terms) < 2:
            self.session.reporter.show_message("Aliases", "A set needs at least two terms, separated by commas.", self)
            return
        session = self.session

        def work() -> tuple[Any, Changes]:
            return session.ws.matcher.add_aliases(terms), Changes(aliases=True)

        def done(_r: Any) -> None:
            self.edit.clear()
            self.reload()

        session.write(work, done, label="Adding aliases")

    def remove(self) -> None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return
        group = self.model.rows[idx.row()]
        group_id = get(group, "id")
        session = self.session

        def work() -> tuple[Any, Changes]:
            return session.ws.matcher.remove_alias_group(group_id), Changes(aliases=True)

        session.write(work, lambda _r: self.reload(), label="Removing aliases")
