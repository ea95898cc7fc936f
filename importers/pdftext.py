"""Page text from layout lines: characters normalized, running page numbers dropped, lines
unwrapped into paragraphs, words hyphenated across line breaks rejoined.

Pure functions over :class:`Line`/:class:`Block`, so they can be tested without a PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from importers.dates import is_dateline
from importers.textutil import normalize_chars

CID_TOKEN = re.compile(r"\(cid:\d+\)")
_SPACES = re.compile(r"[ \t]+")
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(?:(?:page|p\.|pg\.?|seite|página|pagina|page\s+n°|strona|стр\.?)\s*)?"
    r"(?:\d{1,4}|(?-i:(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})))(?:\s*(?:/|of|von|de|sur|di|z|из)\s*\d{1,4})?[-–—\s]*$",
    re.I,
)
_TERMINAL = tuple(".!?:;\"'”’»)]…")
_BULLET = re.compile(r"^(?:[•◦▪▫●○■□‣⁃∙·*]|[-–—]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_HYPHENS = "-\u2010\u00ad"


@dataclass
class Line:
    text: str
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0


@dataclass
class Block:
    lines: list[Line]
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0


def clean_line(text: str) -> tuple[str, int]:
    """A layout line as text: ``(cid:N)`` tokens removed (and counted), ligatures and odd spaces
    normalized, spaces collapsed."""
    cids = 0
    if "(cid:" in text:
        text, cids = CID_TOKEN.subn("", text)
    text = normalize_chars(text.replace("\n", " "))
    return _SPACES.sub(" ", text).strip(), cids


def is_page_number(text: str) -> bool:
    """ "3", "- 3 -", "Page 3", "3 of 10", "Page 1/1", "iv"."""
    return bool(text) and len(text) <= 24 and bool(_PAGE_NUMBER.match(text))


def drop_page_numbers(blocks: list[Block], page_y0: float, page_y1: float) -> list[Block]:
    """Drop running page numbers ("3", "Page 3", "3 of 10") from the top and bottom of a page.

    Looked at: lines in the top and bottom tenth of the page (at most two page-number lines
    per band; more look like a table of numbers), and the first and last lines read when they
    sit in the top or bottom fifth. Nothing is dropped from a page that has no other words.
    """
    height = max(page_y1 - page_y0, 1.0)
    order = [(bi, li) for bi, b in enumerate(blocks) for li in range(len(b.lines))]
    if len(order) < 2:
        return blocks

    def line(key: tuple[int, int]) -> Line:
        return blocks[key[0]].lines[key[1]]

    drop: set[tuple[int, int]] = set()
    top = [k for k in order if line(k).y0 >= page_y1 - 0.1 * height and is_page_number(line(k).text)]
    bottom = [k for k in order if line(k).y1 <= page_y0 + 0.1 * height and is_page_number(line(k).text)]
    tables: set[tuple[int, int]] = set()
    for band in (top, bottom):
        if len(band) <= 2:
            drop.update(band)
        else:
            tables.update(band)  # a row of numbers: a table, not page numbers
    for key in (order[0], order[-1]):
        ln = line(key)
        if key in tables:
            continue
        near_edge = ln.y0 >= page_y1 - 0.2 * height or ln.y1 <= page_y0 + 0.2 * height
        if near_edge and is_page_number(ln.text):
            drop.add(key)
    if not drop:
        return blocks
    remaining = [line(k).text for k in order if k not in drop]
    if not any(sum(ch.isalpha() for ch in text) >= 3 for text in remaining):
        return blocks
    out: list[Block] = []
    for bi, block in enumerate(blocks):
        kept = [ln for li, ln in enumerate(block.lines) if (bi, li) not in drop]
        if kept:
            out.append(Block(kept, block.x0, block.y0, block.x1, block.y1))
    return out


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x2FFFF
    )


def join_lines(prev: str, nxt: str) -> str:
    """Join two wrapped lines: "infor-" + "mation" -> "information" (lowercase on both sides),
    "Jean-" + "Pierre" -> "Jean-Pierre", CJK without a space, otherwise one space."""
    if not prev:
        return nxt
    if not nxt:
        return prev
    last, first = prev[-1], nxt[0]
    if last in _HYPHENS and len(prev) >= 2:
        before = prev[-2]
        if last == "\u00ad":
            return prev[:-1] + nxt
        if before.isalpha() and before.islower() and first.isalpha() and first.islower():
            return prev[:-1] + nxt
        if before.isalnum():
            return prev + nxt
    if last in "–—" and len(prev) >= 2 and prev[-2] != " ":
        return prev + nxt
    if _is_cjk(last) or _is_cjk(first):
        return prev + nxt
    return prev + " " + nxt


def _ends_paragraph(line: Line, block: Block, nxt: Line) -> bool:
    if _BULLET.match(nxt.text):
        return True
    # a dateline stands alone ("Title" / "Friday, May 6, 2016" / "Body...")
    if (len(line.text) <= 60 and is_dateline(line.text)) or (len(nxt.text) <= 60 and is_dateline(nxt.text)):
        return True
    width = block.x1 - block.x0
    if width <= 0:
        return False
    short = (line.x1 - line.x0) < 0.8 * width and line.x1 < block.x1 - 0.15 * width
    return short and line.text.endswith(_TERMINAL)


def block_paragraphs(block: Block) -> list[str]:
    paragraphs: list[str] = []
    current = ""
    lines = block.lines
    for i, line in enumerate(lines):
        current = join_lines(current, line.text)
        if i + 1 < len(lines) and _ends_paragraph(line, block, lines[i + 1]):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _continues(prev: str, nxt: str) -> bool:
    """A paragraph cut by a block boundary (column break): no terminal punctuation, then lowercase."""
    if not prev or not nxt:
        return False
    last = prev[-1]
    return (last.isalpha() or last in ",-\u2010") and nxt[0].islower() and len(prev) > 40


def page_text(blocks: list[Block], page_y0: float = 0.0, page_y1: float = 0.0) -> str:
    """The text of one page: paragraphs separated by a blank line."""
    if page_y1 > page_y0:
        blocks = drop_page_numbers(blocks, page_y0, page_y1)
    paragraphs: list[str] = []
    for block in blocks:
        for i, para in enumerate(block_paragraphs(block)):
            if i == 0 and paragraphs and _continues(paragraphs[-1], para):
                paragraphs[-1] = join_lines(paragraphs[-1], para)
            else:
                paragraphs.append(para)
    return "\n\n".join(p for p in paragraphs if p)
