"""Finding and parsing dates written by people: "Sunday, 14 February 2016", "Friday, May 6, 2016",
"14 Feb 2016", "May 2016", "2016-02-14", "3 May 2016", "14.02.2016", PDF "D:20160214...".

Public API:

- :func:`parse_date` -> ``(iso, precision)`` for the first date in a string;
- :func:`iter_dates` -> every :class:`DateMatch` (with offsets) in a text;
- :func:`find_dateline` -> the publication dateline near the top of an article, if any;
- :func:`parse_pdf_date` -> a PDF date string (``D:YYYYMMDDHHmmSS...``).

``iso`` is "YYYY-MM-DD", "YYYY-MM" or "YYYY"; ``precision`` is "day", "month", "year" or "unknown".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

MIN_YEAR = 1800
MAX_YEAR = 2100

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "january jan janv janvier januar jän enero ene gennaio gen janeiro januari",
        "february feb febr fév févr février februar febrero fevereiro febbraio februari",
        "march mar mär märz mars marzo março maart",
        "april apr avr avril abril abr aprile",
        "may mai mayo maggio mag maio mei",
        "june jun juin juni junio giugno giu junho",
        "july jul juil juillet juli julio luglio lug julho",
        "august aug août agosto ago augustus",
        "september sep sept septembre septiembre settembre set setembro",
        "october oct octobre oktober okt octubre ottobre ott outubro",
        "november nov novembre noviembre novembro",
        "december dec déc décembre dezember dez diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num

_MONTH_RE = "|".join(sorted((re.escape(n) for n in _MONTHS), key=len, reverse=True))
_WEEKDAYS = (
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
)
_ORD = r"(?:st|nd|rd|th|er|\.)?"
_Y = r"(?P<{0}>1[89]\d\d|20\d\d|2100)"

_PATTERNS = [
    # 2016-02-14, 2016/02/14, 2016.02.14, with an optional time after it
    r"(?<![\d.])(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})(?![\d])",
    # 14 February 2016, 14th of Feb. 2016, 14. Februar 2016, 3 mai 2016
    rf"(?<![\d])(?P<dd>\d{{1,2}}){_ORD}\s*(?:of\s+|de\s+)?(?P<dm>{_MONTH_RE})\.?,?\s+(?:de\s+)?{_Y.format('dy')}(?!\d)",
    # May 6, 2016 / Feb. 14th 2016
    rf"(?P<mm>{_MONTH_RE})\.?\s+(?P<md>\d{{1,2}}){_ORD},?\s+{_Y.format('my')}(?!\d)",
    # 14/02/2016, 14.02.2016, 5-6-2016 (resolved only when unambiguous)
    r"(?<![\d/.-])(?P<na>\d{1,2})(?P<nsep>[/.-])(?P<nb>\d{1,2})(?P=nsep)(?P<ny>\d{4})(?![\d])",
    # 2016-02 (not followed by another -DD)
    r"(?<![\d.])(?P<ymy>\d{4})-(?P<ymm>\d{2})(?![-\d])",
    # May 2016, February, 2016
    rf"(?P<om>{_MONTH_RE})\.?,?\s+{_Y.format('oy')}(?!\d)",
]
_DATE = re.compile(r"(?<![\w])(?:" + "|".join(f"(?:{p})" for p in _PATTERNS) + r")", re.I)
_YEAR_ONLY = re.compile(
    r"^\s*(?:(?:in|year|anno|©|\(c\)|copyright)\s+)?(1[89]\d\d|20\d\d|2100)\s*\.?\s*$", re.I
)
# Month words that are also ordinary words; they only count when capitalised.
_AMBIGUOUS_MONTHS = {
    "may",
    "mar",
    "march",
    "jan",
    "gen",
    "dec",
    "set",
    "mag",
    "ago",
    "sept",
    "juni",
    "mai",
    "aug",
}


@dataclass(frozen=True)
class DateMatch:
    iso: str
    precision: str
    start: int
    end: int
    # 0-based line number inside the text searched (find_dateline only; else -1)
    line: int = -1


def _valid(y: int, m: int | None = None, d: int | None = None) -> bool:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return False
    if m is None:
        return True
    if not 1 <= m <= 12:
        return False
    if d is None:
        return True
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def _iso(y: int, m: int | None = None, d: int | None = None) -> tuple[str, str]:
    if m is None:
        return f"{y:04d}", "year"
    if d is None:
        return f"{y:04d}-{m:02d}", "month"
    return f"{y:04d}-{m:02d}-{d:02d}", "day"


def _month(word: str) -> int | None:
    return _MONTHS.get(word.lower().rstrip("."))


def _from_match(m: re.Match[str]) -> tuple[str, str] | None:
    g = m.groupdict()
    if g["iy"]:
        y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
        return _iso(y, mo, d) if _valid(y, mo, d) else None
    if g["dd"]:
        y, mo_, d = int(g["dy"]), _month(g["dm"]), int(g["dd"])
        return _iso(y, mo_, d) if mo_ and _valid(y, mo_, d) else None
    if g["mm"]:
        y, mo_, d = int(g["my"]), _month(g["mm"]), int(g["md"])
        return _iso(y, mo_, d) if mo_ and _valid(y, mo_, d) else None
    if g["na"]:
        a, b, y = int(g["na"]), int(g["nb"]), int(g["ny"])
        if a > 12 and b <= 12:
            day, mon = a, b
        elif b > 12 and a <= 12:
            day, mon = b, a
        elif a == b:
            day = mon = a
        elif g["nsep"] == ".":  # 05.06.2016: the dotted form is day-first everywhere it is used
            day, mon = a, b
        else:
            return None  # 05/06/2016: 5 June or May 6? Refuse to guess.
        return _iso(y, mon, day) if _valid(y, mon, day) else None
    if g["ymy"]:
        y, mo = int(g["ymy"]), int(g["ymm"])
        return _iso(y, mo) if _valid(y, mo) else None
    if g["om"]:
        word = g["om"]
        if word.lower() in _AMBIGUOUS_MONTHS and not word[0].isupper():
            return None
        y, mo_ = int(g["oy"]), _month(word)
        return _iso(y, mo_) if mo_ and _valid(y, mo_) else None
    return None


def iter_dates(text: str) -> Iterator[DateMatch]:
    """Every date written in ``text``, with its offsets, in order."""
    for m in _DATE.finditer(text):
        parsed = _from_match(m)
        if parsed is not None:
            yield DateMatch(parsed[0], parsed[1], m.start(), m.end())


def parse_date(text: str) -> tuple[str | None, str]:
    """The first date in ``text`` as ``(iso, precision)``; ``(None, "unknown")`` if there is none.

    A string that is only a year ("2016") gives year precision; ISO timestamps and PDF date
    strings are accepted too.
    """
    if not text:
        return None, "unknown"
    stripped = text.strip()
    if stripped.startswith("D:") or (stripped[:8].isdigit() and len(stripped) >= 8):
        pdf = parse_pdf_date(stripped)
        if pdf[0] is not None:
            return pdf
    for match in iter_dates(text):
        return match.iso, match.precision
    m = _YEAR_ONLY.match(text)
    if m:
        return m.group(1), "year"
    return None, "unknown"


_PDF_DATE = re.compile(r"^\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def parse_pdf_date(value: str) -> tuple[str | None, str]:
    """``D:20160214103000+01'00'`` -> ``("2016-02-14", "day")``; tolerant of truncated forms."""
    m = _PDF_DATE.match(value or "")
    if not m:
        return parse_date(value) if value and not value.strip().startswith("D:") else (None, "unknown")
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    if mo is not None and not _valid(y, mo):
        mo, d = None, None
    if d is not None and mo is not None and not _valid(y, mo, d):
        d = None
    if not _valid(y):
        return None, "unknown"
    return _iso(y, mo, d)


# ---------------------------------------------------------------------------- datelines

_PREFIX = re.compile(
    r"^(?:(?:first\s+)?published(?:\s+on)?|posted(?:\s+on)?|date[d:]?|on|le|am|el|publié\s+le|veröffentlicht(?:\s+am)?"
    r"|by\s+[^|·•,\n]{1,60}?(?:\s*[|·•,\-–—]\s*|\s+on\s+))?\s*[:\-–—]?\s*"
    rf"(?:(?:{_WEEKDAYS})\.?,?\s+(?:the\s+)?)?",
    re.I,
)
_UPDATED = re.compile(r"^\s*(?:last\s+)?(?:updated|modified|mis\s+à\s+jour|aktualisiert)\b", re.I)
_TIME_TAIL = re.compile(
    r"^[\s,|·•\-–—]*(?:(?:at|à|um)\s+)?(?:\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?\s*"
    r"(?:[A-Z]{2,5}|UTC|GMT(?:\s*[+-]\d{1,2}(?::?\d{2})?)?)?)?\s*$",
    re.I,
)


def _dateline_in_line(line: str) -> DateMatch | None:
    stripped = line.strip()
    if not stripped or len(stripped) > 120:
        return None
    core = _UPDATED.sub("", stripped).lstrip(" :-–—")
    prefix = _PREFIX.match(core)
    start = prefix.end() if prefix else 0
    for match in iter_dates(core):
        # A date not where a dateline puts it counts only if it is most of the line.
        if (
            match.start != start
            and match.start > 0
            and (match.end - match.start) < 0.6 * len(core.replace(" ", ""))
        ):
            return None
        if _TIME_TAIL.match(core[match.end :]) or (match.end - match.start) >= 0.6 * len(
            core.replace(" ", "")
        ):
            return match
        return None
    year = _YEAR_ONLY.match(core)
    if year and len(core) <= 8:
        return DateMatch(year.group(1), "year", year.start(1), year.end(1))
    return None


def is_dateline(line: str) -> bool:
    """True when ``line`` is essentially a date ("Friday, May 6, 2016", "Published 3 May 2016")."""
    return any(ch.isdigit() for ch in line) and _dateline_in_line(line) is not None


def find_dateline(text: str, max_lines: int = 15) -> DateMatch | None:
    """The publication date written near the top of ``text`` (first ``max_lines`` non-blank lines).

    A dateline is a line that is essentially a date: "Sunday, 14 February 2016", "Published
    3 May 2016 10:32 GMT", "By Jane Doe | May 6, 2016". A date inside a sentence or a photo
    caption is not one. "Updated ..." lines are used only when no other dateline exists.
    Offsets in the result are offsets into ``text``.
    """
    offset = 0
    seen = 0
    fallback: DateMatch | None = None
    for lineno, line in enumerate(text.split("\n")):
        if seen >= max_lines:
            break
        line_start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        seen += 1
        found = _dateline_in_line(line)
        if found is None:
            continue
        # Map offsets in the stripped core back to the line: search the matched date text.
        core_text = _UPDATED.sub("", line.strip()).lstrip(" :-–—")
        date_text = core_text[found.start : found.end]
        pos = line.find(date_text)
        start = line_start + max(pos, 0)
        result = DateMatch(found.iso, found.precision, start, start + len(date_text), lineno)
        if _UPDATED.match(line):
            fallback = fallback or result
            continue
        return result
    return fallback
