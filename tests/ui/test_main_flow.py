"""The fact-checking flow end to end, with real widgets and a real workspace file.

Import the seed articles, open the Qassim interview, select the sentence about Assad ordering
forces to vacate Tadmur, mark it as a claim (M), find the later summary among the candidates,
accept it (A), open the lineage view (Ctrl+L), then undo and redo the acceptance.
"""

from __future__ import annotations

import importlib.util

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence

from ui.library import DocumentTableModel

SENTENCE = "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum"

pytestmark = pytest.mark.skipif(importlib.util.find_spec("app.matching.service") is None,
                                reason="the claim matcher (app.matching.service) is not in this checkout yet")


def drag_select(qtbot, view, start: int, end: int) -> None:
    """Select characters [start, end) with the mouse, as a user would."""
    view.select_span(start, end, flash=False)  # scrolls the passage into view
    a = view.cursorRect(view.cursor_for(start, start)).center() + QPoint(1, 0)
    b = view.cursorRect(view.cursor_for(end, end)).center() - QPoint(1, 0)
    vp = view.viewport()
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))  # clear the selection
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, pos=(a + b) / 2)
    qtbot.mouseMove(vp, pos=b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)


def candidate_row(inspector, filename_prefix: str, words: str) -> int | None:
    page = inspector.candidates
    for r in range(page.proxy.rowCount()):
        row = page.model.row_at(page.proxy.mapToSource(page.proxy.index(r, 0)).row())
        if row.filename.startswith(filename_prefix) and words in row.text:
            return r
    return None


