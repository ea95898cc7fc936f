"""Metadata read from the text itself when the file carries none: dateline, title, language."""

from __future__ import annotations

import re

from importers.base import Extracted
from importers.dates import DateMatch, find_dateline, iter_dates
from importers.language import guess_language

_CAPTION = re.compile(
    r"^(?:photo|image|picture|video|graphic|illustration|file photo|credit)\s*[:|-]"
    r"|\([^()]*(?:/|photo|getty|reuters|afp|ap\b|epa|anadolu)[^()]*\)\s*$",
    re.I,
)
_BOILERPLATE = re.compile(
    r"^(?:featured(?: post)?|advertisement|advert|sponsored|share|share this|skip to (?:main )?content|menu|home"
    r"|subscribe|sign in|log in|breaking news|live|opinion|analysis|news|comments?)\s*:?$",
    re.I,
)


def _headline_like(line: str) -> bool:
    s = line.strip()
    words = s.split()
    if not 2 <= len(words) <= 30 or len(s) > 200 or len(s) < 8:
        return False
    if s.endswith((",", ";", ":")) or s[0] in "([{•*-–—":
        return False
    if s.endswith(".") and len(words) > 20:
        return False
    if _CAPTION.search(s) or _BOILERPLATE.match(s):
        return False
    if s.lower().startswith(("by ", "posted by", "written by", "photo", "©", "copyright")):
        return False
    # mostly words, not numbers: "Vol. 85, No. 152", "Mai 30, 18 13:27", "H e l l o" are not titles
    visible = [ch for ch in s if not ch.isspace()]
    if sum(ch.isalpha() for ch in visible) < 0.6 * len(visible):
        return False
    if sum(1 for w in words if sum(ch.isalpha() for ch in w) >= 2) < 2:
        return False
    # a line that is mostly a date is a dateline, not a title
    return all(m.end - m.start < 0.5 * len(s) for m in iter_dates(s))


def guess_title(text: str, dateline: DateMatch | None = None, max_lines: int = 20) -> str | None:
    """The first substantial line near the top, or the line right under the dateline when it
    looks like a headline (blog layouts put the post title under the date, below sidebar teasers)."""
    lines = [(i, ln.strip()) for i, ln in enumerate(text.split("\n", 300)[:300]) if ln.strip()][:max_lines]
    if dateline is not None and dateline.line >= 0:
        after = [ln for i, ln in lines if i > dateline.line]
        if after and _headline_like(after[0]) and not after[0].endswith("."):
            return after[0]
    for _, line in lines:
        if _headline_like(line) and len(line.split()) >= 3:
            return line
    return None


def fill_from_text(extracted: Extracted, *, title: bool = True) -> None:
    """Fill the metadata fields the file itself left empty, recording ``text:*`` as the source."""
    md = extracted.metadata
    text = extracted.text
    dateline = find_dateline(text)
    if md.published is None and dateline is not None:
        md.published, md.published_precision = dateline.iso, dateline.precision
        md.sources["published"] = "text:dateline"
    if title and not md.title:
        guessed = guess_title(text, dateline)
        if guessed:
            md.title = guessed
            md.sources["title"] = "text:first-line"
    if not md.language:
        lang = guess_language(text)
        if lang:
            md.language = lang
            md.sources["language"] = "text:guess"
