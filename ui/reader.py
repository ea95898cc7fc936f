"""The reader: one document's text (with claim highlights), its original PDF page, its details."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.library import doc_title, media_label
from ui.metadata import MetadataForm
from ui.queries import OpenDocument, document_highlights, open_document
from ui.session import WorkspaceSession
from ui.textview import DocumentTextView


class FindBar(QWidget):
    """Ctrl+F: find in the open document (Enter / Shift+Enter for next / previous, Esc closes)."""

    def __init__(self, view: DocumentTextView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.edit = QLineEdit(self)
        self.edit.setObjectName("findInDocument")
        self.edit.setPlaceholderText("Find in document")
        self.edit.setClearButtonEnabled(True)
        self.status = QLabel(self)
        theme.subheader(self.status)
        prev_btn, next_btn, close_btn = QToolButton(self), QToolButton(self), QToolButton(self)
        prev_btn.setIcon(theme.icon("prev"))
        prev_btn.setToolTip("Previous match (Shift+Enter)")
        next_btn.setIcon(theme.icon("next"))
        next_btn.setToolTip("Next match (Enter)")
        close_btn.setText("✕")
        close_btn.setToolTip("Close (Esc)")
        prev_btn.clicked.connect(lambda: self.step(backward=True))
        next_btn.clicked.connect(lambda: self.step())
        close_btn.clicked.connect(self.close_bar)
        self.edit.textChanged.connect(self._changed)
        self.edit.returnPressed.connect(self.step)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        for w in (self.edit, prev_btn, next_btn, self.status, close_btn):
            layout.addWidget(w)
        layout.setStretch(0, 1)
        esc = QAction(self)
        esc.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        esc.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        esc.triggered.connect(self.close_bar)
        back = QAction(self)
        back.setShortcut(QKeySequence("Shift+Return"))
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(lambda: self.step(backward=True))
        self.addActions([esc, back])
        self.hide()

    def open_bar(self) -> None:
        self.show()
        span = self.view.selected_span()
        if span is not None and len(span[2]) < 80:
            self.edit.setText(span[2])
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.view.find_all("")
        self.hide()
        self.view.setFocus()

    def _changed(self, text: str) -> None:
        n = self.view.find_all(text)
        self.status.setText("" if not text else (f"{n} found" if n else "not found"))
        if n:
            cursor = self.view.textCursor()
            cursor.setPosition(cursor.selectionStart())
            self.view.setTextCursor(cursor)
            self.view.find_next(text)

    def step(self, *, backward: bool = False) -> None:
        if self.edit.text():
            self.view.find_next(self.edit.text(), backward=backward)


class PdfHolder(QWidget):
    """The "Original page" tab. Qt's PDF module is loaded only when a PDF is first shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pane: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def doc_id(self) -> int | None:
        return None if self.pane is None else self.pane.doc_id

    def ensure(self) -> Any:
        if self.pane is None:
            from ui.pdfpane import PdfPane

            self.pane = PdfPane(self)
            self._layout.addWidget(self.pane)
        return self.pane

    def load(self, doc_id: int, data: bytes) -> None:
        self.ensure().load(doc_id, data)

    def clear(self) -> None:
        if self.pane is not None:
            self.pane.clear()

    def show_page(self, page: int) -> None:
        if self.pane is not None:
            self.pane.show_page(page)


