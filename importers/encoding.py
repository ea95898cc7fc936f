"""Turning bytes of unknown encoding into text: BOMs, UTF-8, UTF-16 without a BOM, then guessing.

Guessing order, after a BOM and strict UTF-8: a Windows-1252 reading when it looks like Western
text (the usual case for an old web page or a Word "Save as text" file), then charset-normalizer,
then Windows-1252 with replacement characters and a warning.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Labels that browsers (WHATWG Encoding Standard) read as Windows-1252.
_AS_CP1252 = {"ascii", "latin_1", "iso8859_1", "cp819", "us_ascii", "iso_8859_1"}
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Latin-1 symbols that never sit between two letters in real Western text.
_SUSPICIOUS_IN_WORD = frozenset("¦¨ª¬¯²³´µ¶¸¹º¼½¾¿¤¥§±")
# Guesses charset-normalizer makes on short Latin text that are almost never right.
_IMPLAUSIBLE_GUESSES = ("utf_16", "utf_32", "cp037", "cp500", "cp1026", "cp1140", "cp273", "cp875", "cp1006")


@dataclass
class Decoded:
    text: str
    encoding: str
    # "bom", "utf-8", "declared", "utf-16-pattern", "cp1252-heuristic", "detected", "fallback"
    method: str
    warnings: list[str] = field(default_factory=list)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when ``data`` starts with a Unicode byte-order mark."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the NUL bytes fall on one side, as in ASCII-heavy UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even_nul = sum(1 for i in range(0, half * 2, 2) if sample[i] == 0)
    odd_nul = sum(1 for i in range(1, half * 2, 2) if sample[i] == 0)
    if odd_nul > 0.4 * half and even_nul < 0.05 * half:
        return "utf-16-le"
    if even_nul > 0.4 * half and odd_nul < 0.05 * half:
        return "utf-16-be"
    return None


def canonical_codec(label: str) -> str | None:
    """Python codec name for a charset label (``"ISO-8859-1"`` -> ``"cp1252"``), None if unknown."""
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    name = name.replace("-", "_")
    if name in _AS_CP1252:
        return "cp1252"
    return name


def _looks_western(text: str) -> bool:
    letters = 0
    non_ascii = 0
    prev = ""
    for i, ch in enumerate(text):
        if ch.isalpha():
            letters += 1
            if ord(ch) > 127:
                non_ascii += 1
        elif ch in _SUSPICIOUS_IN_WORD and prev.isalpha() and i + 1 < len(text) and text[i + 1].isalpha():
            return False
        prev = ch
    return letters > 0 and non_ascii <= 0.3 * letters


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data``; ``declared`` is a charset label found in the file itself (e.g. HTML meta)."""
    bom = bom_encoding(data)
    if bom is not None:
        enc, size = bom
        return Decoded(data[size:].decode(enc, errors="replace"), enc, "bom")
    if declared:
        codec = canonical_codec(declared)
        text = _try(data, codec) if codec else None
        if text is not None and codec:
            return Decoded(text, codec, "declared")
        result = _undeclared(data)
        why = "an unknown character set" if codec is None else "a character set that does not fit its bytes"
        result.warnings.insert(
            0, f"the file declares {why} ({declared}); decoded as {result.encoding} instead"
        )
        return result
    return _undeclared(data)


def _undeclared(data: bytes) -> Decoded:
    warnings: list[str] = []
    text = _try(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8", warnings)
    enc16 = utf16_without_bom(data)
    if enc16 is not None:
        return Decoded(data.decode(enc16, errors="replace"), enc16, "utf-16-pattern", warnings)
    if not (_CP1252_UNDEFINED & set(data)):
        text = data.decode("cp1252")
        if _looks_western(text):
            return Decoded(text, "cp1252", "cp1252-heuristic", warnings)
    guess = _guess(data)
    if guess is not None:
        return Decoded(guess[1], guess[0], "detected", warnings)
    warnings.append(
        "could not detect the text encoding; decoded as Windows-1252, some characters may be wrong"
    )
    return Decoded(data.decode("cp1252", errors="replace"), "cp1252", "fallback", warnings)


def _guess(data: bytes) -> tuple[str, str] | None:
    try:
        matches = from_bytes(data[:200_000])
    except Exception:  # charset-normalizer should not fail, but a guess is never worth a crash
        return None
    for match in matches:
        enc = match.encoding
        if enc.startswith(_IMPLAUSIBLE_GUESSES):
            continue
        if "cp1252" in match.could_be_from_charset:
            enc = "cp1252"
        text = _try(data, enc)
        if text is not None:
            return enc, text
    return None
