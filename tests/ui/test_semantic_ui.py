"""The semantic stage in the window: the status-bar indicator, background indexing with progress
and Cancel, and which stage found each search result.

Tests that need the real model skip when the semantic extra is not installed; the others replace
``SemanticService`` with a scripted stand-in so they run everywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import SAMPLE_DOCS, wait_idle, write_docs
from ui.candidates import FOUND_BY
from ui.semantic import INDEX_LABEL
from ui.session import Changes

PARAPHRASE = "The Syrian government pulled its troops out of Palmyra so the Islamic State could capture it"


def stage() -> Any:
    from app.matching.semantic.model import availability

    return availability()


needs_model = pytest.mark.skipif(not stage().on, reason=f"needs the semantic model: {stage().reason}")


@pytest.fixture
def open_window(qtbot: Any, settings: Any) -> Iterator[Callable[..., Any]]:
    """Opens a main window on a workspace; closes it after the test (cancelling its work), and
    fails the test on any error dialog."""
    from ui.mainwindow import MainWindow

    windows: list[Any] = []

    def make(path: Path, **kw: Any) -> Any:
        w = MainWindow(settings=settings)
        windows.append(w)
        w.resize(1400, 900)
        w.show()
        with qtbot.waitSignal(w.workspaceOpened, timeout=60000):
            w.open_workspace(path, user="tester", **kw)
        return w

    yield make
    errors = []
    for w in windows:
        errors += list(w.reporter.shown)
        w.close()
        w.deleteLater()
    assert not errors, f"unexpected error dialogs: {errors}"


class ScriptedStage:
    """Stands in for ``SemanticService``: on, 100 sentences to index; the first run reports
    10 done and then waits for its cancel; later runs finish at once."""

    TOTAL = 100

    def __init__(self) -> None:
        self.embedded = 0
        self.calls = 0
        self.first_started = threading.Event()
        self.cancelled = threading.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from app.matching.semantic.model import Availability
        from app.matching.semantic.service import SemanticService

        stage = self
        monkeypatch.setattr(SemanticService, "availability",
                            lambda self: Availability(True, "semantic matching on (scripted test stage)"))
        monkeypatch.setattr(SemanticService, "pending",
                            lambda self: list(range(stage.TOTAL - stage.embedded)))
        monkeypatch.setattr(SemanticService, "status", lambda self: {
            "on": True, "reason": "semantic matching on (scripted test stage)", "model": "scripted",
            "embedded": stage.embedded, "sentences": stage.TOTAL, "pending": stage.TOTAL - stage.embedded})
        monkeypatch.setattr(SemanticService, "update", lambda self, progress=None, cancel=None, **kw:
                            stage.update(progress, cancel))

    def update(self, progress: Any, cancel: Any) -> int:  # worker thread
        self.calls += 1
        todo = self.TOTAL - self.embedded
        progress(0, todo)
        if self.calls == 1:
            self.embedded += 10
            progress(10, todo)
            self.first_started.set()
            for _ in range(3000):  # at most 30 s
                if cancel.is_set():
                    self.cancelled.set()
                    return 10
                threading.Event().wait(0.01)
            raise AssertionError("the first indexing run was never cancelled")
        self.embedded = self.TOTAL
        progress(todo, todo)
        return todo


# ---------------------------------------------------------------------------------------------- off
@pytest.fixture
def window_off(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Any:
    monkeypatch.setenv("SOURCETRACE_SEMANTIC", "off")
    return request.getfixturevalue("window")


def test_indicator_says_off_and_search_stays_lexical(window_off, tmp_path, qtbot, idle):
    w = window_off
    indicator = w.semantic_indicator
    qtbot.waitUntil(lambda: indicator.state.known)
    assert indicator.isVisible()
    assert indicator.text() == "Semantic matching: off"
    assert "SOURCETRACE_SEMANTIC=off" in indicator.toolTip()
    search = w.search
    assert not search.by.isEnabled()
    assert "SOURCETRACE_SEMANTIC=off" in search.by.toolTip()
    assert search.search_by() == "both"
    assert search.view.isColumnHidden(search.model.COLUMNS.index(FOUND_BY))
    cands = w.inspector.candidates
    assert cands.view.isColumnHidden(cands.model.COLUMNS.index(FOUND_BY))
    # imports work and start no indexing; the search finds passages by their words
    labels: list[str] = []
    w.session.tasks.activeChanged.connect(lambda _n: labels.extend(t.label for t in w.session.tasks.tasks()))
    with qtbot.waitSignal(w.importer.finished, timeout=60000):
        w.start_import([str(p) for p in write_docs(tmp_path / "in", SAMPLE_DOCS)])
    idle(w.session)
    assert INDEX_LABEL not in labels
    assert not w.semantic_progress.isVisible()
    assert indicator.text() == "Semantic matching: off"
    with qtbot.waitSignal(search.resultsShown, timeout=60000) as shown:
        search.edit.setText("wheat prices rose in the spring")
        search.run()
    assert shown.args[0] >= 1


# ---------------------------------------------------------------------------------------------- real model
@pytest.fixture
def seeded_path(workspace_path: Path, seeds_dir: Path) -> Path:
    from app.workspace import Workspace

    ws = Workspace.open(workspace_path, user="tester")
    try:
        outcomes = ws.documents.import_paths([seeds_dir], workers=0)
        assert all(o.status == "imported" for o in outcomes), outcomes
    finally:
        ws.close()
    return workspace_path


@needs_model
def test_opening_a_workspace_indexes_its_sentences_in_the_background(seeded_path, open_window, qtbot):
    seen: list[Any] = []
    w = open_window(seeded_path)
    seen.append(w.semantic.state)
    w.semantic.stateChanged.connect(seen.append)  # the state is first asked for off the GUI thread
    indicator = w.semantic_indicator
    qtbot.waitUntil(lambda: indicator.state.known and indicator.state.on and indicator.state.pending == 0
                    and not w.semantic.running, timeout=120000)
    wait_idle(qtbot, w.session, 120000)
    assert indicator.text() == "Semantic matching: on"
    assert indicator.state.embedded == indicator.state.sentences > 0
    assert any(s.indexing is not None for s in seen), "no indexing run was shown"
    assert any(s.pending > 0 for s in seen), "the workspace started with sentences to index"
    assert not w.semantic_progress.isVisible()
    assert w.session.ws.semantic.status()["pending"] == 0
    assert w.search.by.isEnabled()


@needs_model
def test_search_by_meaning_and_candidates_show_the_stage(seeded_path, request, qtbot, idle, qtmodeltester):
    w = request.getfixturevalue("window")  # its setup waits for the indexing to end
    qtbot.waitUntil(lambda: w.semantic_indicator.text() == "Semantic matching: on", timeout=120000)
    search = w.search
    col = search.model.COLUMNS.index(FOUND_BY)
    assert not search.view.isColumnHidden(col)
    search.set_search_by("meaning")
    assert search.search_by() == "meaning"
    with qtbot.waitSignal(search.resultsShown, timeout=60000) as shown:
        search.edit.setText(PARAPHRASE)
        qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    assert shown.args[0] >= 1
    qtmodeltester.check(search.model)
    tags = [search.proxy.index(r, col).data() for r in range(search.proxy.rowCount())]
    assert set(tags) <= {"words", "meaning", "both"} and {"meaning", "both"} & set(tags), tags
    for r in range(search.proxy.rowCount()):  # ranked by meaning: every row has its cosine
        assert "cosine" in search.proxy.index(r, col).data(Qt.ItemDataRole.ToolTipRole)
    cosines = [search.model.row_at(search.proxy.mapToSource(search.proxy.index(r, 0)).row()).explanation["cosine"]
               for r in range(search.proxy.rowCount())]
    assert cosines == sorted(cosines, reverse=True)  # most similar in meaning first
    assert "close in meaning" in search.status.text()
    # the same wording as a claim: its candidates say which stage found them
    with qtbot.waitSignal(w.inspector.candidatesLoaded, timeout=60000, check_params_cb=lambda n: n > 0):
        w.workflow.create_claim(PARAPHRASE, None)
    idle(w.session)
    cands = w.inspector.candidates
    ccol = cands.model.COLUMNS.index(FOUND_BY)
    assert not cands.view.isColumnHidden(ccol)
    ctags = {cands.proxy.index(r, ccol).data() for r in range(cands.proxy.rowCount())}
    assert ctags and ctags <= {"words", "meaning", "both"} and ctags & {"meaning", "both"}, ctags


# ---------------------------------------------------------------------------------------------- scripted stage
def test_indexing_runs_in_the_background_and_cancel_keeps_the_work(monkeypatch, open_window, workspace_path, qtbot):
    stage = ScriptedStage()
    stage.install(monkeypatch)
    w = open_window(workspace_path)
    indicator = w.semantic_indicator
    qtbot.waitUntil(lambda: indicator.text() == "Semantic matching: on — indexing 10 of 100 sentences", timeout=30000)
    assert w.semantic_progress.isVisible()
    assert w.semantic_progress.bar.value() == 10
    assert INDEX_LABEL not in w.busy.text()  # the indicator says it already
    # the window is not blocked: reads and writes still run while the sentences are indexed
    session = w.session
    with qtbot.waitSignal(session.changed, timeout=30000):
        session.write(lambda: (None, Changes(aliases=True)), label="A quick write")
    got: list[Any] = []
    session.read(lambda: 42, got.append)
    qtbot.waitUntil(lambda: got == [42], timeout=30000)
    assert w.semantic.running
    # Cancel: the run stops, what it did is kept, the indicator says what is left
    qtbot.mouseClick(w.semantic_progress.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.semantic.running and indicator.state.known and indicator.state.indexing is None,
                    timeout=30000)
    wait_idle(qtbot, session)
    assert stage.cancelled.is_set()
    assert not w.semantic_progress.isVisible()
    assert indicator.text() == "Semantic matching: on — 90 sentences not indexed"
    assert "cancelled" in indicator.toolTip()
    # a click on the indicator resumes it
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: indicator.text() == "Semantic matching: on", timeout=30000)
    wait_idle(qtbot, session)
    assert stage.calls == 2


def test_an_import_pauses_indexing_and_its_end_resumes_it(monkeypatch, open_window, workspace_path, tmp_path, qtbot):
    stage = ScriptedStage()
    stage.install(monkeypatch)
    w = open_window(workspace_path)
    w.importer.workers = 0
    qtbot.waitUntil(stage.first_started.is_set, timeout=30000)
    with qtbot.waitSignal(w.importer.finished, timeout=60000):
        w.start_import([str(p) for p in write_docs(tmp_path / "in", SAMPLE_DOCS)])
    assert stage.cancelled.is_set()  # stepped aside for the import
    qtbot.waitUntil(lambda: w.semantic_indicator.text() == "Semantic matching: on", timeout=30000)
    wait_idle(qtbot, w.session)
    assert stage.calls == 2
    assert not w.semantic_progress.isVisible()


def test_a_read_only_workspace_is_not_indexed(monkeypatch, open_window, workspace_path, tmp_path, qtbot):
    from app.workspace import Workspace

    ws = Workspace.open(workspace_path, user="tester")
    ws.documents.import_paths(write_docs(tmp_path / "in", SAMPLE_DOCS), workers=0)
    ws.close()
    stage = ScriptedStage()
    stage.install(monkeypatch)
    w = open_window(workspace_path, readonly=True)
    indicator = w.semantic_indicator
    qtbot.waitUntil(lambda: indicator.state.known, timeout=30000)
    wait_idle(qtbot, w.session)
    assert stage.calls == 0
    assert indicator.text() == "Semantic matching: on — 100 sentences not indexed"
    assert "read-only" in indicator.toolTip()
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)  # does nothing here
    wait_idle(qtbot, w.session)
    assert stage.calls == 0
