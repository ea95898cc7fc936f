"""Importing into the window: library updates, failures dialog, cancel, drag and drop, filter and sort."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import SAMPLE_DOCS, write_docs
from ui.library import DocumentTableModel


def import_and_wait(qtbot, window, paths, timeout=60000):
    with qtbot.waitSignal(window.importer.finished, timeout=timeout) as blocker:
        window.start_import([str(p) for p in paths])
    return blocker.args[0]


def test_import_fills_library_and_models_pass_modeltester(window, tmp_path, qtbot, qtmodeltester, idle):
    paths = write_docs(tmp_path / "in", SAMPLE_DOCS)
    outcomes = import_and_wait(qtbot, window, paths)
    assert [o.status for o in outcomes] == ["imported"] * 3
    idle(window.session)
    lib = window.library
    assert lib.model.rowCount() == 3
    assert lib.count.text() == "3 documents"
    titles = {lib.model.index(r, DocumentTableModel.TITLE).data() for r in range(3)}
    assert any("Alpha" in t for t in titles)
    assert {lib.model.index(r, DocumentTableModel.TYPE).data() for r in range(3)} == {"Text"}
    qtmodeltester.check(lib.model)
    qtmodeltester.check(lib.proxy)
    assert not window.progress.isVisible()
    assert "3 imported" in window.statusBar().currentMessage()


def test_filter_box_and_sorting(window, tmp_path, qtbot, idle):
    import_and_wait(qtbot, window, write_docs(tmp_path / "in", SAMPLE_DOCS))
    idle(window.session)
    lib = window.library
    qtbot.keyClicks(lib.search, "bravo")
    assert lib.proxy.rowCount() == 1
    assert "Bravo" in lib.proxy.index(0, DocumentTableModel.TITLE).data()
    assert lib.count.text() == "1 of 3 documents"
    lib.search.clear()
    assert lib.proxy.rowCount() == 3
    qtbot.keyClicks(lib.search, "border crossing")  # every word must match (title or file name)
    assert lib.proxy.rowCount() == 0
    lib.search.clear()
    lib.view.sortByColumn(DocumentTableModel.TITLE, Qt.SortOrder.DescendingOrder)
    shown = [lib.proxy.index(r, DocumentTableModel.TITLE).data() for r in range(3)]
    assert shown == sorted(shown, key=str.casefold, reverse=True)
    # clicking the header flips the order
    header = lib.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(0) + 20, header.height() // 2))
    shown = [lib.proxy.index(r, DocumentTableModel.TITLE).data() for r in range(3)]
    assert shown == sorted(shown, key=str.casefold)


def test_failures_are_listed_with_reasons(window, tmp_path, qtbot, qtmodeltester):
    folder = tmp_path / "mixed"
    write_docs(folder, {"good.txt": "A good file\n\nWith a sentence in it.\n"})
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with qtbot.waitSignal(window.importer.reportShown, timeout=60000) as shown:
        window.start_import([str(folder)])
    dialog = shown.args[0]
    assert dialog.isVisible()
    qtmodeltester.check(dialog.model)
    rows = {o.filename: o.error for o in dialog.model.rows}
    assert set(rows) == {"empty.txt", "broken.pdf"}
    assert "empty" in rows["empty.txt"]
    assert rows["broken.pdf"]
    assert dialog.model.index(0, 1).data() == "Not imported"
    assert "empty.txt" in dialog.report_text()
    dialog.copy_report()
    assert "broken.pdf" in QApplication.clipboard().text()
    dialog.reject()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1)


def test_cancel_stops_the_import(window, tmp_path, qtbot, idle, monkeypatch):
    docs = {f"doc_{i:03}.txt": f"Document number {i}\n\nIt says thing number {i}.\n" for i in range(40)}
    paths = write_docs(tmp_path / "many", docs)
    service = window.session.ws.documents
    original = service._store
    gate = threading.Event()
    calls = []

    def slow_store(*args, **kwargs):  # a slow disk: the second file waits until the test lets it go
        calls.append(1)
        if len(calls) == 2:
            gate.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "_store", slow_store)
    window.start_import([str(tmp_path / "many")])
    assert window.progress.isVisible()
    qtbot.waitUntil(lambda: window.progress.bar.value() >= 1)
    with qtbot.waitSignal(window.importer.finished, timeout=60000) as done:
        qtbot.mouseClick(window.progress.cancel, Qt.MouseButton.LeftButton)
        assert window.progress.label.text() == "Cancelling…"
        gate.set()
    imported = [o for o in done.args[0] if o.status == "imported"]
    assert 1 <= len(imported) < len(paths)
    idle(window.session)
    assert window.library.model.rowCount() == len(imported)
    assert "cancelled" in window.statusBar().currentMessage().lower()
    assert not window.progress.isVisible()


def test_drag_and_drop_a_folder_imports_it(window, tmp_path, qtbot, idle):
    folder = tmp_path / "dropped"
    write_docs(folder, SAMPLE_DOCS)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    pos = window.rect().center()
    enter = QDragEnterEvent(pos.toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos.toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.importer.finished, timeout=60000):
        QApplication.sendEvent(window, drop)
    idle(window.session)
    assert window.library.model.rowCount() == 3


def test_drag_of_non_files_is_refused(window):
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(window.rect().center().toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_delete_a_document_after_confirming(window, tmp_path, qtbot, idle):
    import_and_wait(qtbot, window, write_docs(tmp_path / "in", SAMPLE_DOCS))
    idle(window.session)
    lib = window.library
    lib.view.setFocus()
    lib.view.selectRow(0)
    doomed = lib.selected_ids()
    assert len(doomed) == 1
    qtbot.keyClick(lib.view, Qt.Key.Key_Delete)
    box = window.confirm_box
    assert box.isVisible()
    with qtbot.waitSignal(window.session.documentsRemoved, timeout=30000):
        qtbot.mouseClick(box.button(box.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert lib.model.rowCount() == 2
    assert doomed[0] not in lib.model.ids()


def test_pdf_gets_an_original_page_tab(window, qtbot, idle):
    from tests.conftest import corpus_path

    pdf = corpus_path("pdfminer-samples") / "simple1.pdf"
    if not Path(pdf).exists():
        import pytest

        pytest.skip("simple1.pdf not in the PDF samples")
    import_and_wait(qtbot, window, [pdf])
    idle(window.session)
    doc_id = window.library.model.ids()[0]
    with qtbot.waitSignal(window.reader.documentShown, timeout=30000):
        window.library.select_document(doc_id)
    reader = window.reader
    assert reader.tabs.isTabVisible(reader.pdf_tab)
    reader.tabs.setCurrentIndex(reader.pdf_tab)
    qtbot.waitUntil(lambda: reader.pdf.pane is not None and reader.pdf.pane.document.pageCount() > 0, timeout=30000)
    assert reader.pdf.doc_id == doc_id
