"""Media-type sniffing from content (magic bytes, ZIP members, text heuristics); the file name
only breaks ties (Markdown vs plain text, a damaged ZIP named .docx)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from importers.encoding import bom_encoding, utf16_without_bom

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"
EMPTY = "application/x-empty"
BINARY = "application/octet-stream"
ZIP = "application/zip"

# Media types that need no decoding step before sniffing the markup.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"{\\rtf", "application/rtf"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
    (b"%!PS", "application/postscript"),
    (b"wOFF", "font/woff"),
    (b"SQLite format 3\x00", "application/vnd.sqlite3"),
)

DESCRIPTIONS: dict[str, str] = {
    PDF: "PDF document",
    DOCX: "Word document (DOCX)",
    HTML: "HTML page",
    MARKDOWN: "Markdown text",
    TEXT: "plain text",
    EMPTY: "empty file",
    BINARY: "binary data",
    ZIP: "ZIP archive",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/tiff": "TIFF image",
    "image/bmp": "BMP image",
    "image/webp": "WebP image",
    "image/svg+xml": "SVG image",
    "application/x-ole-storage": "legacy or password-protected Office file (.doc/.xls/.ppt or an encrypted .docx)",
    "application/rtf": "RTF document",
    "application/gzip": "gzip archive",
    "application/x-7z-compressed": "7-Zip archive",
    "application/vnd.rar": "RAR archive",
    "application/x-bzip2": "bzip2 archive",
    "application/x-xz": "xz archive",
    "audio/mpeg": "MP3 audio",
    "audio/ogg": "Ogg audio",
    "audio/flac": "FLAC audio",
    "audio/wav": "WAV audio",
    "video/webm": "WebM/Matroska video",
    "video/mp4": "MP4/QuickTime video",
    "application/x-executable": "executable program",
    "application/x-msdownload": "Windows executable",
    "application/postscript": "PostScript document",
    "font/woff": "web font",
    "application/vnd.sqlite3": "SQLite database",
    "application/epub+zip": "EPUB e-book",
    "application/vnd.oasis.opendocument.text": "OpenDocument text (.odt)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook (XLSX)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation (PPTX)",
    "application/xml": "XML data",
}

_EXT_TYPES: dict[str, str] = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".mdown": MARKDOWN,
    ".mkd": MARKDOWN,
    ".txt": TEXT,
    ".text": TEXT,
}

_HTML_START = re.compile(
    rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S
)
_HTML_ANYWHERE = re.compile(rb"<(?:html|head|body)[\s>]|<meta\s+[^>]*charset", re.I)
_HTML_TAGS = re.compile(
    rb"<(?:p|div|span|a|br|h[1-6]|article|section|table|ul|ol|li|title|script|style)[\s>/]", re.I
)
_XML_START = re.compile(rb"^(?:\s|<!--.*?-->)*<\?xml", re.S)
_SVG = re.compile(rb"<svg[\s>]", re.I)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S", re.M)
_MD_MARKERS = re.compile(
    r"\[[^\]\n]+\]\([^)\s]+\)|^\s{0,3}(?:[-*+]|\d+\.)\s+\S|\*\*[^*\n]+\*\*|^```|^>\s", re.M
)


def extension_type(filename: str) -> str | None:
    """The media type a file name's extension claims, if it is one we know."""
    return _EXT_TYPES.get(PurePath(filename).suffix.lower())


def describe(media_type: str) -> str:
    return DESCRIPTIONS.get(media_type, media_type)


def _zip_type(data: bytes, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype:
                    return mimetype
            if "[Content_Types].xml" in names:
                ctypes = zf.read("[Content_Types].xml")[:20000]
                if b"wordprocessingml.document.main" in ctypes:
                    return DOCX
                if b"spreadsheetml" in ctypes:
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if b"presentationml" in ctypes:
                    return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError, EOFError):
        # A damaged package: trust the name only for the one ZIP format we read.
        return DOCX if extension_type(filename) == DOCX else ZIP
    return ZIP


def _text_head(data: bytes) -> bytes | None:
    """The first bytes of ``data`` as ASCII-compatible bytes, or None when it looks binary."""
    head = data[:8192]
    bom = bom_encoding(head)
    if bom is not None:
        enc, size = bom
        if enc == "utf-8":
            return head[size:]
        return head[size:].decode(enc, errors="ignore").encode("utf-8", errors="ignore")
    enc16 = utf16_without_bom(head)
    if enc16 is not None:
        return head.decode(enc16, errors="ignore").encode("utf-8", errors="ignore")
    if b"\x00" in head:
        return None
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B))
    if controls > max(2, len(head) // 100):
        return None
    return head


def sniff(data: bytes, filename: str = "") -> str:
    """The media type of ``data``, decided from its content; ``filename`` only breaks ties."""
    if not data:
        return EMPTY
    if b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_type(data, filename)
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    head = _text_head(data)
    if head is None:
        return BINARY
    if _HTML_START.match(head):
        return HTML
    if _XML_START.match(head):
        if _HTML_ANYWHERE.search(head):
            return HTML
        return "image/svg+xml" if _SVG.search(head) else "application/xml"
    claimed = extension_type(filename)
    if _HTML_ANYWHERE.search(head[:2048]) or (claimed == HTML and _HTML_TAGS.search(head)):
        return HTML
    if claimed == MARKDOWN:
        return MARKDOWN
    sample = head.decode("utf-8", errors="ignore")
    if _MD_HEADING.match(sample.lstrip("\ufeff")) and len(_MD_MARKERS.findall(sample)) >= 2:
        return MARKDOWN
    return TEXT
