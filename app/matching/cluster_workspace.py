"""Repetition groups of a workspace, resolved to document passages (what the CLI and UI show).

``groups_for_workspace(ws, min_score)`` builds a ``RepetitionIndex`` from the database (every
sentence, normalized with the workspace's alias groups) and returns ``Cluster`` objects. It is
the from-scratch path; ``MatchService.clusters`` keeps a persistent index up to date instead and
can reuse ``resolve`` to turn its ``Group``s into the same ``Cluster``s.

Unit ids follow ``app.matching.units``: ``sentence_id * 16 + clause_no`` (0 for the sentence).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.matching.clusters import DEFAULT_CLUSTER_SCORE, Group, RepetitionIndex
from app.matching.normalize import Normalizer
from app.matching.units import is_clause_unit, sentence_id_of, split_units, unit_id
from db.models import Alias, Document, Sentence

_IN_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class ClusterMember:
    unit_id: int
    document_id: int
    filename: str
    title: str | None
    published: str | None
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "filename": self.filename, "start": self.start,
                "end": self.end, "text": self.text, "title": self.title, "published": self.published,
                "unit_id": self.unit_id}


@dataclass(frozen=True)
class Cluster:
    """One repeated assertion: ``members`` sorted by document id, then position."""

    id: int
    score: float  # the weakest pair holding the group together
    documents: int
    members: tuple[ClusterMember, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "documents": self.documents, "score": self.score,
                "members": [m.to_json() for m in self.members]}


def workspace_normalizer(ws: Any) -> Normalizer:
    """A ``Normalizer`` with the workspace's alias groups."""
    groups: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    with ws.db.reading() as s:
        for gid, term, cs in s.execute(select(Alias.group_id, Alias.term, Alias.case_sensitive)
                                       .order_by(Alias.group_id, Alias.id)):
            groups[gid].append((term, bool(cs)))
    return Normalizer([groups[g] for g in sorted(groups)])


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield list(ids[i:i + _IN_CHUNK])


def build_index(ws: Any, *, normalizer: Normalizer | None = None, batch: int = 20_000,
                **options: Any) -> RepetitionIndex:
    """A ``RepetitionIndex`` of every sentence of the workspace (one unit per sentence)."""
    norm = normalizer or workspace_normalizer(ws)
    index = RepetitionIndex(**options)
    with ws.db.reading() as s:
        doc_ids = list(s.scalars(select(Document.id).order_by(Document.id)))
    pending: list[tuple[int, int, list[str]]] = []
    for ids in _chunks(doc_ids):
        with ws.db.reading() as s:
            texts = {d: t for d, t in s.execute(select(Document.id, Document.text).where(Document.id.in_(ids)))}
            rows = s.execute(select(Sentence.id, Sentence.document_id, Sentence.start, Sentence.end)
                             .where(Sentence.document_id.in_(ids))
                             .order_by(Sentence.document_id, Sentence.seq)).all()
        for sid, did, a, b in rows:
            pending.append((unit_id(sid), did, norm.content_tokens(texts[did][a:b])))
        if len(pending) >= batch:
            index.add(pending)
            pending = []
    index.add(pending)
    return index


def resolve(ws: Any, groups: Sequence[Group]) -> list[Cluster]:
    """Turn groups of unit ids into clusters of passages (filename, span, text); ids from 1."""
    uids = sorted({u for g in groups for u in g.unit_ids})
    sids = sorted({sentence_id_of(u) for u in uids})
    sent: dict[int, tuple[int, int, int, int]] = {}  # sentence id -> (doc, seq, start, end)
    docs: dict[int, tuple[str, str | None, str | None, str]] = {}
    with ws.db.reading() as s:
        for ids in _chunks(sids):
            for sid, did, seq, a, b in s.execute(select(Sentence.id, Sentence.document_id, Sentence.seq,
                                                        Sentence.start, Sentence.end).where(Sentence.id.in_(ids))):
                sent[sid] = (did, seq, a, b)
        doc_ids = sorted({v[0] for v in sent.values()})
        for ids in _chunks(doc_ids):
            for did, fn, title, pub, text in s.execute(select(Document.id, Document.filename, Document.title,
                                                              Document.published, Document.text)
                                                       .where(Document.id.in_(ids))):
                docs[did] = (fn, title, pub, text)
    clause_spans = _clause_spans(ws, {sent[sentence_id_of(u)][0] for u in uids
                                      if is_clause_unit(u) and sentence_id_of(u) in sent}, docs)
    out: list[Cluster] = []
    for g in groups:
        members: list[ClusterMember] = []
        for u in g.unit_ids:
            row = sent.get(sentence_id_of(u))
            if row is None:  # deleted since the group was computed
                continue
            did, seq, a, b = row
            if is_clause_unit(u):
                a, b = clause_spans.get((did, seq, u % 16), (a, b))
            fn, title, pub, text = docs[did]
            members.append(ClusterMember(u, did, fn, title, pub, a, b, text[a:b]))
        if len({m.document_id for m in members}) < 2:
            continue
        members.sort(key=lambda m: (m.document_id, m.start, m.end))
        out.append(Cluster(len(out) + 1, g.score, len({m.document_id for m in members}), tuple(members)))
    return out


def _clause_spans(ws: Any, doc_ids: set[int], docs: dict[int, tuple[str, str | None, str | None, str]]
                  ) -> dict[tuple[int, int, int], tuple[int, int]]:
    """(document, sentence seq, clause number) -> clause span, for documents with clause units."""
    out: dict[tuple[int, int, int], tuple[int, int]] = {}
    for did in sorted(doc_ids):
        with ws.db.reading() as s:
            spans = s.execute(select(Sentence.start, Sentence.end).where(Sentence.document_id == did)
                              .order_by(Sentence.seq)).all()
        for unit in split_units(docs[did][3], [(a, b) for a, b in spans]):
            if unit.kind == "clause":
                out[(did, unit.sentence_index, unit.clause_no)] = (unit.start, unit.end)
    return out


def groups_for_workspace(ws: Any, min_score: float = DEFAULT_CLUSTER_SCORE, *, min_documents: int = 2,
                         max_documents: int | None = None) -> list[Cluster]:
    """Clusters of the workspace built from scratch (see module docstring)."""
    index = build_index(ws)
    return resolve(ws, index.groups(min_score, min_documents=min_documents, max_documents=max_documents))


def save_stamped(index: RepetitionIndex, data: Path, meta: Path, stamp: dict[str, Any], *, changed: bool) -> None:
    """Save a workspace's repetition index to ``data`` with ``stamp`` (workspace, normalizer,
    audit id it is in step with) in ``meta``; unchanged since the last save (``changed``
    false, file present), only the stamp is rewritten. The stamp is removed before the data is
    written, so a half-written file is never trusted."""
    if changed or not data.exists():
        meta.unlink(missing_ok=True)
        index.save(data)
    meta.write_text(json.dumps(stamp))


def load_stamped(data: Path, meta: Path, stamp: dict[str, Any]) -> RepetitionIndex | None:
    """The repetition index saved with exactly ``stamp``, or None (other stamp, missing,
    unreadable: the caller rebuilds it)."""
    try:
        if json.loads(meta.read_text()) != stamp:
            return None
        return RepetitionIndex.load(data)
    except (OSError, ValueError, KeyError):
        return None
