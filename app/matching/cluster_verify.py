"""Candidate generation and verification of the repetition finder (a mixin of ``RepetitionIndex``).

Joins blocking codes with the code index (``cluster_blocks``), filters candidates on key sketches,
scores the survivors exactly (``cluster_keys.pair_score``) and applies the specificity gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from app.matching import cluster_blocks as cb
from app.matching import cluster_keys as ck

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

# Candidates whose 128-bit key sketches overlap less than this (Dice) are not scored. Pairs at the
# edge floor measure >= 0.43 on the synthetic benchmark; sketches over-estimate overlap, never under.
SKETCH_DICE = 0.35
REFRESH = 0.01  # word weights are recomputed when the number of entries changed by 1%
CHUNK = 2_000_000  # candidate rows handled at once (bounds peak memory)
_SUB = 1 << 18  # rows per step of the sketch bound


@dataclass
class Weights:
    """idf weights (see ``cluster_keys``) as of ``entries`` alive entries."""

    entries: int
    key: F64
    token: F64
    total: F64  # per entry: sum over its tokens
    top: F32  # per entry and top key: weight times the entry's tokens with that key



class PairVerifier:
    """The scoring half of ``RepetitionIndex``: it owns the state declared here."""

    edge_floor: float
    specificity_min: float
    bucket_cap: int
    workers: int
    funnel: dict[str, int]
    _text: NDArray[np.object_]
    _tlen: I64
    _count: I32
    _sketch: U64
    _skpop: NDArray[np.int8]
    _top: I32
    _topm: NDArray[np.int8]
    _topbit: NDArray[np.uint8]
    _tptr: I64
    _toks: I32
    _tcodes: I64
    _tok_len: NDArray[np.int16]
    _tok_key: I32
    _tok_id: dict[str, int]
    _df: I32
    _wcache: Weights | None

    def _candidates(self, codes: I64, owners: I64, runs: list[tuple[I64, I32]]) -> I64:
        """Distinct candidate pairs ``lo << 32 | hi`` of entries sharing a blocking code with the
        rows of ``runs``, joined in chunks and filtered: both alive, lengths and key sketches
        compatible with the floor and the specificity gate."""
        if codes.size == 0 or not runs:
            return np.empty(0, np.int64)
        found = [c for c in (self._join(codes, owners, run, runs) for run in runs) if c.size]
        return cb.unique_sorted(np.concatenate(found)) if found else np.empty(0, np.int64)

    def _join(self, codes: I64, owners: I64, run: tuple[I64, I32], runs: list[tuple[I64, I32]]) -> I64:
        index_codes, index_ent = run
        lo_pos = np.searchsorted(index_codes, codes)
        counts = (np.searchsorted(index_codes, codes, side="right") - lo_pos).astype(np.int64)
        block = counts.copy()  # the block's size over all runs
        for other in runs:
            if other is not run:
                block += np.searchsorted(other[0], codes, side="right") - np.searchsorted(other[0], codes)
        self.funnel["lookups"] = self.funnel.get("lookups", 0) + int(codes.size)
        self.funnel["big"] = self.funnel.get("big", 0) + int((block > self.bucket_cap).sum())
        counts[block > self.bucket_cap] = 0  # a block of common keys: no evidence of a repeat
        self.funnel["rows"] = self.funnel.get("rows", 0) + int(counts.sum())
        alive = self._count > 0
        need = (2.0 * self.edge_floor - 100.0) / 100.0  # ratio needed for the mean to reach the floor
        cum = np.cumsum(counts)
        out: list[I64] = []
        start = 0
        while start < codes.size:
            before = int(cum[start - 1]) if start else 0
            stop = max(start + 1, int(np.searchsorted(cum, before + CHUNK, side="right")))
            c = counts[start:stop]
            b = index_ent[ck.expand_ranges(lo_pos[start:stop].astype(np.int64), c)].astype(np.int64)
            a = np.repeat(owners[start:stop], c)
            start = stop
            m = (a != b) & alive[b]
            a, b = a[m], b[m]
            la, lb = self._tlen[a], self._tlen[b]
            m = 2.0 * np.minimum(la, lb) >= need * (la + lb)  # ratio <= 2 * min / (la + lb)
            a, b = a[m], b[m]
            m = self._prefilter(a, b)
            self.funnel["prefilter"] = self.funnel.get("prefilter", 0) + int(a.size)
            self.funnel["kept"] = self.funnel.get("kept", 0) + int(m.sum())
            out.append(cb.unique_sorted((np.minimum(a[m], b[m]) << 32) | np.maximum(a[m], b[m])))
        return np.concatenate(out) if out else np.empty(0, np.int64)

    def _score_pairs(self, a: I64, b: I64) -> tuple[I64, I64, NDArray[np.float32]]:
        """Exact ``pair_score`` of candidate pairs; returns those at or above the edge floor."""
        need = 2.0 * self.edge_floor - 100.0
        ratio = process.cpdist(self._text[a], self._text[b], scorer=fuzz.ratio, score_cutoff=need,
                               workers=self.workers, dtype=np.float64)
        m = ratio >= need
        a, b, ratio = a[m], b[m], ratio[m]
        w = self._weights()
        totals = w.total
        n_sect, sect_chars, sect_w = ck.shared_tokens(a, b, self._tptr, self._toks, self._tcodes, self._tok_len,
                                                      w.token)
        spec = sect_w / np.maximum(np.minimum(totals[a], totals[b]), 1e-12)
        n_tok = np.diff(self._tptr)
        lower, upper = ck.token_set_bounds(n_tok[a], n_tok[b], self._tlen[a], self._tlen[b], n_sect, sect_chars)
        m = ((ratio + upper) / 2.0 >= self.edge_floor - 1e-9) & (spec >= self.specificity_min)
        a, b, ratio, tset, upper = a[m], b[m], ratio[m], lower[m], upper[m]
        open_ = upper - tset > 1e-9
        if open_.any():
            tset[open_] = process.cpdist(self._text[a[open_]], self._text[b[open_]], scorer=fuzz.token_set_ratio,
                                         workers=self.workers, dtype=np.float64)
        score = np.round((ratio + tset) / 2.0, 2)
        m = score >= self.edge_floor
        return a[m], b[m], score[m].astype(np.float32)

    def _weights(self) -> Weights:
        """Current idf weights; recomputed in full when the number of entries changed by more than
        ``REFRESH``, else only extended to new keys, tokens and entries."""
        n = int((self._count > 0).sum())
        w = self._wcache
        if w is None or abs(n - w.entries) > REFRESH * max(w.entries, 1):
            key = ck.idf(self._df, n)
            token = key[self._tok_key]
            w = Weights(n, key, token, ck.row_sums(self._tptr, self._toks, token),
                         (key[np.maximum(self._top, 0)] * self._topm).astype(np.float32))
        else:
            if w.key.size < self._df.size:
                w.key = np.concatenate([w.key, ck.idf(self._df[w.key.size:], w.entries)])
            if w.token.size < self._tok_key.size:
                w.token = np.concatenate([w.token, w.key[self._tok_key[w.token.size:]]])
            e0 = w.total.size
            if e0 < self._text.size:
                ptr = self._tptr[e0:] - self._tptr[e0]
                w.total = np.concatenate([w.total, ck.row_sums(ptr, self._toks[self._tptr[e0]:], w.token)])
                w.top = np.concatenate([w.top, (w.key[np.maximum(self._top[e0:], 0)] * self._topm[e0:])
                                        .astype(np.float32)])
        self._wcache = w
        return w

    def _prefilter(self, a: I64, b: I64) -> NDArray[np.bool_]:
        """Cheap necessary conditions, from the 128-bit key sketches: enough overlap (Dice), and a
        specificity gate that can still pass (each side's top keys count as shared only if the
        other side's sketch has their bit; all its other words count as shared)."""
        sa, sb = self._sketch[a], self._sketch[b]
        inter = np.bitwise_count(sa[:, 0] & sb[:, 0]).astype(np.int32) + np.bitwise_count(sa[:, 1] & sb[:, 1])
        ok = 2.0 * inter >= SKETCH_DICE * (self._skpop[a].astype(np.int32) + self._skpop[b])
        a, b, sa, sb = a[ok], b[ok], sa[ok], sb[ok]
        w = self._weights()
        totals, top_w = w.total, w.top

        def bound(x: I64, sy: U64) -> NDArray[np.float64]:
            bits = self._topbit[x]
            word = np.where(bits >= 64, sy[:, 1:2], sy[:, 0:1])
            present = (word >> (bits & 63).astype(np.uint64)) & np.uint64(1)
            return np.asarray(totals[x] - (top_w[x] * (present == 0)).sum(axis=1), np.float64)

        passed = np.empty(a.size, bool)
        for s in range(0, a.size, _SUB):  # (rows x top keys) temporaries: keep them small
            x, y = a[s:s + _SUB], b[s:s + _SUB]
            need = self.specificity_min * np.minimum(totals[x], totals[y]) - 1e-6
            passed[s:s + _SUB] = np.minimum(bound(x, sb[s:s + _SUB]), bound(y, sa[s:s + _SUB])) >= need
        ok[ok] = passed
        return ok

    def specificity(self, tokens_a: Sequence[str], tokens_b: Sequence[str]) -> float:
        """Specificity (0-1) of two token lists under the index's current word weights (see
        ``cluster_keys``); words the index has never seen weigh as much as its rarest."""
        tok_w = self._weights().token
        top = float(np.log1p(max(int((self._count > 0).sum()), 1)))

        def weigh(words: set[str]) -> float:
            return sum(float(tok_w[t]) if (t := self._tok_id.get(w)) is not None else top for w in words)

        sa, sb = set(ck.scoring_string(tokens_a).split()), set(ck.scoring_string(tokens_b).split())
        lighter = min(weigh(sa), weigh(sb))
        return weigh(sa & sb) / lighter if lighter > 0 else 0.0

    # ------------------------------------------------------------------ groups
