"""The reading surface: a document's text with claim highlights, selection -> claim, find."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QKeySequence,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QMenu, QTextBrowser, QTextEdit, QToolTip, QWidget

from ui import theme
from ui.queries import Highlight

FORMAT_LIMIT = 400_000  # above this many characters, skip the line-spacing pass (speed)


class OffsetMap:
    """Core offsets count code points; Qt counts UTF-16 units. Converts both ways."""

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if not text.isascii() else []
        self._ends = [p + n + 2 for n, p in enumerate(self._astral)]

    def to_qt(self, pos: int) -> int:
        return pos + bisect_left(self._astral, pos) if self._astral else pos

    def from_qt(self, pos: int) -> int:
        return pos - bisect_right(self._ends, pos) if self._astral else pos


def display_text(text: str) -> str:
    """What the widget shows: same length as ``text`` (a CR would otherwise be dropped)."""
    return text.replace("\r", " ")


class DocumentTextView(QTextBrowser):
    """Read-only text. Select a passage, press M (or right-click) to make it a claim."""

    # fires when the user asks to make the selected passage a new claim; (start, end, text)
    markRequested = Signal(int, int, str)
    # fires when the user asks to add the selected passage to an existing claim; (start, end, text)
    addToClaimRequested = Signal(int, int, str)
    # fires when the user clicks a highlighted excerpt; claim id
    claimClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readerText")
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        font = QFont()
        font.setFamilies(["Georgia", "Charter", "DejaVu Serif", "Noto Serif", "serif"])
        font.setPointSizeF(11.5)
        self.document().setDefaultFont(font)
        self.document().setDocumentMargin(22)
        self.text = ""
        self.map = OffsetMap("")
        self.highlights: list[Highlight] = []
        self._find_selections: list[QTextEdit.ExtraSelection] = []
        self._flash: QTextEdit.ExtraSelection | None = None
        self.mark_action = QAction("Mark as claim", self)
        self.mark_action.setShortcut(QKeySequence("M"))
        self.mark_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.mark_action.triggered.connect(self._mark)
        self.add_action = QAction("Add to claim…", self)
        self.add_action.setShortcut(QKeySequence("Shift+M"))
        self.add_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.add_action.triggered.connect(self._add)
        self.addActions([self.mark_action, self.add_action])
        self.copyAvailable.connect(self._selection_changed)
        self._selection_changed(False)

    # ------------------------------------------------------------------ content
    def set_text(self, text: str, highlights: Sequence[Highlight] = ()) -> None:
        self.text = text
        self.map = OffsetMap(text)
        self._find_selections = []
        self._flash = None
        self.setPlainText(display_text(text))
        if len(text) <= FORMAT_LIMIT:
            cursor = QTextCursor(self.document())
            cursor.select(QTextCursor.SelectionType.Document)
            fmt = QTextBlockFormat()
            fmt.setLineHeight(135, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
            cursor.mergeBlockFormat(fmt)
        self.set_highlights(highlights)

    def set_highlights(self, highlights: Sequence[Highlight]) -> None:
        self.highlights = sorted(highlights, key=lambda h: (h.start, h.end))
        self._apply_selections()

    def _apply_selections(self) -> None:
        sels: list[QTextEdit.ExtraSelection] = []
        limit = len(self.text)
        for h in self.highlights:
            if not (0 <= h.start < h.end <= limit):
                continue
            sel = QTextEdit.ExtraSelection()
            sel.cursor = self.cursor_for(h.start, h.end)
            fmt = QTextCharFormat()
            fmt.setBackground(theme.highlight_color(h.claim_id))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(theme.claim_color(h.claim_id))
            fmt.setProperty(QTextFormat.Property.UserProperty, h.claim_id)
            sel.format = fmt
            sels.append(sel)
        sels.extend(self._find_selections)
        if self._flash is not None:
            sels.append(self._flash)
        self.setExtraSelections(sels)

    def cursor_for(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.map.to_qt(start))
        cursor.setPosition(self.map.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # ------------------------------------------------------------------ selection
    def selected_span(self) -> tuple[int, int, str] | None:
        """The selection in core offsets, trimmed of surrounding white space."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self.map.from_qt(cursor.selectionStart())
        end = self.map.from_qt(cursor.selectionEnd())
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if start >= end:
            return None
        return start, end, self.text[start:end]

    def select_span(self, start: int, end: int, *, flash: bool = True) -> None:
        """Select and scroll to a passage (opening a claim's appearance, a search hit)."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        cursor = self.cursor_for(start, end)
        self.setTextCursor(cursor)
        if flash:
            sel = QTextEdit.ExtraSelection()
            sel.cursor = cursor
            fmt = QTextCharFormat()
            color = QColor(self.palette().highlight().color())
            color.setAlpha(70)
            fmt.setBackground(color)
            sel.format = fmt
            self._flash = sel
            self._apply_selections()
        # centre the passage in the viewport
        rect = self.cursorRect(self.cursor_for(start, start))
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - self.viewport().height() // 3)

    def _selection_changed(self, has: bool) -> None:
        self.mark_action.setEnabled(has)
        self.add_action.setEnabled(has)

    def _mark(self) -> None:
        span = self.selected_span()
        if span is not None:
            self.markRequested.emit(*span)

    def _add(self) -> None:
        span = self.selected_span()
        if span is not None:
            self.addToClaimRequested.emit(*span)

    def highlight_at(self, pos: QPoint) -> Highlight | None:
        offset = self.map.from_qt(self.cursorForPosition(pos).position())
        hits = [h for h in self.highlights if h.start <= offset < h.end]
        return min(hits, key=lambda h: h.end - h.start) if hits else None

    # ------------------------------------------------------------------ find
    def find_all(self, needle: str) -> int:
        """Mark every occurrence of ``needle``; returns the count."""
        self._find_selections = []
        if needle:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor("#ffe066") if not theme.is_dark() else QColor("#7a6200"))
            cursor = QTextCursor(self.document())
            while True:
                cursor = self.document().find(needle, cursor)
                if cursor.isNull():
                    break
                sel = QTextEdit.ExtraSelection()
                sel.cursor = QTextCursor(cursor)
                sel.format = fmt
                self._find_selections.append(sel)
                if len(self._find_selections) >= 5000:
                    break
        self._apply_selections()
        return len(self._find_selections)

    def find_next(self, needle: str, *, backward: bool = False) -> bool:
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        found = self.find(needle, flags)
        if not found:  # wrap around
            cursor = self.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
            self.setTextCursor(cursor)
            found = self.find(needle, flags)
        return found

    # ------------------------------------------------------------------ events
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light <-> dark: highlight colours follow
            self._apply_selections()

    def contextMenuEvent(self, event: Any) -> None:
        menu = QMenu(self)
        menu.addAction(self.mark_action)
        menu.addAction(self.add_action)
        hit = self.highlight_at(event.pos())
        if hit is not None:
            menu.addSeparator()
            label = hit.claim_text[:60] + ("…" if len(hit.claim_text) > 60 else "")
            menu.addAction(f"Show claim #{hit.claim_id}: {label}", lambda: self.claimClicked.emit(hit.claim_id))
        menu.addSeparator()
        copy = menu.addAction("Copy", self.copy)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setEnabled(self.textCursor().hasSelection())
        menu.addAction("Select all", self.selectAll)
        menu.popup(event.globalPos())

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            hit = self.highlight_at(event.pos())  # type: ignore[attr-defined]
            if hit is not None:
                QToolTip.showText(event.globalPos(), f"Claim #{hit.claim_id}: {hit.claim_text}"  # type: ignore[attr-defined]
                                  "\n(click to open it)", self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            hit = self.highlight_at(event.position().toPoint())
            if hit is not None:
                self.claimClicked.emit(hit.claim_id)
