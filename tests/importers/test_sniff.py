from __future__ import annotations

import io
import os
import random
import zipfile
from types import ModuleType

import docx
import pytest

from importers import DOCX, HTML, MARKDOWN, PDF, TEXT, ImportFailure, extract, sniff


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _docx_bytes(text: str = "Hello from Word.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.4\n...", "x.bin", PDF),
        (b"\n\n%PDF-1.7 junk before the header is allowed", "x", PDF),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "page.txt", HTML),
        (b"  <html lang='en'><p>x</p></html>", "noext", HTML),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "a.xhtml", HTML),
        (b"\xef\xbb\xbf<!doctype html><p>BOM first</p>", "a", HTML),
        ("<html><body>UTF-16</body></html>".encode("utf-16"), "a", HTML),
        (b"<p>A fragment</p><div>saved from a browser</div>", "frag.html", HTML),
        (b"Just some words.\nAnother line.", "notes", TEXT),
        (b"<p>angle brackets in a text file</p>", "notes.txt", TEXT),
        (b"# Title\n\nSome [link](http://x) and **bold**.\n", "notes", MARKDOWN),
        (b"plain words", "readme.md", MARKDOWN),
        ("caf\u00e9 \u201cquoted\u201d".encode("cp1252"), "a.txt", TEXT),
        ("UTF-16 text without a BOM, mostly ASCII".encode("utf-16-le"), "a.txt", TEXT),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.pdf", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a.jpg", "image/jpeg"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.doc", "application/x-ole-storage"),
        (b"{\\rtf1\\ansi hello}", "a.rtf", "application/rtf"),
        (b"", "empty.txt", "application/x-empty"),
        (b"<?xml version='1.0'?><rss><channel/></rss>", "feed.xml", "application/xml"),
    ],
)
def test_sniff_by_content(data: bytes, name: str, expected: str) -> None:
    assert sniff(data, name) == expected


def test_sniff_zip_packages() -> None:
    assert sniff(_docx_bytes(), "report.bin") == DOCX
    assert sniff(_zip({"a.txt": b"hi"}), "archive.docx") == "application/zip"
    assert sniff(_zip({"mimetype": b"application/epub+zip", "x": b""}), "book") == "application/epub+zip"
    assert sniff(b"PK\x03\x04 damaged", "report.docx") == DOCX  # a damaged package named .docx
    assert sniff(b"PK\x03\x04 damaged", "x.zip") == "application/zip"


def test_sniff_binary_junk() -> None:
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(5000))
    assert sniff(junk, "report.pdf") == "application/octet-stream"
    assert sniff(b"\x01\x02\x03\x04\x05\x06 abc", "a.txt") == "application/octet-stream"


def test_extract_empty_file() -> None:
    with pytest.raises(ImportFailure, match=r"^the file is empty$"):
        extract(b"", "empty.pdf")


def test_extract_junk_named_pdf() -> None:
    with pytest.raises(ImportFailure, match=r"^not a PDF: the file does not start with a PDF header"):
        extract(os.urandom(3000) + b"\x00", "report.pdf")
    with pytest.raises(ImportFailure, match=r"^not a PDF"):
        extract(b"just text, not a pdf", "report.pdf")


def test_extract_unsupported_types() -> None:
    with pytest.raises(ImportFailure, match=r"^unsupported file type: PNG image"):
        extract(b"\x89PNG\r\n\x1a\n" + bytes(64), "chart.png")
    with pytest.raises(ImportFailure, match=r"^unsupported file type: ZIP archive"):
        extract(_zip({"a.txt": b"hi"}), "bundle.zip")
    with pytest.raises(ImportFailure, match=r"^unsupported file type: binary data"):
        extract(bytes(range(256)) * 4, "blob")
    with pytest.raises(ImportFailure, match=r"^unsupported file type: EPUB"):
        extract(_zip({"mimetype": b"application/epub+zip"}), "book.epub")


def test_extract_wrong_docx_content() -> None:
    with pytest.raises(
        ImportFailure, match=r"^not a DOCX document: the ZIP package has no word/document.xml"
    ):
        extract(_zip({"a.txt": b"hi"}), "report.docx")
    with pytest.raises(ImportFailure, match=r"password-protected or legacy Word file"):
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "secret.docx")
    with pytest.raises(ImportFailure, match=r"^not a DOCX document"):
        extract(b"plain text pretending", "report.docx")


def test_content_wins_over_extension(pdfgen: ModuleType) -> None:
    pdf = pdfgen.build_pdf([pdfgen.Page(pdfgen.lines(["A PDF named as a Word file."]))])
    result = extract(pdf, "misnamed.docx")
    assert result.media_type == PDF
    assert result.text == "A PDF named as a Word file."
    assert any("named .docx" in w for w in result.warnings)

    html = b"<html><body><article><p>An HTML page saved with a .pdf name by a browser.</p></article></body></html>"
    result = extract(html, "download.pdf")
    assert result.media_type == HTML
    assert "saved with a .pdf name" in result.text

    result = extract(_docx_bytes("Word content."), "no-extension")
    assert result.media_type == DOCX
    assert result.text == "Word content."


def test_non_ascii_file_names(pdfgen: ModuleType) -> None:
    assert (
        extract("Un texte très simple.".encode(), "été/Überblick – 報告.txt").text == "Un texte très simple."
    )
    pdf = pdfgen.build_pdf([pdfgen.Page(pdfgen.lines(["Rapport annuel."]))])
    assert extract(pdf, "رپورٹ.PDF").text == "Rapport annuel."
