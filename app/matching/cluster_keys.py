"""Building blocks of the repetition finder: the pair score, blocking keys, vectorized helpers.

Kept apart from ``clusters.py`` so that benchmarks and tests compute exactly the score the index
uses when they build their brute-force ground truth.

* A unit's **scoring string** is its distinct content tokens, sorted and space-joined. Word
  order and repeated words never matter; two units with the same word set score 100.
* The **pair score** (0-100) is the mean of rapidfuzz ``fuzz.ratio`` (whole-sentence similarity,
  which penalizes length differences) and ``fuzz.token_set_ratio`` (shared words against the
  rest, tolerant of trims and inserted words) on the two scoring strings. A trimmed or lightly
  edited copy keeps a high score; a short generic sentence contained in a long one does not
  (``token_set_ratio`` alone gives it 100).
* The **specificity** of a pair is the share of the lighter unit's information that the other
  unit repeats: the sum of the idf weights of their shared words over the lighter unit's total
  (idf of the word's blocking key over the indexed entries). Template sentences ("the price of
  weapons fell by 654 percent in Kyiv" / "the price of weapons dropped by 38 percent in Qamishli")
  score high on characters but share only common words; at 1M sentences such pairs chain into
  groups of thousands. An edge needs specificity >= 0.6 as well as the score.
* A **blocking key** is a token's consonant skeleton (diacritics folded, vowels after the first
  letter dropped, doubled letters collapsed): ``mohamed``/``mohammed``, ``qassim``/``qasim``,
  ``palmyra``/``palmyrra`` share a key, so transliteration variants and most typos block together.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

_VOWELS = str.maketrans("", "", "aeiouy")
_DOUBLE = re.compile(r"(.)\1+")


def skeleton(token: str) -> str:
    """The blocking key of a token (see module docstring); short or non-alphabetic tokens stay as is."""
    if len(token) < 4 or not token.isalpha():
        return token
    if not token.isascii():
        token = "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))
    folded = _DOUBLE.sub(r"\1", token[0] + token[1:].translate(_VOWELS))
    return folded if len(folded) >= 2 else token


def scoring_string(tokens: Iterable[str]) -> str:
    """Distinct tokens, sorted, space-joined: what the pair score compares (a token holding
    spaces, such as a multi-word alias, counts as its words, as rapidfuzz would split it)."""
    return " ".join(sorted({w for t in tokens for w in t.split()}))


def pair_score(a: str, b: str) -> float:
    """The cluster score of two scoring strings: ``(ratio + token_set_ratio) / 2``."""
    return (fuzz.ratio(a, b) + fuzz.token_set_ratio(a, b)) / 2.0


def pair_scores(left: Sequence[str], right: Sequence[str], workers: int = 2) -> F64:
    """``pair_score`` of each ``(left[i], right[i])``, in bulk (rapidfuzz, outside the GIL)."""
    return (process.cpdist(left, right, scorer=fuzz.ratio, workers=workers).astype(np.float64)
            + process.cpdist(left, right, scorer=fuzz.token_set_ratio, workers=workers)) / 2.0


def expand_ranges(starts: I64, counts: I64) -> I64:
    """Concatenation of ``arange(s, s + c)`` for each pair, without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    ends = np.cumsum(counts)
    offsets = np.repeat(starts - (ends - counts), counts)
    return np.arange(total, dtype=np.int64) + offsets


def shared_tokens(a: I64, b: I64, indptr: I64, tokens: I32, codes: I64, token_len: NDArray[np.int16],
                  token_weight: F64, chunk: int = 400_000) -> tuple[I64, I64, F64]:
    """For pairs of CSR rows: how many tokens they share, those tokens' total length and weight.

    ``codes`` is ``row << 32 | token`` for every CSR entry, sorted (rows ascending, tokens
    sorted within a row). Works ``chunk`` pairs at a time to bound memory.
    """
    n = np.zeros(a.size, np.int64)
    chars = np.zeros(a.size, np.int64)
    weight = np.zeros(a.size, np.float64)
    lens = np.diff(indptr)
    last = max(codes.size - 1, 0)
    for s in range(0, a.size, chunk):
        ca, cb = a[s:s + chunk], b[s:s + chunk]
        small_is_a = lens[ca] <= lens[cb]
        probe = np.where(small_is_a, ca, cb)
        other = np.where(small_is_a, cb, ca)
        counts = lens[probe].astype(np.int64)
        tok = tokens[expand_ranges(indptr[probe], counts)].astype(np.int64)
        wanted = (np.repeat(other, counts) << 32) | tok
        shared = codes[np.minimum(np.searchsorted(codes, wanted), last)] == wanted
        pair = np.repeat(np.arange(ca.size, dtype=np.int64), counts)[shared]
        tok = tok[shared]
        n[s:s + chunk] = np.bincount(pair, minlength=ca.size)
        chars[s:s + chunk] = np.bincount(pair, weights=token_len[tok], minlength=ca.size)
        weight[s:s + chunk] = np.bincount(pair, weights=token_weight[tok], minlength=ca.size)
    return n, chars, weight


