"""Qt-backed services plugged into the core (which never imports Qt): HTML -> PDF for reports.

Qt is imported only when a PDF is rendered, so plain command-line use does not pay for it.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any

REPORT_CSS = """
body { font-family: 'DejaVu Sans', 'Helvetica', 'Arial', sans-serif; font-size: 10pt; color: #1f2328; }
h1 { font-size: 17pt; margin-bottom: 6pt; }
h2 { font-size: 13pt; margin-top: 14pt; }
h3 { font-size: 11pt; }
table { border-collapse: collapse; }
th { background: #eceef1; text-align: left; }
td, th { padding: 3pt 5pt; border: 1px solid #c9ced6; vertical-align: top; }
code, pre { font-family: 'DejaVu Sans Mono', monospace; font-size: 9pt; }
blockquote { margin-left: 12pt; color: #444; }
"""

_app: Any = None
_lock = threading.Lock()


def ensure_gui_application() -> Any:
    """Text layout needs a QGuiApplication; create an offscreen one when there is none (CLI use).

    It is a full QApplication so that widgets can still be created later in the same process
    (a bare QGuiApplication would make any later QWidget abort the process)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    global _app
    app = QCoreApplication.instance()
    if app is None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the PDF renderer must first be used on the main thread (no Qt application yet)")
        _app = QApplication([sys.argv[0] if sys.argv else "sourcetrace", "-platform", "offscreen"])
        app = _app
    elif not isinstance(app, QGuiApplication):
        raise RuntimeError("a QCoreApplication without GUI support is running; cannot lay out text for a PDF")
    return app


def _title_of(html: str) -> str:
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else "SourceTrace report"


def render_html_to_pdf(html: str, out_path: Path) -> None:
    """Lay out ``html`` on A4 pages (2 cm margins, page numbers) and write it to ``out_path``.

    The same html gives the same bytes in every process (apart from the dates and ids that
    ``app.bundles.pdfnorm`` replaces). Raises ``OSError`` when the file cannot be written.
    """
    from PySide6.QtCore import QHashSeed

    out_path = Path(out_path)
    with _lock:
        ensure_gui_application()
        out_path.parent.mkdir(parents=True, exist_ok=True)
        # The PDF engine keeps its fonts in hashes and writes them in hash order: with Qt's
        # per-process random seed the same report had its font objects in another order in
        # every process. A fixed seed while this document's hashes are made keeps the bytes
        # reproducible; the random seed is restored for everything else.
        QHashSeed.setDeterministicGlobalSeed()
        try:
            _print_pdf(html, out_path)
        finally:
            QHashSeed.resetRandomGlobalSeed()
    if not out_path.exists() or out_path.stat().st_size == 0:
        raise OSError(f"could not write the PDF report to {out_path}")


def _print_pdf(html: str, out_path: Path) -> None:
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    writer = QPdfWriter(str(out_path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    # QTextDocument.print_ adds its own 2 cm margin (and the page numbers in it)
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setCreator("SourceTrace")
    writer.setTitle(_title_of(html))
    doc = QTextDocument()
    font = QFont()
    font.setFamilies(["DejaVu Sans", "Helvetica", "Arial", "sans-serif"])
    font.setPointSizeF(10)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(REPORT_CSS)
    doc.setHtml(html)
    doc.print_(writer)
    del writer  # finishes and closes the file


def install_qt_services() -> None:
    """Register the Qt implementations with the core (idempotent)."""
    try:
        from app.plugins import get_pdf_renderer, set_pdf_renderer
    except ImportError:
        return
    # looks at the registry itself, not at a flag: whoever reset it (a test restoring the
    # state it found) gets the renderer back on the next call
    if get_pdf_renderer() is not render_html_to_pdf:
        set_pdf_renderer(render_html_to_pdf)
