"""The reader: opening documents, find, editing details with undo, history, others' commits."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from tests.ui.conftest import SAMPLE_DOCS, write_docs
from ui.library import DocumentTableModel


def imported_window(window, tmp_path, qtbot, idle):
    with qtbot.waitSignal(window.importer.finished, timeout=60000):
        window.start_import([str(p) for p in write_docs(tmp_path / "in", SAMPLE_DOCS)])
    idle(window.session)
    return window


def open_row(window, qtbot, row=0):
    lib = window.library
    idx = lib.proxy.index(row, DocumentTableModel.TITLE)
    with qtbot.waitSignal(window.reader.documentShown, timeout=30000):
        qtbot.mouseClick(lib.view.viewport(), Qt.MouseButton.LeftButton, pos=lib.view.visualRect(idx).center())
    return int(idx.data(Qt.ItemDataRole.UserRole))


def test_clicking_a_document_opens_it_in_the_reader(window, tmp_path, qtbot, idle):
    imported_window(window, tmp_path, qtbot, idle)
    doc_id = open_row(window, qtbot, 0)
    reader = window.reader
    assert reader.doc_id == doc_id
    assert reader.stack.currentIndex() == 1
    assert reader.text.toPlainText() == reader.detail.text.replace("\r", " ")
    assert reader.title.text()
    assert not reader.tabs.isTabVisible(reader.pdf_tab)  # plain text: no original-page tab


def test_find_in_document(window, tmp_path, qtbot, idle):
    imported_window(window, tmp_path, qtbot, idle)
    window.library.search.setText("alpha")
    open_row(window, qtbot, 0)
    qtbot.keySequence(window, QKeySequence(QKeySequence.StandardKey.Find))
    bar = window.reader.find_bar
    assert bar.isVisible()
    qtbot.keyClicks(bar.edit, "prices")
    assert bar.status.text() == "2 found"
    assert window.reader.text.textCursor().selectedText().lower() == "prices"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_edit_details_then_undo_and_redo(window, tmp_path, qtbot, idle):
    imported_window(window, tmp_path, qtbot, idle)
    doc_id = open_row(window, qtbot, 0)
    reader = window.reader
    reader.tabs.setCurrentIndex(2)
    form = reader.metadata
    old_title = form.edits["title"].text()
    assert not form.save_button.isEnabled()
    form.edits["title"].clear()
    qtbot.keyClicks(form.edits["title"], "A corrected title")
    qtbot.keyClicks(form.edits["outlet"], "Example Times")
    qtbot.keyClicks(form.edits["published"], "2016-05-06")
    assert form.save_button.isEnabled()
    with qtbot.waitSignal(window.session.documentsChanged, timeout=30000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    info = window.library.model.info(doc_id)
    assert (info.title, info.outlet, info.published) == ("A corrected title", "Example Times", "2016-05-06")
    assert reader.title.text() == "A corrected title"
    assert not form.save_button.isEnabled()
    assert window.actions_.undo.isEnabled()
    window.actions_.undo.trigger()
    idle(window.session)
    info = window.library.model.info(doc_id)
    assert info.title == old_title and info.outlet is None and info.published is None
    window.actions_.redo.trigger()
    idle(window.session)
    assert window.library.model.info(doc_id).title == "A corrected title"
    # the history panel shows the edits
    window.actions_.history.trigger()
    idle(window.session)
    hist = window.history.model
    assert hist.rowCount() >= 4  # import, edit, undo (edit), redo (edit)
    assert hist.index(0, 2).data() == "Edited details"


def test_invalid_date_is_refused_with_a_readable_message(window, tmp_path, qtbot, idle):
    imported_window(window, tmp_path, qtbot, idle)
    doc_id = open_row(window, qtbot, 0)
    form = window.reader.metadata
    form.edits["published"].setText("2016-13-45")  # passes the mask, not the calendar
    form._update_buttons()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.reporter.shown))
    assert "publication date must be" in window.reporter.shown[0].lower()
    window.reporter.shown.clear()
    assert form.edits["published"].text() == "2016-13-45"  # the user's input is kept
    assert not window.actions_.undo.isEnabled()  # a refused change never enters the history
    assert window.library.model.info(doc_id).published is None


def test_others_commits_show_up_without_losing_the_selection(window, tmp_path, qtbot, idle, workspace_path):
    from app.workspace import Workspace

    imported_window(window, tmp_path, qtbot, idle)
    open_row(window, qtbot, 1)
    lib = window.library
    selected = lib.selected_ids()
    other = Workspace.open(workspace_path, user="colleague")  # another connection, as another process would
    try:
        other.documents.import_bytes(b"Delta dispatch\n\nA fourth document arrives.\n", "delta.txt")
        first = other.documents.list()[0]
        other.documents.update_metadata(first.id, outlet="Colleague Weekly")
    finally:
        other.close()
    qtbot.waitUntil(lambda: lib.model.rowCount() == 4, timeout=15000)
    qtbot.waitUntil(lambda: lib.model.info(first.id).outlet == "Colleague Weekly", timeout=15000)
    assert lib.selected_ids() == selected
    assert "colleague" in window.statusBar().currentMessage()
