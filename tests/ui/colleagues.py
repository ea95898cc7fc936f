"""A colleague at work on the same workspace file: helpers for the tests of team use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ui.library import DocumentTableModel

WHEAT = "Prices of wheat rose by a third in the spring."
RIVER = "The river rose after heavy rain."


def open_as(path: Path, user: str) -> Any:
    """Another connection to the same workspace file, as another process (another user) has."""
    from app.workspace import Workspace

    return Workspace.open(path, user=user)


def span(ws: Any, passage: str) -> tuple[int, int, int]:
    """``(document id, start, end)`` of ``passage`` in the workspace."""
    for d in ws.documents.list():
        text = ws.documents.get(d.id).text
        if passage in text:
            return d.id, text.index(passage), text.index(passage) + len(passage)
    raise AssertionError(passage)


def select_claim(window: Any, qtbot: Any, idle: Any, claim_id: int) -> None:
    qtbot.waitUntil(lambda: window.claims.model.row_of(claim_id) is not None, timeout=15000)
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        window.claims.select_claim(claim_id)
    idle(window.session)


def open_document(window: Any, qtbot: Any, doc_id: int) -> None:
    """Click the document in the library; wait for the reader to show it."""
    lib = window.library
    idx = lib.proxy.mapFromSource(lib.model.index(lib.model.row_of(doc_id), DocumentTableModel.TITLE))
    with qtbot.waitSignal(window.reader.documentShown, timeout=30000):
        qtbot.mouseClick(lib.view.viewport(), Qt.MouseButton.LeftButton, pos=lib.view.visualRect(idx).center())
