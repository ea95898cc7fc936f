"""Two people edit the same claim or document: the second save is refused and opens a dialog
with both versions to merge; nothing is silently overwritten, nothing is lost."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton

from tests.ui.colleagues import RIVER, WHEAT, open_document, select_claim, span


# ---------------------------------------------------------------------- verdicts
def test_a_verdict_saved_over_a_colleagues_opens_the_merge_dialog(window, alice, qtbot, idle):
    claim = alice.claims.create("Wheat prices rose by a third", source=span(alice, WHEAT))
    select_claim(window, qtbot, idle, claim.id)
    ed = window.inspector.editor
    ed.verdict.setCurrentIndex(ed.verdict.findData("mostly true"))
    qtbot.keyClicks(ed.verdict_note, "The ministry's own figures say 31%")
    # meanwhile Alice rates it from the same version Bob's view started from
    alice.claims.set_verdict(claim.id, "false", "Alice: the harvest report says 12%", expected_version=claim.version)
    qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window.inspector, "conflict_dialog", None) is not None
                    and window.inspector.conflict_dialog.isVisible(), timeout=30000)
    dlg = window.inspector.conflict_dialog
    assert dlg.fields == ["verdict", "verdict_note"]
    assert "alice" in dlg.head.text()
    assert alice.claims.get(claim.id).verdict == "false"  # Bob's save was refused, Alice's stands
    combo = dlg.findChild(QComboBox, "merge_verdict")
    assert combo.currentData() == "mostly true"  # mine to start with
    combo.setCurrentIndex(combo.findData("misleading"))
    dlg.editors["verdict_note"].setPlainText("31% by the ministry, 12% by the harvest report")
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        qtbot.mouseClick(dlg.findChild(QPushButton, "saveMerged"), Qt.MouseButton.LeftButton)
    idle(window.session)
    saved = alice.claims.get(claim.id)
    assert (saved.verdict, saved.verdict_note) == ("misleading", "31% by the ministry, 12% by the harvest report")
    assert window.claims.model.summary(claim.id).verdict == "misleading"
    assert ed.verdict.currentData() == "misleading" and not ed.is_dirty()
    # nothing was lost: Alice's verdict and the merge are both in the history, in that order
    verdicts = [(e.user, e.after["verdict"]) for e in alice.claims.history(claim.id) if e.action == "claim.verdict"]
    assert verdicts == [("alice", "false"), ("tester", "misleading")]
    # undo goes back to Alice's verdict, not to the one Bob's view started from
    window.session.undo.undo()
    idle(window.session)
    assert alice.claims.get(claim.id).verdict == "false"


def test_wording_and_verdict_conflict_is_one_merge(window, alice, qtbot, idle):
    claim = alice.claims.create("Villages were evacuated")
    select_claim(window, qtbot, idle, claim.id)
    ed = window.inspector.editor
    ed.wording.setPlainText("Several villages were evacuated")
    ed.verdict.setCurrentIndex(ed.verdict.findData("true"))
    alice.claims.set_verdict(claim.id, "unproven", "", expected_version=claim.version)
    qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window.inspector, "conflict_dialog", None) is not None
                    and window.inspector.conflict_dialog.isVisible(), timeout=30000)
    dlg = window.inspector.conflict_dialog
    assert dlg.fields == ["text", "verdict"]  # the wording edit and the verdict, in one dialog
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        qtbot.mouseClick(dlg.findChild(QPushButton, "discardMine"), Qt.MouseButton.LeftButton)
    idle(window.session)
    assert ed.verdict.currentData() == "unproven" and ed.wording.toPlainText() == "Villages were evacuated"
    assert not ed.is_dirty()
    saved = alice.claims.get(claim.id)
    assert (saved.text, saved.verdict) == ("Villages were evacuated", "unproven")


# ---------------------------------------------------------------------- document details
def test_details_saved_over_a_colleagues_open_the_merge_dialog(window, alice, qtbot, idle):
    doc_id = span(alice, RIVER)[0]
    open_document(window, qtbot, doc_id)
    reader = window.reader
    reader.tabs.setCurrentIndex(2)
    form = reader.metadata
    title = form.edits["title"]
    title.clear()
    qtbot.keyClicks(title, "River levels: Bob's title")
    qtbot.keyClicks(form.edits["outlet"], "Bob's Gazette")
    alice.documents.update_metadata(doc_id, expected_version=alice.documents.info(doc_id).version,
                                     title="River levels: Alice's title", author="Alice A.")
    # the window sees Alice's commit; Bob's typing stays, and he is told a save will ask to merge
    qtbot.waitUntil(lambda: form.stale.isVisible(), timeout=15000)
    assert title.text() == "River levels: Bob's title"
    assert form.edits["author"].text() == "Alice A."  # a field Bob did not touch shows hers
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "conflict_dialog", None) is not None
                    and window.conflict_dialog.isVisible(), timeout=30000)
    dlg = window.conflict_dialog
    assert dlg.fields == ["title", "outlet"]
    assert "alice" in dlg.head.text()
    assert alice.documents.info(doc_id).title == "River levels: Alice's title"  # refused, not overwritten
    dlg.editors["title"].setPlainText("River levels (Alice and Bob)")
    with qtbot.waitSignal(window.session.documentsChanged, timeout=30000):
        qtbot.mouseClick(dlg.findChild(QPushButton, "saveMerged"), Qt.MouseButton.LeftButton)
    idle(window.session)
    info = alice.documents.info(doc_id)
    assert (info.title, info.outlet, info.author) == ("River levels (Alice and Bob)", "Bob's Gazette", "Alice A.")
    qtbot.waitUntil(lambda: title.text() == "River levels (Alice and Bob)" and not form.is_dirty(), timeout=15000)
    assert not form.stale.isVisible()
    edits = [(e.user, e.after.get("title")) for e in alice.maintenance.history(document_id=doc_id)
             if e.action == "document.edit"]
    assert edits == [("alice", "River levels: Alice's title"), ("tester", "River levels (Alice and Bob)")]
    window.session.undo.undo()  # back to Alice's version
    idle(window.session)
    assert alice.documents.info(doc_id).title == "River levels: Alice's title"


def test_keeping_the_colleagues_details(window, alice, qtbot, idle):
    doc_id = span(alice, WHEAT)[0]
    open_document(window, qtbot, doc_id)
    form = window.reader.metadata
    qtbot.keyClicks(form.edits["outlet"], "Bob's outlet")
    alice.documents.update_metadata(doc_id, outlet="Alice's outlet")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "conflict_dialog", None) is not None
                    and window.conflict_dialog.isVisible(), timeout=30000)
    qtbot.mouseClick(window.conflict_dialog.findChild(QPushButton, "discardMine"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.edits["outlet"].text() == "Alice's outlet" and not form.is_dirty(), timeout=15000)
    idle(window.session)
    assert alice.documents.info(doc_id).outlet == "Alice's outlet"
    assert not window.actions_.undo.isEnabled()
