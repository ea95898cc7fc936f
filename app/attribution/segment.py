"""Layout of a document for attribution: logical lines, sentences and quotations, with offsets.

A *logical line* is a line of text, with hard-wrapped continuations joined (a line that does not
end a sentence followed by one starting in lower case). Paragraphs are separated by blank lines.
Quotations are curly (“...”) or straight ("...", paired within a line); single quotes are
ignored (they are mostly apostrophes).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from app.attribution.names import words

_ABBREV = words("mr mrs ms dr prof st gen col lt capt sgt rep sen gov jr sr no vs etc inc ltd co corp")
_SENT_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])|[.!?]+[\"”’')\]]*$")


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    para: int
    is_list: bool  # a bullet or "::" item
    is_intro: bool  # ends with a colon: introduces the following block


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    line: int


@dataclass(frozen=True)
class Quote:
    open: int  # index of the opening mark
    close: int  # index of the closing mark (or the line end when unclosed)

    @property
    def inner(self) -> tuple[int, int]:
        return self.open + 1, self.close


_LIST = re.compile(r"^\s*(?:::|[-*•·–]\s|\d+[.)]\s)")


def logical_lines(text: str) -> list[Line]:
    raw: list[tuple[int, int]] = []
    pos = 0
    for part in text.split("\n"):
        raw.append((pos, pos + len(part)))
        pos += len(part) + 1
    lines: list[Line] = []
    para = 0
    cur: tuple[int, int] | None = None
    for a, b in raw:
        seg = text[a:b]
        if not seg.strip():
            if cur is not None:
                lines.append(_mk(text, cur, para))
                cur = None
            para += 1
            continue
        if cur is not None:
            prev = text[cur[0]:cur[1]].rstrip()
            nxt = seg.lstrip()
            if prev and prev[-1] not in ".!?:;\"”’)]" and nxt[:1].islower():
                cur = (cur[0], b)
                continue
            lines.append(_mk(text, cur, para))
        cur = (a, b)
    if cur is not None:
        lines.append(_mk(text, cur, para))
    return lines


def _mk(text: str, span: tuple[int, int], para: int) -> Line:
    a, b = span
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    seg = text[a:b]
    return Line(a, b, para, bool(_LIST.match(seg)), seg.endswith(":"))


def sentences_of(text: str, lines: list[Line]) -> list[Sentence]:
    out: list[Sentence] = []
    for li, line in enumerate(lines):
        s = line.start
        for m in _SENT_END.finditer(text, line.start, line.end):
            word = re.search(r"(\w+)\W*$", text[max(line.start, m.start() - 12):m.start()])
            if word and word.group(1).lower() in _ABBREV and text[m.start()] == ".":
                continue
            if m.end() - s > 0 and text[s:m.end()].strip():
                out.append(_trim(text, s, m.end(), li))
            s = m.end()
        if text[s:line.end].strip():
            out.append(_trim(text, s, line.end, li))
    return out


def _trim(text: str, a: int, b: int, li: int) -> Sentence:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return Sentence(a, b, li)


def quotes_of(text: str, lines: list[Line]) -> list[Quote]:
    out: list[Quote] = []
    for line in lines:
        curly: int | None = None
        straight: int | None = None
        for i in range(line.start, line.end):
            c = text[i]
            if c in "“«":
                if curly is None and straight is None:
                    curly = i
            elif c in "”»":
                if curly is not None:
                    out.append(Quote(curly, i))
                    curly = None
            elif c == '"':
                if straight is None and curly is None:
                    straight = i
                elif straight is not None:
                    out.append(Quote(straight, i))
                    straight = None
        for o in (curly, straight):
            if o is not None and line.end - o > 1:
                out.append(Quote(o, line.end))
    out.sort(key=lambda q: q.open)
    return out


class Layout:
    """Lines, sentences and quotations of one text, with position look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = logical_lines(text)
        self.sentences = sentences_of(text, self.lines)
        self.quotes = quotes_of(text, self.lines)
        self._sent_starts = [s.start for s in self.sentences]
        self._q_opens = [q.open for q in self.quotes]
        masked = list(text)
        for q in self.quotes:
            a, b = q.inner
            for i in range(a, b):
                if masked[i] != "\n":
                    masked[i] = "\x00"
        self.masked = "".join(masked)

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence containing (or nearest before) ``pos``."""
        i = bisect.bisect_right(self._sent_starts, pos) - 1
        return max(i, 0)

    def sentences_over(self, start: int, end: int) -> list[int]:
        first = self.sentence_at(start)
        out = []
        for i in range(first, len(self.sentences)):
            s = self.sentences[i]
            if s.start >= end and i > first:
                break
            out.append(i)
        return out

    def quote_at(self, pos: int) -> int | None:
        i = bisect.bisect_right(self._q_opens, pos) - 1
        if i >= 0:
            q = self.quotes[i]
            if q.open < pos <= q.close:
                return i
        return None

    def quoted_fraction(self, start: int, end: int) -> tuple[int | None, float]:
        """The quotation covering most of ``[start, end)`` and the fraction it covers."""
        best: tuple[int | None, float] = (None, 0.0)
        if end <= start:
            return best
        lo = bisect.bisect_right(self._q_opens, start) - 1
        for i in range(max(lo, 0), len(self.quotes)):
            q = self.quotes[i]
            if q.open >= end:
                break
            a, b = q.inner
            ov = min(b, end) - max(a, start)
            if ov > 0 and ov / (end - start) > best[1]:
                best = (i, ov / (end - start))
        return best
