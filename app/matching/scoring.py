"""Scoring and explaining a match between a query (a claim) and a unit of text.

Both sides are normalized by the same ``Normalizer`` (aliases canonicalized, stemmed). Then:

* **Fuzzy token alignment.** A unit word that is not a query word but is a spelling variant
  of one (``normalize.variant_similarity``: doubled consonants, "Qasim" ~ "Qassim"; vowel
  changes too when the query word is a capitalized name, "Hussain" ~ "Hussein") counts as that
  word with its rapidfuzz ``ratio``/100 (>= 0.8). A plain ``ratio >= 80`` rule was measured and
  rejected: it equates "black"/"block", "letter"/"latter", "Obama"/"Osama" and cost 0.02 MAP
  on CLEF train. Numbers and alias groups only ever match exactly.
* **query_coverage**: the share of the query's content words (stopwords excluded) found in the
  unit; **text_coverage**: the share of the unit's content words found in the query (its
  denominator is at least 0.4 of the query's, so two-word units cannot score full marks).
  Words weigh by their rarity in the workspace (BM25 idf, clipped to 0.5-8); alias groups
  weigh as the rarest words (the user declared them entities worth tracking).
* **token_set**: rapidfuzz ``token_set_ratio`` of the normalized token strings WITH stopwords
  (removing them hurts this ratio), variant spellings rewritten to the query's.
* **context_bm25**: BM25 of the unit's context window (its sentence and the neighbouring
  sentences of the document; for a clause, its sentence's window) relative to the query's BM25
  against itself; at least the unit's own BM25 times its query coverage, so a verbatim unit
  reaches ~1.
* **name_coverage**: the (idf-weighted) share of the query's names (capitalized words, alias
  groups, numbers) found in the unit or its window.

``score = 100 * sum(WEIGHTS[c] * component)``, 0-100, one decimal; 100 = the same words after
normalization. The weights were tuned on CLEF 2020 train (tweet -> fact-checked claim, MAP@5;
ranking is flat within +-0.003 over a wide range of weights) and, within that range, chosen to
separate the seed articles' reworded counterparts from unrelated passages (see
``service.DEFAULT_THRESHOLD``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from app.matching.normalize import STOPWORDS, Normalizer, Token, is_alias_token, skeleton, variant_similarity
from app.matching.packed import Packed, TermTable

__all__ = ["FUZZY_MIN_RATIO", "WEIGHTS", "Components", "Query", "Scorer"]

FUZZY_MIN_RATIO = 80.0
FUZZY_MIN_LEN = 4
WEIGHTS: dict[str, float] = {
    "query_coverage": 0.2,
    "text_coverage": 0.2,
    "token_set": 0.1,
    "context_bm25": 0.4,
    "context_coverage": 0.0,  # reported in explanations, not scored (it adds nothing to BM25)
    "name_coverage": 0.1,
}
TEXT_COVERAGE_FLOOR = 0.4  # text coverage's denominator is at least this share of the query
BM25_K1 = 1.2
BM25_B = 0.75
BM25_AVG_LEN = 20.0
IDF_MIN = 0.5
IDF_MAX = 8.0

IdfFn = Callable[[str], float]
# Alias groups are the entities the user declared worth tracking ("Daesh = ISIS = IS"): they
# weigh like words this rare (a fraction of the idf of a word that occurs nowhere), however
# often the workspace mentions them.
ALIAS_RARE = 1.0
_NO_SUCH_TERM = "\x00"


def _fold_word(w: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", w.casefold()) if c.isalnum())


def _fuzzable(t: str) -> bool:
    return len(t) >= FUZZY_MIN_LEN and t.isalpha() and not is_alias_token(t)


@dataclass
class Query:
    """A prepared query: its tokens, content terms and their weights."""

    text: str
    tokens: list[Token]
    seq: list[str]
    content: list[str]  # distinct content terms, in order
    weights: dict[str, float]
    total: float
    fuzzable: list[str]
    names: set[str] = field(default_factory=set)  # content terms written capitalized (names)
    name_terms: list[str] = field(default_factory=list)  # names, aliases and numbers of the query
    by_key: dict[str, list[str]] = field(default_factory=dict)  # skeleton -> fuzzable terms
    idfs: dict[str, float] = field(default_factory=dict)
    self_bm25: float = 0.0
    fuzzy_cache: dict[str, tuple[str, float] | None] = field(default_factory=dict)
    wcache: dict[str, float] = field(default_factory=dict)  # unit-term weights seen so far

    @property
    def empty(self) -> bool:
        return not self.content


@dataclass
class Components:
    query_coverage: float
    text_coverage: float
    token_set: float
    score: float
    matched: dict[str, tuple[str, float]]  # query term -> (unit term, similarity)
    context_bm25: float = 0.0  # BM25 of the unit's context window, relative to the query's own
    context_coverage: float = 0.0  # query coverage of the context window
    name_coverage: float = 0.0  # share of the query's names (capitalized words, aliases) found

    def to_json(self) -> dict[str, float]:
        return {
            "query_coverage": round(100 * self.query_coverage, 1),
            "text_coverage": round(100 * self.text_coverage, 1),
            "token_set_ratio": round(self.token_set, 1),
            "context_bm25": round(100 * self.context_bm25, 1),
            "context_coverage": round(100 * self.context_coverage, 1),
            "name_coverage": round(100 * self.name_coverage, 1),
        }


class Scorer:
    """Scores candidates for a query. ``idf(term)`` gives a term's rarity in the workspace
    (the index's BM25 idf); without one every word weighs the same."""

    def __init__(self, normalizer: Normalizer, idf: IdfFn | None = None,
                 idf_many: Callable[[Sequence[str]], Sequence[float]] | None = None,
                 table: TermTable | None = None) -> None:
        self.normalizer = normalizer
        self.idf = idf
        self.idf_many = idf_many
        self.table = table  # the source of ``idf``; used for ``Packed`` with term ids

    def _fill_weights(self, q: Query, terms: Iterable[str]) -> None:
        """Weights of many unit terms at once (one vectorized idf lookup)."""
        cache = q.wcache
        todo = [t for t in terms if t not in cache and t not in STOPWORDS]
        if not todo:
            return
        if self.idf is None:
            cache.update(dict.fromkeys(todo, 1.0))
            return
        if self.idf_many is None:
            for t in todo:
                cache[t] = self.weight(t)
            return
        vals = np.clip(np.asarray(self.idf_many(todo), dtype=np.float64), IDF_MIN, IDF_MAX).tolist()
        cache.update(zip(todo, vals, strict=True))
        if ALIAS_RARE:
            for t in todo:
                if t[:1] == "_":
                    cache[t] = self.weight(t)

    # ------------------------------------------------------------------ weights
    def term_idf(self, term: str) -> float:
        """A term's idf; alias groups count as the rarest words (see ``ALIAS_RARE``)."""
        if self.idf is None:
            return 1.0
        if ALIAS_RARE and is_alias_token(term):
            return max(self.idf(term), self.idf(_NO_SUCH_TERM) * ALIAS_RARE)
        return self.idf(term)

    def weight(self, term: str) -> float:
        if self.idf is None:
            return 1.0
        return float(min(max(self.term_idf(term), IDF_MIN), IDF_MAX))

    def query(self, text: str) -> Query:
        toks = self.normalizer.analyze(text)
        seq = [t.text for t in toks]
        content = list(dict.fromkeys(t.text for t in toks if not t.stop))
        weights = {t: self.weight(t) for t in content}
        q = Query(
            text=text, tokens=toks, seq=seq, content=content, weights=weights, wcache=dict(weights),
            total=sum(weights.values()) or 1.0, fuzzable=[t for t in content if _fuzzable(t)],
            idfs={t: self.term_idf(t) for t in content} if self.idf is not None else {},
        )
        q.self_bm25 = self._self_bm25(q)
        q.names = {t.text for t in toks if not t.stop and text[t.start:t.start + 1].isupper()}
        q.name_terms = [t for t in content if t in q.names or is_alias_token(t) or t[:1].isdigit()]
        for t in q.fuzzable:
            key = skeleton(t)
            if key is not None:
                q.by_key.setdefault(key, []).append(t)
        return q

    # ------------------------------------------------------------------ fuzzy alignment
    def fuzzy_map(self, q: Query, terms: Sequence[str]) -> dict[str, tuple[str, float]]:
        """For unit terms that are not query terms: the query term they are a spelling
        variant of (``variant_similarity``), with its similarity. Cached on the query."""
        cache = q.fuzzy_cache
        if q.fuzzable:
            by_key = q.by_key
            for t in terms:
                if t in cache or t in q.weights:
                    continue
                best: tuple[str, float] | None = None
                key = skeleton(t)
                if key is not None:
                    for qt in by_key.get(key, ()):
                        s = variant_similarity(qt, t, name=qt in q.names)
                        if s > 0.0 and (best is None or s > best[1]):
                            best = (qt, s)
                cache[t] = best
        return {t: v for t in terms if (v := cache.get(t)) is not None}

    # ------------------------------------------------------------------ scoring
    def coverage(self, q: Query, unit: Sequence[str], fmap: dict[str, tuple[str, float]]
                 ) -> tuple[float, float, dict[str, tuple[str, float]]]:
        qw = q.weights
        wc = q.wcache
        matched: dict[str, tuple[str, float]] = {}
        usum = umatch = 0.0
        for u in dict.fromkeys(unit):
            if u in STOPWORDS:
                continue
            w = wc.get(u)
            if w is None:
                w = wc[u] = self.weight(u)
            usum += w
            if u in qw:
                q_term, s = u, 1.0
            else:
                hit = fmap.get(u)
                if hit is None:
                    continue
                q_term, s = hit
            umatch += w * s
            prev = matched.get(q_term)
            if prev is None or s > prev[1]:
                matched[q_term] = (u, s)
        qmatch = sum(qw[t] * s for t, (_, s) in matched.items())
        usum = max(usum, TEXT_COVERAGE_FLOOR * q.total)
        return qmatch / q.total, (umatch / usum if usum else 0.0), matched

    def _self_bm25(self, q: Query) -> float:
        if self.idf is None:
            return 0.0
        counts: dict[str, int] = {}
        for t in q.seq:
            if t in q.weights:
                counts[t] = counts.get(t, 0) + 1
        length = sum(counts.values())
        norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length / BM25_AVG_LEN)
        return sum(q.idfs[t] * f * (BM25_K1 + 1.0) / (f + norm) for t, f in counts.items())

    def _terms_info(self, q: Query, terms: Sequence[str], fmap: dict[str, tuple[str, float]]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per vocabulary term: stopword?, weight, the query term it counts as (index into
        ``q.content``, -1: none) and with what similarity."""
        qpos = {t: i for i, t in enumerate(q.content)}
        wc = q.wcache
        stop = np.fromiter((t in STOPWORDS for t in terms), dtype=bool, count=len(terms))
        w = np.fromiter((0.0 if t in STOPWORDS else wc.get(t, 1.0) for t in terms), dtype=np.float64,
                        count=len(terms))
        qi = np.full(len(terms), -1, dtype=np.int64)
        sim = np.zeros(len(terms), dtype=np.float64)
        for j, t in enumerate(terms):
            k = qpos.get(t)
            if k is not None:
                qi[j], sim[j] = k, 1.0
            else:
                hit = fmap.get(t)
                if hit is not None and hit[0] in qpos:
                    qi[j], sim[j] = qpos[hit[0]], hit[1]
        return stop, w, qi, sim

    def _table_info(self, q: Query, terms: Sequence[str], gids: np.ndarray, table: TermTable
                    ) -> tuple[dict[str, tuple[str, float]], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """``fuzzy_map`` and ``_terms_info`` of a vocabulary with term ids, vectorized: only the
        terms sharing a spelling skeleton with a query word are compared one by one."""
        variants = table.skeleton_ids(q.by_key) if q.fuzzable else set()
        maybe = [terms[j] for j in np.flatnonzero(np.isin(gids, np.fromiter(variants, dtype=np.int64,
                                                                           count=len(variants)))).tolist()] \
            if variants else []
        fmap = self.fuzzy_map(q, maybe)
        stop = np.asarray(table.stop_ids(gids), dtype=bool)
        w = np.clip(table.idf_ids(gids), IDF_MIN, IDF_MAX)
        if ALIAS_RARE:
            for j in [j for j, t in enumerate(terms) if t[:1] == "_"]:  # alias groups (is_alias_token)
                w[j] = self.weight(terms[j])
        w[stop] = 0.0
        qi = np.full(len(terms), -1, dtype=np.int64)
        sim = np.zeros(len(terms), dtype=np.float64)
        # gids are sorted (np.unique): find the query's terms and the variants by bisection

        def where(words: Sequence[str]) -> list[int]:
            ids = table.ids_of(words)
            at = np.minimum(np.searchsorted(gids, ids), max(len(gids) - 1, 0))
            return np.where((ids >= 0) & (gids[at] == ids), at, -1).tolist() if len(gids) else [-1] * len(words)

        for k, at in enumerate(where(q.content)):
            if at >= 0:  # the query's own words weigh what the query says (same float as before)
                qi[at], sim[at], w[at] = k, 1.0, q.weights[q.content[k]]
        qpos = {t: i for i, t in enumerate(q.content)}
        for (qt, s), at in zip(fmap.values(), where(list(fmap)), strict=True):
            if at >= 0 and qi[at] < 0 and qt in qpos:
                qi[at], sim[at] = qpos[qt], s
        return fmap, (stop, w, qi, sim)

    def measure(self, q: Query, packed: Packed, terms_info: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(query_coverage, text_coverage, bm25, name_coverage)`` of many sequences at once,
        vectorized, from ``terms_info`` (``_terms_info`` / ``_table_info`` of their
        vocabulary). ``coverage`` is the one-unit reading of the same coverage, used to explain
        a match."""
        n = len(packed)
        qpos = {t: i for i, t in enumerate(q.content)}
        stop, w, qi, sim = terms_info
        ids = packed.ids
        unit = np.repeat(np.arange(n, dtype=np.int64), packed.lens)
        content = ~stop[ids]
        # distinct (unit, term) pairs
        pairs = np.unique(unit[content] * len(stop) + ids[content])
        pu, pt = pairs // max(len(stop), 1), pairs % max(len(stop), 1)
        usum = np.bincount(pu, weights=w[pt], minlength=n)
        umatch = np.bincount(pu, weights=w[pt] * sim[pt], minlength=n)
        nq = len(q.content)
        qw = np.asarray([q.weights[t] for t in q.content], dtype=np.float64)
        best = np.zeros((n, nq), dtype=np.float64)
        hit = qi[pt] >= 0
        np.maximum.at(best, (pu[hit], qi[pt][hit]), sim[pt][hit])
        qcov = best @ qw / q.total
        ucov = umatch / np.maximum(usum, TEXT_COVERAGE_FLOOR * q.total)
        if q.name_terms:
            nidx = [qpos[t] for t in q.name_terms]
            ncov = best[:, nidx] @ qw[nidx] / qw[nidx].sum()
        else:
            ncov = qcov
        # BM25 with fuzzy term frequencies
        if self.idf is None or q.self_bm25 <= 0:
            bm = np.zeros(n)
        else:
            tf = np.zeros((n, nq), dtype=np.float64)
            h2 = content & (qi[ids] >= 0)
            np.add.at(tf, (unit[h2], qi[ids][h2]), sim[ids][h2])
            length = np.bincount(unit[content], minlength=n).astype(np.float64)
            norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length / BM25_AVG_LEN)
            idfs = np.asarray([q.idfs[t] for t in q.content], dtype=np.float64)
            bm = (tf * (BM25_K1 + 1.0) / (tf + norm[:, None]) * idfs).sum(axis=1) / q.self_bm25
        return qcov, ucov, bm, ncov

    def score_many(
        self, q: Query, units: Sequence[Sequence[str]], contexts: Sequence[Sequence[str] | None] | None = None
    ) -> list[Components]:
        """Score many token sequences (full tokens, stopwords included) for one query.
        ``contexts``: each unit's context window tokens (None: the unit itself)."""
        if q.empty or not units:
            return [Components(0.0, 0.0, 0.0, 0.0, {}) for _ in units]
        if contexts is None:
            return self.score_packed(q, Packed.of(units))
        windows: list[Sequence[str]] = []
        ctx_of: list[int] = []
        seen: dict[int, int] = {}
        for c in contexts:
            if c is None:
                ctx_of.append(-1)
                continue
            k = seen.get(id(c))
            if k is None:
                k = seen[id(c)] = len(windows)
                windows.append(c)
            ctx_of.append(k)
        packed = Packed.of([*units, *windows])
        n = len(units)
        return self.score_packed(q, packed.head(n), packed.tail(n) if windows else None,
                                 np.asarray(ctx_of, dtype=np.int64))

    def score_packed(self, q: Query, units: Packed, contexts: Packed | None = None,
                     ctx_of: np.ndarray | None = None) -> list[Components]:
        """``score_many`` of packed sequences: ``contexts`` holds the distinct context windows
        and ``ctx_of[i]`` the window of unit ``i`` (-1: the unit itself). Both share one
        vocabulary (``Packed.head``/``tail`` of one ``Packed``)."""
        if q.empty or not len(units):
            return [Components(0.0, 0.0, 0.0, 0.0, {}) for _ in range(len(units))]
        if contexts is not None and contexts.terms is not units.terms:
            raise ValueError("units and their contexts must share one vocabulary (Packed.head/tail)")
        gids = units.gids
        if gids is not None and self.table is not None and self.idf is not None \
                and bool(np.all(gids[1:] > gids[:-1])):  # ascending, as _table_info bisects them
            fmap, info = self._table_info(q, units.terms, gids, self.table)
        else:
            fmap = self.fuzzy_map(q, units.terms)
            self._fill_weights(q, units.terms)
            info = self._terms_info(q, units.terms, fmap)
        qc, uc, bm, nc = self.measure(q, units, info)
        mapped = [fmap[t][0] if t in fmap else t for t in units.terms]
        ustrs = units.strings(mapped)
        tset = process.cdist([" ".join(q.seq)], ustrs, scorer=fuzz.token_set_ratio, dtype=np.float32,
                             workers=2 if len(ustrs) >= 2000 else 1)[0].astype(np.float64)
        cb, cc, cn = bm.copy(), qc.copy(), nc.copy()
        if contexts is not None and len(contexts) and ctx_of is not None:
            xq, _, xb, xn = self.measure(q, contexts, info)
            has = ctx_of >= 0
            j = ctx_of[has]
            cb[has] = np.maximum(xb[j], qc[has] * bm[has])
            cc[has] = np.maximum(xq[j], qc[has])
            cn[has] = np.maximum(xn[j], nc[has])
        w = WEIGHTS
        total = (w["query_coverage"] * qc + w["text_coverage"] * uc + w["token_set"] * tset / 100.0
                 + w["context_bm25"] * cb + w["context_coverage"] * cc + w["name_coverage"] * cn)
        scores = np.round(np.clip(100.0 * total, 0.0, 100.0), 1)
        return [Components(*vals, {}, b, c, m) for vals, b, c, m in zip(
            zip(qc.tolist(), uc.tolist(), tset.tolist(), scores.tolist(), strict=True),
            cb.tolist(), cc.tolist(), cn.tolist(), strict=True)]

    # ------------------------------------------------------------------ explanation
    def explain(self, q: Query, text: str, comp: Components | None = None) -> dict[str, Any]:
        """Score components, matched query words and a word alignment of ``text``."""
        utoks = self.normalizer.analyze(text)
        useq = [t.text for t in utoks]
        if comp is None:
            comp = self.score_many(q, [useq])[0]
        fmap = self.fuzzy_map(q, useq)
        matched = self.coverage(q, useq, fmap)[2]
        mapped = [fmap[t][0] if t in fmap else t for t in useq]
        qwords = [q.text[t.start:t.end] for t in q.tokens]
        uwords = [text[t.start:t.end] for t in utoks]
        ops: list[dict[str, str]] = []

        def push(op: str, qa: list[str], ua: list[str]) -> None:
            if ops and ops[-1]["op"] == op:
                last = ops[-1]
                last["query"] = " ".join(x for x in (last["query"], *qa) if x)
                last["text"] = " ".join(x for x in (last["text"], *ua) if x)
            else:
                ops.append({"op": op, "query": " ".join(qa), "text": " ".join(ua)})

        for op in Levenshtein.opcodes(q.seq, mapped):
            tag, a0, a1, b0, b1 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
            if tag == "equal":
                for i, j in zip(range(a0, a1), range(b0, b1), strict=True):
                    same = q.seq[i] == useq[j] and _fold_word(qwords[i]) == _fold_word(uwords[j])
                    push("equal" if same else "similar", [qwords[i]], [uwords[j]])
            elif tag == "replace":
                push("replace", qwords[a0:a1], uwords[b0:b1])
            elif tag == "delete":
                push("delete", qwords[a0:a1], [])
            else:
                push("insert", [], uwords[b0:b1])
        matched_terms = []
        for t in q.tokens:
            if t.text in matched and not t.stop:
                w = q.text[t.start:t.end]
                if w not in matched_terms:
                    matched_terms.append(w)
        similar = [
            {"query": q_term, "text": u_term, "similarity": round(100 * s, 1)}
            for q_term, (u_term, s) in matched.items() if q_term != u_term
        ]
        return {
            "matched_terms": matched_terms,
            "similar_terms": similar,
            "alignment": ops,
            "components": comp.to_json(),
        }
