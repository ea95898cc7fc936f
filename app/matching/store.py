"""Where the match index lives, and how it is read out of a workspace database.

**One interface, two back ends.** The database (SQLite file or PostgreSQL server, the same
SQLAlchemy models) is the only source of truth. The index is a local cache of it, kept by an
``IndexStore``; ``LocalIndexStore`` keeps numpy arrays under
``app.config.cache_dir() / f"index-{workspace_id}"`` and serves SQLite and PostgreSQL
workspaces identically, because everything it needs comes through the models (documents,
sentences, alias groups) and the audit-log change feed. A store that delegated to the server
(PostgreSQL full-text search) could implement the same protocol; this one keeps every search
local and millisecond-fast on both back ends, and never needs server-side extensions.

A cache is trusted only when its metadata names this workspace, this normalizer (alias groups
and code version) and an audit id the database has reached; otherwise it is rebuilt.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from app import config
from app.matching.index import LexicalIndex
from app.matching.normalize import Normalizer
from app.matching.units import split_units, unit_id
from db.models import Alias, AliasGroup, Document, Sentence

__all__ = [
    "UNITS_VERSION",
    "DocUnits",
    "IndexStore",
    "LocalIndexStore",
    "add_documents",
    "load_alias_groups",
    "read_documents",
]

# Bump when unit splitting or tokenization changes: caches built by older code are rebuilt.
UNITS_VERSION = "units-4"
_IN_CHUNK = 500


class IndexStore(Protocol):
    """Persistence of a ``LexicalIndex`` for one workspace."""

    @property
    def location(self) -> str: ...

    def load(self) -> LexicalIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        ...

    def save(self, index: LexicalIndex) -> int:
        """Persist ``index``; returns the bytes written."""
        ...

    def clear(self) -> None: ...

    def size(self) -> int: ...


class LocalIndexStore:
    """The index as numpy arrays in the user's cache folder (works for every database)."""

    def __init__(self, workspace_id: str, root: str | os.PathLike[str] | None = None) -> None:
        base = Path(root) if root is not None else config.cache_dir()
        self.path = base / f"index-{workspace_id}"

    @property
    def location(self) -> str:
        return str(self.path)

    def load(self) -> LexicalIndex | None:
        if not self.path.is_dir():
            return None
        try:
            return LexicalIndex.load(self.path)
        except ValueError:
            return None

    def save(self, index: LexicalIndex) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return index.save(self.path)

    def clear(self) -> None:
        LexicalIndex.remove_saved(self.path)

    def size(self) -> int:
        if not self.path.is_dir():
            return 0
        total = 0
        for p in self.path.iterdir():
            with contextlib.suppress(OSError):
                total += p.stat().st_size
        return total


# ---------------------------------------------------------------------- reading the database
def load_alias_groups(session: Any) -> list[tuple[int, list[tuple[str, bool]]]]:
    """``[(group id, [(term, case_sensitive), ...]), ...]`` in id order."""
    rows = session.execute(
        select(Alias.group_id, Alias.term, Alias.case_sensitive).join(AliasGroup).order_by(Alias.group_id, Alias.id)
    ).all()
    groups: dict[int, list[tuple[str, bool]]] = {}
    for gid, term, cs in rows:
        groups.setdefault(int(gid), []).append((str(term), bool(cs)))
    return list(groups.items())


@dataclass
class DocUnits:
    """One document's matching units, ready for ``LexicalIndex.add``."""

    doc_id: int
    unit_ids: list[int]
    tokens: list[list[str]]
    spans: list[tuple[int, int]]
    sentence_index: list[int]
    clause: list[bool]


def _chunks(ids: Sequence[int], n: int = _IN_CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), n):
        yield list(ids[i:i + n])


def read_documents(session: Any, doc_ids: Sequence[int] | None, normalizer: Normalizer,
                   batch: int = 200) -> Iterator[DocUnits]:
    """Units of the given documents (all documents when ``doc_ids`` is None), in id order.
    Clause tokens are cut out of their sentence's tokens, so a clause and its sentence always
    agree."""
    if doc_ids is None:
        ids = list(session.scalars(select(Document.id).order_by(Document.id)))
    else:
        ids = sorted(set(int(d) for d in doc_ids))
    for chunk in _chunks(ids, batch):
        texts = dict(session.execute(select(Document.id, Document.text).where(Document.id.in_(chunk))).all())
        sents: dict[int, list[tuple[int, int, int]]] = {}
        for sid, did, a, b in session.execute(
            select(Sentence.id, Sentence.document_id, Sentence.start, Sentence.end)
            .where(Sentence.document_id.in_(chunk)).order_by(Sentence.document_id, Sentence.seq)
        ):
            sents.setdefault(int(did), []).append((int(sid), int(a), int(b)))
        for did in chunk:
            text = texts.get(did)
            if text is None:
                continue
            yield units_of(did, text, sents.get(did, []), normalizer)


def units_of(doc_id: int, text: str, sentences: Sequence[tuple[int, int, int]], normalizer: Normalizer) -> DocUnits:
    """``sentences``: ``(sentence id, start, end)`` in document order."""
    spans = [(a, b) for _, a, b in sentences]
    out = DocUnits(doc_id, [], [], [], [], [])
    sent_toks: list[tuple[str, int, int]] = []
    for u in split_units(text, spans):
        sid, s0, _ = sentences[u.sentence_index]
        if u.kind == "sentence":
            sent_toks = normalizer.tokens_with_spans(text[u.start:u.end])
            toks = [t for t, _, _ in sent_toks]
        else:
            lo, hi = u.start - s0, u.end - s0
            toks = [t for t, a, b in sent_toks if a >= lo and b <= hi]
        out.unit_ids.append(unit_id(sid, u.clause_no))
        out.tokens.append(toks)
        out.spans.append((u.start, u.end))
        out.sentence_index.append(u.sentence_index)
        out.clause.append(u.kind == "clause")
    return out


def add_documents(index: LexicalIndex, docs: Iterable[DocUnits], *, batch_units: int = 50_000
                  ) -> list[tuple[int, int, list[str]]]:
    """Add documents' units to ``index`` (a few ``add`` calls for many documents); returns
    ``(unit_id, doc_id, tokens)`` of every unit added."""
    added: list[tuple[int, int, list[str]]] = []
    pend: list[DocUnits] = []
    count = 0

    def flush() -> None:
        nonlocal count
        if not pend:
            return
        uids = [u for d in pend for u in d.unit_ids]
        dids = [d.doc_id for d in pend for _ in d.unit_ids]
        toks = [t for d in pend for t in d.tokens]
        index.add(uids, dids, toks, [s for d in pend for s in d.spans],
                  [i for d in pend for i in d.sentence_index], [c for d in pend for c in d.clause])
        added.extend(zip(uids, dids, toks, strict=True))
        pend.clear()
        count = 0

    for d in docs:
        if not d.unit_ids:
            continue
        pend.append(d)
        count += len(d.unit_ids)
        if count >= batch_units:
            flush()
    flush()
    return added
