"""Small text clean-ups shared by the importers."""

from __future__ import annotations

import re
import unicodedata

# Ligatures and other presentation forms: NFKC is safe for this block (U+FB00..U+FB4F).
_LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_LIGATURES.update({"\ua732": "AA", "\ua733": "aa", "\u0132": "IJ", "\u0133": "ij"})

# Horizontal spaces that are not a plain space, the tab included.
_ODD_SPACES = (
    "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
# Invisible characters that only get in the way of matching.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

_SPACE_TABLE: dict[int, str | None] = {ord(c): " " for c in _ODD_SPACES}
_SPACE_TABLE.update({ord(c): None for c in _INVISIBLE})
_SPACE_TABLE.update({ord(k): v for k, v in _LIGATURES.items()})
# C0/C1 control characters other than \n (and \t, handled above) are dropped.
_SPACE_TABLE.update({c: None for c in range(0x00, 0x20) if c not in (0x09, 0x0A)})
_SPACE_TABLE.update({c: None for c in range(0x7F, 0xA0)})
_SPACE_TABLE[0x2028] = "\n"
_SPACE_TABLE[0x0B] = "\n"  # vertical tab: a line break in Word exports
_SPACE_TABLE[0x2029] = "\n\n"

_KEEP_TABS = dict(_SPACE_TABLE)
_KEEP_TABS[0x09] = "\t"

_TRAILING_WS = re.compile(r"[ \t]+(?=\n|\Z)")
_MANY_BLANKS = re.compile(r"\n(?:[ \t]*\n)+")
_MULTI_SPACE = re.compile(r" {2,}")


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and ``\\r`` become ``\\n``; form feeds become a paragraph break."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text:
        text = text.replace("\f", "\n\n")
    return text


def normalize_chars(text: str, *, keep_tabs: bool = False) -> str:
    """Ligatures expanded, odd spaces made plain, invisible and control characters dropped, NFC."""
    text = normalize_newlines(text)
    text = text.translate(_KEEP_TABS if keep_tabs else _SPACE_TABLE)
    return unicodedata.normalize("NFC", text)


def tidy_paragraphs(text: str, *, collapse_spaces: bool = False) -> str:
    """Trailing spaces stripped, runs of blank lines collapsed to one, outer blank lines dropped."""
    text = _TRAILING_WS.sub("", text)
    if collapse_spaces:
        text = _MULTI_SPACE.sub(" ", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    return text.strip("\n")


def clean_text(text: str, *, keep_tabs: bool = False, collapse_spaces: bool = False) -> str:
    """The standard clean-up every importer applies to its output text."""
    return tidy_paragraphs(normalize_chars(text, keep_tabs=keep_tabs), collapse_spaces=collapse_spaces)


_WS = re.compile(r"\s+")


def squash_ws(text: str) -> str:
    """All whitespace runs (newlines included) become one space; trimmed."""
    return _WS.sub(" ", normalize_chars(text)).strip()


def has_words(text: str) -> bool:
    """True when ``text`` holds at least one letter or digit."""
    return any(ch.isalnum() for ch in text)
