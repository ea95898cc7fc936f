"""Render the desktop workbench offscreen to PNG files (``make screenshots``).

    .venv/bin/python scripts/screenshots.py docs/screenshots

Builds a fresh demo workspace (the seed articles, the Palmyra aliases, two traced example claims),
opens it in the main window and grabs: the main window (light and dark), the reader with claim
highlights, the claim inspector with candidates, the lineage view, a workspace search by meaning and
the repeated assertions (for this last one, three short wire copies of seed sentences are imported
first: the seed articles themselves repeat no sentence); then the two claims are exported as an
evidence bundle (the status bar's progress while the report is drawn, the export report) and
verified, as written and with one byte changed in one source document.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QRect, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui import theme  # noqa: E402
from ui.app import make_application  # noqa: E402


def wait(app: QApplication, cond: Callable[[], bool], timeout: float = 120.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what or cond}")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def idle(app: QApplication, window) -> None:
    wait(app, lambda: window.session is not None and window.session.tasks.active == 0, what="background work")


def find_span(text: str, needle: str) -> tuple[int, int]:
    i = text.find(needle)
    if i < 0:
        raise SystemExit(f"passage not found: {needle!r}")
    return i, i + len(needle)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    theme.apply_theme(app, "light")
    from ui.demo import build_demo_workspace
    from ui.mainwindow import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="sourcetrace-shots-"))
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("theme", "light")
    print("building the demo workspace ...", flush=True)
    ws = build_demo_workspace(user="demo", folder=tmp)
    window = MainWindow(settings=settings)
    window.resize(1600, 1000)
    window.show()
    window.set_workspace(ws)
    idle(app, window)

    def semantic_settled() -> bool:  # indexed for meaning (or the stage is off), as a user sees it
        st = window.semantic_indicator.state
        return st is not None and st.known and (not st.on or (st.pending == 0 and st.indexing is None))

    wait(app, semantic_settled, timeout=600, what="semantic indexing")
    idle(app, window)
    wait(app, lambda: window.claims.model.rowCount() > 0, what="claims")
    claims = window.claims.model.ids()
    lib = window.library
    # ---------------------------------------------------------------- claim 1 in the inspector and reader
    first = claims[0]
    window.claims.select_claim(first)
    idle(app, window)
    wait(app, lambda: window.inspector.detail is not None, what="claim detail")
    detail = window.inspector.detail
    app0 = min(detail.appearances, key=lambda a: (a.published or "9999"))
    window.open_passage(app0.document_id, app0.start, app0.end)
    idle(app, window)
    wait(app, lambda: window.reader.doc_id == app0.document_id, what="reader")
    window.show_lineage(first)
    idle(app, window)
    if window.inspector.candidates.proxy.rowCount():
        window.inspector.candidates.select_row(0)
    idle(app, window)
    window.grab().save(str(out / "main-window.png"))
    print("main-window.png", flush=True)
    # ---------------------------------------------------------------- reader with highlights
    reader_doc = max(lib.model.ids(), key=lambda d: lib.model._claims.get(d, 0))
    window.reader.open_document(reader_doc)
    idle(app, window)
    wait(app, lambda: window.reader.doc_id == reader_doc, what="reader document")
    window.reader.resize(900, 760)
    app.processEvents()
    hl = window.reader.text.highlights
    bar = window.reader.text.verticalScrollBar()
    bar.setValue(0)
    if hl:  # the first highlighted passage near the top, with a little context above it
        rect = window.reader.text.cursorRect(window.reader.text.cursor_for(hl[0].start, hl[0].start))
        bar.setValue(max(0, bar.value() + rect.top() - 80))
    app.processEvents()
    window.reader.grab().save(str(out / "reader-highlights.png"))
    print("reader-highlights.png", flush=True)
    # ---------------------------------------------------------------- inspector with candidates
    target = next((c for c in claims if c != first), first)
    window.claims.select_claim(target)
    idle(app, window)
    wait(app, lambda: window.inspector.detail is not None and window.inspector.claim_id == target,
         what="inspector")
    ins = window.inspector
    if ins.candidates.proxy.rowCount():
        ins.candidates.select_row(0)
    ins.tabs.setCurrentIndex(0)
    window.inspector_dock.grab().save(str(out / "claim-inspector.png"))
    print("claim-inspector.png", flush=True)
    # ---------------------------------------------------------------- lineage
    for claim_id in claims[:2]:
        window.show_lineage(claim_id)
        idle(app, window)
        panel = window.lineage
        panel.resize(1500, 520)
        panel.view.fit()
        panel.grab().save(str(out / f"lineage-claim-{claim_id}.png"))
        print(f"lineage-claim-{claim_id}.png", flush=True)
    # ---------------------------------------------------------------- dark main window
    theme.apply_theme(app, "dark")
    window.library.search.clear()
    window.claims.select_claim(first)
    window.show_dock("lineage")
    idle(app, window)
    window.open_passage(app0.document_id, app0.start, app0.end)
    idle(app, window)
    window.reader.text._apply_selections()  # highlight colours follow the palette
    window.grab().save(str(out / "main-window-dark.png"))
    print("main-window-dark.png", flush=True)
    theme.apply_theme(app, "light")
    # ---------------------------------------------------------------- search by meaning
    search = window.search
    window.show_dock("search")
    wait(app, lambda: window.semantic_indicator.state.known, what="semantic matching state")
    search.set_search_by("meaning")  # stays "words and meaning" when the semantic stage is off
    shown: list[int] = []
    search.resultsShown.connect(shown.append)
    search.edit.setText("The Syrian government pulled its troops out of Palmyra so the Islamic State could capture it")
    search.run()
    wait(app, lambda: bool(shown), what="search results")
    idle(app, window)
    search.resize(1300, 460)
    app.processEvents()
    search.grab().save(str(out / "search-by-meaning.png"))
    print("search-by-meaning.png", flush=True)
    # ---------------------------------------------------------------- repeated assertions
    # The five seed articles repeat no sentence verbatim, so the demo has no repetition group.
    # Three short "wire copies" of seed sentences (written here, clearly named) give the view
    # something to show; every other screenshot above is the plain demo workspace.
    wire = tmp / "wire-copies"
    wire.mkdir()
    copies = [
        "Sky News obtained documents last year proving that Assad withdrew his forces to let ISIS take "
        "Palmyra in 2015.",
        "While this to-ing and fro-ing was going on, both sides were trading oil for fertiliser.",
    ]
    for i, outlet in enumerate(("Wire copy A", "Wire copy B", "Wire copy C")):
        (wire / f"wire-copy-{i + 1}.txt").write_text(
            f"{outlet}: Syria round-up\n\nA reader digest, item {i + 1}. " + " ".join(copies) + "\n", encoding="utf-8")
    assert window.importer is not None
    window.importer.workers = 0
    window.start_import([str(wire)])
    wait(app, lambda: window.importer is not None and not window.importer.running, what="wire copies")
    idle(app, window)
    window.show_dock("repeats")
    window.repeats.ensure_loaded()
    idle(app, window)
    rep = window.repeats
    if rep.proxy.rowCount():
        rep.view.expand(rep.proxy.index(0, 0))
    rep.resize(1300, 460)
    rep.grab().save(str(out / "repeated-assertions.png"))
    print("repeated-assertions.png", flush=True)
    # ---------------------------------------------------------------- evidence bundles
    bundles = tmp / "bundles"
    bundles.mkdir()
    ctl = window.bundles
    progress = window.bundle_progress
    bar_shot: list[bool] = []

    def grab_bar(*_args: object) -> None:
        if not bar_shot and progress.isVisible() and progress.bar.maximum() > 1:
            bar_shot.append(True)
            bar = window.statusBar()
            left = max(0, progress.geometry().x() - 12)
            strip = bar.grab(QRect(left, 0, bar.width() - left, bar.height()))
            strip.save(str(out / "export-progress.png"))
            print("export-progress.png", flush=True)

    # The demo case exports in a blink; the PDF renderer is held for a moment so that the status
    # bar can be photographed mid-export (the widgets are the real ones, showing the real export).
    import ui.services

    real_renderer = ui.services.render_html_to_pdf

    def held_renderer(html: str, target: Path) -> None:
        time.sleep(1.0)
        real_renderer(html, target)

    ui.services.render_html_to_pdf = held_renderer  # type: ignore[assignment]
    shot_timer = QTimer()
    shot_timer.setInterval(300)
    shot_timer.timeout.connect(grab_bar)
    shot_timer.start()
    window.claims.view.selectAll()
    results: list[object] = []
    ctl.exported.connect(results.append)
    ctl.start_export(window.claims_to_export(), str(bundles / "palmyra-case.zip"))
    wait(app, lambda: bool(results), timeout=300, what="the export")
    shot_timer.stop()
    ui.services.render_html_to_pdf = real_renderer  # type: ignore[assignment]
    ui.services.install_qt_services()
    wait(app, lambda: ctl.dialog is not None and ctl.dialog.isVisible(), what="the export report")
    ctl.dialog.resize(1000, 560)
    app.processEvents()
    ctl.dialog.grab().save(str(out / "export-result.png"))
    print("export-result.png", flush=True)
    verified: list[object] = []
    ctl.verified.connect(verified.append)
    ctl.start_verify(str(bundles / "palmyra-case.zip"))
    wait(app, lambda: bool(verified), what="verification")
    ctl.dialog.resize(1000, 560)
    app.processEvents()
    ctl.dialog.grab().save(str(out / "verify-intact.png"))
    print("verify-intact.png", flush=True)
    # one byte changed in one source document (a letter's case), as a careless edit would
    tampered = bundles / "palmyra-case-tampered.zip"
    with zipfile.ZipFile(bundles / "palmyra-case.zip") as zin, zipfile.ZipFile(tampered, "w") as zout:
        done_one = False
        for info in zin.infolist():
            data = zin.read(info)
            if not done_one and "/data/documents/" in info.filename:
                i = next(n for n in range(200, len(data)) if chr(data[n]).isalpha())
                data = data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:]
                done_one = True
            zout.writestr(info, data)
    ctl.start_verify(str(tampered))
    wait(app, lambda: len(verified) == 2, what="verification of the tampered copy")
    ctl.dialog.resize(1000, 560)
    app.processEvents()
    ctl.dialog.grab().save(str(out / "verify-tampered.png"))
    print("verify-tampered.png", flush=True)
    ctl.dialog.close()
    window.close()
    app.processEvents()
    ws.close()
    shutil.rmtree(tmp, ignore_errors=True)  # the demo workspace, its bundles and settings


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
