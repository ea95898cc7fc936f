#!/usr/bin/env python3
"""Render a bundle's case report to PNG, to look at it (docs/screenshots/report.png).

    python scripts/render_report.py                       # demo case from ../shared/corpus/seeds
    python scripts/render_report.py case.zip              # the report.html inside a bundle
    python scripts/render_report.py report.html -o out.png --pages 3

The HTML goes through the same Qt renderer as ``report.pdf`` (ui.services), then each PDF
page is rasterised with QtPdf and the pages are laid side by side in one image.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def demo_bundle(out: Path) -> Path:
    """Export the demo's traced claims (``app.demo``), or, when the demo cannot be built, the
    two Palmyra claims made from ../shared/corpus/seeds by the bundle tests' helper."""
    from app.bundles.export import export_claims
    from app.workspace import Workspace

    try:
        from app.demo import build_demo

        path = build_demo(out.parent / "demo.sourcetrace")
        ws = Workspace.open(path, user="demo")
        ids = [c.id for c in ws.claims.list()]
    except ImportError as exc:
        print(f"(demo unavailable: {exc}; using the seeds)", file=sys.stderr)
        from tests.app.bundles.helpers import build_palmyra_case

        ws = Workspace.open(out.parent / "seeds.sourcetrace", user="alice")
        ws.documents.import_paths([REPO.parent / "shared" / "corpus" / "seeds"], workers=0)
        ids = build_palmyra_case(ws)
    try:
        report = export_claims(ws, ids, out, organization="Example Fact Check")
    finally:
        ws.close()
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return out


def read_html(source: Path) -> str:
    if source.suffix.lower() == ".zip":
        with zipfile.ZipFile(source) as zf:  # our own bundle, only reading one member
            (name,) = [n for n in zf.namelist() if n.endswith("data/report.html")]
            return zf.read(name).decode("utf-8")
    return source.read_text("utf-8")


def render_png(html: str, out: Path, pages: int, width: int) -> int:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    from ui.services import ensure_gui_application, render_html_to_pdf

    ensure_gui_application()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        render_html_to_pdf(html, pdf)
        doc = QPdfDocument()
        doc.load(str(pdf))
        count = doc.pageCount()
        shown = min(pages, count)
        images = []
        for i in range(shown):
            pt = doc.pagePointSize(i)
            size = QSize(width, int(width * pt.height() / pt.width()))
            images.append(doc.render(i, size))
        gap = 24
        canvas = QImage(shown * width + (shown + 1) * gap, images[0].height() + 2 * gap, QImage.Format.Format_RGB32)
        canvas.fill(QColor("#8d939a"))
        painter = QPainter(canvas)
        for i, img in enumerate(images):
            painter.drawImage(gap + i * (width + gap), gap, img)
        painter.end()
        out.parent.mkdir(parents=True, exist_ok=True)
        canvas.save(str(out))
        doc.close()
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", nargs="?", type=Path, help="a bundle zip or a report.html (default: demo case)")
    ap.add_argument("-o", "--out", type=Path, default=REPO / "docs" / "screenshots" / "report.png")
    ap.add_argument("--pages", type=int, default=2, help="how many pages to show side by side")
    ap.add_argument("--width", type=int, default=900, help="width of each page image in pixels")
    args = ap.parse_args(argv)
    from ui.services import install_qt_services

    install_qt_services()  # as ui.launcher does: bundles made here get their report.pdf
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or demo_bundle(Path(tmp) / "case.zip")
        html = read_html(source)
        count = render_png(html, args.out, args.pages, args.width)
    print(f"{args.out} ({min(args.pages, count)} of {count} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
