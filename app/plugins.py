"""A tiny registry for services that need a GUI toolkit, which ``app`` must never import.

``ui/services.py:install_qt_services()`` (called by ``ui.launcher`` before any command runs)
registers the Qt implementations here; pure-core use (tests, scripts) simply finds none and
the features that need them degrade with a warning (e.g. no ``report.pdf`` in a bundle).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

PdfRenderer = Callable[[str, Path], None]
"""Render a self-contained HTML document (first argument) to a PDF file (second argument)."""

_pdf_renderer: PdfRenderer | None = None


def set_pdf_renderer(fn: PdfRenderer | None) -> None:
    global _pdf_renderer
    _pdf_renderer = fn


def get_pdf_renderer() -> PdfRenderer | None:
    return _pdf_renderer
