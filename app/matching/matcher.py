"""The matching engine: retrieval from a ``LexicalIndex`` + rapidfuzz re-scoring.

Pure in-memory (no database): ``MatchService`` wraps it with the workspace, and benchmarks
can drive it directly over an index bulk-built from ``(unit_id, doc_id, text)`` tuples
(``Matcher.from_texts``).

One search:

1. normalize the query (``clean_social`` then the ``Normalizer``);
2. ``LexicalIndex.candidate_rows``: BM25 over the rarest query terms (plus transliteration
   variants), at most ``CANDIDATES`` units; never a scan of every unit;
3. re-score the candidates with ``Scorer.score_many`` (fuzzy token alignment, coverage,
   rapidfuzz ``token_set_ratio``, BM25 of the unit's context window = its sentence and the
   neighbouring sentences), the rapidfuzz part spread over 2 threads;
4. keep the best ``per_document`` units of each document, sort, cut at ``min_score``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.matching.index import LexicalIndex
from app.matching.normalize import Normalizer, clean_social
from app.matching.scoring import Components, Scorer

__all__ = ["CANDIDATES", "CONTEXT_RADIUS", "Hit", "Matcher"]

CANDIDATES = 60
CONTEXT_RADIUS = 1


@dataclass
class Hit:
    row: int
    unit_id: int
    doc_id: int
    start: int
    end: int
    clause: bool
    score: float
    bm25: float
    components: Components


class Matcher:
    """Search and compare over one index with one normalizer (both replaceable)."""

    def __init__(self, index: LexicalIndex, normalizer: Normalizer) -> None:
        self.index = index
        self.normalizer = normalizer
        self.scorer = Scorer(normalizer, idf=index.idf, idf_many=index.idf_many)

    @classmethod
    def from_texts(
        cls, units: Iterable[tuple[int, int, str]], normalizer: Normalizer | None = None, *, batch: int = 50_000
    ) -> Matcher:
        """Bulk-build an index (no database) from ``(unit_id, doc_id, text)``; each unit is
        its own sentence (no context windows, no spans)."""
        norm = normalizer or Normalizer()
        index = LexicalIndex()
        buf: list[tuple[int, int, str]] = []

        def flush() -> None:
            if buf:
                index.add([u for u, _, _ in buf], [d for _, d, _ in buf], [norm.tokens(t) for _, _, t in buf])
                buf.clear()

        for item in units:
            buf.append(item)
            if len(buf) >= batch:
                flush()
        flush()
        index.merge()
        return cls(index, norm)

    def query(self, text: str) -> Any:
        return self.scorer.query(clean_social(text))

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        min_score: float = 0.0,
        exclude_documents: Collection[int] = (),
        per_document: int | None = None,
        candidates: int = CANDIDATES,
        prepared: Any = None,
    ) -> list[Hit]:
        """Best units for ``text`` (``prepared``: its ``query(text)``, if already made)."""
        q = self.query(text) if prepared is None else prepared
        if q.empty:
            return []
        idx = self.index
        rows, bm = idx.candidate_rows(q.seq, max(candidates, 3 * limit), exclude_docs=sorted(exclude_documents),
                                      names=q.names)
        if not len(rows):
            return []
        row_list = rows.tolist()
        contexts: list[list[str] | None] | None = None
        with idx.lock:
            units = idx.rows_tokens(rows)
            if (idx.sent_idx.view()[rows] >= 0).any():
                windows = [tuple(idx.context_rows(r, CONTEXT_RADIUS)) for r in row_list]
                extra = sorted({c for w in windows for c in w} - set(row_list))
                tok_of = dict(zip(row_list, units, strict=True))
                tok_of.update(zip(extra, idx.rows_tokens(extra), strict=True))
                win_cache: dict[tuple[int, ...], list[str]] = {}
                contexts = []
                for r, w in zip(row_list, windows, strict=True):
                    if len(w) <= 1 and (not w or w[0] == r):
                        contexts.append(None)
                        continue
                    win = win_cache.get(w)
                    if win is None:
                        win = win_cache[w] = [t for cr in w for t in tok_of[cr]]
                    contexts.append(win)
            uids = idx.unit_ids.view()[rows].tolist()
            dids = idx.doc_ids.view()[rows].tolist()
            starts = idx.starts.view()[rows].tolist()
            ends = idx.ends.view()[rows].tolist()
            clause = idx.is_clause.view()[rows].tolist()
        infos = list(zip(uids, dids, starts, ends, strict=True))
        comps = self.scorer.score_many(q, units, contexts)
        hits = [
            Hit(r, uid, did, s, e, bool(c), comp.score, float(b), comp)
            for r, (uid, did, s, e), c, comp, b in zip(row_list, infos, clause, comps, bm.tolist(), strict=True)
            if comp.score >= min_score
        ]
        # best first; ties: sentence before clause, then BM25, then stable unit id
        hits.sort(key=lambda h: (-h.score, h.clause, -h.bm25, h.unit_id))
        if per_document is not None:
            seen: dict[int, int] = {}
            kept = []
            for h in hits:
                n = seen.get(h.doc_id, 0)
                if n < per_document:
                    kept.append(h)
                    seen[h.doc_id] = n + 1
            hits = kept
        return hits[:limit]

    def compare(self, a: str, b: str) -> tuple[float, dict[str, Any]]:
        """Score and explanation of text ``b`` as a repetition of claim ``a``."""
        q = self.scorer.query(a)
        if q.empty:
            return 0.0, {"matched_terms": [], "similar_terms": [], "alignment": [], "components": {}}
        comp = self.scorer.score_many(q, [self.normalizer.tokens(b)])[0]
        return comp.score, self.scorer.explain(q, b, comp)

    def explain(self, text: str, hit: Hit, unit_text: str) -> dict[str, Any]:
        q = self.query(text)
        return self.scorer.explain(q, unit_text, hit.components)

    def score_units(self, text: str, unit_tokens: Sequence[Sequence[str]]) -> list[Components]:
        return self.scorer.score_many(self.query(text), unit_tokens)
