"""A claim's own fields: wording, status, verdict (rating + explanation), notes and tags."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme

STATUSES = ("open", "in review", "done")
VERDICTS = ("", "true", "mostly true", "half true", "misleading", "mostly false", "false", "unproven")  # app.claims.RATINGS


class ClaimEditor(QWidget):
    """Edits one claim. Emits only what changed; keeps unsaved edits across refreshes."""

    # fires when the user saves: (claim id, version the edits started from,
    #   {field: value} for update(), (rating, note) or None when the verdict is unchanged)
    saveRequested = Signal(int, int, dict, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.claim_id: int | None = None
        self.version = 0
        self._orig: dict[str, Any] = {}
        self.wording = QPlainTextEdit(self)
        self.wording.setObjectName("claimWording")
        self.wording.setPlaceholderText("The claim in your own words")
        self.wording.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.status = QComboBox(self)
        self.status.setObjectName("claimStatus")
        self.status.addItems(STATUSES)
        self.verdict = QComboBox(self)
        self.verdict.setObjectName("claimVerdict")
        for v in VERDICTS:
            self.verdict.addItem(v or "not rated", v)
        self.verdict_note = QLineEdit(self)
        self.verdict_note.setObjectName("verdictNote")
        self.verdict_note.setPlaceholderText("Why this rating (shown with the verdict)")
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("claimNotes")
        self.notes.setPlaceholderText("Working notes")
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 14)
        self.tags = QLineEdit(self)
        self.tags.setObjectName("claimTags")
        self.tags.setPlaceholderText("comma-separated, e.g. syria, palmyra")
        self.stale = QLabel(self)
        theme.subheader(self.stale)
        self.stale.setWordWrap(True)
        self.stale.hide()
        self.save_button = QPushButton("Save claim", self)
        self.save_button.setObjectName("saveClaim")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.revert_button = QPushButton("Revert", self)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        save_action = QAction(self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_action.triggered.connect(self.save)
        self.addAction(save_action)
        row = QHBoxLayout()
        row.addWidget(self.status)
        row.addSpacing(12)
        row.addWidget(QLabel("Verdict", self))
        row.addWidget(self.verdict)
        row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stale, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Wording", self.wording)
        form.addRow("Status", row)
        form.addRow("Verdict note", self.verdict_note)
        form.addRow("Notes", self.notes)
        form.addRow("Tags", self.tags)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        for sig in (self.wording.textChanged, self.notes.textChanged, self.tags.textEdited,
                    self.verdict_note.textEdited, self.status.currentIndexChanged, self.verdict.currentIndexChanged):
            sig.connect(self._update_buttons)
        self._readonly = False
        self.show_claim(None)

    # ------------------------------------------------------------------ values
    def _values(self) -> dict[str, Any]:
        return {
            "text": self.wording.toPlainText().strip(),
            "status": self.status.currentText(),
            "notes": self.notes.toPlainText(),
            "tags": [t.strip() for t in self.tags.text().split(",") if t.strip()],
            "verdict": self.verdict.currentData() or None,
            "verdict_note": self.verdict_note.text().strip(),
        }

    def changes(self) -> dict[str, Any]:
        now = self._values()
        return {k: v for k, v in now.items() if v != self._orig.get(k)}

    def is_dirty(self) -> bool:
        return self.claim_id is not None and bool(self.changes())

    def set_readonly(self, readonly: bool) -> None:
        self._readonly = readonly
        for w in (self.wording, self.notes):
            w.setReadOnly(readonly)
        for w2 in (self.tags, self.verdict_note):
            w2.setReadOnly(readonly)
        self.status.setEnabled(not readonly)
        self.verdict.setEnabled(not readonly)
        self._update_buttons()

    def show_claim(self, detail: Any | None, *, keep_edits: bool = False) -> None:
        """Fill the fields. On a refresh of the same claim, unsaved edits stay as typed."""
        same = detail is not None and detail.id == self.claim_id
        if keep_edits and same and self.is_dirty():
            if detail.version != self.version:
                self.stale.setText("Someone else saved this claim meanwhile; saving will ask you to merge.")
                self.stale.show()
            return
        self.claim_id = None if detail is None else detail.id
        self.version = 0 if detail is None else int(detail.version)
        self._orig = {} if detail is None else {
            "text": (detail.text or "").strip(), "status": detail.status or "open", "notes": detail.notes or "",
            "tags": list(detail.tags or []), "verdict": detail.verdict or None,
            "verdict_note": (detail.verdict_note or "").strip(),
        }
        o = self._orig
        self.wording.setPlainText(o.get("text", ""))
        self.status.setCurrentIndex(max(0, self.status.findText(o.get("status", "open"))))
        self.verdict.setCurrentIndex(max(0, self.verdict.findData(o.get("verdict") or "")))
        self.verdict_note.setText(o.get("verdict_note", ""))
        self.verdict_note.setCursorPosition(0)
        self.notes.setPlainText(o.get("notes", ""))
        self.tags.setText(", ".join(o.get("tags", [])))
        self.stale.hide()
        self.setEnabled(detail is not None)
        self._update_buttons()

    def _update_buttons(self, *_args: Any) -> None:
        dirty = self.is_dirty() and not self._readonly
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def revert(self) -> None:
        self.claim_id, claim_id = None, self.claim_id
        if claim_id is None:
            return

        class _D:  # rebuild from the original values
            pass

        d: Any = _D()
        d.id, d.version = claim_id, self.version
        for k, v in self._orig.items():
            setattr(d, k, v)
        self.show_claim(d)

    def save(self) -> None:
        if self.claim_id is None or self._readonly:
            return
        changes = self.changes()
        if not changes:
            return
        if "text" in changes and not changes["text"]:
            self.stale.setText("A claim needs some wording.")
            self.stale.show()
            return
        verdict = None
        if "verdict" in changes or "verdict_note" in changes:
            verdict = (changes.pop("verdict", self._orig.get("verdict")),
                       changes.pop("verdict_note", self._orig.get("verdict_note", "")))
        self.saveRequested.emit(self.claim_id, self.version, changes, verdict)

    def original(self) -> dict[str, Any]:
        return dict(self._orig)
