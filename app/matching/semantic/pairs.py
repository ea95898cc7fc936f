"""Paraphrase pairs for the repetition finder: sentences of different documents whose vectors
are close (cosine >= ``PAIR_COSINE``), found without comparing every pair. The caller verifies
each candidate with the hybrid score (lexical pair score fused with the cosine, as a search
does) against the group threshold, so a same-topic sentence does not join a group.

Blocking is the vector index's own clustering: two vectors that close almost always file under
the same centroid, so each block (the vectors of one centroid) is compared with itself as one
matrix product, keeping each sentence's ``NEIGHBOURS`` closest (so a block of boilerplate
costs n pairs, not n squared). When the index is small enough to have no centroids, a throw-away k-means makes
blocks of about ``BLOCK`` vectors, each vector joining the blocks of its two nearest centroids
so that pairs near a boundary are still compared. Cost: the sum of squared block sizes, about
``n * BLOCK`` products, instead of ``n**2``.

``verify_pairs`` scores candidate pairs as a search would (lexical pair score fused with the
cosine); ``join_groups`` folds the verified pairs into the lexical groups (``merge_groups``:
union of shared sentences); a group reports its weakest link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.matching.cluster_keys import pair_scores, scoring_string
from app.matching.clusters import Group
from app.matching.index import LexicalIndex
from app.matching.matcher import fuse
from app.matching.normalize import content_words
from app.matching.semantic.vectors import VectorIndex
from app.matching.units import unit_id

__all__ = ["BLOCK", "PAIR_COSINE", "join_groups", "merge_groups", "similar_pairs", "verify_pairs"]

PAIR_COSINE = 0.80  # candidates only: clear paraphrases measure 0.8-0.9 with MiniLM
BLOCK = 512
NEIGHBOURS = 8  # pairs kept per sentence: its closest sentences of other documents
_ROWS = 1024

Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]  # sentence ids a, b; cosine
Edges = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.floating[Any]]]  # verified: a, b, score


def _blocks(index: VectorIndex, rows: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    vecs = index.vecs.view()
    if index.centroids is not None and index.n_alive > 0:
        assign = index.assign.view()[rows]
        order = np.argsort(assign, kind="stable")
        cuts = np.flatnonzero(np.diff(assign[order])) + 1
        return [rows[part] for part in np.split(order, cuts)]
    if len(rows) <= 2 * BLOCK:
        return [rows]
    k = max(2, len(rows) // BLOCK)
    rng = np.random.default_rng(11)
    data = vecs[rows].astype(np.float32)
    cent = data[rng.choice(len(rows), size=k, replace=False)].copy()
    for _ in range(6):
        lab = np.argmax(data @ cent.T, axis=1)
        for c in range(k):
            members = data[lab == c]
            if len(members):
                v = members.sum(axis=0)
                cent[c] = v / max(float(np.linalg.norm(v)), 1e-9)
    sims = data @ cent.T
    top2 = np.argsort(-sims, axis=1)[:, :2]
    return [rows[np.flatnonzero((top2 == c).any(axis=1))] for c in range(k)]


def similar_pairs(index: VectorIndex, min_cosine: float = PAIR_COSINE,
                  keep: Callable[[NDArray[np.int64]], NDArray[np.bool_]] | None = None) -> Pairs:
    """``(sentence_a, sentence_b, cosine)`` with a < b, from different documents, cosine at
    least ``min_cosine``. ``keep(sentence_ids)`` may restrict which sentences take part."""
    alive = np.flatnonzero(index.alive.view()).astype(np.int64)
    ids, docs, vecs = index.ids.view(), index.docs.view(), index.vecs.view()
    if keep is not None and len(alive):
        alive = alive[keep(ids[alive])]
    out_a: list[NDArray[np.int64]] = []
    out_b: list[NDArray[np.int64]] = []
    out_s: list[NDArray[np.float32]] = []
    for block in _blocks(index, alive):
        if len(block) < 2:
            continue
        bv = vecs[block].astype(np.float32)
        bd = docs[block]
        for lo in range(0, len(block), _ROWS):
            sims = bv[lo:lo + _ROWS] @ bv.T
            rows_abs = np.arange(lo, min(lo + _ROWS, len(block)))
            sims[bd[rows_abs][:, None] == bd[None, :]] = -1.0  # same document (itself included)
            if sims.shape[1] > NEIGHBOURS:  # each sentence's closest few: a dense block (boilerplate,
                # templated text) must not yield a quadratic number of pairs
                near = np.argpartition(-sims, NEIGHBOURS - 1, axis=1)[:, :NEIGHBOURS]
                vals = np.take_along_axis(sims, near, axis=1)
            else:
                near = np.broadcast_to(np.arange(sims.shape[1]), sims.shape)
                vals = sims
            i, c = np.nonzero(vals >= min_cosine)
            if len(i):
                j = near[i, c]
                a, b = ids[block[rows_abs[i]]], ids[block[j]]
                out_a.append(np.minimum(a, b))
                out_b.append(np.maximum(a, b))
                out_s.append(vals[i, c].astype(np.float32))
    if not out_a:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    a, b, s = np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_s)
    code = a * (1 << 32) + b
    _, first = np.unique(code, return_index=True)  # a pair seen in two blocks counts once
    return a[first], b[first], s[first]


def merge_groups(groups: Sequence[Group], edges: Edges, doc_of: dict[int, int]) -> list[Group]:
    """Lexical groups plus paraphrase edges ``(sentence_a, sentence_b, score 0-100)``, as
    connected components. ``doc_of`` maps every unit id involved (group members and the edge
    sentences' units) to its document."""
    parent: dict[int, int] = {}
    weakest: dict[int, float] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(x: int, y: int, score: float) -> None:
        parent.setdefault(x, x)
        parent.setdefault(y, y)
        rx, ry = find(x), find(y)
        w = min(weakest.get(rx, 100.0), weakest.get(ry, 100.0), score)
        if rx != ry:
            parent[ry] = rx
            weakest.pop(ry, None)
        weakest[rx] = w

    for g in groups:
        for u in g.unit_ids[1:]:
            union(g.unit_ids[0], u, g.score)
    a, b, s = edges
    for x, y, c in zip(a.tolist(), b.tolist(), s.tolist(), strict=True):
        union(unit_id(x, 0), unit_id(y, 0), round(min(100.0, c), 2))
    members: dict[int, list[int]] = {}
    for u in parent:
        members.setdefault(find(u), []).append(u)
    out = []
    for root, units in members.items():
        doc_ids = sorted({doc_of[u] for u in units if u in doc_of})
        if len(doc_ids) >= 2:
            out.append(Group(tuple(sorted(units)), tuple(doc_ids), weakest.get(root, 100.0)))
    out.sort(key=lambda g: (-g.documents, -len(g.unit_ids), g.unit_ids[0]))
    return out


def verify_pairs(pairs: Pairs, index: LexicalIndex, min_score: float, max_pairs: int) -> Edges:
    """The candidate sentence pairs ``(a, b, cosine)`` whose hybrid score (the lexical pair
    score of their content words fused with the cosine, as a search scores) reaches
    ``min_score``, the closest ``max_pairs`` considered; rapidfuzz over all pairs at once, on
    two threads, outside the GIL."""
    a_sid, b_sid, cos = pairs
    if not len(cos):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    if len(cos) > max_pairs:
        top = np.argpartition(-cos, max_pairs - 1)[:max_pairs]
        a_sid, b_sid, cos = a_sid[top], b_sid[top], cos[top]
    ua, ub = unit_id(a_sid), unit_id(b_sid)
    units = np.unique(np.concatenate([ua, ub]))
    rows = index.rows_of_units(units)
    strings: dict[int, str] = {}
    with index.lock:
        for u, t in zip(index.unit_ids.view()[rows].tolist(), index.rows_tokens(rows), strict=True):
            strings[u] = scoring_string(content_words(t))
    lexical = pair_scores([strings.get(u, "") for u in ua.tolist()], [strings.get(u, "") for u in ub.tolist()])
    scores = np.array([fuse(float(x), float(c)) for x, c in zip(lexical.tolist(), cos.tolist(), strict=True)])
    ok = scores >= min_score
    return a_sid[ok], b_sid[ok], scores[ok]


def join_groups(groups: Sequence[Group], edges: Edges, unit_ids: NDArray[np.int64],
                unit_docs: NDArray[np.int64]) -> list[Group]:
    """``merge_groups`` with the documents of the units involved looked up in the sorted
    ``unit_ids`` (and their ``unit_docs``) of the repetition index."""
    if not len(edges[0]):
        return list(groups)
    needed = np.unique(np.concatenate([np.fromiter((u for g in groups for u in g.unit_ids), dtype=np.int64),
                                       unit_id(edges[0]), unit_id(edges[1])]))
    pos = np.minimum(np.searchsorted(unit_ids, needed), max(len(unit_ids) - 1, 0))
    found = unit_ids[pos] == needed
    doc_of = dict(zip(needed[found].tolist(), unit_docs[pos[found]].tolist(), strict=True))
    return merge_groups(groups, edges, doc_of)
