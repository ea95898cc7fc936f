"""DOCX importer (python-docx): body paragraphs, headings, tables and text boxes in document order,
then footnotes and endnotes; core properties for title/author/created/language.

Text is read from the XML runs directly so that tracked insertions are kept, tracked deletions
and field codes dropped, and merged table cells not repeated.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from importers.base import Extracted, ImportFailure, Metadata
from importers.dates import find_dateline
from importers.language import guess_language, normalize_language
from importers.sniff import DOCX
from importers.textutil import clean_text, has_words, squash_ws

_P = qn("w:p")
_TBL = qn("w:tbl")
_TR = qn("w:tr")
_TC = qn("w:tc")
_SDT = qn("w:sdt")
_SDT_CONTENT = qn("w:sdtContent")
_T = qn("w:t")
_TAB = qn("w:tab")
_BR = qn("w:br")
_CR = qn("w:cr")
_NB_HYPHEN = qn("w:noBreakHyphen")
_SYM = qn("w:sym")
_TXBX = qn("w:txbxContent")
_DEL = qn("w:del")
_MOVE_FROM = qn("w:moveFrom")
_PPR = qn("w:pPr")
_RPR = qn("w:rPr")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {_DEL, _MOVE_FROM, _FALLBACK, _PPR, _RPR, qn("w:instrText"), qn("w:delText")}


def _paragraph_text(p: Any, boxes: list[Any]) -> str:
    """Text of one ``w:p``; text boxes met on the way are collected into ``boxes``."""
    parts: list[str] = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _T:
            parts.append(el.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag in (_BR, _CR):
            parts.append("\n")
        elif tag == _NB_HYPHEN:
            parts.append("-")
        elif tag == _TXBX:
            boxes.append(el)
        else:
            stack.extend(reversed(list(el)))
    return "".join(parts)


def _cell_text(tc: Any) -> str:
    pieces: list[str] = []
    for block in _blocks(tc):
        pieces.append(squash_ws(block))
    return " ".join(p for p in pieces if p)


def _table_text(tbl: Any) -> str:
    rows: list[str] = []
    for tr in tbl.iter(_TR):
        if tr.getparent() is not tbl and tr.getparent().tag != _SDT_CONTENT:
            continue  # rows of nested tables are read through their cell
        cells = [_cell_text(tc) for tc in tr if tc.tag == _TC]
        row = " | ".join(c for c in cells if c)
        if row:
            rows.append(row)
    return "\n".join(rows)


def _blocks(container: Any) -> Iterator[str]:
    """Paragraph and table texts of a body/cell/text box/note, in document order."""
    for el in container:
        tag = el.tag
        if tag == _P:
            boxes: list[Any] = []
            text = _paragraph_text(el, boxes)
            yield text
            for box in boxes:
                yield from _blocks(box)
        elif tag == _TBL:
            yield _table_text(el)
        elif tag in (_SDT, _SDT_CONTENT) or tag == qn("w:customXml") or tag == qn("w:smartTag"):
            inner = el.find(_SDT_CONTENT) if tag == _SDT else el
            if inner is not None:
                yield from _blocks(inner)


def _style_info(document: Any) -> tuple[str | None, str | None]:
    """(title from the first Title/Heading 1 paragraph, default language of the styles)."""
    title = None
    for paragraph in document.paragraphs[:60]:
        try:
            name = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        except Exception:
            name = ""
        if name in ("title", "heading 1") and paragraph.text.strip():
            title = squash_ws(paragraph.text)
            break
    lang = None
    try:
        styles = document.styles.element
        node = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
        if node is not None:
            lang = node.get(qn("w:val"))
    except Exception:
        lang = None
    return title, lang


def _notes(document: Any) -> list[str]:
    """Footnote and endnote paragraphs (separators skipped)."""
    out: list[str] = []
    try:
        parts = list(document.part.package.iter_parts())
    except Exception:
        return out
    for part in parts:
        if str(part.partname) not in ("/word/footnotes.xml", "/word/endnotes.xml"):
            continue
        try:
            root = etree.fromstring(part.blob)
        except Exception:
            continue
        for note in root:
            if note.get(qn("w:type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            text = " ".join(squash_ws(b) for b in _blocks(note))
            if text.strip():
                out.append(text.strip())
    return out


def _iso_date(value: Any) -> str | None:
    if isinstance(value, dt.datetime | dt.date) and 1800 <= value.year <= 2100:
        return value.strftime("%Y-%m-%d")
    return None


def extract_docx(data: bytes, filename: str, password: str | None = None) -> Extracted:
    try:
        document = docx.Document(io.BytesIO(data))
    except ValueError as err:  # python-docx: "file ... is not a Word file, content type is ..."
        if "content type" in str(err):
            raise ImportFailure(f"not a DOCX document: {err}") from err
        raise ImportFailure(f"the DOCX file is damaged: {err}") from err
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        etree.XMLSyntaxError,
        zlib.error,
        EOFError,
    ) as err:
        raise ImportFailure(f"the DOCX file is damaged: {type(err).__name__}: {err}") from err
    except Exception as err:  # any other failure to unpack the package
        raise ImportFailure(f"the DOCX file is damaged: {type(err).__name__}: {err}") from err
    body = document.element.body
    paragraphs = [b for b in _blocks(body)]
    notes = _notes(document)
    text = clean_text("\n\n".join(p.strip() for p in paragraphs + notes if p.strip()), collapse_spaces=True)
    warnings: list[str] = []
    if not has_words(text):
        warnings.append("no text found in the document (images only?)")
    md = Metadata()
    core = document.core_properties
    style_title, style_lang = _style_info(document)
    if core.title and core.title.strip():
        md.title, md.sources["title"] = squash_ws(core.title), "docx:core.title"
    elif style_title:
        md.title, md.sources["title"] = style_title, "docx:heading"
    if core.author and core.author.strip():
        md.author, md.sources["author"] = squash_ws(core.author), "docx:core.author"
    created = _iso_date(core.created)
    md.created = created
    dateline = find_dateline(text)
    if dateline is not None:
        md.published, md.published_precision, md.sources["published"] = (
            dateline.iso,
            dateline.precision,
            "text:dateline",
        )
    elif created:
        md.published, md.published_precision, md.sources["published"] = created, "day", "docx:core.created"
    # The styles' default language is the author's Word setting, weaker evidence than the text.
    guessed = guess_language(text)
    for value, src in (
        (core.language, "docx:core.language"),
        (guessed, "text:guess"),
        (style_lang, "docx:styles.lang"),
    ):
        lang = normalize_language(value)
        if lang:
            md.language, md.sources["language"] = lang, src
            break
    return Extracted(text=text, media_type=DOCX, metadata=md, warnings=warnings)
