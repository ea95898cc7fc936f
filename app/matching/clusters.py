"""Corpus-wide repetition finder: groups of near-duplicate sentences that span documents.

``RepetitionIndex`` holds matching units (sentences, or clauses if the caller indexes them) as
``(unit_id, document_id, content tokens)`` and finds the pairs that repeat one assertion without
comparing every unit with every other:

1. **Exact repeats collapse.** Units with the same set of words share one *entry*: a wire story
   syndicated in 300 documents costs one entry, and its copies group with score 100.
2. **Blocking on pairs of rare keys.** Each token has a blocking key (its consonant skeleton, so
   ``Qassim``/``Qasim`` agree; see ``cluster_keys``). An entry ranks its keys rarest first (fewest
   entries; keys no other entry has are skipped) and is *indexed* under every pair of its
   ``index_keys`` rarest keys and *probes* with every pair of its ``probe_keys`` rarest. Two units
   repeating an assertion share its rare words (names, places, numbers, unusual terms), so a probe
   pair of one is an index pair of the other; a pair of common words rarely co-occurs among an
   entry's rarest keys, and blocks holding more than ``bucket_cap`` entries are ignored outright.
   An entry added later also looks up its index pairs among the probe pairs of older entries, so
   incremental updates block like a rebuild (up to the rarity ranking, taken when an entry is
   added). No step compares all pairs.
3. **Verification.** Candidates pass cheap filters on 128-bit key sketches (overlap, and an upper
   bound of the specificity), then rapidfuzz scores them: score = (ratio + token_set_ratio) / 2
   on the sorted word sets (``cluster_keys.pair_score``). ``ratio`` runs in ``process.cpdist`` on
   two threads; ``token_set_ratio`` is mostly closed-form arithmetic on shared-word counts
   (numpy), rapidfuzz being asked only where its diff-versus-diff term could decide. A pair is an
   *edge* when it scores at least ``edge_floor`` and its specificity (the idf-weighted share of the
   lighter unit's words that the other repeats) is at least ``specificity``: template sentences
   that share only their frame ("the price of wheat rose by 57 percent in Homs" / "... by 633
   percent in Idlib") are not repetitions of one assertion.
4. **Groups** are connected components of the edges scoring at least ``min_score`` (a vectorized
   union-find, updated incrementally as edges arrive), reported when they span two or more
   documents, most widespread first.

Short units: fewer than ``min_tokens`` distinct content words ("No comments:", "Share this
article", datelines, "All rights reserved") are kept but never grouped: too short to be an
assertion, and most boilerplate is that short. Longer boilerplate groups like any repetition (it
*is* repeated); ``groups(max_documents=...)`` hides groups spread over too many documents.
Removing documents drops their units; an entry and its edges disappear with its last unit.

Pass *content* tokens (normalized, stemmed, alias-canonical, stopwords removed), e.g.
``Normalizer.content_tokens(text)``. ``save``/``load`` persist the index as one ``.npz`` file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.matching import cluster_blocks as cb
from app.matching import cluster_keys as ck
from app.matching.cluster_verify import CHUNK, PairVerifier, Weights

DEFAULT_CLUSTER_SCORE = 80.0
DEFAULT_MIN_TOKENS = 5
DEFAULT_EDGE_FLOOR = 75.0  # lowest min_score groups() accepts; blocking is tuned for 80
DEFAULT_SPECIFICITY = 0.6
DEFAULT_PROBE_KEYS = 4
DEFAULT_INDEX_KEYS = 8
DEFAULT_BUCKET_CAP = 1000
FORMAT_VERSION = 1
ADD_BATCH = 100_000

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
F32 = NDArray[np.float32]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Group:
    """Units repeating one assertion. ``unit_ids`` and ``document_ids`` are sorted."""

    unit_ids: tuple[int, ...]
    document_ids: tuple[int, ...]
    score: float  # the weakest edge of the group (100.0 when all members are exact repeats)

    @property
    def documents(self) -> int:
        return len(self.document_ids)


@dataclass(frozen=True)
class IndexStats:
    units: int
    grouped_units: int  # units long enough to be grouped
    entries: int  # distinct word sets among them
    edges: int


def _grow(arr: NDArray[Any], extra: NDArray[Any] | Sequence[Any]) -> NDArray[Any]:
    return np.concatenate([arr, np.asarray(extra, dtype=arr.dtype)])


class RepetitionIndex(PairVerifier):
    """Incremental near-duplicate groups over ``(unit_id, document_id, content_tokens)`` units."""

    def __init__(self, *, min_tokens: int = DEFAULT_MIN_TOKENS, edge_floor: float = DEFAULT_EDGE_FLOOR,
                 probe_keys: int = DEFAULT_PROBE_KEYS, index_keys: int = DEFAULT_INDEX_KEYS,
                 bucket_cap: int = DEFAULT_BUCKET_CAP, specificity: float = DEFAULT_SPECIFICITY,
                 workers: int = 2) -> None:
        if not 2 <= probe_keys <= index_keys <= 32:
            raise ValueError("need 2 <= probe_keys <= index_keys <= 32")
        self.min_tokens, self.edge_floor, self.workers = min_tokens, float(edge_floor), workers
        self.probe_keys, self.index_keys, self.bucket_cap = probe_keys, index_keys, bucket_cap
        self.specificity_min = float(specificity)
        # units (all of them, grouped or not); entry -1 marks a unit too short to group
        self._uid: I64 = np.empty(0, np.int64)
        self._udoc: I64 = np.empty(0, np.int64)
        self._uent: I64 = np.empty(0, np.int64)
        self._ualive = np.empty(0, bool)
        # entries: distinct word sets, with token and key CSR rows
        self._text: NDArray[np.object_] = np.empty(0, object)
        self._tlen: I64 = np.empty(0, np.int64)
        self._count: I32 = np.empty(0, np.int32)  # alive units per entry
        self._sketch: U64 = np.empty((0, 2), np.uint64)
        self._top: I32 = np.empty((0, index_keys), np.int32)  # rarest keys at insertion, -1 padded
        self._topm: NDArray[np.int8] = np.empty((0, index_keys), np.int8)  # tokens per top key
        self._topbit: NDArray[np.uint8] = np.empty((0, index_keys), np.uint8)  # their sketch bits
        self._skpop: NDArray[np.int8] = np.empty(0, np.int8)  # bits set in each sketch
        self._tptr: I64 = np.zeros(1, np.int64)
        self._toks: I32 = np.empty(0, np.int32)
        self._tcodes: I64 = np.empty(0, np.int64)  # entry << 32 | token, sorted
        self._kptr: I64 = np.zeros(1, np.int64)
        self._keys: I32 = np.empty(0, np.int32)
        self._by_text: dict[str, int] = {}
        # tokens and keys
        self._tok_id: dict[str, int] = {}
        self._tok_len: NDArray[np.int16] = np.empty(0, np.int16)
        self._tok_key: I32 = np.empty(0, np.int32)
        self._key_id: dict[str, int] = {}
        self._df: I32 = np.empty(0, np.int32)  # alive entries per key
        # blocking: every entry's index pairs and probe pairs
        self._index = cb.CodeIndex()
        self._probe = cb.CodeIndex()
        # edges between entries (a < b) and the cached components
        self._ea: I32 = np.empty(0, np.int32)
        self._eb: I32 = np.empty(0, np.int32)
        self._es = np.empty(0, np.float32)
        self._labels: tuple[float, I64, int] | None = None  # (min_score, roots, edges merged)
        self._new_tokens: list[tuple[int, int]] = []  # (length, key) of tokens seen in this add()
        self._pending: tuple[tuple[I64, I64], tuple[I64, I64]] | None = None  # new index/probe codes
        self._wcache: Weights | None = None
        self.last_candidates = 0  # candidate pairs scored by the last add()
        self.funnel: dict[str, int] = {}  # blocking/verification volumes, cumulative (diagnostics)

    # ------------------------------------------------------------------ public API
    def __len__(self) -> int:
        return int(self._ualive.sum())

    @property
    def stats(self) -> IndexStats:
        alive = self._ualive
        return IndexStats(units=int(alive.sum()), grouped_units=int((alive & (self._uent >= 0)).sum()),
                          entries=int((self._count > 0).sum()), edges=int(self._edge_alive().sum()))

    def add(self, units: Sequence[tuple[int, int, Sequence[str]]]) -> int:
        """Add ``(unit_id, document_id, content_tokens)`` units; returns the number of new edges.

        A unit id already present is replaced. Large inputs go in ``ADD_BATCH`` units at a time,
        like successive incremental adds: a fraction of the peak memory of one huge batch.
        """
        if len(units) > ADD_BATCH:
            return sum(self.add(units[i:i + ADD_BATCH]) for i in range(0, len(units), ADD_BATCH))
        if not units:
            return 0
        uids = np.fromiter((u[0] for u in units), np.int64, len(units))
        if self._uid.size:
            present = np.isin(self._uid, uids) & self._ualive
            if present.any():
                self._remove_units(present)
        ent = np.full(len(units), -1, np.int64)
        first_new = self._text.size
        new_texts: list[str] = []
        for i, unit in enumerate(units):
            text = ck.scoring_string(unit[2])
            if text.count(" ") + 1 < self.min_tokens:
                continue
            e = self._by_text.get(text)
            if e is None:
                e = self._by_text[text] = first_new + len(new_texts)
                new_texts.append(text)
            ent[i] = e
        self._uid = _grow(self._uid, uids)
        self._udoc = _grow(self._udoc, np.fromiter((u[1] for u in units), np.int64, len(units)))
        self._uent = _grow(self._uent, ent)
        self._ualive = _grow(self._ualive, np.ones(len(units), bool))
        self._append_entries(new_texts)
        self._count += np.bincount(ent[ent >= 0], minlength=self._count.size).astype(np.int32)
        return self._link_new(first_new)

    def remove_documents(self, document_ids: Iterable[int]) -> int:
        """Drop every unit of these documents; returns how many units were removed."""
        ids = np.fromiter((int(d) for d in document_ids), np.int64)
        mask = np.isin(self._udoc, ids) & self._ualive
        self._remove_units(mask)
        return int(mask.sum())

    def groups(self, min_score: float = DEFAULT_CLUSTER_SCORE, *, min_documents: int = 2,
               max_documents: int | None = None) -> list[Group]:
        """Groups of units repeating one assertion, most widespread first.

        A group is a connected component of unit pairs scoring ``>= min_score``, reported when it
        spans at least ``min_documents`` documents (and at most ``max_documents``, if given).
        """
        if min_score < self.edge_floor:
            raise ValueError(f"cluster scores below {self.edge_floor:g} are not computed "
                             f"(min_score={min_score:g})")
        roots = self._roots(float(min_score))
        u = np.flatnonzero(self._ualive & (self._uent >= 0))
        lab = roots[self._uent[u]]
        keep = np.bincount(lab, minlength=roots.size)[lab] >= 2  # components of 2+ units only
        u, lab = u[keep], lab[keep]
        # distinct (component, document) pairs: the documents of each component
        docs = self._udoc[u]
        order = np.lexsort((docs, lab))
        d_lab, d_doc = lab[order], docs[order]
        first = np.r_[True, (d_lab[1:] != d_lab[:-1]) | (d_doc[1:] != d_doc[:-1])] if u.size else np.ones(0, bool)
        d_lab, d_doc = d_lab[first], d_doc[first]
        n_docs = np.bincount(d_lab, minlength=roots.size)
        wanted = (n_docs >= min_documents) & (n_docs <= (max_documents if max_documents is not None else n_docs.max(
            initial=0)))
        keep, d_keep = wanted[lab], wanted[d_lab]
        u, lab, d_lab, d_doc = u[keep], lab[keep], d_lab[d_keep], d_doc[d_keep]
        if u.size == 0:
            return []
        uids = self._uid[u]
        order = np.lexsort((uids, lab))
        uids, lab = uids[order], lab[order]
        starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
        ends = np.r_[starts[1:], lab.size]
        d_starts = np.flatnonzero(np.r_[True, d_lab[1:] != d_lab[:-1]])
        d_ends = np.r_[d_starts[1:], d_lab.size]
        comp = lab[starts]
        weakest = self._weakest(roots, float(min_score))[comp]
        rank = np.lexsort((uids[starts], -(ends - starts), -n_docs[comp]))
        uid_l, doc_l, weak_l = uids.tolist(), d_doc.tolist(), weakest.tolist()
        s_l, e_l, ds_l, de_l = starts.tolist(), ends.tolist(), d_starts.tolist(), d_ends.tolist()
        return [Group(tuple(uid_l[s_l[k]:e_l[k]]), tuple(doc_l[ds_l[k]:de_l[k]]), weak_l[k]) for k in rank.tolist()]

    def groupable_units(self) -> tuple[I64, I64]:
        """``(unit_ids, document_ids)`` of the live units long enough to be grouped, by unit id."""
        u = np.flatnonzero(self._ualive & (self._uent >= 0))
        order = np.argsort(self._uid[u], kind="stable")
        return self._uid[u][order], self._udoc[u][order]

    @staticmethod
    def score(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> float:
        """The cluster score (0-100) of two token lists, as edges are scored."""
        return ck.pair_score(ck.scoring_string(tokens_a), ck.scoring_string(tokens_b))

    # ------------------------------------------------------------------ persistence
    _ARRAYS = ("_uid", "_udoc", "_uent", "_ualive", "_tlen", "_count", "_sketch", "_top", "_topm", "_topbit", "_skpop", "_tptr", "_toks",
               "_tcodes", "_kptr", "_keys", "_tok_len", "_tok_key", "_df", "_ea", "_eb", "_es")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to one ``.npz`` file (a temporary file first, then renamed over ``path``)."""
        config = np.array([FORMAT_VERSION, self.min_tokens, self.probe_keys, self.index_keys,
                           self.bucket_cap], np.int64)
        strings = {
            "texts": "\n".join(self._text.tolist()),
            "tokens": "\n".join(sorted(self._tok_id, key=self._tok_id.__getitem__)),
            "keynames": "\n".join(sorted(self._key_id, key=self._key_id.__getitem__)),
        }
        tmp = f"{os.fspath(path)}.tmp"
        with open(tmp, "wb") as fh:
            payload: dict[str, Any] = {k[1:]: getattr(self, k) for k in self._ARRAYS}
            for name, idx in (("index", self._index), ("probe", self._probe)):
                payload[f"{name}_codes"], payload[f"{name}_ents"] = idx.merged()
            payload.update({k: np.frombuffer(v.encode("utf-8"), np.uint8) for k, v in strings.items()})
            np.savez(fh, config=config, edge_floor=np.float64(self.edge_floor),
                     specificity=np.float64(self.specificity_min), **payload)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, workers: int = 2) -> RepetitionIndex:
        with np.load(path, allow_pickle=False) as z:
            config = z["config"].tolist()
            if int(config[0]) != FORMAT_VERSION:
                raise ValueError(f"repetition index format {config[0]} is not {FORMAT_VERSION}; rebuild it")
            self = cls(min_tokens=config[1], probe_keys=config[2], index_keys=config[3], bucket_cap=config[4],
                       edge_floor=float(z["edge_floor"]), specificity=float(z["specificity"]), workers=workers)
            for k in self._ARRAYS:
                setattr(self, k, z[k[1:]])
            self._index = cb.CodeIndex(z["index_codes"], z["index_ents"])
            self._probe = cb.CodeIndex(z["probe_codes"], z["probe_ents"])
            texts, tokens, keys = (z[k].tobytes().decode("utf-8") for k in ("texts", "tokens", "keynames"))
        text_list = texts.split("\n") if self._tlen.size else []
        self._text = np.array(text_list, dtype=object) if text_list else np.empty(0, object)
        self._by_text = {t: i for i, t in enumerate(text_list) if self._count[i] > 0}
        self._tok_id = {t: i for i, t in enumerate(tokens.split("\n"))} if self._tok_len.size else {}
        self._key_id = {t: i for i, t in enumerate(keys.split("\n"))} if self._df.size else {}
        return self

    # ------------------------------------------------------------------ building
    def _token_ids(self, words: list[str]) -> list[int]:
        out: list[int] = []
        tok_id = self._tok_id
        for w in words:
            t = tok_id.get(w)
            if t is None:
                t = tok_id[w] = len(tok_id)
                key = ck.skeleton(w)
                k = self._key_id.get(key)
                if k is None:
                    k = self._key_id[key] = len(self._key_id)
                self._new_tokens.append((len(w), k))
            out.append(t)
        return out

    def _append_entries(self, texts: list[str]) -> None:
        n_new = len(texts)
        self._count = _grow(self._count, np.zeros(n_new, np.int32))
        if n_new == 0:
            return
        e0 = self._text.size
        self._new_tokens = []
        tok_lists = [sorted(self._token_ids(t.split(" "))) for t in texts]
        if self._new_tokens:
            lens_keys = np.array(self._new_tokens, np.int64)
            self._tok_len = _grow(self._tok_len, lens_keys[:, 0])
            self._tok_key = _grow(self._tok_key, lens_keys[:, 1])
        tlens = np.fromiter((len(t) for t in tok_lists), np.int64, n_new)
        toks = np.fromiter((t for ts in tok_lists for t in ts), np.int64, int(tlens.sum()))
        t_owner = np.repeat(np.arange(e0, e0 + n_new, dtype=np.int64), tlens)
        self._text = _grow(self._text, np.array(texts, dtype=object))
        self._tlen = _grow(self._tlen, np.fromiter((len(t) for t in texts), np.int64, n_new))
        self._tptr = _grow(self._tptr, self._tptr[-1] + np.cumsum(tlens))
        self._toks = _grow(self._toks, toks)
        self._tcodes = _grow(self._tcodes, (t_owner << 32) | toks)
        # distinct keys per entry (two tokens may share a skeleton)
        all_k = np.sort((t_owner << 32) | self._tok_key[toks].astype(np.int64))
        first = np.r_[True, all_k[1:] != all_k[:-1]]
        kcodes = all_k[first]
        kmult = np.diff(np.r_[np.flatnonzero(first), all_k.size])  # tokens per (entry, key)
        owner, keys = kcodes >> 32, kcodes & 0xFFFFFFFF
        klens = np.bincount(owner - e0, minlength=n_new)
        self._kptr = _grow(self._kptr, self._kptr[-1] + np.cumsum(klens))
        self._keys = _grow(self._keys, keys)
        sketch = cb.sketches(owner - e0, keys, n_new)
        self._sketch = np.concatenate([self._sketch, sketch])
        self._skpop = _grow(self._skpop, np.bitwise_count(sketch).sum(axis=1))
        if len(self._key_id) > self._df.size:
            self._df = _grow(self._df, np.zeros(len(self._key_id) - self._df.size, np.int32))
        self._df += np.bincount(keys, minlength=self._df.size).astype(np.int32)
        ranked = cb.ranked_keys(owner - e0, keys, self._df[keys], n_new, self.index_keys)
        at = np.searchsorted(kcodes, (np.arange(e0, e0 + n_new, dtype=np.int64)[:, None] << 32) | ranked)
        mult = np.where(ranked >= 0, kmult[np.minimum(at, kmult.size - 1)], 0)
        self._top = np.concatenate([self._top, ranked.astype(np.int32)])
        self._topm = np.concatenate([self._topm, mult.astype(np.int8)])
        self._topbit = np.concatenate([self._topbit, cb.sketch_bit(np.maximum(ranked, 0)).astype(np.uint8)])
        self._pending = (cb.pair_codes(ranked, self.index_keys, e0), cb.pair_codes(ranked, self.probe_keys, e0))

    def _link_new(self, first_new: int) -> int:
        """Block and score the entries appended since ``first_new``; returns the new edge count."""
        if self._text.size == first_new or self._pending is None:
            return 0
        (index_codes, index_owner), (probe_codes, probe_owner) = self._pending
        self._pending = None
        old_probes = self._probe.runs()
        self._index.add(index_codes, index_owner)
        self._probe.add(probe_codes, probe_owner)
        codes = cb.unique_sorted(np.concatenate([
            self._candidates(probe_codes, probe_owner, self._index.runs()),
            self._candidates(index_codes, index_owner, old_probes),
        ]))
        self.last_candidates = int(codes.size)
        found = 0
        for s in range(0, codes.size, CHUNK):
            chunk = codes[s:s + CHUNK]
            a, b, score = self._score_pairs(chunk >> 32, chunk & 0xFFFFFFFF)
            self._ea, self._eb, self._es = _grow(self._ea, a), _grow(self._eb, b), _grow(self._es, score)
            found += int(a.size)
        if self._labels is not None:
            self._labels = self._merge_labels()
        return found

    def _edge_alive(self) -> NDArray[np.bool_]:
        alive = self._count > 0
        return alive[self._ea] & alive[self._eb]

    def _roots(self, min_score: float) -> I64:
        cached = self._labels
        if cached is not None and cached[0] == min_score and cached[1].size == self._text.size:
            return cached[1]
        m = self._edge_alive() & (self._es >= min_score)
        roots = ck.connected_labels(self._text.size, self._ea[m], self._eb[m])
        self._labels = (min_score, roots, self._ea.size)
        return roots

    def _merge_labels(self) -> tuple[float, I64, int] | None:
        """Fold the edges added since the cached components into them (no full recomputation)."""
        if self._labels is None:
            return None
        min_score, roots, merged = self._labels
        grown = np.concatenate([roots, np.arange(roots.size, self._text.size, dtype=np.int64)])
        m = self._es[merged:] >= min_score
        roots = ck.connected_labels(self._text.size, self._ea[merged:][m], self._eb[merged:][m], grown)
        return (min_score, roots, self._ea.size)

    def _weakest(self, roots: I64, min_score: float) -> F64:
        """Per component root, its weakest edge scoring ``>= min_score`` (100 for none: exact repeats)."""
        m = self._edge_alive() & (self._es >= min_score)
        best = np.full(roots.size, 100.0)
        np.minimum.at(best, roots[self._ea[m]], np.round(self._es[m].astype(np.float64), 2))
        return best

    def _remove_units(self, mask: NDArray[np.bool_]) -> None:
        if not mask.any():
            return
        self._ualive = self._ualive & ~mask
        ent = self._uent[mask]
        ent = ent[ent >= 0]
        if ent.size == 0:
            return
        self._count -= np.bincount(ent, minlength=self._count.size).astype(np.int32)
        gone = cb.unique_sorted(ent)
        gone = gone[self._count[gone] == 0]
        if gone.size:
            for e in gone.tolist():
                self._by_text.pop(self._text[e], None)
            starts, stops = self._kptr[gone], self._kptr[gone + 1]
            keys = self._keys[ck.expand_ranges(starts, stops - starts)]
            self._df -= np.bincount(keys, minlength=self._df.size).astype(np.int32)
            self._labels = None  # components may split: recompute on the next groups()


def groups_for_workspace(ws: Any, min_score: float = DEFAULT_CLUSTER_SCORE) -> list[Any]:
    """Clusters of a workspace built from scratch from its database (``cluster_workspace``)."""
    from app.matching.cluster_workspace import groups_for_workspace as build

    return list(build(ws, min_score))
