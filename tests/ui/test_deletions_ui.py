"""A deleted document leaves the claim inspector and the lineage view at once, whether this user
deleted it or a colleague did (seen through the change watcher)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.ui.colleagues import RIVER, WHEAT, select_claim, span
from ui.claims_list import count_of


def traced_claim(window, alice, qtbot, idle):
    """A claim with passages in two documents, shown in the inspector and the lineage view."""
    claim = alice.claims.create("Prices of wheat rose by a third in the spring", source=span(alice, WHEAT))
    alice.claims.accept(claim.id, "{}:{}:{}".format(*span(alice, RIVER)))
    select_claim(window, qtbot, idle, claim.id)
    with qtbot.waitSignal(window.lineage.lineageShown, timeout=30000):
        window.show_lineage(claim.id)
    idle(window.session)
    assert window.inspector.appearances_model.rowCount() == 2
    assert len([n for n in window.lineage.view.data.nodes if n.kind == "appearance"]) == 2
    return claim


def lineage_documents(window) -> set[int]:
    data = window.lineage.view.data
    return {n.document_id for n in data.nodes if n.kind == "appearance"} if data else set()


def candidate_documents(window) -> set[int]:
    return {r.document_id for r in window.inspector.candidates.model.rows}


def test_a_colleague_deleting_a_document_refreshes_inspector_and_lineage(window, alice, qtbot, idle):
    copy = alice.documents.import_bytes(b"Wire copy\n\nPrices of wheat rose by a third in the spring, traders "
                                         b"said on Monday.\n", "wire-copy.txt").id
    claim = traced_claim(window, alice, qtbot, idle)
    qtbot.waitUntil(lambda: copy in candidate_documents(window), timeout=15000)
    # a document holding only a candidate: its deletion changes no claim, only the document is known
    alice.documents.delete(copy)
    qtbot.waitUntil(lambda: copy not in candidate_documents(window), timeout=15000)
    # a document holding an appearance: the inspector and the lineage lose it
    river = span(alice, RIVER)[0]
    alice.documents.delete(river)
    qtbot.waitUntil(lambda: window.inspector.appearances_model.rowCount() == 1, timeout=15000)
    qtbot.waitUntil(lambda: river not in lineage_documents(window) and len(lineage_documents(window)) == 1,
                    timeout=15000)
    idle(window.session)
    assert window.inspector.claim_id == claim.id
    assert "1 appearance" in window.lineage.header.text()
    assert window.inspector.tabs.tabText(1) == "Appearances (1)"
    qtbot.waitUntil(lambda: count_of(window.claims.model.summary(claim.id).appearances) == 1, timeout=15000)


def test_deleting_a_document_here_refreshes_inspector_and_lineage(window, alice, qtbot, idle):
    traced_claim(window, alice, qtbot, idle)
    wheat = span(alice, WHEAT)[0]
    lib = window.library
    lib.view.setFocus()
    lib.view.selectRow(lib.proxy.mapFromSource(lib.model.index(lib.model.row_of(wheat), 0)).row())
    qtbot.keyClick(lib.view, Qt.Key.Key_Delete)
    with qtbot.waitSignal(window.session.documentsRemoved, timeout=30000):
        qtbot.mouseClick(window.confirm_box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.inspector.appearances_model.rowCount() == 1, timeout=15000)
    qtbot.waitUntil(lambda: lineage_documents(window) == {span(alice, RIVER)[0]}, timeout=15000)
    idle(window.session)
