"""Look and feel: Fusion with a light or dark palette following the system, icons, claim colours."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QLabel

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
ICONS = RESOURCES / "icons"

# Distinct, colour-blind-friendly hues (Okabe-Ito plus extras) for excerpt highlights by claim.
CLAIM_HUES = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
              "#8C6D31", "#6B6ECF", "#B5CF6B"]

# Diff colours for the side-by-side view: agreeing / similar / differing words.
DIFF_LIGHT = {"equal": "#c8ecc9", "similar": "#fff0b3", "replace": "#ffd0cc", "insert": "#ffd0cc",
              "delete": "#ffd0cc"}
DIFF_DARK = {"equal": "#1f5226", "similar": "#5c4d0f", "replace": "#6b2620", "insert": "#6b2620",
             "delete": "#6b2620"}


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def claim_color(claim_id: int, *, alpha: int | None = None) -> QColor:
    c = QColor(CLAIM_HUES[(claim_id - 1) % len(CLAIM_HUES)])
    if alpha is not None:
        c.setAlpha(alpha)
    return c


def highlight_color(claim_id: int) -> QColor:
    """The background for an excerpt of ``claim_id``: readable under text in light and dark."""
    c = claim_color(claim_id)
    return c.lighter(165) if not is_dark() else c.darker(220)


def diff_colors() -> dict[str, str]:
    return DIFF_DARK if is_dark() else DIFF_LIGHT


def light_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    p.setColor(roles.Window, QColor("#f3f4f6"))
    p.setColor(roles.WindowText, QColor("#1f2328"))
    p.setColor(roles.Base, QColor("#ffffff"))
    p.setColor(roles.AlternateBase, QColor("#f6f8fa"))
    p.setColor(roles.ToolTipBase, QColor("#fffbe6"))
    p.setColor(roles.ToolTipText, QColor("#1f2328"))
    p.setColor(roles.PlaceholderText, QColor("#6e7781"))
    p.setColor(roles.Text, QColor("#1f2328"))
    p.setColor(roles.Button, QColor("#eceef1"))
    p.setColor(roles.ButtonText, QColor("#1f2328"))
    p.setColor(roles.BrightText, QColor("#cf222e"))
    p.setColor(roles.Highlight, QColor("#2f6fd0"))
    p.setColor(roles.HighlightedText, QColor("#ffffff"))
    p.setColor(roles.Link, QColor("#0a58ca"))
    p.setColor(roles.Mid, QColor("#c9ced6"))
    p.setColor(roles.Midlight, QColor("#e3e6ea"))
    p.setColor(roles.Dark, QColor("#9aa3ad"))
    p.setColor(roles.Shadow, QColor("#6e7781"))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#8c959f"))
    return p


def dark_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    p.setColor(roles.Window, QColor("#23262b"))
    p.setColor(roles.WindowText, QColor("#e6e8eb"))
    p.setColor(roles.Base, QColor("#1b1d21"))
    p.setColor(roles.AlternateBase, QColor("#25282d"))
    p.setColor(roles.ToolTipBase, QColor("#30343a"))
    p.setColor(roles.ToolTipText, QColor("#e6e8eb"))
    p.setColor(roles.PlaceholderText, QColor("#8b949e"))
    p.setColor(roles.Text, QColor("#e6e8eb"))
    p.setColor(roles.Button, QColor("#2d3137"))
    p.setColor(roles.ButtonText, QColor("#e6e8eb"))
    p.setColor(roles.BrightText, QColor("#ff7b72"))
    p.setColor(roles.Highlight, QColor("#3b74d1"))
    p.setColor(roles.HighlightedText, QColor("#ffffff"))
    p.setColor(roles.Link, QColor("#6cb6ff"))
    p.setColor(roles.Mid, QColor("#3d424a"))
    p.setColor(roles.Midlight, QColor("#33373e"))
    p.setColor(roles.Dark, QColor("#15171a"))
    p.setColor(roles.Shadow, QColor("#000000"))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7681"))
    return p


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, mode: str = "system") -> None:
    """``mode``: ``system`` (follow the OS, also when it changes), ``light`` or ``dark``.

    No application style sheet: Fusion plus a palette looks the same and keeps widget creation
    fast (a style sheet makes every widget's polish slower, which costs first paint). A user
    style sheet can still be given with ``SOURCETRACE_QSS=path``.
    """
    app.setStyle("Fusion")
    dark = system_prefers_dark() if mode == "system" else mode == "dark"
    app.setPalette(dark_palette() if dark else light_palette())
    user_qss = os.environ.get("SOURCETRACE_QSS")
    if user_qss and Path(user_qss).is_file():
        app.setStyleSheet(Path(user_qss).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- label roles
def header(label: QLabel) -> QLabel:
    """A panel's title: bold, a little larger."""
    f = label.font()
    f.setBold(True)
    f.setPointSizeF(f.pointSizeF() + 1.5)
    label.setFont(f)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def subheader(label: QLabel) -> QLabel:
    """Secondary text (counts, dates, hints) in the palette's muted colour."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def hint(label: QLabel) -> QLabel:
    """The text of an empty panel: muted, with room around it."""
    subheader(label)
    f = label.font()
    f.setPointSizeF(f.pointSizeF() + 0.5)
    label.setFont(f)
    label.setMargin(18)
    return label


def follow_system(app: QApplication, mode_getter) -> None:
    """Re-apply the palette when the OS switches between light and dark."""
    hints = QGuiApplication.styleHints()

    def changed(_scheme: object) -> None:
        if mode_getter() == "system":
            apply_theme(app, "system")

    hints.colorSchemeChanged.connect(changed)


@cache
def icon(name: str) -> QIcon:
    """An icon from ``resources/icons/<name>.svg`` (empty icon when missing)."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def app_icon() -> QIcon:
    return icon("sourcetrace")
