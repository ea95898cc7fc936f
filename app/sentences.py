"""Sentence segmentation with exact offsets into the stored text.

``split_sentences(text)`` returns ``(start, end)`` spans, in order and non-overlapping, such that
``text[start:end]`` is one sentence with no surrounding whitespace. Every non-space character of
``text`` belongs to exactly one span.

Rules, in the order they are applied at each candidate boundary:

- a blank line always ends a sentence;
- a single newline ends one unless the next line starts in lowercase or the line before ends
  in a way that asks for more (a comma, a hyphen, "the", "of"...), so headlines, datelines and
  bylines stand alone while wrapped lines do not;
- ``.``, ``!``, ``?``, ``…`` followed by whitespace end a sentence, closing quotes and brackets
  included (``."``), unless the next word starts in lowercase, the period ends a known
  abbreviation (Mr., Dr., Gen., Jan., e.g., vs., No. 5...), an initial (J. K. Rowling) or a
  dotted acronym (U.S., U.K.) followed by anything but a typical sentence opener;
- text glued without a space (``win.But``, ``Tadmur"But``) is split where a lowercase word runs
  into punctuation or an opening quote followed by a capitalised word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Always abbreviations: a period after these never ends a sentence (unless a new paragraph).
_ABBREV_WORDS = """
mr mrs ms mssrs messrs dr prof st gen col lt sgt capt cpt maj cmdr adm brig gov sen rep rev hon
pres supt insp det cst pte mt fr sta ste mme mlle mgr jan feb mar apr jun jul aug sep sept oct
nov dec e.g i.e vs v cf approx ca fig figs vol vols pp ed eds est dept univ assn no nos art
arts para sec ch al viz resp incl excl ref refs tel ext
"""
_ABBREV = frozenset(_ABBREV_WORDS.split())
# Abbreviations that often end a sentence too: a boundary only before a typical sentence opener.
_MAYBE = frozenset(
    ["etc", "inc", "ltd", "co", "corp", "llc", "plc", "jr", "sr", "bros", "pty", "gmbh", "sa", "ag", "ft"]
)
# "he said“We" is one sentence; "Tadmur“But" is two.
_SPEECH_WORDS = (
    "said says say told tells asked asks added adds stated states wrote writes explained explains replied"
)
_SPEECH = frozenset(_SPEECH_WORDS.split())
# A number-abbreviation ("No. 5", "p. 12", "pp. 3-4", "Art. 2") only holds before a digit.
_BEFORE_DIGIT = frozenset(
    ["no", "nos", "p", "pp", "art", "arts", "vol", "vols", "ch", "sec", "para", "fig", "figs", "ref", "tel"]
)

# Words that typically open a sentence; used where the left side is ambiguous (U.S., etc.).
_OPENERS_WORDS = """
a an the this that these those there then thus he she it its they we i you his her their our my
your but and or so yet however meanwhile moreover furthermore still also in on at for from with
after before when while if as although though because since during despite according some many
most all several no not one two three what who why how where which mr mrs ms dr
"""
_OPENERS = frozenset(_OPENERS_WORDS.split())

_CANDIDATES = re.compile(
    r"""
    (?P<blank>\n[ \t\f\v]*\n\s*)                                 # paragraph break
    | (?P<nl>\n)                                                 # single line break
    | (?P<term>(?:[.!?]+|…+)[\"'”’»)\]]*)(?=\s|\Z)                   # terminal punctuation + closers
    | (?P<glued>(?<=[a-z\d%)])[.!?…]+[\"'”’»]?)(?=[A-Z][a-z])     # win.But / said."The
    | (?P<gluedq>(?<=[a-z])[\"“])(?=[A-Z][a-z])                  # Tadmur"But
    """,
    re.VERBOSE,
)
# Every candidate starts with one of these; scanning for them first is several times faster
# than letting the alternation above try every position.
_TRIGGER = re.compile(r"[\n.!?…\"“]")


def _candidates(text: str) -> Iterator[re.Match[str]]:
    match = _CANDIDATES.match
    resume = 0
    for t in _TRIGGER.finditer(text):
        pos = t.start()
        if pos < resume:
            continue
        m = match(text, pos)
        if m is not None:
            resume = m.end()
            yield m


_TOKEN_STOP = frozenset(" \t\n\r\f\v\u00a0\"'“‘([«")
_FIRST_WORD = re.compile(r"\s*[\"'“‘(\[«]*([^\W\d_]+)")
# A line ending like this asks for the next one: a wrapped line, not a headline.
_CONTINUATION_CHARS = frozenset(",;([{&/-–—")
_CONTINUATION_LIST = "the a an of to in on at by for from with and or but that as is was were are said"
_CONTINUATION_WORDS = frozenset(_CONTINUATION_LIST.split())
_LIST_NUMBER = re.compile(r"\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4}")


def _continues(line: str) -> bool:
    """Does ``line`` (stripped) end in a way that asks for the next line?"""
    last = line[-1]
    if last in _CONTINUATION_CHARS:
        return True
    tail = line[-12:].rstrip(",").rsplit(None, 1)[-1].lower() if last.isalpha() or last == "," else ""
    return tail in _CONTINUATION_WORDS


def _next_char(text: str, pos: int) -> str:
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    while pos < n and text[pos] in "\"'“‘([«":
        pos += 1
    return text[pos] if pos < n else ""


def _last_token(text: str, lo: int, end: int) -> tuple[int, str]:
    """The token (no spaces, no opening quotes) that ends at ``end``, looking back to ``lo``."""
    i = end
    stop = _TOKEN_STOP
    while i > lo and text[i - 1] not in stop:
        i -= 1
    return i, text[i:end]


def _next_word(text: str, pos: int) -> str:
    m = _FIRST_WORD.match(text, pos)
    return m.group(1) if m else ""


def _period_ends_sentence(text: str, dot: int, after: int, line_start: int) -> bool:
    """``text[dot]`` is a single "." followed by whitespace at ``after``; is it a sentence end?"""
    token_start, token = _last_token(text, max(line_start, dot - 40), dot)
    low = token.lower()
    nxt = _next_char(text, after)
    if not token:
        return True
    if low in _BEFORE_DIGIT:
        return not nxt.isdigit()
    if low in _ABBREV:
        return False
    if len(token) == 1 and token.isalpha() and token.isupper():
        # an initial ("J. K. Rowling") - unless the next word is a plain sentence opener
        return _next_word(text, after).lower() in _OPENERS and _next_word(text, after) not in ("A", "I")
    if low in _MAYBE or ("." in token and token.replace(".", "").isalpha()):
        # "U.S." / "a.m." / "etc.": ends a sentence only before a typical opener
        return _next_word(text, after).lower() in _OPENERS
    # "1. First item", "a. option" at the start of a line are list markers
    return not (token_start == line_start and _LIST_NUMBER.fullmatch(token))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans; ``text[start:end]`` is each sentence, trimmed of spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    line_start = 0

    def emit(s: int, e: int) -> None:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))

    for m in _candidates(text):
        kind = m.lastgroup
        if kind == "blank":
            emit(start, m.start())
            start = m.end()
            line_start = m.end()
            continue
        if kind == "nl":
            prev_line = text[line_start : m.start()].rstrip()
            line_start = m.end()
            nxt = _next_char(text, m.end())
            if not prev_line or not nxt:
                continue
            if nxt.islower() or _continues(prev_line):
                continue
            if text[start : m.start()].strip():
                emit(start, m.start())
                start = m.end()
            continue
        if kind == "gluedq":
            word = _last_token(text, max(line_start, m.start() - 40), m.start())[1]
            if word.lower() not in _SPEECH:
                emit(start, m.start())
                start = m.start()
            continue
        end = m.end()
        if kind == "glued" and m.group("glued")[0] == ".":
            token = _last_token(text, max(line_start, m.start() - 40), m.start())[1]
            if token.lower() in _ABBREV or len(token) == 1:
                continue
        if kind == "term":
            punct = m.group("term")
            nxt = _next_char(text, end)
            if nxt and (nxt.islower() or nxt in ",;:"):
                continue
            if punct.rstrip("\"'”’»)]") == "." and not _period_ends_sentence(
                text, m.start(), end, line_start
            ):
                continue
            if punct[0] in "…." and len(punct.rstrip("\"'”’»)]")) > 1 and nxt and not nxt.isupper():
                continue  # an ellipsis mid-sentence
        emit(start, end)
        start = end
    if start < n:
        emit(start, n)
    return spans
