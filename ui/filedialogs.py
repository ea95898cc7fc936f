"""Asking the user for a file: the one place the workbench's own actions open a file dialog.

Callers use these through the module (``filedialogs.save_file(...)``), so a test replaces them
with ``monkeypatch.setattr(ui.filedialogs, "save_file", ...)`` instead of driving the
platform's dialog. Each returns the chosen path, or ``None`` when the user cancelled.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget


def save_file(parent: QWidget | None, title: str, start: str, filters: str) -> str | None:
    """A file to write (the dialog asks before replacing an existing one)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
    return path or None


def open_file(parent: QWidget | None, title: str, start: str, filters: str) -> str | None:
    """An existing file to read."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start, filters)
    return path or None


def open_folder(parent: QWidget | None, title: str, start: str) -> str | None:
    """An existing folder to read."""
    path = QFileDialog.getExistingDirectory(parent, title, start)
    return path or None
