"""A workspace busy with someone else's long write: one readable message, the edit kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from tests.ui.colleagues import WHEAT, open_document, span


def test_a_busy_workspace_is_named_once(window, alice, qtbot, idle, monkeypatch):
    monkeypatch.setenv("SOURCETRACE_BUSY_SECONDS", "0.3")
    doc_id = span(alice, WHEAT)[0]
    open_document(window, qtbot, doc_id)
    form = window.reader.metadata
    qtbot.keyClicks(form.edits["outlet"], "Daily Grain")
    with alice.db.doing("importing 120 files"), alice.db.writing() as s:
        s.execute(text("SELECT 1"))  # Alice holds the write lock
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(window.reporter.shown), timeout=30000)
    shown = window.reporter.shown.pop()
    assert shown.startswith("The workspace is busy: alice is importing 120 files")
    assert shown.count("The workspace is busy") == 1
    assert form.edits["outlet"].text() == "Daily Grain"  # the edit is kept to save again
    with qtbot.waitSignal(window.session.documentsChanged, timeout=30000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    assert alice.documents.info(doc_id).outlet == "Daily Grain"


def test_describe_never_doubles_a_prefix():
    from app.errors import ConflictError, WorkspaceBusy
    from ui.errors import describe

    assert describe(WorkspaceBusy("The workspace is busy: alice is importing 3 files. Waited 30 s"))[0] == \
        "The workspace is busy: alice is importing 3 files. Waited 30 s"
    assert describe(WorkspaceBusy("alice is importing"))[0] == "The workspace is busy: alice is importing"
    conflict = ConflictError("Someone else changed this first: claim 3", entity="claim", entity_id=3, mine={},
                             theirs={})
    assert describe(conflict)[0] == "Someone else changed this first: claim 3"
    assert describe(OSError("disk gone"))[0] == "A file could not be read or written: disk gone"
