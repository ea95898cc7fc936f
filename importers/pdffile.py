"""PDF importer (pdfminer.six): one layout pass per page, as ``pdfminer.high_level.extract_text``
does, then page text assembled by :mod:`importers.pdftext`.

Encrypted files open with the given password (tried as user and as owner password, then the
empty password); damaged files fail with "the PDF is damaged: ..."; pages that fail alone are
skipped with a warning.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import (
    LAParams,
    LTChar,
    LTContainer,
    LTFigure,
    LTImage,
    LTPage,
    LTText,
    LTTextBox,
    LTTextLine,
)
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFNoValidXRef, PDFPasswordIncorrect
from pdfminer.pdfexceptions import PDFException
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psexceptions import PSEOF, PSException
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from importers.base import Extracted, ImportFailure, Metadata, PasswordRequired
from importers.dates import find_dateline, parse_pdf_date
from importers.language import normalize_language
from importers.pdftext import Block, Line, clean_line, page_text
from importers.sniff import PDF
from importers.textutil import squash_ws

_log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pdfminer log capture


class _Capture(logging.Handler):
    """Collects pdfminer warnings emitted by the threads that asked for them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.by_thread: dict[int, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        sink = self.by_thread.get(record.thread or 0)
        if sink is not None and len(sink) < 200:
            try:
                sink.append(record.getMessage())
            except Exception:
                pass


_CAPTURE = _Capture()
logging.getLogger("pdfminer").addHandler(_CAPTURE)


@contextmanager
def _captured_logs() -> Iterator[list[str]]:
    ident = threading.get_ident()
    sink: list[str] = []
    _CAPTURE.by_thread[ident] = sink
    try:
        yield sink
    finally:
        _CAPTURE.by_thread.pop(ident, None)


# --------------------------------------------------------------------------- device


class _Device(PDFPageAggregator):
    """A layout aggregator that counts unmappable glyphs instead of writing ``(cid:N)``, and, like
    pdfminer's TextConverter, skips building path and image objects (only notes that images exist)."""

    def __init__(self, rsrcmgr: PDFResourceManager, laparams: LAParams) -> None:
        super().__init__(rsrcmgr, laparams=laparams)
        self.undefined = 0
        self.images = 0

    def handle_undefined_char(self, font: Any, cid: int) -> str:
        self.undefined += 1
        return ""

    def render_image(self, name: str, stream: Any) -> None:
        self.images += 1

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any) -> None:
        return None


# --------------------------------------------------------------------------- strings and metadata


