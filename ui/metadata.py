"""The editable details of a document (title, outlet, date...) and what the file says about itself."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.library import media_label

EDITABLE = ("title", "author", "outlet", "url", "published", "language")
LABELS = {"title": "Title", "author": "Author", "outlet": "Outlet", "url": "Address (URL)",
          "published": "Published", "language": "Language"}
SOURCE_LABELS = {"user": "edited by hand", "file": "from the file", "html": "from the page",
                 "text": "from the text", "filename": "from the file name"}


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


class MetadataForm(QWidget):
    """Shows one document's details; Save emits only the fields the user changed."""

    # fires when the user saves; (document id, version the edits started from,
    #   {field: new value} with only the changed fields)
    saveRequested = Signal(int, int, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc_id: int | None = None
        self.version = 0  # the document's version the values being edited came from
        self._original: dict[str, str] = {}
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in EDITABLE:
            edit = QLineEdit(self)
            edit.setObjectName(f"meta_{name}")
            edit.textEdited.connect(self._update_buttons)
            self.edits[name] = edit
            form.addRow(LABELS[name], edit)
        date = self.edits["published"]
        date.setPlaceholderText("YYYY-MM-DD, YYYY-MM or YYYY; empty if unknown")
        date.setValidator(QRegularExpressionValidator(QRegularExpression(r"^$|^\d{4}(-\d{2}(-\d{2})?)?$"), date))
        self.edits["language"].setPlaceholderText("e.g. en")
        self.edits["url"].setPlaceholderText("https://…")
        self.hint = QLabel(self)
        theme.subheader(self.hint)
        self.hint.setWordWrap(True)
        self.stale = QLabel(self)
        self.stale.setObjectName("metadataStale")
        theme.subheader(self.stale)
        self.stale.setWordWrap(True)
        self.stale.hide()
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.facts = QLabel(self)
        self.facts.setObjectName("documentFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(self)
        self.save_button = QPushButton("Save details", self)
        self.save_button.setObjectName("saveMetadata")
        self.revert_button = QPushButton("Revert", self)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.revert_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.save_button.clicked.connect(self._save)
        self.revert_button.clicked.connect(self._revert)
        for edit in self.edits.values():
            edit.returnPressed.connect(self._save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.stale)
        layout.addWidget(buttons)
        layout.addWidget(line)
        layout.addWidget(self.facts)
        layout.addStretch(1)
        self.set_readonly(False)
        self._update_buttons()

    def set_readonly(self, readonly: bool) -> None:
        self._readonly = readonly
        for edit in self.edits.values():
            edit.setReadOnly(readonly)
        self._update_buttons()

    def is_dirty(self) -> bool:
        return bool(self.changes())

    def changes(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name, edit in self.edits.items():
            value = edit.text().strip()
            if value != self._original.get(name, ""):
                out[name] = value or None
        return out

    def show_info(self, info: Any, meta_sources: dict[str, str] | None = None, *, keep_edits: bool = False) -> None:
        """Fill the form; with ``keep_edits`` (a refresh), fields the user is editing stay as typed."""
        same = info is not None and info.id == self.doc_id
        pending = self.changes() if (keep_edits and same) else {}
        self.doc_id = None if info is None else info.id
        self._original = {} if info is None else {n: str(getattr(info, n) or "") for n in EDITABLE}
        for name, edit in self.edits.items():
            edit.setText((pending[name] or "") if name in pending else self._original.get(name, ""))
            edit.setEnabled(info is not None)
        new_version = int(getattr(info, "version", 0) or 0) if info is not None else 0
        if info is None or not self.is_dirty():
            self.version = new_version
            self.stale.hide()
        elif new_version != self.version:
            # someone saved this document while the user was typing: the save will ask to merge
            self.stale.setText("Someone else saved these details meanwhile; saving will ask you to merge.")
            self.stale.show()
        if info is None:
            self.facts.setText("")
            self.hint.setText("")
        else:
            sources = meta_sources or {}
            origin = ", ".join(f"{LABELS.get(k, k).lower()} {SOURCE_LABELS.get(v, v)}"
                               for k, v in sorted(sources.items()) if k in LABELS)
            self.hint.setText(origin and f"Where these came from: {origin}.")
            imported = info.imported_at.strftime("%Y-%m-%d %H:%M") if info.imported_at else "?"
            self.facts.setText(
                f"<b>File</b> {info.filename}<br><b>Type</b> {media_label(info.media_type)} "
                f"({info.media_type}), {human_size(info.size)}<br><b>Sentences</b> {info.sentences}"
                f"<br><b>Imported</b> {imported} by {info.imported_by}<br>"
                f"<b>SHA-256</b> <span style='font-family:monospace'>{info.sha256[:16]}…</span>"
            )
        self._update_buttons()

    def _update_buttons(self, *_args: Any) -> None:
        dirty = self.doc_id is not None and self.is_dirty() and not self._readonly
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def _save(self) -> None:
        changes = self.changes()
        if self.doc_id is None or not changes or self._readonly:
            return
        self.saveRequested.emit(self.doc_id, self.version, changes)

    def _revert(self) -> None:
        for name, edit in self.edits.items():
            edit.setText(self._original.get(name, ""))
        self._update_buttons()

    def reset_edits(self, info: Any, meta_sources: dict[str, str] | None = None) -> None:
        """Drop the user's edits and show ``info`` as saved (after "discard mine" in a conflict)."""
        self.doc_id = None
        self.show_info(info, meta_sources)
