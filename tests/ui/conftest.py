"""GUI test fixtures: a real main window on a fresh workspace file per test.

Every test here fails on an unexpected Qt warning (pytest-qt's ``qt_log_level_fail``, set per
item since the project's pytest settings are shared) and on any error dialog it did not expect.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent

# Messages the offscreen platform prints that say nothing about our code.
IGNORED_QT_MESSAGES = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
    r"QFont::setPointSizeF: Point size <= 0",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*IGNORED_QT_MESSAGES))


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def wait_idle(qtbot: Any, session: Any, timeout: int = 60000) -> None:
    """Wait until every background task of ``session`` has delivered its result."""
    qtbot.waitUntil(lambda: session.tasks.active == 0, timeout=timeout)


@pytest.fixture
def idle(qtbot: Any) -> Callable[[Any], None]:
    return lambda session, timeout=60000: wait_idle(qtbot, session, timeout)


@pytest.fixture
def alice(window: Any, workspace_path: Path, tmp_path: Path, qtbot: Any) -> Iterator[Any]:
    """Alice, a colleague on the same workspace file (another connection, as another process has),
    has imported the sample documents; the window (the user "tester") shows them."""
    from tests.ui.colleagues import open_as

    ws = open_as(workspace_path, "alice")
    ws.documents.import_paths(write_docs(tmp_path / "sample-docs", SAMPLE_DOCS), workers=0)
    qtbot.waitUntil(lambda: window.library.model.rowCount() == len(SAMPLE_DOCS), timeout=15000)
    wait_idle(qtbot, window.session)
    yield ws
    ws.close()


@pytest.fixture
def window(qtbot: Any, settings: Any, workspace_path: Path) -> Iterator[Any]:
    """The main window, shown, with a fresh workspace file open; no error dialogs allowed."""
    from ui.mainwindow import MainWindow

    w = MainWindow(settings=settings)
    w.resize(1400, 900)
    w.show()
    with qtbot.waitSignal(w.workspaceOpened, timeout=60000):
        w.open_workspace(workspace_path, user="tester")
    assert w.importer is not None
    w.importer.workers = 0  # extraction in this thread: quicker than spawning processes for a few files
    wait_idle(qtbot, w.session)
    yield w
    if w.session is not None:
        wait_idle(qtbot, w.session)
    errors = list(w.reporter.shown)
    w.close()
    w.deleteLater()
    assert not errors, f"unexpected error dialogs: {errors}"


def write_docs(folder: Path, docs: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in docs.items():
        p = folder / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


SAMPLE_DOCS = {
    "alpha_report.txt": "Alpha report on grain prices\n\nThe harvest in the north was poor this year. "
                        "Prices of wheat rose by a third in the spring.\n",
    "bravo_notes.txt": "Bravo notes from the border\n\nThe crossing was closed for three days. "
                       "Traders waited in long queues.\n",
    "charlie_brief.txt": "Charlie brief about river levels\n\nThe river rose after heavy rain. "
                         "Several villages were evacuated.\n",
}
