"""``SemanticService`` (``ws.semantic``): sentence vectors of the workspace, kept in a local cache.

The database stays the only source of truth. Vectors are a cache under
``config.cache_dir() / f"vectors-{workspace_id}"`` (the same for SQLite and PostgreSQL
workspaces), trusted only when it names this workspace and this model. ``update()`` is the one
writer: it reconciles the cache with the database (sentences deleted or re-imported since are
dropped; new ones are pending), embeds the pending sentences in batches (with progress and
cancellation; work done before a cancel is kept) and saves. The GUI runs it in the background
after opening a workspace and after every import; the command line runs it at the end of
``import`` and before ``match`` (``embed`` does it explicitly). Searches use whatever is
embedded so far: a sentence not yet embedded is still found lexically.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from app import config
from app.matching.semantic.model import DIM, MODEL_ID, Availability, availability, get_embedder
from app.matching.semantic.vectors import VectorIndex
from db.models import Document, Sentence

__all__ = ["SemanticService"]

UPDATE_BATCH = 256
SAVE_EVERY_SECONDS = 30.0
_QUERY_CACHE = 512

Progress = Callable[[int, int], None]


class SemanticService:
    def __init__(self, ws: Any, root: str | Path | None = None) -> None:
        self.ws = ws
        base = Path(root) if root is not None else config.cache_dir()
        self.path = base / f"vectors-{ws.workspace_id}"
        self._lock = threading.RLock()
        self._update_lock = threading.Lock()
        self._index: VectorIndex | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pairs: tuple[Any, Any] | None = None

    # ------------------------------------------------------------------ state
    def availability(self) -> Availability:
        return availability()

    @property
    def on(self) -> bool:
        return availability().on

    def _meta(self) -> dict[str, Any]:
        return {"workspace_id": self.ws.workspace_id, "model": MODEL_ID}

    def index(self) -> VectorIndex:
        with self._lock:
            if self._index is None:
                self._index = self._load()
            return self._index

    def _load(self) -> VectorIndex:
        if self.path.is_dir():
            try:
                idx = VectorIndex.load(self.path)
            except (OSError, ValueError, KeyError):
                idx = None
            if idx is not None and all(idx.meta.get(k) == v for k, v in self._meta().items()):
                return idx
        idx = VectorIndex(DIM)
        idx.meta = self._meta()
        return idx

    def status(self) -> dict[str, Any]:
        """``{"on", "reason", "model", "embedded", "sentences", "pending"}``."""
        av = availability()
        if not av.on:
            with self.ws.db.reading() as s:
                total = int(s.scalar(select(func.count(Sentence.id))) or 0)
            return {"on": False, "reason": av.reason, "model": av.model, "embedded": 0,
                    "sentences": total, "pending": total}
        total, todo = self._reconcile()  # also drops vectors of sentences deleted since
        return {"on": True, "reason": av.reason, "model": av.model, "embedded": len(self.index()),
                "sentences": total, "pending": len(todo)}

    # ------------------------------------------------------------------ update
    def pending(self) -> list[int]:
        """Reconcile with the database: drop vectors of sentences that no longer exist and
        return the ids of sentences without a vector, in id order."""
        return self._reconcile()[1]

    def _reconcile(self) -> tuple[int, list[int]]:
        """``(sentences in the database, ids of those without a vector)`` (see ``pending``)."""
        with self.ws.db.reading() as s:
            current = set(s.scalars(select(Sentence.id)))
        idx = self.index()
        with self._lock:
            have = idx.sentence_ids()
            gone = have - current
            if gone:
                idx.remove_sentences(gone)
        return len(current), sorted(current - have)

    def update(self, progress: Progress | None = None, cancel: Any = None, *,
               limit: int | None = None, batch: int = UPDATE_BATCH, todo: list[int] | None = None) -> int:
        """Embed every sentence that has no vector yet (``todo``: the ``pending()`` list, when
        the caller has just read it); returns how many were embedded."""
        if not availability().on:
            return 0
        with self._update_lock:
            if todo is None:
                todo = self.pending()
            if limit is not None:
                todo = todo[:limit]
            embedder = get_embedder()
            idx = self.index()
            done, saved_at, changed = 0, time.monotonic(), False
            if progress:
                progress(0, len(todo))
            for lo in range(0, len(todo), batch):
                if cancel is not None and cancel.is_set():
                    break
                sids, dids, texts = self._texts(todo[lo:lo + batch])
                vecs = embedder.embed(texts)
                with self._lock:
                    idx.add(sids, dids, vecs)
                done += len(sids)
                changed = True
                if progress:
                    progress(min(lo + batch, len(todo)), len(todo))
                if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                    self._save()
                    saved_at = time.monotonic()
            with self._lock:
                if not (cancel is not None and cancel.is_set()):
                    if idx.needs_training:
                        idx.train()
                        changed = True
                    elif idx.needs_layout:
                        idx.layout()
            if changed or not self.path.exists():
                self._save()
            return done

    def _texts(self, sentence_ids: Sequence[int]) -> tuple[list[int], list[int], list[str]]:
        with self.ws.db.reading() as s:
            rows = s.execute(select(Sentence.id, Sentence.document_id, Sentence.start, Sentence.end)
                             .where(Sentence.id.in_(list(sentence_ids))).order_by(Sentence.id)).all()
            doc_ids = sorted({int(r[1]) for r in rows})
            texts = dict(s.execute(select(Document.id, Document.text).where(Document.id.in_(doc_ids))).all())
        sids, dids, out = [], [], []
        for sid, did, a, b in rows:
            text = texts.get(did)
            if text is None:
                continue
            sids.append(int(sid))
            dids.append(int(did))
            out.append(text[a:b])
        return sids, dids, out

    def _save(self) -> None:
        with self._lock:
            idx = self.index()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                idx.save(self.path)
            except OSError:
                pass  # a cache we cannot write is only slower next time

    def clear(self) -> None:
        """Forget every vector (the next ``update`` re-embeds the workspace)."""
        import shutil

        with self._lock:
            shutil.rmtree(self.path, ignore_errors=True)
            self._index = None

    # ------------------------------------------------------------------ search
    def embed_query(self, text: str) -> np.ndarray:
        key = " ".join(text.split())
        with self._lock:
            got = self._queries.get(key)
            if got is not None:
                self._queries.move_to_end(key)
                return got
        vec = get_embedder().embed([key])[0]
        with self._lock:
            self._queries[key] = vec
            while len(self._queries) > _QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec

    def embed(self, texts: list[str]) -> np.ndarray:
        return get_embedder().embed(texts)

    def ready(self) -> bool:
        """On, and at least one sentence embedded."""
        return availability().on and len(self.index()) > 0

    def search(self, query: str | np.ndarray, k: int = 50,
               exclude_documents: Collection[int] = ()) -> list[tuple[int, int, float]]:
        """``(sentence_id, doc_id, cosine)`` of the nearest embedded sentences."""
        if not self.ready():
            return []
        qv = self.embed_query(query) if isinstance(query, str) else query
        with self._lock:
            return self.index().search(qv, k, exclude_documents)

    def paraphrase_pairs(self, keep_sentences: np.ndarray | None = None,
                         min_cosine: float | None = None) -> Any:
        """Sentence pairs of different documents with nearly the same meaning
        (``pairs.similar_pairs``), among ``keep_sentences`` (sorted ids) if given. Cached until
        the vectors change."""
        from app.matching.semantic.pairs import PAIR_COSINE, similar_pairs

        floor = PAIR_COSINE if min_cosine is None else float(min_cosine)
        with self._lock:
            idx = self.index()
            key = (idx.version, floor, None if keep_sentences is None else hash(keep_sentences.tobytes()))
            if self._pairs is not None and self._pairs[0] == key:
                return self._pairs[1]

            def keep(sids: np.ndarray) -> np.ndarray:
                assert keep_sentences is not None
                pos = np.searchsorted(keep_sentences, sids)
                pos = np.minimum(pos, max(len(keep_sentences) - 1, 0))
                return keep_sentences[pos] == sids if len(keep_sentences) else np.zeros(len(sids), bool)

            got = similar_pairs(idx, floor, keep if keep_sentences is not None else None)
            self._pairs = (key, got)
            return got

    def similarities(self, query: np.ndarray, sentence_ids: Sequence[int]) -> dict[int, float]:
        """Cosine of ``query`` with each of these sentences that has a vector."""
        with self._lock:
            vecs = self.index().vectors_of(sentence_ids)
        return {s: float(v @ query) for s, v in vecs.items()}