def test_mark_accept_trace_undo_redo(window, seeds_dir, qtbot, qtmodeltester, idle):
    # ---------------------------------------------------------------- import the seed articles
    with qtbot.waitSignal(window.importer.finished, timeout=120000):
        window.start_import([str(seeds_dir)])
    idle(window.session)
    assert window.library.model.rowCount() == 5
    # ---------------------------------------------------------------- the Palmyra aliases, through the dialog
    window.actions_.aliases.trigger()
    dialog = window.alias_dialog
    idle(window.session)  # its first load
    for terms in ("Daesh, ISIS, IS, ISIL, Islamic State", "Tadmur, Palmyra"):
        with qtbot.waitSignal(dialog.loaded, timeout=60000):
            qtbot.keyClicks(dialog.edit, terms)
            qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() >= 2
    qtmodeltester.check(dialog.model)
    dialog.close()
    idle(window.session)
    window.activateWindow()  # as the window manager does when a dialog closes
    qtbot.waitUntil(window.isActiveWindow)
    # ---------------------------------------------------------------- open the Qassim interview
    lib = window.library
    qtbot.keyClicks(lib.search, "collusion Russia")
    assert lib.proxy.rowCount() == 1
    idx = lib.proxy.index(0, DocumentTableModel.TITLE)
    with qtbot.waitSignal(window.reader.documentShown, timeout=30000):
        qtbot.mouseClick(lib.view.viewport(), Qt.MouseButton.LeftButton, pos=lib.view.visualRect(idx).center())
    reader = window.reader
    assert reader.detail.info.filename.startswith("000")
    qassim_id = reader.doc_id
    # ---------------------------------------------------------------- select the sentence, press M
    start = reader.detail.text.index(SENTENCE)
    drag_select(qtbot, reader.text, start, start + len(SENTENCE))
    assert reader.text.selected_span()[2] == SENTENCE
    inspector = window.inspector
    with qtbot.waitSignals([inspector.claimLoaded, inspector.candidatesLoaded], timeout=120000):
        qtbot.keyClick(reader.text, Qt.Key.Key_M)
    idle(window.session)
    claim_id = inspector.claim_id
    assert claim_id is not None
    assert window.claims.current_claim() == claim_id
    assert inspector.editor.wording.toPlainText() == SENTENCE
    assert inspector.appearances_model.rowCount() == 1
    assert [h.claim_id for h in reader.text.highlights] == [claim_id]  # the passage is highlighted
    qtmodeltester.check(window.claims.model)
    qtmodeltester.check(inspector.candidates.model)
    qtmodeltester.check(inspector.appearances_model)
    # ---------------------------------------------------------------- the later summary is a candidate
    row = candidate_row(inspector, "004", "withdrew his forces")
    assert row is not None, [r.text for r in inspector.candidates.model.rows]
    view = inspector.candidates.view
    cell = inspector.candidates.proxy.index(row, 4)
    view.scrollTo(cell)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(cell).center())
    assert view.hasFocus() and inspector.candidates.current_row() == row
    assert "withdrew" in inspector.candidates.alignment.right.toPlainText()
    assert inspector.candidates.accept_button.isEnabled()
    # ---------------------------------------------------------------- accept it with the keyboard
    with qtbot.waitSignal(window.session.claimsChanged, timeout=60000):
        qtbot.keyClick(view, Qt.Key.Key_A)
    idle(window.session)
    assert inspector.appearances_model.rowCount() == 2
    assert candidate_row(inspector, "004", "withdrew his forces") is None
    docs = {a.document_id for a in inspector.appearances_model.rows}
    assert qassim_id in docs and len(docs) == 2
    summary = window.claims.model.summary(claim_id)
    assert (summary.appearances, summary.documents) == (2, 2)
    # ---------------------------------------------------------------- the lineage view
    lineage = window.lineage
    with qtbot.waitSignal(lineage.lineageShown, timeout=60000):
        qtbot.keySequence(window, QKeySequence("Ctrl+L"))
    idle(window.session)
    assert window.lineage_dock.isVisible()
    assert "2 appearances" in lineage.header.text()
    assert "independent origin" in lineage.header.text()
    nodes = {n.key: n for n in lineage.view.data.nodes}
    earliest = [n for n in nodes.values() if n.earliest]
    assert len(earliest) == 1 and earliest[0].document_id == qassim_id and earliest[0].date == "2016-02-14"
    # clicking a node opens its passage in the reader
    other = next(n for n in nodes.values() if n.kind == "appearance" and n.document_id != qassim_id)
    item = lineage.view.items_by_key[other.key]
    pos = lineage.view.mapFromScene(item.sceneBoundingRect().center())
    lineage.view.centerOn(item)
    pos = lineage.view.mapFromScene(item.sceneBoundingRect().center())
    with qtbot.waitSignal(reader.documentShown, timeout=30000):
        qtbot.mouseClick(lineage.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert reader.doc_id == other.document_id
    assert "withdrew" in reader.text.textCursor().selectedText()
    # ---------------------------------------------------------------- undo and redo the acceptance
    with qtbot.waitSignal(window.session.claimsChanged, timeout=60000):
        qtbot.keySequence(window, QKeySequence("Ctrl+Z"))
    idle(window.session)
    assert inspector.appearances_model.rowCount() == 1
    assert candidate_row(inspector, "004", "withdrew his forces") is not None  # proposed again
    assert "1 appearance," in lineage.header.text()
    with qtbot.waitSignal(window.session.claimsChanged, timeout=60000):
        qtbot.keySequence(window, QKeySequence("Ctrl+Shift+Z"))
    idle(window.session)
    assert inspector.appearances_model.rowCount() == 2
    assert candidate_row(inspector, "004", "withdrew his forces") is None
    assert "2 appearances" in lineage.header.text()
    # the history records every step
    qtbot.mouseClick(inspector.history_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    actions = [window.history.model.index(r, 2).data() for r in range(window.history.model.rowCount())]
    assert "Created the claim" in actions and "Accepted an appearance" in actions
    assert "Removed an appearance" in actions
    qtmodeltester.check(window.history.model)


def import_seeds(window, seeds_dir, qtbot, idle):
    with qtbot.waitSignal(window.importer.finished, timeout=120000):
        window.start_import([str(seeds_dir)])
    idle(window.session)


def test_search_workspace_and_add_a_passage_to_a_claim(window, seeds_dir, qtbot, idle, qtmodeltester):
    import_seeds(window, seeds_dir, qtbot, idle)
    # Ctrl+Shift+F: search the workspace
    qtbot.keySequence(window, QKeySequence("Ctrl+Shift+F"))
    search = window.search
    assert window.search_dock.isVisible() and search.edit.hasFocus()
    with qtbot.waitSignal(search.resultsShown, timeout=120000) as shown:
        qtbot.keyClicks(search.edit, "trade oil for fertiliser")
        qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    assert shown.args[0] >= 1
    qtmodeltester.check(search.model)
    # make the query a claim, then open the best hit in the reader
    with qtbot.waitSignal(window.workflow.claimCreated, timeout=60000) as created:
        qtbot.mouseClick(search.make_claim, Qt.MouseButton.LeftButton)
    claim_id = created.args[0]
    idle(window.session)
    best = search.model.row_at(search.proxy.mapToSource(search.proxy.index(0, 0)).row())
    with qtbot.waitSignal(window.reader.documentShown, timeout=30000):
        search.view.doubleClicked.emit(search.proxy.index(0, 3))
    reader = window.reader
    assert reader.doc_id == best.document_id
    assert reader.text.selected_span()[:2] == (best.start, best.end)
    # Shift+M: add the selected passage to the existing claim through the picker
    reader.text.setFocus()
    qtbot.keyClick(reader.text, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: getattr(window.workflow, "dialog", None) is not None
                    and window.workflow.dialog.isVisible(), timeout=30000)
    picker = window.workflow.dialog
    assert picker.claim_id() == claim_id
    with qtbot.waitSignal(window.session.claimsChanged, timeout=60000):
        picker.accept()
    idle(window.session)
    assert window.claims.model.summary(claim_id).appearances == 1
    assert window.inspector.claim_id == claim_id
    assert [h.claim_id for h in reader.text.highlights] == [claim_id]


def test_reject_with_the_keyboard_and_propose_again(window, seeds_dir, qtbot, idle):
    import_seeds(window, seeds_dir, qtbot, idle)
    with qtbot.waitSignal(window.workflow.claimCreated, timeout=60000):
        window.workflow.create_claim("Palmyra was handed back to government forces by Islamic State", None)
    inspector = window.inspector
    qtbot.waitUntil(lambda: inspector.candidates.model.rowCount() > 0, timeout=120000)
    idle(window.session)
    page = inspector.candidates
    n = page.proxy.rowCount()
    page.view.setFocus()
    page.select_row(0)
    qtbot.keyClick(page.view, Qt.Key.Key_J)  # down one
    assert page.current_row() == min(1, n - 1)
    qtbot.keyClick(page.view, Qt.Key.Key_K)  # and back up
    assert page.current_row() == 0
    first = page.current()
    with qtbot.waitSignal(window.session.claimsChanged, timeout=60000):
        qtbot.keyClick(page.view, Qt.Key.Key_R)
    idle(window.session)
    assert inspector.rejected_model.rowCount() == 1
    keys = [r.key for r in page.model.rows]
    assert first.key not in keys  # rejected candidates are not proposed again
    inspector.tabs.setCurrentIndex(2)
    inspector.rejected_view.setCurrentIndex(inspector.rejected_proxy.index(0, 0))
    with qtbot.waitSignal(window.session.claimsChanged, timeout=60000):
        qtbot.mouseClick(inspector.unreject_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    assert inspector.rejected_model.rowCount() == 0
    assert first.key in [r.key for r in page.model.rows]


def test_repeated_assertions_become_claims_in_one_click(window, tmp_path, qtbot, idle, qtmodeltester):
    from tests.ui.conftest import write_docs

    shared = "The governor of Eskdale signed the emergency water decree on Tuesday night after the dam failed."
    docs = {f"report_{i}.txt": f"Report {i} from the valley\n\nSomething unrelated number {i} happened first. "
            f"{shared} Residents of district {i} were told to boil water.\n" for i in range(4)}
    with qtbot.waitSignal(window.importer.finished, timeout=120000):
        window.start_import([str(p) for p in write_docs(tmp_path / "rep", docs)])
    idle(window.session)
    window.actions_.repeats.trigger()
    panel = window.repeats
    qtbot.waitUntil(lambda: panel.loaded and window.session.tasks.active == 0, timeout=120000)
    qtmodeltester.check(panel.model)
    assert panel.proxy.rowCount() >= 1
    qtbot.keyClicks(panel.filter, "decree")
    assert panel.proxy.rowCount() == 1
    assert panel.proxy.index(0, 1).data() == "appears in 4 documents"
    assert "emergency water decree" in panel.proxy.index(0, 0).data()
    idx = panel.proxy.index(0, 2)
    panel.view.scrollTo(idx)
    with qtbot.waitSignal(window.workflow.claimCreated, timeout=60000) as created:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=panel.view.visualRect(idx).center())
    idle(window.session)
    claim_id = created.args[0]
    assert window.inspector.claim_id == claim_id
    assert window.claims.model.summary(claim_id).appearances == 1
    # the other three copies are the claim's top candidates
    qtbot.waitUntil(lambda: window.inspector.candidates.model.rowCount() >= 3, timeout=60000)
    top = [window.inspector.candidates.model.row_at(window.inspector.candidates.proxy.mapToSource(
        window.inspector.candidates.proxy.index(r, 0)).row()) for r in range(3)]
    assert all("emergency water decree" in c.text for c in top)
