"""report.pdf is checked for active content: actions, scripts, links, embedded files, and the
places where such content could hide from a simple scan (object streams, objects in stream data,
cross-reference entries that point elsewhere). The reports the exporter really writes pass."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import pytest

from app import plugins
from app.bundles.export import export_claims
from app.bundles.pdfcheck import pdf_active_content
from app.bundles.verify import verify_path
from tests.app.bundles.helpers import reseal

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [ ] >>"
CONTENT = b"BT /F1 12 Tf 72 720 Td (A quote about /JavaScript and 1 0 R) Tj ET"


def make_pdf(catalog_extra: bytes = b"", page: bytes = PAGE, extra: list[bytes] | None = None,
             raw_tail: bytes = b"") -> bytes:
    """A small, well-formed PDF 1.4: catalog 1, pages 2, page 3, content 4, then ``extra`` objects."""
    content = zlib.compress(CONTENT)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page,
        b"<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n" + content + b"\nendstream",
        str(len(content)).encode(),
        *(extra or []),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    out += raw_tail
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_a_plain_pdf_has_no_active_content() -> None:
    assert pdf_active_content(make_pdf()) == []
    # a destination (not an action) to open at is harmless, direct or indirect
    assert pdf_active_content(make_pdf(b"/OpenAction [3 0 R /Fit]")) == []
    assert pdf_active_content(make_pdf(b"/OpenAction 6 0 R", extra=[b"[3 0 R /FitH 842]"])) == []


@pytest.mark.parametrize(("catalog", "page", "extra", "expect"), [
    (b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", PAGE, [], "/OpenAction"),
    (b"/OpenAction 6 0 R", PAGE, [b"<< /S /JavaScript /JS 7 0 R >>", b"(app.alert(1))"], "JavaScript"),
    (b"/OpenAction << /S /J#61va#53cript /J#53 (x) >>", PAGE, [], "/JavaScript"),
    (b"/Names << /JavaScript 6 0 R >>", PAGE, [b"<< /Names [(a) 7 0 R] >>", b"<< /S /JS /JS (x) >>"], "JavaScript"),
    (b"", PAGE.replace(b"/Annots [ ]", b"/AA << /O << /S /Launch /F (calc.exe) >> >>"), [], "/AA"),
    (b"", PAGE.replace(b"/Annots [ ]", b"/Annots [6 0 R]"),
     [b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://evil.example/x) >> >>"],
     "https://evil.example/x"),
    (b"/Names << /EmbeddedFiles 6 0 R >>", PAGE, [b"<< /Names [] >>"], "/EmbeddedFiles"),
    (b"/AcroForm << /XFA 6 0 R >>", PAGE, [b"(<xdp/>)"], "/XFA"),
    (b"/OpenAction << /S /SubmitForm /F (https://x.example) >>", PAGE, [], "/SubmitForm"),
    (b"/OpenAction << /S /ImportData /F (x.fdf) >>", PAGE, [], "/ImportData"),
    (b"", PAGE.replace(b"/Annots [ ]", b"/Annots [6 0 R]"), [b"<< /Subtype /RichMedia >>"], "/RichMedia"),
])
def test_active_content_is_found(catalog: bytes, page: bytes, extra: list[bytes], expect: str) -> None:
    found = pdf_active_content(make_pdf(catalog, page, extra))
    assert any(expect in f for f in found), found


def test_an_action_inside_a_compressed_object_stream_is_found() -> None:
    inner = b"6 0 << /S /JavaScript /JS (app.alert(1)) >>"
    stm = zlib.compress(inner)
    objstm = b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(stm) + stm + \
        b"\nendstream"
    found = pdf_active_content(make_pdf(b"/OpenAction 6 0 R", extra=[objstm]))
    assert any("JavaScript" in f for f in found), found


def test_an_object_hidden_in_stream_data_is_found() -> None:
    """A reader following the cross-reference table would find object 6 inside stream data."""
    hidden = b"6 0 obj\n<< /S /GoTo /D [3 0 R /Fit] >>\nendobj\n"
    wrapper = b"<< /Length %d >>\nstream\n" % len(hidden) + hidden + b"\nendstream"
    found = pdf_active_content(make_pdf(extra=[wrapper]))
    assert any("object header" in f for f in found), found


def test_a_cross_reference_entry_pointing_elsewhere_is_found() -> None:
    pdf = make_pdf(extra=[b"(padding)"])
    xref = pdf.rindex(b"\nxref\n") + 1
    line = pdf.index(b" 00000 n \n", xref) - 10  # object 1's entry
    forged = pdf[:line] + b"%010d" % 3 + pdf[line + 10:]
    assert any("cross-reference" in f for f in pdf_active_content(forged))


def test_not_a_pdf() -> None:
    assert pdf_active_content(b"<html>") == ["not a PDF file"]


def test_a_bundle_whose_report_pdf_runs_javascript_is_not_intact(palmyra, tmp_path: Path) -> None:
    old = plugins.get_pdf_renderer()
    plugins.set_pdf_renderer(None)
    try:
        ws, ids = palmyra
        bundle = export_claims(ws, ids, tmp_path / "case.zip").path
    finally:
        plugins.set_pdf_renderer(old)
    evil = make_pdf(b"/OpenAction << /S /JavaScript /JS (app.launchURL('https://x.example')) >>")
    forged = reseal(bundle, tmp_path / "forged.zip", {"data/report.pdf": lambda _old: evil})
    report = verify_path(forged)
    assert not report.ok
    assert [f.path for f in report.errors] == ["data/report.pdf"], report.format_text()
    assert "active or remote content" in report.errors[0].message and "JavaScript" in report.errors[0].message


def test_the_reports_qt_really_writes_pass(palmyra, tmp_path: Path) -> None:
    """The exporter's report.pdf (QPdfWriter, as the CLI and the GUI make it) has nothing to report."""
    services = pytest.importorskip("ui.services")
    old = plugins.get_pdf_renderer()
    services.install_qt_services()
    try:
        ws, ids = palmyra
        bundle = export_claims(ws, ids, tmp_path / "case.zip", organization="Test Desk").path
        one = export_claims(ws, ids[:1], tmp_path / "one.zip").path
    finally:
        plugins.set_pdf_renderer(old)
    for path in (bundle, one):
        with zipfile.ZipFile(path) as zf:
            pdf = zf.read(f"{path.stem}/data/report.pdf")
        assert pdf_active_content(pdf) == []
        report = verify_path(path)
        assert report.ok and not report.warnings, report.format_text()
