"""Importers: bytes + file name in, text + metadata + warnings out. Pure: no database, no network,
no file access.

Public API::

    extract(data, filename, *, password=None) -> Extracted   # raises ImportFailure
    sniff(data, filename) -> media type                       # from content, not the extension

Submodules with reusable helpers: :mod:`importers.dates` (``parse_date``, ``find_dateline``,
``iter_dates``), :mod:`importers.language` (``guess_language``), :mod:`importers.encoding`
(``decode_bytes``).
"""

from __future__ import annotations

from pathlib import PurePath

from importers.base import Extracted, ImportFailure, Metadata, PasswordRequired
from importers.docxfile import extract_docx
from importers.htmlpage import extract_html
from importers.pdffile import extract_pdf
from importers.plaintext import extract_markdown, extract_plain
from importers.registry import importer_for, register, supported_types
from importers.sniff import (
    BINARY,
    DOCX,
    EMPTY,
    HTML,
    MARKDOWN,
    PDF,
    TEXT,
    ZIP,
    describe,
    extension_type,
    sniff,
)
from importers.textmeta import fill_from_text

__all__ = [
    "DOCX",
    "HTML",
    "MARKDOWN",
    "PDF",
    "TEXT",
    "Extracted",
    "ImportFailure",
    "Metadata",
    "PasswordRequired",
    "extract",
    "register",
    "sniff",
    "supported_types",
]

register(TEXT, extract_plain)
register(MARKDOWN, extract_markdown)
register(HTML, extract_html)
register(PDF, extract_pdf)
register(DOCX, extract_docx)

_RICH = (PDF, DOCX, HTML)


def _not_the_claimed_type(claimed: str, actual: str) -> str:
    if claimed == PDF:
        return "not a PDF: the file does not start with a PDF header"
    if actual == "application/x-ole-storage":
        return (
            "unsupported file type: a password-protected or legacy Word file (.doc); "
            "remove the password or save it as .docx in Word, then import again"
        )
    if actual == ZIP:
        return "not a DOCX document: the ZIP package has no word/document.xml"
    return f"not a DOCX document: the file is not a Word package (it looks like {describe(actual)})"


def extract(data: bytes, filename: str, *, password: str | None = None) -> Extracted:
    """Import one file's bytes. Raises :class:`ImportFailure` (or :class:`PasswordRequired`)
    with a reason written for a person."""
    if not data:
        raise ImportFailure("the file is empty")
    media_type = sniff(data, filename)
    claimed = extension_type(filename)
    warnings: list[str] = []
    if claimed in (PDF, DOCX) and media_type != claimed:
        if media_type not in _RICH:
            raise ImportFailure(_not_the_claimed_type(claimed, media_type))
        suffix = PurePath(filename).suffix
        warnings.append(f"the file is named {suffix} but contains a {describe(media_type)}; imported as that")
    importer = importer_for(media_type)
    if importer is None:
        if media_type == BINARY:
            raise ImportFailure("unsupported file type: binary data that is not a known document format")
        if media_type == EMPTY:
            raise ImportFailure("the file is empty")
        raise ImportFailure(f"unsupported file type: {describe(media_type)} ({media_type})")
    try:
        result = importer(data, filename, password)
    except ImportFailure:
        raise
    except RecursionError as err:
        raise ImportFailure(
            f"the {describe(media_type)} is too deeply nested to read (damaged or hostile file)"
        ) from err
    except MemoryError as err:
        raise ImportFailure(f"the {describe(media_type)} is too large to import") from err
    except Exception as err:  # a reader's bug or an unforeseen damage: fail the one file, clearly
        raise ImportFailure(
            f"could not read the {describe(media_type)}: unexpected {type(err).__name__}: {err}"
        ) from err
    result.warnings[:0] = warnings
    fill_from_text(result)
    return result
