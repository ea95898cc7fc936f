"""Claims in the window: editing with undo, a colleague's conflicting save, deleting, read-only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import SAMPLE_DOCS, write_docs


def colleague(path):
    from app.workspace import Workspace

    return Workspace.open(path, user="colleague")


def select_claim(window, qtbot, idle, claim_id):
    qtbot.waitUntil(lambda: window.claims.model.row_of(claim_id) is not None, timeout=15000)
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        window.claims.select_claim(claim_id)
    idle(window.session)


def test_new_claim_dialog_creates_and_selects_the_claim(window, qtbot, idle, qtmodeltester):
    with qtbot.waitSignal(window.workflow.claimCreated, timeout=30000) as created:
        window.actions_.new_claim.trigger()
        dlg = window.workflow.dialog
        qtbot.keyClicks(dlg.edit, "The bridge in Ardmore was closed for three days")
        dlg.accept()
    claim_id = created.args[0]
    qtbot.waitUntil(lambda: window.claims.current_claim() == claim_id, timeout=15000)
    idle(window.session)
    assert window.inspector.editor.wording.toPlainText() == "The bridge in Ardmore was closed for three days"
    assert window.claims.hint.isHidden()
    qtmodeltester.check(window.claims.model)
    qtmodeltester.check(window.claims.proxy)


def test_verdict_and_wording_edits_undo_in_order(window, qtbot, idle, workspace_path):
    other = colleague(workspace_path)
    claim = other.claims.create("Prices of wheat rose by a third")
    other.close()
    select_claim(window, qtbot, idle, claim.id)
    ed = window.inspector.editor
    ed.wording.setPlainText("Prices of wheat rose by a third in the spring")
    ed.verdict.setCurrentIndex(ed.verdict.findData("mostly true"))
    qtbot.keyClicks(ed.verdict_note, "The ministry's own figures say 31%")
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    summary = window.claims.model.summary(claim.id)
    assert summary.text == "Prices of wheat rose by a third in the spring"
    assert summary.verdict == "mostly true"
    assert not ed.save_button.isEnabled()
    undo = window.session.undo
    assert undo.count() == 2  # the wording, then the verdict
    undo.undo()
    idle(window.session)
    assert window.claims.model.summary(claim.id).verdict is None
    undo.undo()
    idle(window.session)
    assert window.claims.model.summary(claim.id).text == "Prices of wheat rose by a third"
    assert ed.wording.toPlainText() == "Prices of wheat rose by a third"
    undo.redo()
    undo.redo()
    idle(window.session)
    assert window.claims.model.summary(claim.id).verdict == "mostly true"


def test_a_colleagues_save_first_opens_the_merge_dialog(window, qtbot, idle, workspace_path):
    other = colleague(workspace_path)
    claim = other.claims.create("Assad ordered forces out of Tadmur")
    select_claim(window, qtbot, idle, claim.id)
    ed = window.inspector.editor
    ed.wording.setPlainText("Assad ordered his forces out of Tadmur")
    # meanwhile the colleague saves their own wording
    other.claims.update(claim.id, expected_version=claim.version, text="Assad ordered the army out of Palmyra")
    other.close()
    qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window.inspector, "conflict_dialog", None) is not None
                    and window.inspector.conflict_dialog.isVisible(), timeout=30000)
    dlg = window.inspector.conflict_dialog
    assert dlg.fields == ["text"]
    assert "colleague" in dlg.head.text()
    dlg.editors["text"].setPlainText("Assad ordered his forces out of Tadmur (Palmyra)")
    with qtbot.waitSignal(window.session.claimsChanged, timeout=30000):
        qtbot.mouseClick(dlg.findChild(type(ed.save_button), "saveMerged"), Qt.MouseButton.LeftButton)
    idle(window.session)
    assert window.claims.model.summary(claim.id).text == "Assad ordered his forces out of Tadmur (Palmyra)"
    assert ed.wording.toPlainText() == "Assad ordered his forces out of Tadmur (Palmyra)"
    # undo goes back to the colleague's saved text, not to the stale one
    window.session.undo.undo()
    idle(window.session)
    assert window.claims.model.summary(claim.id).text == "Assad ordered the army out of Palmyra"


def test_discarding_mine_keeps_theirs(window, qtbot, idle, workspace_path):
    other = colleague(workspace_path)
    claim = other.claims.create("The crossing was closed for three days")
    select_claim(window, qtbot, idle, claim.id)
    ed = window.inspector.editor
    ed.notes.setPlainText("my notes")
    other.claims.update(claim.id, expected_version=claim.version, notes="their notes")
    other.close()
    qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window.inspector, "conflict_dialog", None) is not None, timeout=30000)
    dlg = window.inspector.conflict_dialog
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        qtbot.mouseClick(dlg.findChild(type(ed.save_button), "discardMine"), Qt.MouseButton.LeftButton)
    assert ed.notes.toPlainText() == "their notes"
    assert not ed.is_dirty()


def test_delete_a_claim(window, qtbot, idle, workspace_path):
    other = colleague(workspace_path)
    claim = other.claims.create("Several villages were evacuated")
    other.close()
    select_claim(window, qtbot, idle, claim.id)
    window.claims.view.setFocus()
    qtbot.keyClick(window.claims.view, Qt.Key.Key_Delete)
    box = window.confirm_box
    with qtbot.waitSignal(window.session.claimsRemoved, timeout=30000):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert window.claims.model.rowCount() == 0
    assert window.inspector.claim_id is None


def test_read_only_workspace_says_so(qtbot, settings, tmp_path):
    from app.workspace import Workspace
    from ui.mainwindow import MainWindow

    path = tmp_path / "ro.sourcetrace"
    ws = Workspace.open(path, user="tester")
    ws.documents.import_paths(write_docs(tmp_path / "in", SAMPLE_DOCS), workers=0)
    ws.close()
    w = MainWindow(settings=settings)
    w.show()
    with qtbot.waitSignal(w.workspaceOpened, timeout=60000):
        w.open_workspace(path, readonly=True)  # what a file the user cannot write opens as
    assert "read-only" in w.windowTitle()
    assert "read-only" in w.statusBar().currentMessage()
    assert not w.actions_.import_files.isEnabled()
    assert not w.actions_.new_claim.isEnabled()
    qtbot.waitUntil(lambda: w.library.model.rowCount() == 3)
    assert w.reader.metadata.edits["title"].isReadOnly()
    w.close()
