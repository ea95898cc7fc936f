"""The background-task helper, the error dialogs, the PDF renderer, palettes and the saved layout."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from ui.errors import ErrorReporter, describe
from ui.tasks import TaskManager


@pytest.fixture
def tasks(qtbot):
    tm = TaskManager()
    yield tm
    tm.shutdown()


def test_results_arrive_on_the_gui_thread(tasks, qtbot):
    gui = QThread.currentThread()
    seen = {}

    def work():
        seen["worker"] = QThread.currentThread() is not gui
        return 42

    def done(value):
        seen["value"] = value
        seen["gui"] = QThread.currentThread() is gui

    with qtbot.waitSignal(tasks.idle, timeout=10000):
        tasks.read(work, done)
    assert seen == {"worker": True, "value": 42, "gui": True}


def test_failures_go_to_on_failure_or_become_unhandled(tasks, qtbot):
    errors = []
    with qtbot.waitSignal(tasks.idle, timeout=10000):
        tasks.read(lambda: 1 / 0, on_failure=errors.append)
    assert isinstance(errors[0], ZeroDivisionError)
    with qtbot.waitSignal(tasks.unhandledError, timeout=10000) as blocker:
        tasks.read(lambda: {}["missing"], label="Looking up")
    assert isinstance(blocker.args[0], KeyError) and blocker.args[1] == "Looking up"


def test_an_exception_in_a_callback_is_reported_not_raised(tasks, qtbot):
    def bad(_value):
        raise RuntimeError("callback broke")

    with qtbot.waitSignal(tasks.unhandledError, timeout=10000) as blocker:
        tasks.read(lambda: 1, bad)
    assert "callback broke" in str(blocker.args[0])


def test_writes_run_one_at_a_time_in_order(tasks, qtbot):
    order, running, overlap = [], [], []
    lock = threading.Lock()

    def write(i):
        def fn():
            with lock:
                running.append(i)
                if len(running) > 1:
                    overlap.append(i)
            QThread.msleep(5)
            order.append(i)
            with lock:
                running.remove(i)
        return fn

    with qtbot.waitSignal(tasks.idle, timeout=10000):
        for i in range(12):
            tasks.write(write(i))
    assert order == list(range(12))
    assert not overlap


def test_background_work_holds_up_neither_writes_nor_reads(tasks, qtbot):
    release = threading.Event()
    order = []

    def upkeep(ctx):
        release.wait(10)
        order.append("upkeep")
        return "done"

    task = tasks.run(upkeep, context=True, background=True, label="Upkeep")
    assert task.lane == "background"
    with qtbot.waitSignal(tasks.activeChanged, timeout=10000, check_params_cb=lambda n: n == 1):
        tasks.write(lambda: order.append("write"))
        tasks.read(lambda: order.append("read"))
    assert sorted(order) == ["read", "write"]  # both finished while the upkeep still waits
    second = tasks.run(lambda: order.append("upkeep 2"), background=True)  # queued behind the first
    release.set()
    qtbot.waitUntil(lambda: tasks.active == 0, timeout=10000)
    assert order[2:] == ["upkeep", "upkeep 2"] and second.lane == "background"
    with pytest.raises(ValueError):
        tasks.run(lambda: None, write=True, background=True)


def test_progress_is_coalesced_and_the_last_report_arrives(tasks, qtbot):
    reports = []

    def work(ctx):
        for i in range(1, 2001):
            ctx.progress(i, 2000)
        return "ok"

    with qtbot.waitSignal(tasks.idle, timeout=10000):
        tasks.run(work, progress=lambda done, total: reports.append(done))
    assert reports[-1] == 2000
    assert len(reports) < 200  # far fewer deliveries than reports


def test_cancel_token_reaches_the_worker(tasks, qtbot):
    started = threading.Event()
    result = {}

    def work(ctx):
        started.set()
        while not ctx.cancelled:
            QThread.msleep(2)
        return "stopped"

    task = tasks.run(work, lambda v: result.update(v=v), context=True)
    assert started.wait(10)
    with qtbot.waitSignal(tasks.idle, timeout=10000):
        task.request_cancel()
    assert result == {"v": "stopped"}


def test_error_messages_are_readable():
    from app.errors import ConflictError, ReadOnlyWorkspace, WorkspaceBusy

    assert describe(ReadOnlyWorkspace("x"))[0].startswith("This workspace is open read-only")
    assert "busy" in describe(WorkspaceBusy("user ana is importing"))[0]
    conflict = ConflictError("claim 3 was changed", entity="claim", entity_id=3, mine={}, theirs={})
    assert describe(conflict)[0].startswith("Someone else changed this first")
    assert describe(KeyError("no document 7"))[0] == "No document 7"
    assert "ZeroDivisionError" in describe(ZeroDivisionError("division by zero"))[0]


def test_error_reporter_shows_a_non_blocking_dialog(qtbot):
    reporter = ErrorReporter()
    box = reporter.show(ValueError("the date is wrong"), "Saving")
    assert box.isVisible() and box.text() == "The date is wrong"
    assert box.detailedText()
    box.close()
    assert reporter.shown == ["The date is wrong"]


def test_pdf_renderer_writes_a4_pages(tmp_path, qtbot):
    from PySide6.QtPdf import QPdfDocument

    from ui.services import install_qt_services, render_html_to_pdf

    out = tmp_path / "report.pdf"
    body = "".join(f"<p>Paragraph {i}: the claim appeared in the Sky News report.</p>" for i in range(200))
    render_html_to_pdf(f"<html><head><title>Evidence bundle</title></head><body><h1>Report</h1>{body}</body></html>",
                       out)
    doc = QPdfDocument()
    doc.load(str(out))
    assert doc.pageCount() >= 2
    size = doc.pagePointSize(0)
    assert abs(size.width() - 595) < 2 and abs(size.height() - 842) < 2  # A4
    assert doc.metaData(QPdfDocument.MetaDataField.Title) == "Evidence bundle"
    doc.close()
    install_qt_services()
    from app.plugins import get_pdf_renderer

    assert get_pdf_renderer() is render_html_to_pdf


def test_palettes_follow_the_requested_mode(qtbot):
    from ui import theme

    app = QApplication.instance()
    saved = app.palette()
    try:
        theme.apply_theme(app, "dark")
        assert theme.is_dark()
        theme.apply_theme(app, "light")
        assert not theme.is_dark()
    finally:
        app.setStyleSheet("")
        app.setPalette(saved)


def test_layout_and_recent_workspaces_are_remembered(qtbot, settings, tmp_path: Path):
    from ui.mainwindow import MainWindow

    w = MainWindow(settings=settings)
    w.show()
    with qtbot.waitSignal(w.workspaceOpened, timeout=60000):
        w.open_workspace(tmp_path / "one.sourcetrace")
    w.history_dock.hide()
    w.repeats_dock.setFloating(True)
    w.close()
    w2 = MainWindow(settings=settings)
    w2.show()
    assert not w2.history_dock.isVisible()
    assert w2.repeats_dock.isFloating()
    assert w2.recent_workspaces() == [str(tmp_path / "one.sourcetrace")]
    w2.reset_layout()
    assert w2.history_dock.isVisible() or w2.tabifiedDockWidgets(w2.history_dock)
    assert not w2.repeats_dock.isFloating()
    w2.close()


def test_a_bad_workspace_path_gives_a_dialog_not_a_crash(qtbot, settings, tmp_path: Path):
    from ui.mainwindow import MainWindow

    w = MainWindow(settings=settings)
    w.show()
    (tmp_path / "a_folder").mkdir()
    w.open_workspace(tmp_path / "a_folder")
    qtbot.waitUntil(lambda: bool(w.reporter.shown), timeout=30000)
    assert "folder" in w.reporter.shown[0]
    assert w.session is None
    w.close()


def test_run_gui_opens_the_workspace_and_cleans_up(qtbot, tmp_path, monkeypatch):
    import sys

    from PySide6.QtWidgets import QApplication

    import ui.app as ui_app
    from ui.mainwindow import MainWindow

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own; restore after
    opened = []

    def fake_exec():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        qtbot.waitUntil(lambda: window.session is not None, timeout=60000)
        opened.append((window.windowTitle(), window.windowIcon().isNull()))
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert ui_app.run_gui(str(tmp_path / "gui.sourcetrace"), False, "tester") == 0
    assert opened and opened[0][0].startswith("gui.sourcetrace") and not opened[0][1]
    assert QApplication.instance().style().name().lower() == "fusion"