class ReaderPanel(QWidget):
    """Header, then tabs: Text | Original page (PDFs) | Details. The main window's centre."""

    # fires when the user asks to make a selected passage a new claim; (document id, start, end, text)
    markRequested = Signal(int, int, int, str)
    # fires when the user asks to add a selected passage to an existing claim; (doc id, start, end, text)
    addToClaimRequested = Signal(int, int, int, str)
    # fires when the user clicks a highlighted excerpt; claim id
    claimClicked = Signal(int)
    # fires when the user saves edited details; (document id, version the edits started from, {field: value})
    metadataSaveRequested = Signal(int, int, dict)
    # fires after a document has been shown (tests and the status bar); document id
    documentShown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.doc_id: int | None = None
        self.detail: Any = None
        self._request = 0
        self._pending_select: tuple[int, int] | None = None
        self.title = QLabel(self)
        theme.header(self.title)
        self.title.setWordWrap(True)
        self.subtitle = QLabel(self)
        theme.subheader(self.subtitle)
        self.subtitle.setWordWrap(True)
        self.text = DocumentTextView(self)
        self.find_bar = FindBar(self.text, self)
        text_page = QWidget(self)
        tl = QVBoxLayout(text_page)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addWidget(self.text, 1)
        tl.addWidget(self.find_bar)
        self.pdf = PdfHolder(self)
        self.metadata = MetadataForm(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("readerTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(text_page, "Text")
        self.pdf_tab = self.tabs.addTab(self.pdf, "Original page")
        self.tabs.addTab(self.metadata, "Details")
        self.tabs.setTabVisible(self.pdf_tab, False)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.empty = QLabel("Pick a document in the library, or import files (Ctrl+I, or drop them here).", self)
        theme.hint(self.empty)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        body = QWidget(self)
        bl = QVBoxLayout(body)
        bl.setContentsMargins(10, 8, 10, 0)
        bl.setSpacing(2)
        bl.addWidget(self.title)
        bl.addWidget(self.subtitle)
        bl.addSpacing(4)
        bl.addWidget(self.tabs, 1)
        bl.setContentsMargins(8, 6, 8, 0)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.text.markRequested.connect(self._forward_mark)
        self.text.addToClaimRequested.connect(self._forward_add)
        self.text.claimClicked.connect(self.claimClicked)
        self.metadata.saveRequested.connect(self.metadataSaveRequested)

    # ------------------------------------------------------------------ session wiring
    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            self.session.documentsChanged.disconnect(self._documents_changed)
            self.session.documentsRemoved.disconnect(self._documents_removed)
            self.session.claimsChanged.disconnect(self._claims_changed)
            self.session.claimsRemoved.disconnect(self._claims_changed)
            self.session.reloadRequested.disconnect(self._reload)
        self.session = session
        self.clear()
        if session is not None:
            session.documentsChanged.connect(self._documents_changed)
            session.documentsRemoved.connect(self._documents_removed)
            session.claimsChanged.connect(self._claims_changed)
            session.claimsRemoved.connect(self._claims_changed)
            session.reloadRequested.connect(self._reload)
            self.metadata.set_readonly(session.readonly)

    def clear(self) -> None:
        self.doc_id, self.detail = None, None
        self._request += 1
        self.text.set_text("")
        self.pdf.clear()
        self.metadata.show_info(None)
        self.stack.setCurrentIndex(0)

    # ------------------------------------------------------------------ opening
    def open_document(self, doc_id: int, select: tuple[int, int] | None = None) -> None:
        """Show ``doc_id`` (fetched off the GUI thread); optionally select a passage in it."""
        session = self.session
        if session is None:
            return
        if doc_id == self.doc_id and self.detail is not None:
            if select is not None:
                self.tabs.setCurrentIndex(0)
                self.text.select_span(*select)
            return
        self._request += 1
        req = self._request
        self._pending_select = select
        session.read(lambda: open_document(session.ws, doc_id),
                     lambda doc: self._show(req, doc), label="Opening the document")

    def _show(self, req: int, doc: OpenDocument, *, refresh: bool = False) -> None:
        if req != self._request:
            return  # the user moved on to another document meanwhile
        detail = doc.detail
        info = detail.info
        same = self.doc_id == info.id
        keep_scroll = self.text.verticalScrollBar().value() if (refresh and same) else None
        keep_cursor = (self.text.textCursor().anchor(), self.text.textCursor().position()) if refresh and same else None
        self.doc_id, self.detail = info.id, detail
        self.title.setText(html.escape(doc_title(info)))
        bits = [info.outlet or "", (info.author and f"by {info.author}") or "",
                info.published or "date unknown", media_label(info.media_type), info.filename]
        self.subtitle.setText(" · ".join(html.escape(b) for b in bits if b))
        if detail.warnings:
            self.subtitle.setText(self.subtitle.text() + "<br>⚠ " + html.escape("; ".join(detail.warnings)))
        self.text.set_text(detail.text, doc.highlights)
        if keep_cursor is not None:
            cursor = self.text.textCursor()
            limit = self.text.document().characterCount() - 1
            cursor.setPosition(min(keep_cursor[0], limit))
            cursor.setPosition(min(keep_cursor[1], limit), cursor.MoveMode.KeepAnchor)
            self.text.setTextCursor(cursor)
        if keep_scroll is not None:
            self.text.verticalScrollBar().setValue(keep_scroll)
        self.metadata.show_info(info, detail.meta_sources, keep_edits=refresh)
        is_pdf = info.media_type == "application/pdf"
        if not (refresh and same):
            self.pdf.clear()
        self.tabs.setTabVisible(self.pdf_tab, is_pdf)
        if not refresh and self.tabs.currentIndex() == self.pdf_tab and not is_pdf:
            self.tabs.setCurrentIndex(0)
        self.stack.setCurrentIndex(1)
        if self.tabs.currentIndex() == self.pdf_tab:
            self._load_pdf()
        if self._pending_select is not None and not refresh:
            if self.tabs.currentIndex() != self.pdf_tab:
                self.tabs.setCurrentIndex(0)
            self.text.select_span(*self._pending_select)
            self._pending_select = None
        self.documentShown.emit(info.id)

    def select_span(self, start: int, end: int) -> None:
        self.tabs.setCurrentIndex(0)
        self.text.select_span(start, end)

    # ------------------------------------------------------------------ PDF tab
    def _tab_changed(self, index: int) -> None:
        if index == self.pdf_tab:
            self._load_pdf()

    def _load_pdf(self) -> None:
        session, doc_id = self.session, self.doc_id
        if session is None or doc_id is None or self.pdf.doc_id == doc_id:
            return
        req = self._request

        def loaded(original: tuple[str, str, bytes]) -> None:
            if req == self._request and self.doc_id == doc_id:
                self.pdf.load(doc_id, original[2])
                self.pdf.show_page(self.current_page())

        session.read(lambda: session.ws.documents.original(doc_id), loaded, label="Loading the original")

    def current_page(self) -> int:
        """The PDF page holding the text cursor (from the document's page spans)."""
        if self.detail is None or not self.detail.pages:
            return 0
        pos = self.text.map.from_qt(self.text.textCursor().selectionStart())
        for n, (a, b) in enumerate(self.detail.pages):
            if a <= pos < b:
                return n
        return 0

    # ------------------------------------------------------------------ refresh
    def _documents_changed(self, ids: list[int]) -> None:
        if self.doc_id in ids:
            self._refetch()

    def _documents_removed(self, ids: list[int]) -> None:
        if self.doc_id in ids:
            self.clear()

    def _reload(self) -> None:
        if self.doc_id is not None:
            self._refetch()

    def _refetch(self) -> None:
        session, doc_id = self.session, self.doc_id
        if session is None or doc_id is None:
            return
        self._request += 1
        req = self._request

        def failed(exc: BaseException) -> None:
            if isinstance(exc, KeyError) and req == self._request:
                self.clear()  # deleted by someone else
            elif req == self._request:
                session.report(exc, "Refreshing the document")

        session.read(lambda: open_document(session.ws, doc_id),
                     lambda doc: self._show(req, doc, refresh=True), failed, label="Refreshing the document")

    def _claims_changed(self, _ids: list[int]) -> None:
        session, doc_id = self.session, self.doc_id
        if session is None or doc_id is None:
            return
        req = self._request

        def got(highlights: list[Any]) -> None:
            if req == self._request and self.doc_id == doc_id:
                self.text.set_highlights(highlights)

        session.read(lambda: document_highlights(session.ws, doc_id), got, label="Refreshing highlights")

    # ------------------------------------------------------------------ forwarding
    def _forward_mark(self, start: int, end: int, text: str) -> None:
        if self.doc_id is not None:
            self.markRequested.emit(self.doc_id, start, end, text)

    def _forward_add(self, start: int, end: int, text: str) -> None:
        if self.doc_id is not None:
            self.addToClaimRequested.emit(self.doc_id, start, end, text)
