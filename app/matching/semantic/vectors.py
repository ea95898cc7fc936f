"""``VectorIndex``: nearest-neighbour search over sentence vectors, persisted as numpy arrays.

Vectors are unit-length (a dot product is the cosine) and kept as float16 (768 bytes per
sentence at 384 dimensions; 1M sentences = 0.77 GB). Up to ``FLAT_MAX`` live vectors a search
scans them all (a cached float32 copy). Above it an inverted-file (IVF) layer is trained:
k-means centroids (about ``2 * sqrt(n)``), every vector filed under its nearest centroid, and the
main axes of the vectors (SVD of a sample). The *layout* keeps, per centroid, one contiguous
float32 block of the filed vectors projected on ``COARSE_DIM`` = 128 axes (0.5 GB at 1M). A
query scores the blocks of its nearest centroids (``NPROBE`` or 6% of them, whichever is more)
in that coarse space, re-scores the best ``RERANK`` with the full vectors, and scans exactly the
vectors added since the last layout. The coarse stage loses almost nothing (on real MiniLM
vectors of the CLEF claims the top 10 after re-scoring 200 is 99.8% the exact top 10); the
probing costs a few points of recall@10 (0.95-0.97 against the exact scan; see
``bench/semantic_bench.py``).

The centroids are retrained when the collection has doubled since they were trained
(``needs_training``) and the layout is redone when more than ``LAYOUT_TAIL`` vectors arrived
since (``needs_layout``): both by the background embedding task, never by a search.

Deletions mark rows dead; ``compact()`` drops them when they reach a quarter of the rows.
Not thread-safe by itself: ``SemanticService`` serializes writers and searches with a lock.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from app.matching.index_io import Grow

__all__ = ["FLAT_MAX", "NPROBE", "VectorIndex"]

FLAT_MAX = 20_000
NPROBE = 64  # lists scanned per query, at least; or 6% of them when there are more
PROBE_SHARE = 0.06
COARSE_DIM = 128  # the IVF scan runs on vectors projected on their 128 main axes (float32)
RERANK = 200  # coarse candidates re-scored with the full vectors (at least 4 x k)
LAYOUT_TAIL = 20_000  # vectors added since the last layout, scanned exactly, before a re-layout
_TRAIN_PER_LIST = 32
_KMEANS_ITERS = 8
_CHUNK = 65_536


class VectorIndex:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.vecs = Grow(np.float16, row_shape=(dim,))
        self.ids = Grow(np.int64)  # sentence ids
        self.docs = Grow(np.int64)
        self.alive = Grow(np.bool_)
        self.assign = Grow(np.int32)  # centroid of each row (-1: none yet)
        self.centroids: np.ndarray | None = None
        self.trained_at = 0  # live vectors when the centroids were trained
        self.n_alive = 0
        self.version = 0  # changes whenever the set of live vectors does
        self.meta: dict[str, Any] = {}
        self._row_of: dict[int, int] = {}
        self.basis: np.ndarray | None = None  # (dim, COARSE_DIM): main axes of the vectors
        # the layout: coarse vectors of the rows filed at the last layout, sorted by centroid
        self._coarse = np.zeros((0, COARSE_DIM), dtype=np.float32)
        self._coarse_rows = np.zeros(0, dtype=np.int64)
        self._list_ptr = np.zeros(1, dtype=np.int64)
        self._laid_out = 0  # rows at layout time; rows from here on are the exact-scanned tail
        self._flat_cache: tuple[int, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ contents
    def __len__(self) -> int:
        return self.n_alive

    def sentence_ids(self) -> set[int]:
        return set(self._row_of)

    def add(self, sentence_ids: Iterable[int], doc_ids: Iterable[int], vectors: np.ndarray) -> None:
        sids = np.fromiter(sentence_ids, dtype=np.int64)
        dids = np.fromiter(doc_ids, dtype=np.int64)
        if not len(sids):
            return
        self.remove_sentences(int(s) for s in sids if int(s) in self._row_of)
        base = self.vecs.n
        vec = np.asarray(vectors, dtype=np.float32)
        self.vecs.extend(vec.astype(np.float16))
        self.ids.extend(sids)
        self.docs.extend(dids)
        self.alive.extend(np.ones(len(sids), dtype=np.bool_))
        self.assign.extend(self._nearest(vec))
        for i, s in enumerate(sids.tolist()):
            self._row_of[s] = base + i
        self.n_alive += len(sids)
        self.version += 1

    def remove_sentences(self, sentence_ids: Iterable[int]) -> int:
        rows = [self._row_of.pop(int(s)) for s in sentence_ids if int(s) in self._row_of]
        if rows:
            self.alive.view()[rows] = False
            self.n_alive -= len(rows)
            self.version += 1
        return len(rows)

    def remove_documents(self, doc_ids: Collection[int]) -> int:
        if not doc_ids or not self.vecs.n:
            return 0
        hit = np.isin(self.docs.view(), np.fromiter(doc_ids, dtype=np.int64)) & self.alive.view()
        return self.remove_sentences(self.ids.view()[hit].tolist())

    def vectors_of(self, sentence_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """Stored vectors (float32) of those sentences that have one."""
        pairs = [(int(s), self._row_of[int(s)]) for s in sentence_ids if int(s) in self._row_of]
        if not pairs:
            return {}
        mat = self.vecs.view()[[r for _, r in pairs]].astype(np.float32)
        return {s: mat[i] for i, (s, _) in enumerate(pairs)}

    def compact(self, force: bool = False) -> bool:
        n = self.vecs.n
        if not n or (not force and n - self.n_alive < max(1000, n // 4)):
            return False
        keep = self.alive.view().copy()
        vecs, ids, docs, assign = (self.vecs.view()[keep], self.ids.view()[keep], self.docs.view()[keep],
                                   self.assign.view()[keep])
        self._load_arrays(vecs, ids, docs, assign)
        return True

    def _load_arrays(self, vecs: np.ndarray, ids: np.ndarray, docs: np.ndarray, assign: np.ndarray) -> None:
        self.vecs = Grow(np.float16, np.ascontiguousarray(vecs, dtype=np.float16))
        self.ids = Grow(np.int64, np.array(ids, dtype=np.int64))
        self.docs = Grow(np.int64, np.array(docs, dtype=np.int64))
        self.alive = Grow(np.bool_, np.ones(len(ids), dtype=np.bool_))
        self.assign = Grow(np.int32, np.array(assign, dtype=np.int32))
        self._row_of = {int(s): i for i, s in enumerate(ids.tolist())}
        self.n_alive = len(ids)
        self._laid_out = 0
        if self.centroids is not None and self.basis is not None:
            self.layout()

    # ------------------------------------------------------------------ IVF
    @property
    def needs_training(self) -> bool:
        if self.n_alive <= FLAT_MAX:
            return False
        return self.centroids is None or self.n_alive > 2 * self.trained_at

    @property
    def needs_layout(self) -> bool:
        return self.centroids is not None and self.vecs.n - self._laid_out > max(LAYOUT_TAIL, self.n_alive // 20)

    def train(self, seed: int = 7) -> None:
        """(Re)train the centroids by k-means on a sample, the coarse axes (SVD of the same
        sample), refile every vector and lay the index out."""
        self.compact(force=True)
        n = self.n_alive
        if n <= FLAT_MAX:
            self.centroids, self.basis, self.trained_at = None, None, 0
            self.assign.view()[:] = -1
            self.version += 1
            return
        nlist = max(64, int(2 * np.sqrt(n)))
        rng = np.random.default_rng(seed)
        sample = self.vecs.view()[rng.choice(n, size=min(n, nlist * _TRAIN_PER_LIST), replace=False)]
        sample = sample.astype(np.float32)
        _, _, vt = np.linalg.svd(sample[: min(len(sample), 20_000)], full_matrices=False)
        self.basis = np.ascontiguousarray(vt[: min(COARSE_DIM, self.dim)].T, dtype=np.float32)
        cent = sample[rng.choice(len(sample), size=nlist, replace=False)].copy()
        for _ in range(_KMEANS_ITERS):
            lab = np.argmax(sample @ cent.T, axis=1)
            sums = np.zeros_like(cent)
            np.add.at(sums, lab, sample)
            counts = np.bincount(lab, minlength=nlist)
            empty = counts == 0
            sums[empty] = sample[rng.choice(len(sample), size=int(empty.sum()), replace=False)]
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            cent = sums / np.where(norms > 0, norms, 1.0)
        self.centroids = cent.astype(np.float32)
        assign = self.assign.view()
        for lo in range(0, self.vecs.n, _CHUNK):
            assign[lo:lo + _CHUNK] = self._nearest(self.vecs.view()[lo:lo + _CHUNK].astype(np.float32))
        self.trained_at = n
        self.version += 1
        self.layout()

    def layout(self) -> None:
        """Sort the live filed rows by centroid and project them on the coarse axes, so that a
        query scans each probed list as one contiguous float32 block."""
        if self.centroids is None or self.basis is None:
            return
        rows = np.flatnonzero(self.alive.view() & (self.assign.view() >= 0)).astype(np.int64)
        assign = self.assign.view()[rows]
        order = np.argsort(assign, kind="stable")
        rows = rows[order]
        coarse = np.empty((len(rows), self.basis.shape[1]), dtype=np.float32)
        for lo in range(0, len(rows), _CHUNK):
            coarse[lo:lo + _CHUNK] = self.vecs.view()[rows[lo:lo + _CHUNK]].astype(np.float32) @ self.basis
        self._coarse, self._coarse_rows = coarse, rows
        self._list_ptr = np.searchsorted(assign[order], np.arange(len(self.centroids) + 1)).astype(np.int64)
        self._laid_out = self.vecs.n

    def _nearest(self, vec: np.ndarray) -> np.ndarray:
        if self.centroids is None:
            return np.full(len(vec), -1, dtype=np.int32)
        return np.argmax(vec @ self.centroids.T, axis=1).astype(np.int32)

    # ------------------------------------------------------------------ search
    def search(self, query: np.ndarray, k: int, exclude_documents: Collection[int] = (),
               nprobe: int | None = None) -> list[tuple[int, int, float]]:
        """``(sentence_id, doc_id, cosine)`` of the ``k`` nearest live vectors, best first."""
        if not self.n_alive or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if self.n_alive <= FLAT_MAX:
            rows, mat = self._flat()
            if exclude_documents:
                keep = self._usable(rows, exclude_documents)
                rows, mat = rows[keep], mat[keep]
            return self._top(rows, mat @ q, k)
        if self.centroids is None or self.basis is None:  # not trained yet (the background task trains it)
            rows = np.flatnonzero(self.alive.view())
            rows = rows[self._usable(rows, exclude_documents)]
            return self._top(rows, self.vecs.view()[rows].astype(np.float32) @ q, k)
        if nprobe is None:
            nprobe = max(NPROBE, int(np.ceil(PROBE_SHARE * len(self.centroids))))
        near = np.argpartition(-(self.centroids @ q), min(nprobe, len(self.centroids)) - 1)[:nprobe]
        qc = q @ self.basis
        ptr, coarse, crow = self._list_ptr, self._coarse, self._coarse_rows
        parts_r, parts_s = [], []
        for c in near.tolist():
            lo, hi = int(ptr[c]), int(ptr[c + 1])
            if hi > lo:
                parts_r.append(crow[lo:hi])
                parts_s.append(coarse[lo:hi] @ qc)
        rows = np.concatenate(parts_r) if parts_r else np.zeros(0, dtype=np.int64)
        sims = np.concatenate(parts_s) if parts_s else np.zeros(0, dtype=np.float32)
        ok = self.alive.view()[rows] & self._usable(rows, exclude_documents)
        rows, sims = rows[ok], sims[ok]
        budget = max(RERANK, 4 * k)
        if len(rows) > budget:
            sel = np.argpartition(-sims, budget - 1)[:budget]
            rows = rows[sel]
        # vectors added since the last layout are scanned exactly with the re-ranked ones
        tail = np.arange(self._laid_out, self.vecs.n, dtype=np.int64)
        if len(tail):
            tail = tail[self.alive.view()[tail] & self._usable(tail, exclude_documents)]
            rows = np.concatenate([rows, tail])
        if not len(rows):
            return []
        return self._top(rows, self.vecs.view()[rows].astype(np.float32) @ q, k)

    def _usable(self, rows: np.ndarray, exclude_documents: Collection[int]) -> np.ndarray:
        """Mask of ``rows`` not in ``exclude_documents``."""
        if not exclude_documents or not len(rows):
            return np.ones(len(rows), dtype=np.bool_)
        return ~np.isin(self.docs.view()[rows], np.fromiter(exclude_documents, dtype=np.int64))

    def _flat(self) -> tuple[np.ndarray, np.ndarray]:
        """Live rows and their vectors as float32, cached until the vectors change (small
        collections only: at most ``FLAT_MAX`` rows, 30 MB)."""
        cached = self._flat_cache
        if cached is None or cached[0] != self.version:
            rows = np.flatnonzero(self.alive.view())
            cached = self._flat_cache = (self.version, rows, self.vecs.view()[rows].astype(np.float32))
        return cached[1], cached[2]

    def _top(self, rows: np.ndarray, sims: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        if not len(rows):
            return []
        top = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
        top = top[np.argsort(-sims[top], kind="stable")]
        ids, docs = self.ids.view(), self.docs.view()
        return [(int(ids[rows[i]]), int(docs[rows[i]]), float(sims[i])) for i in top.tolist()]

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> int:
        """Write atomically (a sibling folder renamed into place); returns bytes written."""
        self.compact()
        dest = Path(path)
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        keep = self.alive.view()
        arrays = {"vecs": self.vecs.view()[keep], "ids": self.ids.view()[keep],
                  "docs": self.docs.view()[keep], "assign": self.assign.view()[keep]}
        if self.centroids is not None:
            arrays["centroids"] = self.centroids
        if self.basis is not None:
            arrays["basis"] = self.basis
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", arr, allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps({**self.meta, "dim": self.dim, "trained_at": self.trained_at}))
        old = dest.with_name(dest.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if dest.exists():
            dest.rename(old)
        tmp.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
        return sum(f.stat().st_size for f in dest.iterdir())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> VectorIndex:
        p = Path(path)
        meta = json.loads((p / "meta.json").read_text())
        idx = cls(int(meta.pop("dim")))
        idx.trained_at = int(meta.pop("trained_at", 0))
        idx.meta = meta
        arr = {n: np.load(p / f"{n}.npy", allow_pickle=False) for n in ("vecs", "ids", "docs", "assign")}
        if arr["vecs"].shape[1:] != (idx.dim,) or not (len(arr["vecs"]) == len(arr["ids"]) == len(arr["docs"])
                                                       == len(arr["assign"])):
            raise ValueError("inconsistent vector cache")
        if (p / "centroids.npy").exists():
            idx.centroids = np.load(p / "centroids.npy", allow_pickle=False).astype(np.float32)
        if (p / "basis.npy").exists():
            idx.basis = np.load(p / "basis.npy", allow_pickle=False).astype(np.float32)
        idx._load_arrays(arr["vecs"], arr["ids"], arr["docs"], arr["assign"])
        return idx
