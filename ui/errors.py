"""Errors as readable dialogs: never a traceback on the console, never a frozen window.

The UI does not import ``db``; storage errors are recognised by class name (they all derive
from ``WorkspaceError`` and carry a message meant for a person).
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

PERSON_MESSAGE_ERRORS = {
    "WorkspaceError", "NewerSchema", "ReadOnlyWorkspace", "WorkspaceBusy", "ConflictError",
    "ImportFailure", "ValueError", "KeyError", "FileNotFoundError", "PermissionError",
    # evidence bundles (app.bundles): their messages say what is wrong with the file
    "ExportError", "BundleRejected", "UnsafeZipError", "BundleReadError",
}


def class_names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def is_conflict(exc: BaseException) -> bool:
    return "ConflictError" in class_names(exc)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def with_prefix(prefix: str, text: str) -> str:
    """``"<prefix>: <text>"``, unless the message already starts with those words (the storage
    layer's busy message does: "The workspace is busy: alice is importing…")."""
    if " ".join(text.split()).casefold().startswith(prefix.casefold()):
        return _capitalized(text)
    return f"{prefix}: {text}" if text else prefix + "."


def describe(exc: BaseException) -> tuple[str, str]:
    """``(headline, details)`` for a person: the message, and the technical detail to expand."""
    names = class_names(exc)
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    details = getattr(exc, "ui_traceback", "") or "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )
    if "WorkspaceBusy" in names:
        return with_prefix("The workspace is busy", text), details
    if "ReadOnlyWorkspace" in names:
        return "This workspace is open read-only, so the change was not saved.", details
    if "ConflictError" in names:
        return with_prefix("Someone else changed this first", text), details
    if "OSError" in names and not names & PERSON_MESSAGE_ERRORS:
        return with_prefix("A file could not be read or written", text), details
    if names & PERSON_MESSAGE_ERRORS or "WorkspaceError" in names:
        return _capitalized(text) if text else type(exc).__name__, details
    return f"Something went wrong ({type(exc).__name__}: {text})", details


class ErrorReporter(QObject):
    """Shows errors as non-blocking message boxes and remembers them (tests read ``shown``)."""

    # fires after an error dialog has been shown; headline text
    errorShown = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shown: list[str] = []
        self._boxes: list[QMessageBox] = []

    def show(self, exc: BaseException, context: str = "", parent: QWidget | None = None) -> QMessageBox:
        headline, details = describe(exc)
        title = context or "SourceTrace"
        box = QMessageBox(QMessageBox.Icon.Warning, title, headline, QMessageBox.StandardButton.Ok,
                          parent or QApplication.activeWindow())
        box.setObjectName("errorDialog")
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r, b=box: self._boxes.remove(b) if b in self._boxes else None)
        self._boxes.append(box)
        box.open()
        self.shown.append(headline)
        self.errorShown.emit(headline)
        return box

    def show_message(self, title: str, text: str, parent: QWidget | None = None) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          parent or QApplication.activeWindow())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r, b=box: self._boxes.remove(b) if b in self._boxes else None)
        self._boxes.append(box)
        box.open()
        self.shown.append(text)
        self.errorShown.emit(text)
        return box


_reporter: ErrorReporter | None = None


def install_excepthook(reporter: ErrorReporter) -> None:
    """Uncaught exceptions (in slots, callbacks) become a dialog instead of a console traceback."""
    global _reporter
    _reporter = reporter

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__dict__.setdefault("ui_traceback", "".join(traceback.format_exception(kind, exc, tb)))
        if _reporter is not None and QApplication.instance() is not None:
            try:
                _reporter.show(exc, "Unexpected error")
                return
            except Exception:
                pass
        sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook
