"""Re-importing an edited version of a document from the library's context menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

import ui.filedialogs
from tests.ui.conftest import SAMPLE_DOCS, write_docs
from ui.reimport import describe_excerpts

RIVER = "The river rose after heavy rain."
VILLAGES = "Several villages were evacuated."
EDITED = ("Charlie brief about river levels\n\nUpdated on Tuesday with the council's figures. "
          "The river rose after heavy rain. The council opened two shelters.\n")


def reimport_from_menu(window, qtbot, doc_id: int, path: Path, monkeypatch):
    asked = []
    monkeypatch.setattr(ui.filedialogs, "open_file", lambda _p, title, _s, _f: asked.append(title) or str(path))
    lib = window.library
    idx = lib.proxy.mapFromSource(lib.model.index(lib.model.row_of(doc_id), 0))
    lib.view.customContextMenuRequested.emit(lib.view.visualRect(idx).center())
    menu = lib.context_menu
    action = next(a for a in menu.actions() if a.objectName() == "reimportDocument")
    assert action.isEnabled()
    with qtbot.waitSignal(window.reimporter.finished, timeout=60000) as done:
        action.trigger()
    menu.close()
    assert asked == ["Re-import an edited version of the document"]
    return done.args[0]


def test_reimport_reanchors_and_orphans_and_says_so(window, workspace_path, tmp_path, qtbot, idle, monkeypatch):
    from app.workspace import Workspace

    other = Workspace.open(workspace_path, user="colleague")
    try:
        other.documents.import_paths(write_docs(tmp_path / "docs", SAMPLE_DOCS), workers=0)
        doc = next(d for d in other.documents.list() if d.filename == "charlie_brief.txt")
        text = other.documents.get(doc.id).text
        spans = {p: (doc.id, text.index(p), text.index(p) + len(p)) for p in (RIVER, VILLAGES)}
        claim = other.claims.create("Heavy rain flooded the villages", source=spans[RIVER])
        other.claims.accept(claim.id, "{}:{}:{}".format(*spans[VILLAGES]))
    finally:
        other.close()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 3 and window.claims.model.rowCount() == 1,
                    timeout=15000)
    window.library.select_document(doc.id)
    qtbot.waitUntil(lambda: window.reader.doc_id == doc.id and window.reader.detail is not None, timeout=15000)
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        window.claims.select_claim(claim.id)
    idle(window.session)
    edited = tmp_path / "charlie_brief (updated).txt"
    edited.write_text(EDITED, encoding="utf-8")

    result = reimport_from_menu(window, qtbot, doc.id, edited, monkeypatch)
    assert result.outcome.status == "imported"
    box = window.reimporter.box
    assert box.isVisible() and box.objectName() == "reimportResult"
    assert "1 of 2 excerpts re-anchored (1 at a new position)" in box.text()
    assert "1 excerpt could not be found in the new version and is marked orphaned" in box.text()
    assert "re-anchored" in window.statusBar().currentMessage()
    box.close()
    # the reader shows the new version, the claim's passages follow it
    qtbot.waitUntil(lambda: window.reader.detail.text == EDITED.strip(), timeout=15000)
    idle(window.session)
    assert window.reader.detail.info.filename == edited.name
    apps = {a.text: a for a in window.inspector.detail.appearances}
    assert apps[RIVER].start == EDITED.index(RIVER) and not apps[RIVER].orphaned
    assert apps[VILLAGES].orphaned
    assert [h.start for h in window.reader.text.highlights] == [EDITED.index(RIVER)]
    window.show_document_history(doc.id)
    idle(window.session)
    assert window.history.model.index(0, 2).data() == "Re-imported a new version"


def test_reimport_of_a_file_already_in_the_workspace_changes_nothing(window, tmp_path, qtbot, idle, monkeypatch):
    paths = write_docs(tmp_path / "docs", SAMPLE_DOCS)
    with qtbot.waitSignal(window.importer.finished, timeout=60000):
        window.start_import([str(p) for p in paths])
    idle(window.session)
    lib = window.library
    charlie = next(i for i in lib.model.ids() if lib.model.info(i).filename == "charlie_brief.txt")
    alpha = next(i for i in lib.model.ids() if lib.model.info(i).filename == "alpha_report.txt")
    result = reimport_from_menu(window, qtbot, charlie, paths[0], monkeypatch)
    assert result.outcome.status == "duplicate"
    box = window.reimporter.box
    assert f"already in the workspace as document #{alpha}" in box.text()
    assert box.icon() == box.Icon.Warning
    qtbot.mouseClick(box.button(box.StandardButton.Ok), Qt.MouseButton.LeftButton)
    idle(window.session)
    assert lib.model.info(charlie).filename == "charlie_brief.txt"


def test_describe_excerpts_in_words():
    assert describe_excerpts(None) == ""
    assert describe_excerpts({"total": 0}) == "The document had no excerpts to re-anchor."
    text = describe_excerpts({"total": 3, "unchanged": [1], "moved": [2], "fuzzy": [], "orphaned": [3],
                              "restored": []})
    assert text.startswith("2 of 3 excerpts re-anchored (1 unchanged, 1 at a new position).")
    assert "1 excerpt could not be found" in text
