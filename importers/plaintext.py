"""Plain text and Markdown importers."""

from __future__ import annotations

import itertools
import re

from importers.base import Extracted, ImportFailure, Metadata
from importers.dates import parse_date
from importers.encoding import decode_bytes
from importers.language import normalize_language
from importers.markdown import markdown_to_text
from importers.sniff import MARKDOWN, TEXT
from importers.textutil import clean_text, has_words, squash_ws

_LIST_OR_INDENT = re.compile(r"^(?:\s|[-*•‣◦–—]\s|\d{1,3}[.)]\s|>)")


def _hard_wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text (e-mail, press release) was wrapped at, if it was."""
    lengths = [len(ln) for ln in lines if ln.strip()]
    if len(lengths) < 8:
        return None
    ordered = sorted(lengths)
    width = ordered[int(0.9 * (len(ordered) - 1))]
    if not 40 <= width <= 100 or ordered[-1] > width + 20:
        return None
    # Lines inside paragraphs (not the last line of one) should nearly fill the width.
    inner = [len(a) for a, b in itertools.pairwise(lines) if a.strip() and b.strip()]
    if len(inner) < 5:
        return None
    full = sum(1 for n in inner if n >= width - 15)
    return width if full >= 0.7 * len(inner) else None


def unwrap_hard_wrapped(text: str) -> str:
    """Join the lines of a text hard-wrapped at a fixed width back into paragraphs.

    A line is joined to the next when it reaches the wrap column (so it was broken by the
    wrapping, not by the author) and the next line does not start a list item or an indented block.
    Texts that are not clearly hard-wrapped are returned unchanged.
    """
    lines = text.split("\n")
    width = _hard_wrap_width(lines)
    if width is None:
        return text
    out: list[str] = []
    for line in lines:
        if (
            out
            and out[-1].strip()
            and line.strip()
            and len(out[-1].rsplit("\n", 1)[-1]) >= width - 20
            and not _LIST_OR_INDENT.match(line)
        ):
            prev = out[-1].rstrip()
            joiner = "" if prev.endswith("-") and line[:1].islower() and prev[-2:-1].isalpha() else " "
            out[-1] = prev + joiner + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _decode(data: bytes) -> tuple[str, list[str]]:
    decoded = decode_bytes(data)
    return decoded.text, list(decoded.warnings)


def extract_plain(data: bytes, filename: str, password: str | None = None) -> Extracted:
    raw, warnings = _decode(data)
    text = clean_text(raw, keep_tabs=True)
    text = unwrap_hard_wrapped(text)
    if not has_words(text):
        raise ImportFailure("the file contains no text (only whitespace or control characters)")
    return Extracted(text=text, media_type=TEXT, metadata=Metadata(), warnings=warnings)


def extract_markdown(data: bytes, filename: str, password: str | None = None) -> Extracted:
    raw, warnings = _decode(data)
    converted = markdown_to_text(clean_text(raw, keep_tabs=False))
    text = clean_text(converted.text)
    if not has_words(text):
        raise ImportFailure("the file contains no text (only Markdown markup or whitespace)")
    md = Metadata()
    if converted.title:
        md.title = squash_ws(converted.title)
        md.sources["title"] = (
            "markdown:heading"
            if converted.title != converted.front_matter.get("title")
            else "markdown:front-matter"
        )
    fm = converted.front_matter
    if fm.get("author"):
        md.author = fm["author"]
        md.sources["author"] = "markdown:front-matter"
    for key in ("date", "published", "pubdate"):
        if fm.get(key):
            iso, precision = parse_date(fm[key])
            if iso:
                md.published, md.published_precision = iso, precision
                md.sources["published"] = "markdown:front-matter"
                break
    for key in ("lang", "language"):
        lang = normalize_language(fm.get(key))
        if lang:
            md.language, md.sources["language"] = lang, "markdown:front-matter"
            break
    if fm.get("url"):
        md.url = fm["url"]
        md.sources["url"] = "markdown:front-matter"
    return Extracted(text=text, media_type=MARKDOWN, metadata=md, warnings=warnings)
