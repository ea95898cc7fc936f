"""Starting the desktop workbench: ``run_gui`` is what ``sourcetrace`` runs without a subcommand."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from ui import theme
from ui.errors import ErrorReporter, install_excepthook


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once): Fusion, palette following the system, icon, names."""
    # Background threads (imports, matching) are CPU-bound Python: let the GUI thread have the
    # GIL back after 1 ms instead of the default 5 ms, so the event loop never queues behind them.
    sys.setswitchinterval(0.001)
    QCoreApplication.setOrganizationName("SourceTrace")
    QCoreApplication.setApplicationName("SourceTrace")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationDisplayName("SourceTrace")
    app.setDesktopFileName("sourcetrace")
    app.setWindowIcon(theme.app_icon())
    mode = str(QSettings().value("theme", "system"))
    theme.apply_theme(app, mode)
    theme.follow_system(app, lambda: str(QSettings().value("theme", "system")))
    return app


def run_gui(db: str | None, demo: bool, user: str | None) -> int:
    """Open the main window on workspace ``db`` (or a fresh demo workspace); returns the exit code."""
    app = make_application()
    from ui.mainwindow import MainWindow
    from ui.services import install_qt_services

    install_qt_services()
    reporter = ErrorReporter(app)
    install_excepthook(reporter)
    window = MainWindow(reporter=reporter)
    window.show()
    if demo:
        window.open_demo(user=user)
    elif db is not None:
        window.open_workspace(db, user=user)
    else:
        from app import config

        window.open_workspace(config.default_workspace(), user=user)
    code = int(app.exec())
    window.close()  # saves the layout, waits for background work, closes the workspace
    return code
