"""Matching units: every sentence, plus the clauses of long sentences.

A claim is often repeated as part of a longer sentence ("While this to-ing and fro-ing was
going on, both sides were trading oil for fertiliser."), so long sentences are also split
into clauses, each a sub-span of its sentence:

* at ``,`` ``;`` ``:`` spaced dashes (`` – `` `` — `` `` - ``), parentheses and double quotes;
* before subordinating words ("while", "whereas", "because", "although", "though", "but",
  "since", "unless", "yet", "so that", "proving that", "which", "who") when both sides have
  at least 3 words, and before "and"/"or" only when both sides are long (>= 6 words);

then pieces shorter than 4 words are merged into their neighbour, and a clause with fewer
than 3 non-stopwords is not a unit. A sentence of fewer than
``LONG_SENTENCE_WORDS`` words, or one that would give a single piece, has no clauses.

Unit ids (see ``unit_id``) are derived from sentence ids, so a rebuild from the database
gives exactly the same ids as incremental updates: ``sentence_id * 16 + k`` where ``k = 0`` is
the sentence itself and ``k = 1..15`` its clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
from numpy.typing import NDArray

from app.matching.normalize import STOPWORDS

I64 = NDArray[np.int64]

__all__ = [
    "LONG_SENTENCE_WORDS",
    "MAX_CLAUSES",
    "Unit",
    "is_clause_unit",
    "sentence_id_of",
    "split_units",
    "unit_id",
]

LONG_SENTENCE_WORDS = 10
MAX_CLAUSES = 15
MIN_CLAUSE_WORDS = 4
MIN_CLAUSE_CONTENT = 3  # clauses with fewer non-stopwords are not units of their own

UnitKind = Literal["sentence", "clause"]


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    kind: UnitKind
    sentence_index: int
    clause_no: int = 0  # 0 for the sentence, 1.. for its clauses


# Each works on one id or elementwise on a numpy array of ids.
@overload
def unit_id(sentence_id: int, clause_no: int = 0) -> int: ...
@overload
def unit_id(sentence_id: I64, clause_no: int = 0) -> I64: ...
def unit_id(sentence_id: int | I64, clause_no: int = 0) -> int | I64:
    return sentence_id * 16 + clause_no


@overload
def sentence_id_of(uid: int) -> int: ...
@overload
def sentence_id_of(uid: I64) -> I64: ...
def sentence_id_of(uid: int | I64) -> int | I64:
    return uid >> 4


@overload
def is_clause_unit(uid: int) -> bool: ...
@overload
def is_clause_unit(uid: I64) -> NDArray[np.bool_]: ...
def is_clause_unit(uid: int | I64) -> bool | NDArray[np.bool_]:
    return (uid & 15) != 0


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# hard separators: punctuation that ends a clause
_HARD = re.compile(r"[,;:()\[\]“”\"«»]|\s[-–—―]+\s|[–—―]")
_SUBORD = re.compile(
    r"\b(?:while|whereas|because|although|though|but|since|unless|yet|so that|which|who|"
    r"proving that|showing that|claiming that|saying that|after|before|when)\b",
    re.IGNORECASE,
)
_COORD = re.compile(r"\b(?:and|or)\b", re.IGNORECASE)
_TRIM = " \t\r\n,;:–—―-([“”\"«»)]"


def _words(text: str, a: int, b: int) -> int:
    return sum(1 for _ in _WORD.finditer(text, a, b))


def _content_words(text: str, a: int, b: int) -> int:
    return sum(1 for m in _WORD.finditer(text, a, b) if m.group().lower() not in STOPWORDS)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    return a, b


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    # 1. cut at hard separators
    cuts = {start, end}
    for m in _HARD.finditer(text, start, end):
        cuts.add(m.start())
        cuts.add(m.end())
    pieces = [(a, b) for a, b in zip(sorted(cuts), sorted(cuts)[1:], strict=False)]
    pieces = [p for p in (_trim(text, a, b) for a, b in pieces) if p[1] > p[0]]
    # 2. cut before subordinators, then before long-sided coordinators
    out = pieces
    for pat, need in ((_SUBORD, 3), (_COORD, 6)):
        nxt: list[tuple[int, int]] = []
        for a, b in out:
            cur = a
            for m in pat.finditer(text, a, b):
                if m.start() > cur and _words(text, cur, m.start()) >= need and _words(text, m.start(), b) > need:
                    nxt.append((cur, m.start()))
                    cur = m.start()
            nxt.append((cur, b))
        out = nxt
    out = [p for p in (_trim(text, a, b) for a, b in out) if p[1] > p[0]]
    # 3. merge short pieces into a neighbour
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and (_words(text, a, b) < MIN_CLAUSE_WORDS or _words(text, *merged[-1]) < MIN_CLAUSE_WORDS):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if len(merged) > 1 and _words(text, *merged[-1]) < MIN_CLAUSE_WORDS:
        last = merged.pop()
        merged[-1] = (merged[-1][0], last[1])
    return merged


def split_units(text: str, sentence_spans: list[tuple[int, int]]) -> list[Unit]:
    """Sentence units in order, each followed by its clause units (sub-spans)."""
    units: list[Unit] = []
    for i, (s, e) in enumerate(sentence_spans):
        units.append(Unit(s, e, "sentence", i, 0))
        if _words(text, s, e) < LONG_SENTENCE_WORDS:
            continue
        clauses = _clause_spans(text, s, e)
        if len(clauses) < 2:
            continue
        seen: set[tuple[int, int]] = {(s, e)}
        n = 0
        for a, b in clauses:
            if (a, b) in seen or _content_words(text, a, b) < MIN_CLAUSE_CONTENT:
                continue
            seen.add((a, b))
            n += 1
            units.append(Unit(a, b, "clause", i, n))
            if n >= MAX_CLAUSES:
                break
    return units
