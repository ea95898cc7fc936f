"""Sentence segmentation with exact offsets into the stored text."""

from __future__ import annotations

import re

_END = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)\]]*|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans; ``text[start:end]`` is each sentence, trimmed of spaces."""
    spans: list[tuple[int, int]] = []
    for m in _END.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans
