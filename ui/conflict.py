"""When someone else saved the same claim first: show both versions and let the user merge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

VERSION_KEYS = {"version", "version_id", "updated_at", "updated_by"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def their_version(theirs: dict[str, Any]) -> int | None:
    for key in ("version", "version_id"):
        if isinstance(theirs.get(key), int):
            return int(theirs[key])
    return None


class ConflictDialog(QDialog):
    """Each differing field: their saved value (read-only) beside an editable merge, pre-filled
    with mine. "Save merged" returns ``Accepted``; "Discard mine" returns ``Rejected``.

    ``choices`` gives fields that take one of a few values (a verdict) as ``[(label, value)]``:
    their merge is a drop-down instead of free text."""

    def __init__(self, what: str, mine: dict[str, Any], theirs: dict[str, Any], *,
                 their_user: str | None = None, parent: QWidget | None = None,
                 choices: dict[str, Sequence[tuple[str, Any]]] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle("Someone else changed this first")
        self.mine, self.theirs = mine, theirs
        self.fields = [k for k in mine if k not in VERSION_KEYS and _text(mine.get(k)) != _text(theirs.get(k))]
        who = their_user or theirs.get("updated_by") or "another user"
        head = QLabel(f"<b>{what}</b> was saved by {who} while you were editing it. Nothing was overwritten. "
                      "Compare both versions, edit the merged text on the right, and save it, "
                      "or discard your changes and keep theirs.", self)
        head.setWordWrap(True)
        self.head = head
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Field</b>"), 0, 0)
        grid.addWidget(QLabel(f"<b>Saved by {who}</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Merged (yours to start with)</b>"), 0, 2)
        self.editors: dict[str, QPlainTextEdit] = {}
        self.choosers: dict[str, QComboBox] = {}
        choices = choices or {}
        for row, key in enumerate(self.fields, start=1):
            grid.addWidget(QLabel(key.replace("_", " ").capitalize()), row, 0)
            options = list(choices.get(key, ()))
            labels = {_text(v): label for label, v in options}
            theirs_box = QPlainTextEdit(labels.get(_text(theirs.get(key)), _text(theirs.get(key))), self)
            theirs_box.setReadOnly(True)
            theirs_box.setMaximumHeight(110)
            grid.addWidget(theirs_box, row, 1)
            if options:
                combo = QComboBox(self)
                combo.setObjectName(f"merge_{key}")
                for label, value in options:
                    combo.addItem(label, value)
                combo.setCurrentIndex(max(0, combo.findData(mine.get(key))))
                theirs_box.setMaximumHeight(combo.sizeHint().height() + 12)
                grid.addWidget(combo, row, 2)
                self.choosers[key] = combo
                continue
            merged = QPlainTextEdit(_text(mine.get(key)), self)
            merged.setObjectName(f"merge_{key}")
            merged.setMaximumHeight(110)
            grid.addWidget(merged, row, 2)
            self.editors[key] = merged
        buttons = QDialogButtonBox(self)
        save = buttons.addButton("Save merged version", QDialogButtonBox.ButtonRole.AcceptRole)
        save.setObjectName("saveMerged")
        discard = buttons.addButton("Discard mine, keep theirs", QDialogButtonBox.ButtonRole.RejectRole)
        discard.setObjectName("discardMine")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(grid, 1)
        layout.addWidget(buttons)
        self.resize(760, 200 + 110 * max(1, len(self.fields)))

    def merged(self) -> dict[str, Any]:
        """The merged values, converted back to the types of the original fields."""
        out: dict[str, Any] = {key: combo.currentData() for key, combo in self.choosers.items()}
        for key, editor in self.editors.items():
            text = editor.toPlainText()
            original = self.mine.get(key, self.theirs.get(key))
            if isinstance(original, list | tuple):
                out[key] = [t.strip() for t in text.split(",") if t.strip()]
            else:
                out[key] = text
        return out