def row_sums(indptr: I64, values: I32, weight: F64) -> F64:
    """Sum of ``weight[values]`` over every CSR row."""
    lens = np.diff(indptr)
    out = np.zeros(lens.size, np.float64)
    nz = lens > 0
    if values.size:
        out[nz] = np.add.reduceat(weight[values], indptr[:-1][nz])
    return out


def idf(df: NDArray[np.int32], n: int) -> F64:
    """Smoothed inverse document frequency, always positive: ``ln(1 + n / df)``."""
    return np.log1p(max(n, 1) / np.maximum(df.astype(np.float64), 1.0))


def token_set_bounds(n_a: I64, n_b: I64, len_a: I64, len_b: I64, n_sect: I64,
                     sect_chars: I64) -> tuple[F64, F64]:
    """Lower and upper bounds of rapidfuzz ``token_set_ratio`` from set sizes and lengths.

    Follows rapidfuzz's definition: 100 when one set contains the other; otherwise the best of
    sect-vs-(sect+diff) ratios (exact here) and the diff-vs-diff Indel ratio, bounded between
    ``|ab - ba|`` and ``ab + ba`` edits. Both bounds are equal when the diff term cannot win.
    """
    n_ab, n_ba = n_a - n_sect, n_b - n_sect
    # lengths of the joined strings ("a b c"): chars plus separators
    sect = np.where(n_sect > 0, sect_chars + n_sect - 1, 0)
    ab = np.where(n_ab > 0, (len_a - (n_a - 1)) - sect_chars + n_ab - 1, 0)
    ba = np.where(n_ba > 0, (len_b - (n_b - 1)) - sect_chars + n_ba - 1, 0)
    has = (sect > 0).astype(np.int64)
    sect_ab, sect_ba = sect + has + ab, sect + has + ba
    total = (sect_ab + sect_ba).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_ab = np.where(sect > 0, 100.0 * (1.0 - (has + ab) / (sect + sect_ab)), 0.0)
        r_ba = np.where(sect > 0, 100.0 * (1.0 - (has + ba) / (sect + sect_ba)), 0.0)
        diff_lo = np.where(total > 0, 100.0 * (1.0 - (ab + ba) / total), 100.0)
        diff_hi = np.where(total > 0, 100.0 * (1.0 - np.abs(ab - ba) / total), 100.0)
    best_sect = np.maximum(r_ab, r_ba)
    lower = np.maximum(best_sect, np.maximum(diff_lo, 0.0))
    upper = np.maximum(best_sect, diff_hi)
    contained = (n_sect > 0) & ((n_ab == 0) | (n_ba == 0))
    lower[contained] = 100.0
    upper[contained] = 100.0
    return lower, upper


def connected_labels(n: int, a: NDArray[np.integer[Any]], b: NDArray[np.integer[Any]],
                     parent: I64 | None = None) -> I64:
    """Union-find over ``n`` nodes and edges ``(a, b)``, vectorized (hook and pointer-jump).

    Returns each node's root, the smallest node of its component. ``parent`` continues from an
    earlier result (roots already compressed), so new edges can be merged incrementally.
    """
    lab = np.arange(n, dtype=np.int64) if parent is None else parent.astype(np.int64, copy=True)
    a, b = a.astype(np.int64, copy=False), b.astype(np.int64, copy=False)
    while a.size:
        ra, rb = lab[a], lab[b]
        diff = ra != rb
        if not diff.any():
            break
        ra, rb = ra[diff], rb[diff]
        np.minimum.at(lab, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt
        a, b = a[diff], b[diff]
    return lab
