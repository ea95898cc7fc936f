"""``MatchService`` (``ws.matcher``): find every passage of the workspace asserting a claim.

Matching units are sentences and the clauses of long sentences (``units.split_units``); unit
ids are ``sentence_id * 16 + clause_no``. A search normalizes the claim (``normalize``),
retrieves candidates from a BM25 inverted index (``index.LexicalIndex``, never a brute-force
scan), re-scores them with rapidfuzz-based measures (``scoring``) and returns ``MatchResult``s
pointing at exact ``(document, start, end)`` spans, with an explanation the UI turns into a
word diff.

**Scores and the threshold.** Scores run 0-100: 100 is the same wording after normalization;
near-verbatim copies and trimmed quotes score 60-95; rewordings that keep the claim's names
(aliases included) and some of its words score about 40-60; passages that merely share a topic
word or two stay below 30. ``DEFAULT_THRESHOLD`` = 35 is the one documented cut-off: on the
CLEF 2020 tweet -> fact-check training set, a best match at or above 35 is the right claim 95%
of the time (30: 90%, 40: 98%), and on the seed articles every reworded counterpart of the
reference claims scores above 40 while passages about unrelated events (de Mistura, Aleppo)
stay under 25. Results below it are returned only when ``min_score`` asks for them.

**Persistence.** The database is the only source of truth. The index is a local cache
(``store.LocalIndexStore``, the same for SQLite and PostgreSQL workspaces: see ``store``) kept
in step with the database through the audit-log change feed: ``sync()`` (run before every
search) applies ``document.import`` / ``document.reimport`` / ``document.delete`` entries
incrementally (re-reading just those documents); ``alias.add`` / ``alias.remove`` change the
normalizer and so rebuild the index (a few seconds per 100k sentences). A cache that is
missing, unreadable, for another workspace, for other aliases or ahead of the database is
rebuilt from the database (``rebuild()`` does it on demand).

**Threads.** Searches may run on several threads while another thread imports: the index
guards its own state with a lock, ``sync``/``rebuild`` are serialized by the service's lock,
and a rebuild swaps in a complete new index.

**For the repetition finder.** ``units_snapshot()`` returns ``(unit_id, doc_id, tokens)`` for
every current unit (full normalized tokens; stopwords included) and callbacks registered in
``on_change`` are called after each sync as ``callback(added, removed_doc_ids)`` with ``added``
in the same shape; after a rebuild ``removed_doc_ids`` lists every previously indexed document
and ``added`` every unit. ``clusters()`` keeps a ``clusters.RepetitionIndex`` of sentence units
up to date this way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from app import audit
from app.matching.index import LexicalIndex
from app.matching.matcher import Hit, Matcher, SemanticHook, fuse
from app.matching.normalize import Normalizer, clean_social, content_words, is_short_caps
from app.matching.store import (
    UNITS_VERSION,
    IndexStore,
    LocalIndexStore,
    add_documents,
    load_alias_groups,
    read_documents,
)
from app.matching.units import is_clause_unit, sentence_id_of, unit_id
from db.models import Alias, AliasGroup, AuditEntry, Document

__all__ = ["DEFAULT_THRESHOLD", "AliasGroupInfo", "MatchResult", "MatchService"]

DEFAULT_THRESHOLD = 35.0
SEMANTIC_CANDIDATES = 50  # nearest sentences the semantic stage adds to a search
MAX_PARAPHRASE_PAIRS = 50_000  # closest vector pairs the repetition finder verifies
WATCHED = ("document.import", "document.reimport", "document.delete", "alias.add", "alias.remove")
GAP_WATCH_SECONDS = 300.0  # PostgreSQL ids may commit out of order: re-check skipped ids this long
SAVE_EVERY_SECONDS = 30.0

ChangeCallback = Callable[[list[tuple[int, int, list[str]]], list[int]], None]


@dataclass
class MatchResult:
    document_id: int
    filename: str
    title: str | None
    published: str | None
    start: int
    end: int
    text: str
    score: float
    explanation: dict[str, Any]
    unit: str  # "sentence" | "clause"
    sentence_id: int
    unit_id: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id, "filename": self.filename, "title": self.title,
            "published": self.published, "start": self.start, "end": self.end, "text": self.text,
            "score": self.score, "unit": self.unit, "sentence_id": self.sentence_id,
            "stage": self.explanation.get("stage", "lexical"), "explanation": self.explanation,
        }


@dataclass(frozen=True)
class AliasGroupInfo:
    id: int
    terms: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "terms": list(self.terms)}


class MatchService:
    DEFAULT_THRESHOLD = DEFAULT_THRESHOLD

    def __init__(self, ws: Any, store: IndexStore | None = None) -> None:
        self.ws = ws
        self.threshold = DEFAULT_THRESHOLD
        self.store: IndexStore = store if store is not None else LocalIndexStore(ws.workspace_id)
        self.on_change: list[ChangeCallback] = []
        self._lock = threading.RLock()
        self._matcher: Matcher | None = None
        self._last_id = 0
        self._gaps: dict[int, float] = {}
        self._dirty = False
        self._saved_at = 0.0
        self._repetition: Any = None
        self._repetition_dirty = False
        self._paraphrase_edges: tuple[Any, Any] | None = None

    # ------------------------------------------------------------------ state
    def _normalizer(self) -> Normalizer:
        with self.ws.db.reading() as s:
            return Normalizer([g for _, g in load_alias_groups(s)])

    def _meta(self, normalizer: Normalizer) -> dict[str, Any]:
        return {"workspace_id": self.ws.workspace_id, "normalizer": normalizer.fingerprint,
                "units": UNITS_VERSION}

    def _ready(self) -> Matcher:
        """The current matcher, loading or building the index first, then syncing."""
        with self._lock:
            if self._matcher is None:
                self._open()
            self.sync()
            assert self._matcher is not None
            return self._matcher

    def _open(self) -> None:
        norm = self._normalizer()
        with self.ws.db.reading() as s:
            db_last = audit.last_id(s)
        idx = self.store.load()
        want = self._meta(norm)
        if idx is not None and all(idx.meta.get(k) == v for k, v in want.items()) \
                and int(idx.meta.get("last_audit_id", -1)) <= db_last:
            self._matcher = Matcher(idx, norm)
            self._last_id = int(idx.meta["last_audit_id"])
            now = time.monotonic()
            self._gaps = {int(i): now for i in idx.meta.get("gaps", [])}
            self._saved_at = now
            return
        self._build(norm)

    def _build(self, norm: Normalizer) -> None:
        with self.ws.db.reading() as s:
            last = audit.last_id(s)
            idx = LexicalIndex()
            added = add_documents(idx, read_documents(s, None, norm))
        idx.merge()
        idx.meta = {**self._meta(norm), "last_audit_id": last, "gaps": []}
        old = self._matcher
        removed = sorted(old.index.documents()) if old is not None else []
        self._matcher = Matcher(idx, norm)
        self._last_id, self._gaps = last, {}
        self._dirty = True
        self._save(force=True)
        self._notify(added, removed)

    def _save(self, force: bool = False) -> None:
        m = self._matcher
        if m is None or not self._dirty:
            return
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_EVERY_SECONDS and m.index.n_rows > 200_000:
            return
        m.index.meta["last_audit_id"] = self._last_id
        m.index.meta["gaps"] = sorted(self._gaps)
        try:
            self.store.save(m.index)
            self._save_repetition(m)
        except OSError:
            return  # a cache we cannot write is only slower next time
        self._dirty, self._saved_at = False, now

    # The repetition index is saved beside the match index, stamped with the same audit id and
    # normalizer, so that a reopened workspace loads it instead of rebuilding it (minutes at 1M).
    def _repetition_files(self) -> tuple[Path, Path]:
        base = Path(self.store.location)
        return base.with_name(base.name + "-repetition.npz"), base.with_name(base.name + "-repetition.json")

    def _save_repetition(self, m: Matcher) -> None:
        if self._repetition is None:
            return
        from app.matching.cluster_workspace import save_stamped

        stamp = {**self._meta(m.normalizer), "last_audit_id": self._last_id}
        save_stamped(self._repetition, *self._repetition_files(), stamp, changed=self._repetition_dirty)
        self._repetition_dirty = False

    def _load_repetition(self, m: Matcher) -> Any:
        from app.matching.cluster_workspace import load_stamped

        return load_stamped(*self._repetition_files(), {**self._meta(m.normalizer), "last_audit_id": self._last_id})

    def _notify(self, added: list[tuple[int, int, list[str]]], removed: list[int]) -> None:
        for cb in list(self.on_change):
            cb(added, removed)

    # ------------------------------------------------------------------ change feed
    def sync(self) -> int:
        """Apply audit-log changes since the index was last in step; returns how many."""
        with self._lock:
            if self._matcher is None:
                self._open()
                return 0
            now = time.monotonic()
            self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_WATCH_SECONDS}
            q = select(AuditEntry.id, AuditEntry.action, AuditEntry.document_id)
            cond = AuditEntry.id > self._last_id
            if self._gaps:
                cond = or_(cond, AuditEntry.id.in_(sorted(self._gaps)))
            with self.ws.db.reading() as s:
                rows = [(int(i), str(a), d) for i, a, d in s.execute(q.where(cond).order_by(AuditEntry.id))]
            if not rows:
                return 0
            got = {i for i, _, _ in rows}
            top = max(got)
            for missing in range(self._last_id + 1, top):
                if missing not in got:
                    self._gaps.setdefault(missing, now)
            for i in got:
                self._gaps.pop(i, None)
            relevant = [(i, a, d) for i, a, d in rows if a in WATCHED]
            self._last_id = max(self._last_id, top)
            self._dirty = True
            touched = sorted({int(d) for _, _, d in relevant if d is not None})
            alias_ids = [i for i, a, _ in relevant if a.startswith("alias.")]
            if alias_ids:
                affected = self._alias_documents(alias_ids)
                if affected is None:
                    self._build(self._normalizer())
                    return len(relevant)
                self._renormalize()
                touched = sorted(set(touched) | affected)
            if touched:
                self._apply(touched)
            self._save()
            return len(relevant)

    def _alias_documents(self, audit_ids: list[int]) -> set[int] | None:
        """Documents whose text holds a term of the alias groups these audit entries changed:
        only they normalize differently, so only they are re-indexed. None: rebuild it all."""
        terms: set[str] = set()
        with self.ws.db.reading() as s:
            for before, after in s.execute(select(AuditEntry.before, AuditEntry.after)
                                           .where(AuditEntry.id.in_(audit_ids))):
                for part in (before, after):
                    if isinstance(part, dict):
                        terms.update(str(t) for t in part.get("terms", []) if str(t).strip())
            if not terms:
                return None
            found: set[int] = set()
            for full in sorted(terms):
                # a multi-word term may wrap across lines: look for its longest word instead
                term = max(full.split(), key=len)
                found.update(int(d) for d in s.scalars(
                    select(Document.id).where(Document.text.icontains(term, autoescape=True))))
        return found

    def _renormalize(self) -> None:
        """Switch the matcher to the current alias groups, keeping the index (the documents
        they affect are re-indexed by the caller)."""
        m = self._matcher
        assert m is not None
        norm = self._normalizer()
        m.index.meta.update(self._meta(norm))
        self._matcher = Matcher(m.index, norm)

    def _apply(self, doc_ids: list[int]) -> None:
        m = self._matcher
        assert m is not None
        present = m.index.documents() & set(doc_ids)
        if present:
            m.index.remove_documents(present)
        with self.ws.db.reading() as s:
            added = add_documents(m.index, read_documents(s, doc_ids, m.normalizer))
        self._notify(added, sorted(present))

    def rebuild(self) -> None:
        """Rebuild the index from the database."""
        with self._lock:
            self._build(self._normalizer())

    def stats(self) -> dict[str, Any]:
        m = self._ready()
        st = m.index.stats()
        return {**st, "size_bytes": self.store.size(), "location": self.store.location,
                "last_audit_id": self._last_id, "threshold": self.threshold}

    def units_snapshot(self) -> list[tuple[int, int, list[str]]]:
        """``(unit_id, doc_id, tokens)`` of every current unit (see the module docstring)."""
        return list(self._ready().index.iter_units())

    # ------------------------------------------------------------------ search
    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        min_score: float | None = None,
        exclude_documents: Collection[int] = (),
        per_document: int | None = None,
        by: str = "both",
    ) -> list[MatchResult]:
        """Passages asserting ``text``, best first, scoring at least ``min_score`` (default:
        the threshold). ``per_document`` keeps only that many passages per document.
        ``by``: "both" (hybrid: lexical and semantic candidates, fused scores; lexical only
        when the semantic stage is off), "words" (lexical only) or "meaning" (the semantic
        stage's nearest passages, ordered by cosine: paraphrases that share no words)."""
        m = self._ready()
        floor = self.threshold if min_score is None else float(min_score)
        q = m.query(text)
        hook = self._semantic_hook(text, exclude_documents) if by != "words" else None
        if by == "meaning":
            if hook is None:
                return []
            hits = m.search(text, limit=max(limit, SEMANTIC_CANDIDATES), min_score=0.0,
                            exclude_documents=exclude_documents, per_document=per_document, prepared=q,
                            semantic=hook, candidates=0)
            best: dict[int, Hit] = {}  # one passage per sentence: its clause shares its vector
            for h in hits:
                if h.cosine is None:
                    continue
                if h.stage == "lexical":
                    h.stage = "both"  # found by words too, ranked here by meaning
                sid = sentence_id_of(h.unit_id)
                if sid not in best or (h.score, not h.clause) > (best[sid].score, not best[sid].clause):
                    best[sid] = h
            hits = sorted(best.values(), key=lambda h: (-(h.cosine or 0.0), -h.score, h.unit_id))
            hits = [h for h in hits if h.score >= floor][:limit]
        else:
            hits = m.search(text, limit=limit, min_score=floor, exclude_documents=exclude_documents,
                            per_document=per_document, prepared=q, semantic=hook)
        return self._results(m, text, hits, q)

    def _semantic_hook(self, text: str, exclude_documents: Collection[int] = ()) -> SemanticHook | None:
        """The semantic stage's part of a search, or None when it is off or has no vectors."""
        sem = self.ws.semantic
        try:
            if not sem.ready():
                return None
            qv = sem.embed_query(clean_social(text))
            near = sem.search(qv, k=SEMANTIC_CANDIDATES, exclude_documents=exclude_documents)
        except (RuntimeError, OSError):
            return None
        return SemanticHook([unit_id(sid, 0) for sid, _, _ in near], lambda sids: sem.similarities(qv, sids))

    def _results(self, m: Matcher, query: str, hits: Sequence[Hit], prepared: Any = None) -> list[MatchResult]:
        if not hits:
            return []
        docs: dict[int, tuple[str, str | None, str | None]] = {}
        spans: dict[int, tuple[int, int]] = {}
        for h in hits:
            lo, hi = spans.get(h.doc_id, (h.start, h.end))
            spans[h.doc_id] = (min(lo, h.start), max(hi, h.end))
        chunks: dict[int, tuple[int, str]] = {}
        with self.ws.db.reading() as s:
            for did, fn, title, pub in s.execute(
                select(Document.id, Document.filename, Document.title, Document.published)
                .where(Document.id.in_(sorted(spans)))
            ):
                docs[int(did)] = (str(fn), title, pub)
            for did, (lo, hi) in spans.items():
                part = s.scalar(select(func.substr(Document.text, lo + 1, hi - lo)).where(Document.id == did))
                if part is not None:
                    chunks[did] = (lo, str(part))
        texts: list[str | None] = []
        for h in hits:
            got = chunks.get(h.doc_id)
            texts.append(got[1][h.start - got[0]:h.end - got[0]] if got is not None else None)
        q = m.query(query) if prepared is None else prepared
        out = []
        for h, t in zip(hits, texts, strict=True):
            if h.doc_id not in docs or t is None:
                continue  # deleted since the index last synced
            fn, title, pub = docs[h.doc_id]
            kind = "clause" if h.clause else "sentence"
            expl = m.scorer.explain(q, t, h.components)
            expl["unit"] = kind
            expl["stage"] = h.stage
            expl["lexical_score"] = round(h.lexical, 1)
            expl["cosine"] = None if h.cosine is None else round(h.cosine, 3)
            out.append(MatchResult(h.doc_id, fn, title, pub, h.start, h.end, t, h.score, expl, kind,
                                   sentence_id_of(h.unit_id), h.unit_id))
        return out

    def compare(self, a: str, b: str) -> tuple[float, dict[str, Any]]:
        """Score (0-100) and explanation of text ``b`` as a repetition of claim ``a``; the
        hybrid score (``matcher.fuse``) when the semantic stage is on."""
        score, expl = self._ready().compare(a, b)
        expl["unit"] = "text"
        expl["stage"], expl["lexical_score"], expl["cosine"] = "lexical", round(score, 1), None
        sem = self.ws.semantic
        if sem.on and a.strip() and b.strip():
            try:
                va, vb = sem.embed_query(clean_social(a)), sem.embed_query(b)  # cached: lineage compares many pairs
            except RuntimeError:
                return score, expl
            cos = float(va @ vb)
            expl["cosine"], expl["stage"] = round(cos, 3), "both"
            score = fuse(score, cos)
        return score, expl

    # ------------------------------------------------------------------ aliases
    def aliases(self) -> list[AliasGroupInfo]:
        with self.ws.db.reading() as s:
            return [AliasGroupInfo(gid, [t for t, _ in terms]) for gid, terms in load_alias_groups(s)]

    def add_aliases(self, terms: list[str]) -> AliasGroupInfo:
        """Declare ``terms`` one entity. Groups already holding one of the terms are merged
        into one; short all-caps terms ("IS") match case-sensitively."""
        clean = list(dict.fromkeys(" ".join(t.split()) for t in terms if t and t.strip()))
        if len(clean) < 1:
            raise ValueError("give at least one alias term")
        with self.ws.db.writing() as s:
            rows = s.execute(select(Alias.id, Alias.group_id, Alias.term, Alias.case_sensitive)).all()

            def same(a: str, a_cs: bool, b: str) -> bool:
                return a == b if (a_cs or is_short_caps(b)) else a.casefold() == b.casefold()

            hit_groups = sorted({int(g) for _, g, t, cs in rows if any(same(t, cs, x) for x in clean)})
            if hit_groups:
                gid = hit_groups[0]
                for other in hit_groups[1:]:
                    for a in s.scalars(select(Alias).where(Alias.group_id == other)):
                        a.group_id = gid
                    s.flush()
                    grp = s.get(AliasGroup, other)
                    if grp is not None:
                        s.delete(grp)
            else:
                grp = AliasGroup(created_by=self.ws.user)
                s.add(grp)
                s.flush()
                gid = grp.id
            s.flush()
            have = [(t, cs) for t, cs in s.execute(select(Alias.term, Alias.case_sensitive)
                                                   .where(Alias.group_id == gid).order_by(Alias.id))]
            for term in clean:
                if not any(same(t, cs, term) for t, cs in have):
                    s.add(Alias(group_id=gid, term=term, case_sensitive=is_short_caps(term)))
                    have.append((term, is_short_caps(term)))
            s.flush()
            final = [t for t, _ in have]
            audit.record(s, self.ws.user, "alias.add", "alias", gid, after={"terms": final, "merged": hit_groups[1:]})
        return AliasGroupInfo(gid, final)

    def remove_alias_group(self, group_id: int) -> None:
        with self.ws.db.writing() as s:
            grp = s.get(AliasGroup, group_id)
            if grp is None:
                raise KeyError(f"no alias group {group_id}")
            terms = [a.term for a in grp.terms]
            s.delete(grp)
            audit.record(s, self.ws.user, "alias.remove", "alias", group_id, before={"terms": terms})

    # ------------------------------------------------------------------ repetition groups
    def clusters(self, min_score: float | None = None, *, semantic: bool = True) -> list[Any]:
        """Groups of near-identical sentences spanning 2+ documents (``clusters`` module),
        resolved to passages (``cluster_workspace.Cluster``), most widespread first. The
        repetition index is built on first use and then kept up to date by ``sync``. With the
        semantic stage on, sentences of different documents whose meaning is nearly the same
        (``semantic.pairs``: vector neighbours whose hybrid pair score reaches ``min_score``)
        join the groups too."""
        from app.matching import cluster_workspace
        from app.matching.clusters import DEFAULT_CLUSTER_SCORE, RepetitionIndex

        with self._lock:
            m = self._ready()
            if self._repetition is None:
                rep = self._load_repetition(m)
                if rep is None:
                    rep = RepetitionIndex()
                    rep.add([(u, d, content_words(t)) for u, d, t in m.index.iter_units() if not is_clause_unit(u)])
                    self._repetition_dirty = True

                def follow(added: list[tuple[int, int, list[str]]], removed: list[int]) -> None:
                    if removed:
                        rep.remove_documents(removed)
                    if added:
                        rep.add([(u, d, content_words(t)) for u, d, t in added if not is_clause_unit(u)])
                    self._repetition_dirty = True

                self.on_change.append(follow)
                self._repetition = rep
                if self._repetition_dirty:
                    self._dirty = True
                    self._save(force=True)
            floor = DEFAULT_CLUSTER_SCORE if min_score is None else float(min_score)
            groups = self._repetition.groups(floor)
            if semantic:
                groups = self._with_paraphrases(groups, floor, m.index)
        return list(cluster_workspace.resolve(self.ws, groups))

    def _with_paraphrases(self, groups: list[Any], min_score: float, index: LexicalIndex) -> list[Any]:
        """Join the lexical groups with the semantic stage's verified paraphrase pairs, when it
        is on (``semantic.pairs``; the verified pairs are cached until the vectors, the
        database or the threshold change)."""
        from app.matching.semantic.pairs import join_groups, verify_pairs

        sem = self.ws.semantic
        try:
            if not sem.ready():
                return groups
        except (RuntimeError, OSError):
            return groups
        uids, udocs = self._repetition.groupable_units()
        sentence_units = ~is_clause_unit(uids)
        uids, udocs = uids[sentence_units], udocs[sentence_units]
        key = (sem.index().version, self._last_id, float(min_score))
        cached = self._paraphrase_edges
        if cached is not None and cached[0] == key:
            edges = cached[1]
        else:
            edges = verify_pairs(sem.paraphrase_pairs(sentence_id_of(uids)), index, min_score, MAX_PARAPHRASE_PAIRS)
            self._paraphrase_edges = (key, edges)
        return join_groups(groups, edges, uids, udocs)
