"""Evidence bundles from the window: export (inspector, claims list, menu) with progress and
Cancel, verify file by file, import into another workspace."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

import ui.filedialogs
from tests.ui.conftest import SAMPLE_DOCS, write_docs

PASSAGES = ("Prices of wheat rose by a third in the spring.", "The crossing was closed for three days.")


def make_case(path: Path, folder: Path) -> list[int]:
    """Documents and two claims with a passage each, written by a colleague (another connection)."""
    from app.workspace import Workspace

    ws = Workspace.open(path, user="colleague")
    try:
        ws.documents.import_paths(write_docs(folder, SAMPLE_DOCS), workers=0)
        ids = []
        for passage in PASSAGES:
            doc = next(d for d in ws.documents.list() if passage in ws.documents.get(d.id).text)
            start = ws.documents.get(doc.id).text.index(passage)
            claim = ws.claims.create(passage.rstrip("."), source=(doc.id, start, start + len(passage)))
            ids.append(claim.id)
        ws.claims.set_verdict(ids[0], "mostly true", "the ministry's figures say 31%")
        return ids
    finally:
        ws.close()


@pytest.fixture
def case(window, workspace_path, tmp_path, qtbot, idle):
    ids = make_case(workspace_path, tmp_path / "docs")
    qtbot.waitUntil(lambda: window.claims.model.rowCount() == len(ids), timeout=15000)
    idle(window.session)
    return ids


def choose(monkeypatch, kind: str, path: Path | None) -> list[str]:
    """Answer the next file dialogs with ``path``; returns the titles they were asked with."""
    asked: list[str] = []

    def answer(_parent, title, _start, _filters):
        asked.append(title)
        return None if path is None else str(path)

    monkeypatch.setattr(ui.filedialogs, kind, answer)
    return asked


def record_progress(monkeypatch, window) -> list[tuple]:
    steps: list[tuple] = []
    real = window.bundle_progress.step

    def step(*args):
        steps.append((args, window.bundle_progress.isVisible()))
        real(*args)

    monkeypatch.setattr(window.bundle_progress, "step", step)
    return steps


def test_export_from_the_inspector_then_verify_it(window, case, qtbot, idle, tmp_path, monkeypatch, qtmodeltester):
    from app.bundles.verify import verify_path

    out = tmp_path / "out" / "wheat case.zip"
    out.parent.mkdir()
    asked = choose(monkeypatch, "save_file", out)
    steps = record_progress(monkeypatch, window)
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        window.claims.select_claim(case[0])
    idle(window.session)
    ins = window.inspector
    assert ins.export_button.isEnabled()
    # a verdict saved just before exporting is in the bundle, even when saving it takes a while
    claims_service = type(window.session.ws.claims)
    real_set_verdict = claims_service.set_verdict

    def slow_set_verdict(self, *args, **kwargs):
        time.sleep(0.5)
        return real_set_verdict(self, *args, **kwargs)

    monkeypatch.setattr(claims_service, "set_verdict", slow_set_verdict)
    ed = ins.editor
    ed.verdict.setCurrentIndex(ed.verdict.findData("misleading"))
    qtbot.mouseClick(ed.save_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.bundles.exported, timeout=120000) as done:
        qtbot.mouseClick(ins.export_button, Qt.MouseButton.LeftButton)
    report = done.args[0]
    with zipfile.ZipFile(out) as zf:
        claims = json.loads(zf.read("wheat-case/data/claims.json"))["claims"]
    assert [c["verdict"] for c in claims] == ["misleading"]
    assert asked == ["Export evidence bundle"]
    # progress arrived in the status bar while it ran, and the bar is gone now
    assert steps and all(visible for _args, visible in steps)
    assert steps[-1][0][0] == steps[-1][0][1]
    assert not window.bundle_progress.isVisible()
    assert report.path == out and out.exists() and report.claims == 1 and report.documents == 1
    # the report was drawn with Qt on a worker thread: a real PDF, no warning
    assert "data/report.pdf" in [f.path for f in report.files]
    assert not report.warnings
    assert str(out) in window.statusBar().currentMessage()
    dlg = window.bundles.dialog
    assert dlg.objectName() == "exportResult" and dlg.isVisible()
    assert dlg.model.rowCount() == len(report.files)
    qtmodeltester.check(dlg.model)
    assert verify_path(out).ok
    # "Verify now" checks the bundle just written, file by file
    with qtbot.waitSignal(window.bundles.verified, timeout=60000):
        qtbot.mouseClick(dlg.verify_button, Qt.MouseButton.LeftButton)
    result = window.bundles.dialog
    assert result.objectName() == "verifyResult" and result.intact
    assert "Intact" in result.headline.text()
    assert result.model.rowCount() == result.report.files_hashed
    assert {result.model.index(r, 1).data() for r in range(result.model.rowCount())} == {"✔ Intact"}
    qtmodeltester.check(result.model)
    result.close()


def test_export_several_claims_from_the_claims_list(window, case, qtbot, idle, tmp_path, monkeypatch):
    out = tmp_path / "both"  # no extension typed: .zip is added
    choose(monkeypatch, "save_file", out)
    view = window.claims.view
    first, second = (window.claims.proxy.mapFromSource(window.claims.model.index(window.claims.model.row_of(i), 0))
                     for i in case)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(first).center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     pos=view.visualRect(second).center())
    assert sorted(window.claims.selected_claims()) == sorted(case)
    idle(window.session)
    view.customContextMenuRequested.emit(view.visualRect(second).center())
    menu = window.claims.context_menu
    action = next(a for a in menu.actions() if a.objectName() == "exportBundle")
    assert action.text() == "Export 2 claims as an evidence bundle…"
    with qtbot.waitSignal(window.bundles.exported, timeout=120000) as done:
        action.trigger()
    menu.close()
    report = done.args[0]
    assert report.path == tmp_path / "both.zip" and report.claims == 2 and report.documents == 2
    window.bundles.dialog.close()
    # a right-click outside the selection exports only the claim clicked
    third = window.claims.proxy.index(0, 0)
    view.clearSelection()
    view.customContextMenuRequested.emit(view.visualRect(third).center())
    action = next(a for a in window.claims.context_menu.actions() if a.objectName() == "exportBundle")
    assert action.text() == "Export evidence bundle…"
    window.claims.context_menu.close()


def test_menu_export_uses_the_selection_and_cancel_leaves_nothing(window, case, qtbot, idle, tmp_path, monkeypatch):
    import ui.services

    out = tmp_path / "cancelled.zip"
    choose(monkeypatch, "save_file", out)
    window.claims.view.clearSelection()
    window.inspector.show_claim(None)
    window.actions_.export_bundle.trigger()  # nothing selected: says so, asks nothing
    assert "Select one or more claims" in window.statusBar().currentMessage()
    rendering, cancelled = threading.Event(), threading.Event()

    def slow_renderer(html: str, target: Path) -> None:  # the last step; holds until Cancel is clicked
        rendering.set()
        cancelled.wait(30)
        target.write_bytes(b"%PDF-1.4\n% test\n")

    monkeypatch.setattr(ui.services, "render_html_to_pdf", slow_renderer)
    window.claims.select_claim(case[1])
    idle(window.session)
    window.actions_.export_bundle.trigger()
    qtbot.waitUntil(rendering.is_set, timeout=60000)
    assert window.bundle_progress.isVisible() and window.bundles.running
    cancel = window.bundle_progress.findChild(QPushButton, "cancelBundleTask")
    with qtbot.waitSignal(window.bundles.finished, timeout=30000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        cancelled.set()
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert window.statusBar().currentMessage() == "Export cancelled; nothing was written."
    assert not window.bundle_progress.isVisible() and not window.bundles.running
    assert not window.reporter.shown  # a cancel is not an error


def tamper(bundle: Path, member: str, out: Path) -> str:
    """Copy ``bundle`` to ``out`` with one byte of the payload file ``member`` changed (its path
    under ``data/``, without the hash prefix of document file names)."""
    folder, _, name = member.rpartition("/")
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        changed = ""
        for info in src.infolist():
            data = src.read(info)
            inner = info.filename.split("/", 1)[1]
            if not changed and inner.startswith(f"data/{folder}") and inner.endswith(name):
                data = bytes([data[0] ^ 0x20]) + data[1:]
                changed = info.filename.split("/", 1)[1]
            dst.writestr(info, data)
    assert changed
    return changed


@pytest.fixture
def bundle(workspace_path, tmp_path) -> Path:
    """An exported bundle of the example case, made from another workspace."""
    from app.bundles.export import export_claims
    from app.workspace import Workspace

    other = tmp_path / "partner.sourcetrace"
    ids = make_case(other, tmp_path / "partner-docs")
    ws = Workspace.open(other, user="partner")
    try:
        return export_claims(ws, ids, tmp_path / "case.zip").path
    finally:
        ws.close()


def test_verify_an_unpacked_bundle_folder(window, bundle, qtbot, tmp_path, monkeypatch):
    import zipfile

    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(tmp_path / "unpacked")
    (folder,) = (tmp_path / "unpacked").iterdir()
    asked: list[str] = []

    def answer(_parent, title, _start):
        asked.append(title)
        return str(folder)

    monkeypatch.setattr(ui.filedialogs, "open_folder", answer)
    window.close_workspace()
    with qtbot.waitSignal(window.bundles.verified, timeout=60000) as done:
        window.actions_.verify_folder.trigger()
    assert asked == ["Verify an unpacked bundle folder"] and done.args[0].ok
    assert window.bundles.dialog.intact
    (folder / "data" / "claims.json").write_text("{}")
    monkeypatch.setattr(ui.filedialogs, "open_folder", answer)
    window.bundles.dialog.close()
    with qtbot.waitSignal(window.bundles.verified, timeout=60000) as done:
        window.actions_.verify_folder.trigger()
    assert not done.args[0].ok and not window.bundles.dialog.intact


def test_verify_a_tampered_bundle_names_the_file(window, bundle, qtbot, tmp_path, monkeypatch, qtmodeltester):
    bad = tmp_path / "tampered.zip"
    changed = tamper(bundle, "documents/alpha_report.txt", bad)
    asked = choose(monkeypatch, "open_file", bad)
    window.close_workspace()  # verifying needs no workspace
    assert window.actions_.verify_bundle.isEnabled()
    with qtbot.waitSignal(window.bundles.verified, timeout=60000) as done:
        window.actions_.verify_bundle.trigger()
    assert asked == ["Verify evidence bundle"]
    assert not done.args[0].ok
    dlg = window.bundles.dialog
    # the manifest's checksum and the hash recorded at import both disagree, about the same file
    assert not dlg.intact and "NOT intact: 2 problems in 1 file" in dlg.headline.text()
    model = dlg.model
    qtmodeltester.check(model)
    assert (model.index(0, 0).data(), model.index(0, 1).data()) == (changed, "✘ Problem")
    assert "checksum does not match" in model.index(0, 2).data()
    assert "recorded at import" in model.index(0, 2).data()
    assert {model.index(r, 1).data() for r in range(1, model.rowCount())} == {"✔ Intact"}
    assert "NOT intact" in window.statusBar().currentMessage()
    assert "NOT INTACT" in dlg.report_text()
    dlg.close()


def test_import_a_bundle_into_the_open_workspace(window, bundle, qtbot, idle, tmp_path, monkeypatch):
    choose(monkeypatch, "open_file", bundle)
    steps = record_progress(monkeypatch, window)
    assert window.actions_.import_bundle.isEnabled()
    with qtbot.waitSignal(window.bundles.imported, timeout=120000) as done:
        window.actions_.import_bundle.trigger()
    report = done.args[0]
    assert len(report.claims_created) == 2 and report.documents_created == 2
    assert steps
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 2 and window.claims.model.rowCount() == 2,
                    timeout=15000)
    idle(window.session)
    box = window.bundles.dialog
    assert box.objectName() == "bundleImported" and "2 claims added" in box.text()
    box.close()
    texts = {window.claims.model.summary(c["id"]).text for c in report.claims_created}
    assert texts == {p.rstrip(".") for p in PASSAGES}
    # the partner's authorship came along
    with qtbot.waitSignal(window.inspector.claimLoaded, timeout=30000):
        window.claims.select_claim(report.claims_created[0]["id"])
    assert window.inspector.detail.created_by == "colleague"
    # importing it again changes nothing
    with qtbot.waitSignal(window.bundles.imported, timeout=120000) as again:
        window.actions_.import_bundle.trigger()
    assert not again.args[0].claims_created and len(again.args[0].claims_skipped) == 2
    window.bundles.dialog.close()
    idle(window.session)


def test_a_tampered_bundle_is_not_imported(window, bundle, qtbot, idle, tmp_path, monkeypatch):
    bad = tmp_path / "tampered.zip"
    tamper(bundle, "claims.json", bad)
    choose(monkeypatch, "open_file", bad)
    with qtbot.waitSignal(window.bundles.finished, timeout=60000):
        window.actions_.import_bundle.trigger()
    dlg = window.bundles.dialog
    assert dlg.objectName() == "verifyResult" and not dlg.intact
    assert "Not imported" in dlg.windowTitle() + dlg.findChild(type(dlg.headline), "verifyPreface").text()
    assert dlg.model.index(0, 0).data() == "data/claims.json"
    dlg.close()
    idle(window.session)
    assert window.library.model.rowCount() == 0 and window.claims.model.rowCount() == 0
    assert not window.reporter.shown
