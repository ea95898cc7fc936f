"""Candidate retrieval from a ``LexicalIndex``: BM25 over the rarest query terms.

Retrieval never ORs every query word: query terms (and the spelling variants of name-like
words) are taken rarest first while the number of postings to scan stays within
``POSTING_BUDGET`` (at least ``MIN_TERMS`` terms are always used). Scores are accumulated in a
per-thread dense buffer of the index, so a lookup costs O(postings scanned), not O(units).
Most candidates are the best by BM25; a share (``COVERAGE_SHARE``) is chosen by how much of each
unit the query covers, so short units made of the query's common words are not crowded out.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.matching.normalize import STOPWORDS, is_alias_token, skeleton, variant_similarity

if TYPE_CHECKING:
    from app.matching.index import LexicalIndex

__all__ = ["POSTING_BUDGET", "STOP_BIT", "Buffers", "candidate_rows", "query_terms"]

MIN_TERMS = 2
K1 = 1.2
B = 0.75
VARIANT_WEIGHT = 0.9
COVERAGE_SHARE = 0.5
# postings scanned per lookup at most (rarest query terms first; MIN_TERMS always)
POSTING_BUDGET = 50_000

# the 64 most frequent English stopwords: a bit each in every unit's ``stopmask``
_FREQUENT_STOPWORDS = (
    "the of and to a in is was for on that with by as at from it his he be are were has have had an "
    "or but not this their they its after which who been will more into than over about would also we "
    "our some when out up all there can no him her she them i you"
).split()
STOP_BIT = {w: i for i, w in enumerate(_FREQUENT_STOPWORDS[:64])}

_I64 = np.int64
_I32 = np.int32


def set_ratio(inter: np.ndarray, unit_chars: np.ndarray, query_chars: float) -> np.ndarray:
    """token_set_ratio's best case from character counts: 2I / (2I + rest of one side); the
    larger of the two is the one whose other side is smaller, so one division does."""
    two = 2.0 * inter
    rest = np.minimum(np.maximum(unit_chars - inter, 0.0), np.maximum(max(query_chars, 1.0) - inter, 0.0))
    return two / np.maximum(two + rest, 1.0)


class Buffers(threading.local):
    """Per-thread score buffers of one index (a lookup costs O(postings), not O(units))."""

    def __init__(self) -> None:
        self.scores = np.zeros(0, dtype=np.float32)
        self.counts = np.zeros(0, dtype=np.float32)


def query_terms(
    index: LexicalIndex, query_tokens: Sequence[str], *, variants: bool = True, names: Collection[str] = ()
) -> list[tuple[int, float]]:
    """``(term id, weight)`` for the query's content terms in the index, plus their
    spelling variants (``variant_similarity``; ``names``: query terms that are names) at
    weight ``VARIANT_WEIGHT`` (and never weighing more than the query word itself: a rare
    misspelling of a common word must not outrank the query's rare words). Repeated query
    words count once."""
    out: dict[int, float] = {}
    df = index.df.view()
    for t in dict.fromkeys(query_tokens):
        if t in STOPWORDS:
            continue
        tid = index.vocab.get(t)
        if tid is not None:
            out[tid] = max(out.get(tid, 0.0), 1.0)
        if not variants or is_alias_token(t):
            continue
        key = skeleton(t)
        if key is None:
            continue
        own = index.idf_df(float(df[tid])) if tid is not None and df[tid] > 0 else None
        for v in index.skel.get(key, ())[:64]:
            if v == tid or v in out or df[v] <= 0:
                continue
            if variant_similarity(t, index.terms[v], name=t in names) > 0.0:
                w = VARIANT_WEIGHT
                if own is not None:
                    w *= min(1.0, own / index.idf_df(float(df[v])))
                out[v] = w
    return list(out.items())


def length_norms(index: LexicalIndex) -> np.ndarray:
    """BM25's length normalization of every row, ``K1 * (1 - B + B * len / avg)``
    (float32), cached until a row is added or removed (the key holds everything the average
    length depends on: removing units without content words changes only ``n_alive``)."""
    key = (index.n_rows, index.n_alive, index.total_len)
    cached = index.length_norm_cache
    if cached is None or cached[0] != key:
        avg = max(index.total_len / max(index.n_alive, 1), 1e-6)
        norms = (K1 * (1.0 - B + B * index.clen.view() / avg)).astype(np.float32)
        index.length_norm_cache = cached = (key, norms)
    return cached[1]


def candidate_rows(
    index: LexicalIndex,
    query_tokens: Sequence[str],
    k: int,
    *,
    posting_budget: int | None = None,
    exclude_docs: Sequence[int] = (),
    names: Collection[str] = (),
    coverage: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows (internal) and BM25 scores of ``k`` alive units, best BM25 first: the best by
    BM25 and (``coverage``) a share ``COVERAGE_SHARE`` chosen by the fraction of the unit's
    content words the query contains."""
    with index.lock:
        qterms = query_terms(index, query_tokens, names=names)
        if not qterms or index.n_alive == 0:
            return np.zeros(0, dtype=_I64), np.zeros(0, dtype=np.float32)
        df = index.df.view()
        qterms = [(t, w) for t, w in qterms if df[t] > 0]
        qterms.sort(key=lambda tw: (-index.idf_df(float(df[tw[0]])) * tw[1], tw[0]))
        budget = POSTING_BUDGET if posting_budget is None else posting_budget
        chosen: list[tuple[int, float]] = []
        total = 0
        for t, w in qterms:
            if len(chosen) >= MIN_TERMS and total + df[t] > budget:
                break
            chosen.append((t, w))
            total += int(df[t])
        n_rows = index.n_rows
        bufs = index.score_buffers
        if len(bufs.scores) < n_rows:
            bufs.scores = np.zeros(max(n_rows, int(len(bufs.scores) * 1.3)), dtype=np.float32)
            bufs.counts = np.zeros(len(bufs.scores), dtype=np.float32)
        buf = bufs.scores
        cnt = bufs.counts
        tlen = index.tlen.view()
        norms = length_norms(index)
        touched: list[np.ndarray] = []
        for t, w in chosen:
            if t + 1 < len(index.post_ptr):
                a, b = index.post_ptr[t], index.post_ptr[t + 1]
                rows = index.post_rows[a:b]
                tf = index.post_tf[a:b]
            else:
                rows = np.zeros(0, dtype=_I32)
                tf = np.zeros(0, dtype=np.uint8)
            d = index.delta.get(t)
            if d:
                rows = np.concatenate([rows, np.asarray(d, dtype=_I32)])
                tf = np.concatenate([tf, np.asarray(index.delta_tf[t], dtype=np.uint8)])
            if not len(rows):
                continue
            idf = index.idf_df(float(df[t])) * w
            tff = tf.astype(np.float32)
            norm = norms[rows]
            contrib = (idf * tff * (K1 + 1.0) / (tff + norm)).astype(np.float32)
            fresh = rows[buf[rows] == 0.0]
            touched.append(fresh)
            buf[rows] += contrib
            cnt[rows] += w * tlen[t]
        if not touched:
            return np.zeros(0, dtype=_I64), np.zeros(0, dtype=np.float32)
        rows_all = np.concatenate(touched).astype(_I64)
        scores = buf[rows_all].copy()
        counts = cnt[rows_all].copy()
        buf[rows_all] = 0.0
        cnt[rows_all] = 0.0
        ok = index.alive.view()[rows_all]
        if len(exclude_docs):
            ok &= ~np.isin(index.doc_ids.view()[rows_all], np.asarray(list(exclude_docs), dtype=_I64))
        rows_all, scores, counts = rows_all[ok], scores[ok], counts[ok]
        if len(rows_all) > k:
            # most by BM25; the rest by how much of each unit the query covers, so short
            # units made of the query's words (common ones included) are not crowded out
            k_cov = int(k * COVERAGE_SHARE) if coverage else 0
            part = np.argpartition(-scores, k - k_cov - 1)[: k - k_cov]
            if k_cov:
                rest = np.ones(len(rows_all), dtype=bool)
                rest[part] = False
                idx = np.nonzero(rest)[0]
                if len(idx) > 8 * k_cov:  # cheap pre-selection by content words alone
                    q_content = float(sum(len(t) + 1 for t in set(query_tokens) if t not in STOPWORDS))
                    ratio = set_ratio(counts[idx].astype(np.float64),
                                      index.cchars.view()[rows_all[idx]].astype(np.float64), q_content)
                    idx = idx[np.argpartition(-ratio, 8 * k_cov - 1)[: 8 * k_cov]]
                if len(idx):
                    cov = set_ratio_estimate(index, query_tokens, rows_all[idx], counts[idx]) + scores[idx] * 1e-6
                    take = idx[np.argpartition(-cov, min(k_cov, len(idx)) - 1)[:k_cov]]
                    part = np.concatenate([part, take])
            rows_all, scores = rows_all[part], scores[part]
        order = np.lexsort((rows_all, -scores))
        return rows_all[order], scores[order]



def set_ratio_estimate(index: LexicalIndex, query_tokens: Sequence[str], rows: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """A cheap estimate of rapidfuzz ``token_set_ratio`` (0-1) between the query and each
    row, from the characters of shared content words (``matched``), the frequent stopwords
    both have (bit masks) and each side's total characters."""
    qset = set(query_tokens)
    q_chars = float(sum(len(t) + 1 for t in qset))
    q_content = float(sum(len(t) + 1 for t in qset if t not in STOPWORDS))
    matched = matched.astype(np.float64)
    inter = matched.copy()
    masks = index.stopmask.view()[rows]
    for t in qset:
        b = STOP_BIT.get(t)
        if b is not None:
            inter += ((masks >> np.uint64(b)) & np.uint64(1)).astype(np.float64) * (len(t) + 1)
    cchars = index.cchars.view()[rows].astype(np.float64)
    # with stopwords, and on content words only (how token_set_ratio is often run)
    full = set_ratio(inter, cchars + index.schars.view()[rows], q_chars)
    return np.maximum(full, set_ratio(matched, cchars, q_content))
