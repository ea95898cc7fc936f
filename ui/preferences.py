"""Preferences: the name recorded in the history for your changes.

The name is a user setting of the core (``app.config``: saved in the config folder, shared with
``sourcetrace config user NAME``); empty means the operating system's login name, and
``SOURCETRACE_USER`` overrides both while it is set.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui import theme

ENV_USER = "SOURCETRACE_USER"


def saved_user_name() -> str:
    from app import config

    value = config.load_settings().get("user_name")
    return value.strip() if isinstance(value, str) else ""


class PreferencesDialog(QDialog):
    """Edits the saved user name; says which name your changes are recorded under."""

    # fires after the preferences were saved; the name now recorded for your changes
    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        from app import config

        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.login = config.os_login()
        self.override = os.environ.get(ENV_USER) or ""
        self.name = QLineEdit(saved_user_name(), self)
        self.name.setObjectName("userName")
        self.name.setPlaceholderText(f"{self.login} (your login name)")
        self.name.setMaxLength(128)
        self.name.setClearButtonEnabled(True)
        explain = QLabel("Every change you make is recorded in the workspace's history under this name, so "
                         f"your colleagues see who did what. Leave it empty to use your login name, "
                         f"“{self.login}”.", self)
        explain.setWordWrap(True)
        theme.subheader(explain)
        self.effective = QLabel(self)
        self.effective.setObjectName("userEffective")
        self.effective.setWordWrap(True)
        self.effective.setTextFormat(Qt.TextFormat.PlainText)
        self.override_note = QLabel(self)
        self.override_note.setObjectName("userOverride")
        self.override_note.setWordWrap(True)
        self.override_note.setTextFormat(Qt.TextFormat.PlainText)
        if self.override:
            self.override_note.setText(
                f"The environment variable {ENV_USER} is set to “{self.override}”: while it is set, your "
                "changes are recorded under that name, whatever is saved here.")
            self.override_note.setStyleSheet("color: #9a6700;")
        else:
            self.override_note.hide()
        self.error = QLabel(self)
        self.error.setObjectName("preferencesError")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Your name (recorded in the history)", self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("savePreferences")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(self.override_note)
        layout.addWidget(self.effective)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.name.textChanged.connect(self._update)
        self._update()
        self.resize(560, 240)

    def effective_name(self) -> str:
        """The name your changes will be recorded under once this is saved."""
        return self.override or " ".join(self.name.text().split()) or self.login

    def _update(self, *_args: object) -> None:
        self.effective.setText(f"Your changes will be recorded as “{self.effective_name()}”.")
        self.error.hide()

    def save(self) -> None:
        from app import config

        try:
            config.set_user_name(self.name.text())
        except (OSError, ValueError) as exc:
            self.error.setText(f"Not saved: {exc}")
            self.error.show()
            return
        self.accept()
        self.saved.emit(config.current_user())
