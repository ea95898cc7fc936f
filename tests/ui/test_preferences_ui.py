"""Preferences: the name recorded in the history for the user's changes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.colleagues import WHEAT, open_document, span


def test_preferences_name_is_recorded_in_the_history(window, alice, qtbot, idle, monkeypatch):
    from app import config

    monkeypatch.delenv("SOURCETRACE_USER", raising=False)
    window.actions_.preferences.trigger()
    dlg = window.preferences_dialog
    assert dlg.isVisible()
    assert not dlg.findChild(type(dlg.effective), "userOverride").isVisible()
    assert dlg.name.text() == "" and config.os_login() in dlg.name.placeholderText()
    qtbot.keyClicks(dlg.name, "  Bob   Example ")
    assert dlg.effective.text() == "Your changes will be recorded as “Bob Example”."
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    assert config.current_user() == "Bob Example"
    idle(window.session)
    assert window.session.ws.user == "Bob Example"
    assert "Bob Example" in window.statusBar().currentMessage()
    # the next change is recorded under the new name
    doc_id = span(alice, WHEAT)[0]
    open_document(window, qtbot, doc_id)
    form = window.reader.metadata
    qtbot.keyClicks(form.edits["outlet"], "Grain Weekly")
    with qtbot.waitSignal(window.session.documentsChanged, timeout=30000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    last = alice.maintenance.history(document_id=doc_id)[-1]
    assert (last.action, last.user) == ("document.edit", "Bob Example")
    # reopening shows the saved name; emptying it goes back to the login name
    window.actions_.preferences.trigger()
    dlg = window.preferences_dialog
    assert dlg.name.text() == "Bob Example"
    dlg.name.clear()
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    assert window.session.ws.user == config.os_login() == config.current_user()


def test_preferences_say_when_the_environment_overrides(window, qtbot, idle, monkeypatch):
    from app import config

    monkeypatch.setenv("SOURCETRACE_USER", "ci-robot")
    window.actions_.preferences.trigger()
    dlg = window.preferences_dialog
    note = dlg.findChild(type(dlg.effective), "userOverride")
    assert note.isVisible() and "SOURCETRACE_USER" in note.text() and "ci-robot" in note.text()
    qtbot.keyClicks(dlg.name, "Bob")
    assert "ci-robot" in dlg.effective.text()
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    idle(window.session)
    assert config.load_settings()["user_name"] == "Bob"  # saved for when the variable is gone
    assert window.session.ws.user == "tester"  # the open workspace keeps the name it was opened with
    assert "SOURCETRACE_USER" in window.statusBar().currentMessage()