def decode_pdf_string(value: Any) -> str | None:
    """A PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding) as str."""
    value = resolve1(value)
    if isinstance(value, PSLiteral):
        value = value.name
    if isinstance(value, bytes):
        if value.startswith(b"\xfe\xff"):
            text = value[2:].decode("utf-16-be", errors="replace")
        elif value.startswith(b"\xff\xfe"):
            text = value[2:].decode("utf-16-le", errors="replace")
        elif value.startswith(b"\xef\xbb\xbf"):
            text = value[3:].decode("utf-8", errors="replace")
        else:
            text = decode_text(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    text = squash_ws(text.replace("\x00", ""))
    return text or None


_JUNK_TITLE = re.compile(
    r"^(?:untitled(?:\s*\d*)?|title|document\d*|slide\s*\d+|print|none|null|\W*)$"
    r"|\.(?:docx?|pdf|indd|qxd|qxp|rtf|txt|odt|pages|xlsx?|pptx?|html?|tex|dvi|ps|eps)$"
    r"|^microsoft\s+(?:word|powerpoint|excel)\s*-",
    re.I,
)


def _info(doc: PDFDocument) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in doc.info:  # newest trailer first
        try:
            items = dict(resolve1(entry)).items()
        except Exception:
            continue
        for key, raw in items:
            if key in out:
                continue
            try:
                text = decode_pdf_string(raw)
            except Exception:
                text = None
            if text:
                out[key] = text
    return out


def _metadata(doc: PDFDocument, text: str) -> Metadata:
    md = Metadata()
    info = _info(doc)
    title = info.get("Title")
    if title and not _JUNK_TITLE.search(title):
        md.title, md.sources["title"] = title, "pdf:info.Title"
    author = info.get("Author")
    if author and author.lower() not in ("unknown", "administrator", "user", "owner", "admin"):
        md.author, md.sources["author"] = author, "pdf:info.Author"
    created = parse_pdf_date(info.get("CreationDate", ""))
    if created[0]:
        md.created = created[0]
    dateline = find_dateline(text)
    if dateline is not None:
        md.published, md.published_precision, md.sources["published"] = (
            dateline.iso,
            dateline.precision,
            "text:dateline",
        )
    elif created[0]:
        md.published, md.published_precision, md.sources["published"] = (
            created[0],
            created[1],
            "pdf:info.CreationDate",
        )
    try:
        lang = normalize_language(decode_pdf_string(doc.catalog.get("Lang")))
    except Exception:
        lang = None
    if lang:
        md.language, md.sources["language"] = lang, "pdf:catalog.Lang"
    return md


# --------------------------------------------------------------------------- layout to blocks


def _figure_text(item: Any) -> str:
    parts: list[str] = []
    stack = [item]
    while stack:
        node = stack.pop()
        if isinstance(node, LTContainer):
            stack.extend(reversed(list(node)))
        elif isinstance(node, LTText):
            parts.append(node.get_text())
    return "".join(parts)


def _blocks(layout: LTPage) -> tuple[list[Block], int]:
    blocks: list[Block] = []
    cids = 0
    for item in layout:
        lines: list[Line] = []
        if isinstance(item, LTTextBox):
            for tl in item:
                if isinstance(tl, LTTextLine):
                    text, n = clean_line(tl.get_text())
                    cids += n
                    if text:
                        lines.append(Line(text, tl.x0, tl.y0, tl.x1, tl.y1))
        elif isinstance(item, LTTextLine | LTChar):
            text, n = clean_line(item.get_text())
            cids += n
            if text:
                lines.append(Line(text, item.x0, item.y0, item.x1, item.y1))
        elif isinstance(item, LTFigure):
            text, n = clean_line(_figure_text(item))
            cids += n
            if text:
                lines.append(Line(text, item.x0, item.y0, item.x1, item.y1))
        elif isinstance(item, LTImage):
            continue
        if lines:
            blocks.append(Block(lines, item.x0, item.y0, item.x1, item.y1))
    return blocks, cids


# --------------------------------------------------------------------------- opening


def _damaged(err: BaseException) -> ImportFailure:
    if isinstance(err, PSEOF):
        return ImportFailure("the PDF is damaged: the file ends unexpectedly (truncated download?)")
    message = str(err) or type(err).__name__
    if "No /Root" in message:
        return ImportFailure(
            "the PDF is damaged: no document catalog was found (truncated file or not really a PDF)"
        )
    if isinstance(err, PDFNoValidXRef):
        return ImportFailure(
            "the PDF is damaged: its cross-reference table is missing or broken (truncated file?)"
        )
    if isinstance(err, RecursionError):
        return ImportFailure("the PDF is damaged: its objects refer to each other in an endless loop")
    return ImportFailure(f"the PDF is damaged: {type(err).__name__}: {message[:200]}")


def _open(data: bytes, password: str | None) -> PDFDocument:
    attempts = [password, ""] if password else [""]
    for attempt in attempts:
        try:
            return PDFDocument(PDFParser(io.BytesIO(data)), password=attempt or "")
        except PDFPasswordIncorrect:
            continue
        except PDFEncryptionError as err:
            raise ImportFailure(f"the PDF uses an encryption method that is not supported ({err})") from err
        except (PDFException, PSException, RecursionError) as err:
            raise _damaged(err) from err
        except Exception as err:  # pdfminer raises many things on damaged input
            raise _damaged(err) from err
    if password:
        raise PasswordRequired("wrong password: the password given does not open this encrypted PDF")
    raise PasswordRequired("password required: this PDF is encrypted")


# --------------------------------------------------------------------------- the importer


def _undecodable_contents(page: PDFPage) -> bool:
    """A content stream that holds bytes but decoded to nothing: pdfminer silently drops
    flate data it cannot inflate."""
    for ref in page.contents:
        try:
            stream = resolve1(ref)
            if (
                isinstance(stream, PDFStream)
                and stream.get_filters()
                and not stream.get_data()
                and (resolve1(stream.get("Length")) or 0) > 8
            ):
                return True
        except Exception:
            return True
    return False


def _pages_label(numbers: list[int]) -> str:
    """ "page 3", "pages 2, 5", "pages 1, 2, ... and 40 more"."""
    shown = ", ".join(str(n) for n in numbers[:10])
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"page {shown}" if len(numbers) == 1 else f"pages {shown}{more}"


def _unmapped_warnings(unmapped: list[tuple[int, int]]) -> list[str]:
    what = "text uses a font without a Unicode map ((cid:N) codes)"
    if len(unmapped) <= 5:
        return [f"page {page}: {what}; {lost} characters could not be extracted" for page, lost in unmapped]
    total = sum(lost for _, lost in unmapped)
    label = _pages_label([page for page, _ in unmapped])
    return [f"{label}: {what}; {total} characters could not be extracted"]


def extract_pdf(data: bytes, filename: str, password: str | None = None) -> Extracted:
    warnings: list[str] = []
    texts: list[str] = []
    failed: list[int] = []
    image_only: list[int] = []
    broken: list[int] = []
    unmapped: list[tuple[int, int]] = []  # (page, characters lost)
    with _captured_logs() as logs:
        doc = _open(data, password)
        rsrcmgr = PDFResourceManager(caching=True)
        device = _Device(rsrcmgr, LAParams())
        interpreter = PDFPageInterpreter(rsrcmgr, device)
        try:
            for number, page in enumerate(PDFPage.create_pages(doc), start=1):
                device.undefined = device.images = 0
                try:
                    interpreter.process_page(page)
                    layout = device.get_result()
                    blocks, cid_tokens = _blocks(layout)
                    text = page_text(blocks, layout.y0, layout.y1)
                except Exception as err:  # one bad page should not lose the others
                    _log.debug("page %d failed: %r", number, err)
                    failed.append(number)
                    texts.append("")
                    continue
                if _undecodable_contents(page):
                    broken.append(number)
                lost = device.undefined + cid_tokens
                if lost:
                    unmapped.append((number, lost))
                if not text and device.images:
                    image_only.append(number)
                texts.append(text)
        except Exception as err:
            if not texts:
                raise _damaged(err) from err
            warnings.append(
                f"the PDF is damaged after page {len(texts)}: later pages could not be read ({type(err).__name__})"
            )
    if not texts:
        raise ImportFailure("the PDF is damaged: it has no readable pages")
    warnings[:0] = _unmapped_warnings(unmapped)
    if failed and len(failed) == len(texts):
        raise ImportFailure("the PDF is damaged: none of its pages could be read")
    if failed:
        warnings.append(f"the PDF is damaged: {_pages_label(failed)} could not be read")
    if broken:
        warnings.append(
            f"the PDF is damaged: the content of {_pages_label(broken)} could not be decompressed; that text is missing"
        )
    if any("Data-loss while decompressing" in msg for msg in logs):
        warnings.append(
            "the PDF is damaged: some compressed data could not be decoded; text may be incomplete"
        )

    full, pages = _join_pages(texts)
    if not full.strip():
        warnings.append(
            "no text layer (scanned PDF?): nothing could be extracted; OCR the file to import its text"
        )
    elif image_only:
        warnings.append(f"no text layer on {_pages_label(image_only)}, only images (scanned?)")
    metadata = _metadata(doc, full)
    return Extracted(text=full, media_type=PDF, metadata=metadata, warnings=warnings, pages=pages)


def _join_pages(texts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Pages joined by a blank line, or by a single newline when a sentence runs on from one
    page to the next (no closing punctuation, next page starts in lowercase)."""
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    pos = 0
    for text in texts:
        if text and parts:
            last = parts[-1][-1]
            runs_on = (last.isalnum() or last in ",-\u2010") and text[0].islower()
            sep = "\n" if runs_on else "\n\n"
            parts.append(sep)
            pos += len(sep)
        start = pos
        if text:
            parts.append(text)
            pos += len(text)
        pages.append((start, pos))
    return "".join(parts), pages
