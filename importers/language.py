"""A cheap language guess: the script for non-Latin text, stop words for Latin-script text.

Returns an ISO 639-1 code or None when the evidence is thin. No models, no dependencies.
"""

from __future__ import annotations

import re

_STOPWORD_LISTS = {
    "en": "and are as at be by for from has have he in is it of on said that the this to was were which with",
    "fr": "au aux avec ce cette dans des du elle est et il la le les par pas pour que qui sont sur une",
    "de": "auch auf das dem den der des die ein eine für im ist mit nicht sich sind und von wird zu",
    "es": "al como con del el en es esta este fue las los más para pero por que se su una",
    "it": "alla anche che con dei della di gli il la le nel non per più questo si sono una è",
    "pt": "ao com da das do dos ele em foi mais não o os para por que se são um uma",
    "nl": "aan bij dat de een en er het is maar met niet ook op te van voor wordt zijn",
}
_STOPWORDS: dict[str, frozenset[str]] = {
    code: frozenset(words.split()) for code, words in _STOPWORD_LISTS.items()
}
_WORD = re.compile(r"[^\W\d_]+", re.U)

_SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("ja", ((0x3040, 0x30FF),)),  # kana: Japanese even when mixed with kanji
    ("ko", ((0xAC00, 0xD7AF), (0x1100, 0x11FF))),
    ("zh", ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))),
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("he", ((0x0590, 0x05FF),)),
    ("el", ((0x0370, 0x03FF),)),
    ("ru", ((0x0400, 0x04FF),)),
    ("hi", ((0x0900, 0x097F),)),
    ("th", ((0x0E00, 0x0E7F),)),
)


def _script_counts(sample: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    latin = 0
    for ch in sample:
        o = ord(ch)
        if o < 0x250:
            if ch.isalpha():
                latin += 1
            continue
        for code, ranges in _SCRIPTS:
            if any(lo <= o <= hi for lo, hi in ranges):
                counts[code] = counts.get(code, 0) + 1
                break
    return counts, latin


def guess_language(text: str, sample_size: int = 6000) -> str | None:
    """An ISO 639-1 guess such as "en", "fr", "ar", "zh"; None when unsure."""
    sample = text[:sample_size]
    counts, latin = _script_counts(sample)
    total = latin + sum(counts.values())
    if total < 10:
        return None
    kana, han = counts.get("ja", 0), counts.get("zh", 0)
    if kana + han >= 0.4 * total:
        # kanji-heavy Japanese still has kana; Chinese has none
        return "ja" if kana >= 0.1 * (kana + han) else "zh"
    if counts:
        code, n = max(counts.items(), key=lambda kv: kv[1])
        if n >= 0.4 * total:
            return code
    if latin < 0.5 * total:
        return None
    hits = dict.fromkeys(_STOPWORDS, 0)
    words = 0
    for word in _WORD.findall(sample.lower()):
        words += 1
        for code, stop in _STOPWORDS.items():
            if word in stop:
                hits[code] += 1
    if words < 12:
        return None
    ranked = sorted(hits.items(), key=lambda kv: kv[1], reverse=True)
    (best, n1), (_, n2) = ranked[0], ranked[1]
    if n1 >= 3 and n1 >= 0.08 * words and n1 >= 1.3 * n2:
        return best
    return None


def normalize_language(tag: str | None) -> str | None:
    """``"en-GB"``, ``"en_US"``, ``"EN"`` -> ``"en"``; None for empty or implausible tags."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    if not primary.isalpha() or not 2 <= len(primary) <= 3 or primary in ("und", "mul", "zxx", "xx"):
        return None
    return primary
