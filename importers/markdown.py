"""Markdown to readable text: markup stripped, paragraphs unwrapped and kept apart, headings kept
as their own paragraphs, links reduced to their text. Not a full CommonMark parser; it aims at
what articles and notes use."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)\s*$")
_FM_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE = re.compile(r"^ {0,3}> ?")
_LIST = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_HTML_ONLY = re.compile(r"^\s*</?[A-Za-z][^>]*>\s*$|^\s*<!--.*-->\s*$")

_INLINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"!\[([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"\[\^[^\]]+\]"), ""),
    (re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"), ""),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*\\])\*(?=[^\s*])(.+?)(?<=[^\s*\\])\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w\\])_(?=[^\s_])(.+?)(?<=[^\s_\\])_(?!\w)"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])"), r"\1"),
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


@dataclass
class MarkdownText:
    text: str
    title: str | None = None
    front_matter: dict[str, str] = field(default_factory=dict)


def _inline(text: str) -> str:
    # Code spans first, shielded from the emphasis rules by placeholders.
    spans: list[str] = []

    def keep(m: re.Match[str]) -> str:
        spans.append(m.group(2).strip())
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE_SPAN.sub(keep, text)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    if spans:
        text = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)
    return html.unescape(text)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for i in range(1, min(len(lines), 80)):
        if _FRONT_MATTER_END.match(lines[i]):
            meta: dict[str, str] = {}
            for line in lines[1:i]:
                m = _FM_LINE.match(line)
                if m and m.group(2):
                    meta[m.group(1).lower()] = m.group(2).strip("\"'")
            return meta, i + 1
    return {}, 0


class _Blocks:
    """Collects output blocks; ``tight`` blocks (list items, table rows) join with one newline."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, bool]] = []
        self.para: list[str] = []
        self.para_tight = False

    def flush(self) -> None:
        if self.para:
            text = ""
            for i, piece in enumerate(self.para):
                if i and not text.endswith("\n"):
                    text += " "
                text += piece
            text = _inline(text).strip()
            if text:
                self.blocks.append((text, self.para_tight))
        self.para = []
        self.para_tight = False

    def add(self, text: str, tight: bool = False) -> None:
        self.flush()
        text = _inline(text).strip()
        if text:
            self.blocks.append((text, tight))

    def code(self, lines: list[str]) -> None:
        """A code block: kept verbatim, line breaks included."""
        self.flush()
        if any(line.strip() for line in lines):
            self.blocks.append(("\n".join(lines).strip("\n"), False))

    def start(self, first_line: str, tight: bool) -> None:
        self.flush()
        self.para = [first_line]
        self.para_tight = tight

    def render(self) -> str:
        self.flush()
        out: list[str] = []
        prev_tight = False
        for i, (text, tight) in enumerate(self.blocks):
            if i:
                out.append("\n" if (tight and prev_tight) else "\n\n")
            out.append(text)
            prev_tight = tight
        return "".join(out)


def markdown_to_text(source: str) -> MarkdownText:
    lines = source.split("\n")
    meta, i = _front_matter(lines)
    out = _Blocks()
    title: str | None = None
    fence: str | None = None
    code: list[str] = []
    while i < len(lines):
        raw = lines[i]
        i += 1
        if fence is not None:
            if raw.strip().startswith(fence):
                out.code(code)
                fence, code = None, []
            else:
                code.append(raw.rstrip())
            continue
        line = raw
        while _QUOTE.match(line):
            line = _QUOTE.sub("", line, count=1)
        m = _FENCE.match(line)
        if m:
            out.flush()
            fence, code = m.group(1), []
            continue
        if not line.strip():
            out.flush()
            continue
        m = _ATX.match(line)
        if m:
            heading = _inline(m.group(2) or "").strip()
            if len(m.group(1)) == 1 and title is None and heading:
                title = heading
            out.add(heading)
            continue
        if out.para and not out.para_tight and len(out.para) == 1 and _SETEXT.match(line):
            heading = _inline(out.para[0]).strip()
            if line.strip().startswith("=") and title is None and heading:
                title = heading
            out.para = []
            out.add(heading)
            continue
        if _HR.match(line) or _REF_DEF.match(line) or (_TABLE_SEP.match(line) and "|" in line):
            out.flush()
            continue
        if _HTML_ONLY.match(line):
            out.flush()
            continue
        if _TABLE_ROW.match(line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out.add(" | ".join(c for c in cells if c), tight=True)
            continue
        m = _LIST.match(line)
        if m:
            marker = m.group(2)
            item = m.group(3)
            out.start(item if marker in "-*+" else f"{marker} {item}", tight=True)
            continue
        piece = line.strip()
        if line.endswith("  ") or piece.endswith("\\"):
            piece = piece.rstrip("\\").rstrip() + "\n"
        if out.para:
            out.para.append(piece)
        else:
            out.start(piece, tight=False)
    if fence is not None:
        out.code(code)
    text = out.render()
    if title is None and meta.get("title"):
        title = meta["title"]
    return MarkdownText(text=text, title=title, front_matter=meta)
