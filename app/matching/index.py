"""In-memory inverted index over matching units, BM25-weighted, numpy-backed.

Layout (all rows = units, in insertion order):

* per row: ``unit_id`` (int64), ``doc_id`` (int64), ``start``/``end`` (int32 span in the
  document text), ``alive`` (tombstone bitmap), ``clen`` (content-token count for BM25);
* forward index: every row's full token sequence (stopwords included) as term ids, CSR
  (``seq_ptr``/``seq_terms``), so candidates can be re-scored from tokens without the
  database;
* postings: a CSR base segment (``post_ptr``/``post_rows``/``post_tf``) for content terms plus
  a small delta buffer (``dict term -> rows``) for incremental adds, merged into the base
  when it grows past ``MERGE_POSTINGS`` (a linear-time merge that also drops dead rows);
* ``df`` per term (alive rows only) and a skeleton map (``skeleton(term) -> term ids``) used
  to expand rare name tokens to their transliteration variants at query time.

Lookups are ``retrieval.candidate_rows`` (``candidates`` here, by unit id): BM25 over the rarest query terms within a
posting budget, never an OR of every query word. The matcher re-scores candidates from the
forward index (``rows_term_ids``, ``context_windows``) and reads per-term facts (``idf_ids``,
``stop_ids``, ``skeleton_ids``) as the scorer's ``TermTable``.

Thread safety: every mutation and every lookup holds ``self.lock`` (lookups are short);
searches from several threads are safe while another thread adds or removes units.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from app.matching import index_io, retrieval
from app.matching.index_io import Grow as _Grow
from app.matching.normalize import STOPWORDS, skeleton
from app.matching.retrieval import STOP_BIT

__all__ = ["FORMAT_VERSION", "LexicalIndex"]

FORMAT_VERSION = 4
MERGE_POSTINGS = 200_000

_I64 = np.int64
_I32 = np.int32


class LexicalIndex:
    """BM25 inverted index of matching units. See the module docstring."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.terms: list[str] = []
        self.vocab: dict[str, int] = {}
        self.df = _Grow(_I32)
        self.is_stop = _Grow(np.bool_)
        self.tlen = _Grow(np.float32)  # characters of each term + 1
        self.stopbit = _Grow(np.int8)  # bit of a frequent stopword in ``stopmask``, else -1
        self.skel: dict[str, list[int]] = {}
        self.unit_ids = _Grow(_I64)
        self.doc_ids = _Grow(_I64)
        self.starts = _Grow(_I32)
        self.ends = _Grow(_I32)
        self.alive = _Grow(np.bool_)
        self.clen = _Grow(np.float32)
        self.cchars = _Grow(np.float32)  # characters of the unit's content words (+1 each)
        self.schars = _Grow(np.float32)  # characters of its stopwords (+1 each)
        self.stopmask = _Grow(np.uint64)  # which frequent stopwords it has
        self.sent_idx = _Grow(_I32)  # sentence position in its document (context windows)
        self.is_clause = _Grow(np.bool_)
        self.seq_ptr = _Grow(_I64, np.zeros(1, dtype=_I64))
        self.seq_terms = _Grow(_I32)
        self.post_ptr = np.zeros(1, dtype=_I64)
        self.post_rows = np.zeros(0, dtype=_I32)
        self.post_tf = np.zeros(0, dtype=np.uint8)
        self.delta: dict[int, list[int]] = {}
        self.delta_tf: dict[int, list[int]] = {}
        self.delta_size = 0
        self.n_alive = 0
        self.n_sent = 0  # alive sentence (non-clause) units: the N of idf
        self.total_len = 0.0
        self.meta: dict[str, Any] = {}
        # retrieval's per-index state: per-thread score buffers, cached BM25 length norms
        self.score_buffers = retrieval.Buffers()
        self.length_norm_cache: tuple[tuple[int, int, float], np.ndarray] | None = None

    # ------------------------------------------------------------------ terms
    def _term_id(self, term: str) -> int:
        tid = self.vocab.get(term)
        if tid is None:
            tid = len(self.terms)
            self.vocab[term] = tid
            self.terms.append(term)
            self.df.extend([0])
            self.is_stop.extend([term in STOPWORDS])
            self.tlen.extend([len(term) + 1.0])
            self.stopbit.extend([STOP_BIT.get(term, -1)])
            key = skeleton(term)
            if key is not None:
                self.skel.setdefault(key, []).append(tid)
        return tid

    @property
    def n_rows(self) -> int:
        return self.unit_ids.n

    def __len__(self) -> int:
        return self.n_alive

    # ------------------------------------------------------------------ mutation
    def add(
        self,
        unit_ids: Sequence[int],
        doc_ids: Sequence[int],
        token_lists: Sequence[Sequence[str]],
        spans: Sequence[tuple[int, int]] | None = None,
        sentence_index: Sequence[int] | None = None,
        clause: Sequence[bool] | None = None,
    ) -> None:
        """Add units. ``token_lists``: each unit's FULL token list (``Normalizer.tokens``,
        stopwords included); the index skips stopwords for retrieval itself.

        Optional per unit: ``spans`` (start, end) in the document text, ``sentence_index``
        (the sentence's position in its document; neighbouring sentences form the context
        window used in scoring; default: no context) and ``clause`` (True for clause units).
        Add a document's units together and in order."""
        if not (len(unit_ids) == len(doc_ids) == len(token_lists)):
            raise ValueError("unit_ids, doc_ids and token_lists differ in length")
        if not unit_ids:
            return
        with self.lock:
            base = self.n_rows
            flat: list[int] = []
            lens: list[int] = []
            clens: list[int] = []
            tid_of = self.vocab.get
            for toks in token_lists:
                ids = []
                for t in toks:
                    tid = tid_of(t)
                    if tid is None:
                        tid = self._term_id(t)
                    ids.append(tid)
                flat.extend(ids)
                lens.append(len(ids))
            flat_arr = np.asarray(flat, dtype=_I32)
            stop = self.is_stop.view()
            content = ~stop[flat_arr] if len(flat_arr) else np.zeros(0, dtype=bool)
            lens_arr = np.asarray(lens, dtype=_I64)
            row_of_tok = np.repeat(np.arange(base, base + len(lens), dtype=_I64), lens_arr)
            # content-term count per row
            clens = np.bincount(row_of_tok[content] - base, minlength=len(lens)).tolist()
            cchars = np.bincount(row_of_tok[content] - base, weights=self.tlen.view()[flat_arr[content]],
                                 minlength=len(lens))
            self.seq_terms.extend(flat_arr)
            self.seq_ptr.extend(self.seq_ptr.view()[-1] + np.cumsum(lens_arr))
            self.unit_ids.extend(np.asarray(unit_ids, dtype=_I64))
            self.doc_ids.extend(np.asarray(doc_ids, dtype=_I64))
            if spans is None:
                self.starts.extend(np.zeros(len(lens), dtype=_I32))
                self.ends.extend(np.zeros(len(lens), dtype=_I32))
            else:
                sp = np.asarray(spans, dtype=_I32).reshape(-1, 2)
                self.starts.extend(sp[:, 0])
                self.ends.extend(sp[:, 1])
            self.sent_idx.extend(np.asarray(sentence_index, dtype=_I32) if sentence_index is not None
                                 else np.full(len(lens), -1, dtype=_I32))
            self.is_clause.extend(np.asarray(clause, dtype=bool) if clause is not None
                                  else np.zeros(len(lens), dtype=bool))
            self.alive.extend(np.ones(len(lens), dtype=bool))
            self.clen.extend(np.asarray(clens, dtype=np.float32))
            self.cchars.extend(cchars.astype(np.float32))
            stop_tok = ~content
            schars = np.bincount(row_of_tok[stop_tok] - base, weights=self.tlen.view()[flat_arr[stop_tok]],
                                 minlength=len(lens))
            self.schars.extend(schars.astype(np.float32))
            bits = self.stopbit.view()[flat_arr]
            sel = bits >= 0
            masks = np.zeros(len(lens), dtype=np.uint64)
            np.bitwise_or.at(masks, row_of_tok[sel] - base, np.left_shift(np.uint64(1), bits[sel].astype(np.uint64)))
            self.stopmask.extend(masks)
            self.n_alive += len(lens)
            is_cl = self.is_clause.view()[base:]
            self.n_sent += int((~is_cl).sum())
            self.total_len += float(sum(clens))
            # postings (unique term per row, with tf)
            if content.any():
                pairs = row_of_tok[content] * (len(self.terms) + 1) + flat_arr[content]
                uniq, tf = np.unique(pairs, return_counts=True)
                rows = uniq // (len(self.terms) + 1)
                tids = uniq % (len(self.terms) + 1)
                df = self.df.writable()
                # document frequency counts sentences only: clauses repeat their sentence's words
                np.add.at(df, tids[~is_cl[rows - base]], 1)
                if len(uniq) > MERGE_POSTINGS // 2 or (len(self.post_rows) == 0 and base == 0):
                    self._append_postings(tids, rows, tf)
                else:
                    for t, r, f in zip(tids.tolist(), rows.tolist(), tf.tolist(), strict=True):
                        self.delta.setdefault(t, []).append(r)
                        self.delta_tf.setdefault(t, []).append(min(f, 255))
                    self.delta_size += len(uniq)
                    if self.delta_size > MERGE_POSTINGS:
                        self.merge()

    def _append_postings(self, tids: np.ndarray, rows: np.ndarray, tf: np.ndarray) -> None:
        """Merge new (term, row, tf) postings and the delta buffer into the base segment.

        Linear in the base size (plus a sort of the new postings only); postings of dead rows
        are dropped on the way. Rows stay sorted within each term."""
        if self.delta:
            dt = [np.full(len(rs), t, dtype=_I64) for t, rs in self.delta.items()]
            dr = [np.asarray(rs, dtype=_I64) for rs in self.delta.values()]
            df_ = [np.asarray(self.delta_tf[t], dtype=_I64) for t in self.delta]
            tids = np.concatenate([np.asarray(tids, dtype=_I64), *dt])
            rows = np.concatenate([np.asarray(rows, dtype=_I64), *dr])
            tf = np.concatenate([np.asarray(tf, dtype=_I64), *df_])
        self.delta, self.delta_tf, self.delta_size = {}, {}, 0
        nterms = len(self.terms)
        alive = self.alive.view()
        # base, without dead rows
        base_counts = np.diff(self.post_ptr)
        base_term = np.repeat(np.arange(len(base_counts), dtype=_I64), base_counts)
        keep = alive[self.post_rows] if len(self.post_rows) else np.zeros(0, dtype=bool)
        if not keep.all():
            base_term = base_term[keep]
            base_rows = self.post_rows[keep]
            base_tf = self.post_tf[keep]
        else:
            base_rows, base_tf = self.post_rows, self.post_tf
        kb = np.bincount(base_term, minlength=nterms).astype(_I64)
        # new postings, sorted by (term, row)
        tids = np.asarray(tids, dtype=_I64)
        rows = np.asarray(rows, dtype=_I64)
        nkeep = alive[rows] if len(rows) else np.zeros(0, dtype=bool)
        tids, rows, tf = tids[nkeep], rows[nkeep], np.asarray(tf)[nkeep]
        order = np.lexsort((rows, tids))
        tids, rows, tf = tids[order], rows[order], tf[order]
        kn = np.bincount(tids, minlength=nterms).astype(_I64)
        ptr = np.zeros(nterms + 1, dtype=_I64)
        np.cumsum(kb + kn, out=ptr[1:])
        total = int(ptr[-1])
        out_rows = np.empty(total, dtype=_I32)
        out_tf = np.empty(total, dtype=np.uint8)
        if len(base_term):
            bptr = np.zeros(nterms + 1, dtype=_I64)
            np.cumsum(kb, out=bptr[1:])
            dest = np.arange(len(base_term), dtype=_I64) - bptr[base_term] + ptr[base_term]
            out_rows[dest] = base_rows
            out_tf[dest] = base_tf
        if len(tids):
            nptr = np.zeros(nterms + 1, dtype=_I64)
            np.cumsum(kn, out=nptr[1:])
            dest = np.arange(len(tids), dtype=_I64) - nptr[tids] + ptr[tids] + kb[tids]
            out_rows[dest] = rows
            out_tf[dest] = np.minimum(tf, 255)
        self.post_ptr, self.post_rows, self.post_tf = ptr, out_rows, out_tf

    def merge(self) -> None:
        """Fold the delta buffer into the base postings (and drop dead rows' postings)."""
        with self.lock:
            empty = np.zeros(0, dtype=_I64)
            self._append_postings(empty, empty, empty)

    def remove_documents(self, doc_ids: Iterable[int]) -> int:
        """Tombstone every unit of these documents; returns how many units were removed."""
        ids = np.asarray(sorted(set(int(d) for d in doc_ids)), dtype=_I64)
        if not len(ids):
            return 0
        with self.lock:
            alive = self.alive.writable()
            hit = np.nonzero(np.isin(self.doc_ids.view(), ids) & alive)[0]
            if not len(hit):
                return 0
            alive[hit] = False
            ptr = self.seq_ptr.view()
            seq = self.seq_terms.view()
            stop = self.is_stop.view()
            df = self.df.writable()
            is_cl = self.is_clause.view()
            for r in hit.tolist():
                if is_cl[r]:
                    continue
                toks = np.unique(seq[ptr[r] : ptr[r + 1]])
                toks = toks[~stop[toks]]
                df[toks] -= 1
            self.n_alive -= len(hit)
            self.n_sent -= int((~is_cl[hit]).sum())
            self.total_len -= float(self.clen.view()[hit].sum())
            return len(hit)

    # ------------------------------------------------------------------ lookup
    def rows_of_units(self, unit_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Rows of the live units with these ids (unknown or removed ones are left out)."""
        want = np.asarray(unit_ids, dtype=_I64)
        with self.lock:
            n = self.n_rows
            cached = getattr(self, "_uid_order", None)
            if cached is None or cached[0] != n:
                order = np.argsort(self.unit_ids.view(), kind="stable")
                cached = self._uid_order = (n, order, self.unit_ids.view()[order])
            _, order, sorted_ids = cached
            if not len(want) or not n:
                return np.zeros(0, dtype=_I64)
            lo = np.searchsorted(sorted_ids, want, side="left")
            hi = np.searchsorted(sorted_ids, want, side="right")
            single = hi - lo == 1
            rows = order[lo[single]]
            # a unit id has several rows only when a document was re-added: keep the live one
            extra = [order[i] for l0, h0 in zip(lo[hi - lo > 1].tolist(), hi[hi - lo > 1].tolist(), strict=True)
                     for i in range(l0, h0)]
            if extra:
                rows = np.concatenate([rows, np.asarray(extra, dtype=rows.dtype)])
            return rows[self.alive.view()[rows]].astype(_I64)

    def idf_df(self, df: float) -> float:
        """BM25 idf of a term in ``df`` sentences."""
        n = max(self.n_sent, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def candidates(self, query_tokens: Sequence[str], k: int, **kw: Any) -> list[tuple[int, float]]:
        """``(unit_id, bm25)`` of the best ``k`` units for the query tokens, best first."""
        rows, scores = retrieval.candidate_rows(self, query_tokens, k, **kw)
        uids = self.unit_ids.view()[rows]
        return list(zip(uids.tolist(), scores.tolist(), strict=True))

    # ------------------------------------------------------------------ rows
    def row_tokens(self, row: int) -> list[str]:
        ptr = self.seq_ptr.view()
        terms = self.terms
        return [terms[t] for t in self.seq_terms.view()[ptr[row] : ptr[row + 1]].tolist()]

    def rows_tokens(self, rows: Sequence[int] | np.ndarray) -> list[list[str]]:
        """``row_tokens`` of many rows in one vectorized gather."""
        ids, lens = self.rows_term_ids(rows)
        terms = self.terms
        words = [terms[i] for i in ids.tolist()]
        out: list[list[str]] = []
        pos = 0
        for n in lens.tolist():
            out.append(words[pos:pos + n])
            pos += n
        return out

    def rows_term_ids(self, rows: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of many rows' token sequences, one after another, and each row's
        token count (a vectorized gather of the forward index)."""
        r = np.asarray(rows, dtype=_I64)
        ptr = self.seq_ptr.view()
        a, b = ptr[r], ptr[r + 1]
        lens = b - a
        if not len(r):
            return np.zeros(0, dtype=_I32), lens
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        flat = np.repeat(a - starts, lens) + np.arange(int(lens.sum()), dtype=_I64)
        return self.seq_terms.view()[flat], lens

    def context_windows(self, rows: np.ndarray, radius: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """The context window of many rows at once: the alive sentence rows of the same
        document whose sentence is within ``radius`` of the row's own (a clause's window is its
        sentence's). Returns a boolean matrix ``(len(rows), 2 * span + 1)`` saying which of the
        rows ``row - span ... row + span`` are in each row's window, and those row numbers
        (same shape, clipped to the index). A row without context (no sentence position,
        ``radius`` 0) has only itself."""
        r = np.asarray(rows, dtype=_I64)
        span = 16 * (radius + 1)
        off = np.arange(-span, span + 1, dtype=_I64)
        at = r[:, None] + off[None, :]
        cand = np.clip(at, 0, max(self.n_rows - 1, 0))
        sent = self.sent_idx.view()
        s = sent[r].astype(_I64)
        inside = (at >= 0) & (at < self.n_rows)
        keep = (inside & (self.doc_ids.view()[cand] == self.doc_ids.view()[r][:, None])
                & self.alive.view()[cand] & ~self.is_clause.view()[cand]
                & (np.abs(sent[cand].astype(_I64) - s[:, None]) <= radius))
        lone = (s < 0) | (radius <= 0)
        if lone.any():
            keep[lone] = False
            keep[lone, span] = True
        return keep, cand

    def row_info(self, row: int) -> tuple[int, int, int, int]:
        """``(unit_id, doc_id, start, end)`` of a row."""
        return (int(self.unit_ids.view()[row]), int(self.doc_ids.view()[row]),
                int(self.starts.view()[row]), int(self.ends.view()[row]))

    def term_df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return int(self.df.view()[tid]) if tid is not None else 0

    def idf(self, term: str) -> float:
        return self.idf_df(float(self.term_df(term)))

    def idf_many(self, terms: Sequence[str]) -> list[float]:
        """``idf`` of many terms in one vectorized lookup."""
        return self.idf_ids(self.ids_of(terms)).tolist()

    # ------------------------------------------------------------------ term table (scoring)
    def idf_ids(self, ids: np.ndarray) -> np.ndarray:
        """``idf`` of many term ids (float64; -1, a term not in the index, has df 0)."""
        dfs = self.df.view()
        ids = np.asarray(ids, dtype=_I64)
        df = (np.where(ids >= 0, dfs[np.maximum(ids, 0)], 0) if len(dfs) else np.zeros(len(ids))).astype(np.float64)
        n = max(self.n_sent, 1)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def stop_ids(self, ids: np.ndarray) -> np.ndarray:
        """Which of these term ids are stopwords."""
        return self.is_stop.view()[ids]

    def ids_of(self, terms: Sequence[str]) -> np.ndarray:
        """Term ids of ``terms`` (-1: not in the index)."""
        get = self.vocab.get
        return np.fromiter((get(t, -1) for t in terms), dtype=_I64, count=len(terms))

    def skeleton_ids(self, keys: Iterable[str]) -> set[int]:
        """Ids of every term whose spelling skeleton is one of ``keys``."""
        return {t for k in keys for t in self.skel.get(k, ())}

    def iter_units(self) -> Iterator[tuple[int, int, list[str]]]:
        """``(unit_id, doc_id, tokens)`` for every alive unit (a consistent snapshot)."""
        with self.lock:
            alive = np.nonzero(self.alive.view())[0]
            uids = self.unit_ids.view()[alive].tolist()
            dids = self.doc_ids.view()[alive].tolist()
            snap = [(u, d, self.row_tokens(r)) for u, d, r in zip(uids, dids, alive.tolist(), strict=True)]
        yield from snap

    def documents(self) -> set[int]:
        with self.lock:
            return set(np.unique(self.doc_ids.view()[self.alive.view()]).tolist())

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {
                "units": self.n_alive,
                "rows": self.n_rows,
                "terms": len(self.terms),
                "postings": len(self.post_rows) + self.delta_size,
                "documents": len(self.documents()),
            }

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> int:
        """Write the index to folder ``path`` atomically; returns the bytes written."""
        with self.lock:
            self.merge()
            return index_io.save(self, path, FORMAT_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, mmap: bool = True) -> LexicalIndex:
        """Read an index written by ``save``. Raises ``ValueError`` when it is unreadable,
        inconsistent or of another format version. Arrays are memory-mapped (copied on the
        first write)."""
        idx = cls()
        index_io.load(idx, path, FORMAT_VERSION, mmap=mmap)
        return idx

    @staticmethod
    def remove_saved(path: str | os.PathLike[str]) -> None:
        index_io.remove(path)
