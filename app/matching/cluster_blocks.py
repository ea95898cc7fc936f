"""Blocking structures of the repetition finder (numpy only).

* ``ranked_keys``: each entry's rarest blocking keys, rarest first.
* ``pair_codes``: a code for every pair among an entry's first ``width`` ranked keys.
* ``CodeIndex``: ``(code, entry)`` rows sorted by code, kept as a large main run plus a small
  delta run, so that adding a few thousand rows to tens of millions re-sorts only the delta.
* ``sketches``: 128-bit key-set sketches for cheap overlap filters.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]

HASH = 0x9E3779B97F4A7C15  # multiplicative hash placing keys in the 128-bit sketches
_MIN_DELTA = 1 << 16


def unique_sorted(a: I64) -> I64:
    """Sorted distinct values (numpy's hash-based ``unique`` is slow on large int64 arrays)."""
    if a.size == 0:
        return a
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]]


def merge_rows(codes: I64, ents: I32, new_codes: I64, new_ents: NDArray[np.integer]) -> tuple[I64, I32]:
    """Merge rows into arrays sorted by code (stable: equal codes keep insertion order)."""
    order = np.argsort(new_codes, kind="stable")
    nc, ne = new_codes[order], new_ents[order].astype(np.int32)
    if codes.size == 0:
        return nc, ne
    at = np.searchsorted(codes, nc, side="right")
    return np.insert(codes, at, nc), np.insert(ents, at, ne)


class CodeIndex:
    """``(code, entry)`` rows sorted by code: a main run and a delta run (see module docstring)."""

    def __init__(self, codes: I64 | None = None, ents: I32 | None = None) -> None:
        self.main = (np.empty(0, np.int64) if codes is None else codes,
                     np.empty(0, np.int32) if ents is None else ents)
        self.delta: tuple[I64, I32] = (np.empty(0, np.int64), np.empty(0, np.int32))

    def __len__(self) -> int:
        return int(self.main[0].size + self.delta[0].size)

    def add(self, codes: I64, ents: NDArray[np.integer]) -> None:
        self.delta = merge_rows(*self.delta, codes, ents)
        if self.delta[0].size > max(_MIN_DELTA, self.main[0].size // 16):
            self.main = merge_rows(*self.main, *self.delta)
            self.delta = (np.empty(0, np.int64), np.empty(0, np.int32))

    def runs(self) -> list[tuple[I64, I32]]:
        return [r for r in (self.main, self.delta) if r[0].size]

    def merged(self) -> tuple[I64, I32]:
        return merge_rows(*self.main, *self.delta) if self.delta[0].size else self.main


def ranked_keys(rows: I64, keys: I64, df: I32, n_rows: int, width: int) -> I64:
    """Per row, its ``width`` rarest keys that another entry shares (df >= 2), rarest first (ties by
    key id), as an ``(n_rows, width)`` matrix padded with -1."""
    usable = df >= 2
    rows, keys, df = rows[usable], keys[usable], df[usable]
    order = np.lexsort((keys, df, rows))
    rows, keys = rows[order], keys[order]
    rank = np.arange(rows.size) - np.searchsorted(rows, np.arange(n_rows))[rows]
    keep = rank < width
    out = np.full((n_rows, width), -1, np.int64)
    out[rows[keep], rank[keep]] = keys[keep]
    return out


def pair_codes(ranked: I64, width: int, first_entry: int) -> tuple[I64, I64]:
    """Codes ``lo_key << 31 | hi_key`` for every pair among each row's first ``width`` ranked keys,
    with the entry each belongs to (rows are entries ``first_entry, first_entry + 1, ...``)."""
    i, j = np.triu_indices(min(width, ranked.shape[1]), k=1)
    x, y = ranked[:, i], ranked[:, j]
    valid = (x >= 0) & (y >= 0)
    owners = np.broadcast_to(np.arange(first_entry, first_entry + ranked.shape[0], dtype=np.int64)[:, None],
                             x.shape)[valid]
    return (np.minimum(x, y)[valid] << 31) | np.maximum(x, y)[valid], owners


def sketch_bit(keys: I64) -> U64:
    """The bit (0-127) a key sets in a sketch."""
    return (keys.astype(np.uint64) * np.uint64(HASH)) >> np.uint64(57)


def sketches(rows: I64, keys: I64, n_rows: int) -> U64:
    """128-bit sketch of each row's key set (two uint64 words): one bit per key."""
    h = sketch_bit(keys)
    out = np.zeros(2 * n_rows, np.uint64)
    np.bitwise_or.at(out, rows * 2 + (h >> np.uint64(6)).astype(np.int64), np.left_shift(np.uint64(1), h & np.uint64(63)))
    return out.reshape(n_rows, 2)
