"""Read helpers composed from the core's services. They run on worker threads only.

Kept in one place so that the UI adapts to the core's API in one file as services land.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from ui.session import has_service


def document_infos(ws: Any, ids: list[int]) -> list[Any]:
    """``DocumentInfo`` for ``ids`` (those that still exist)."""
    docs = ws.documents
    lister = getattr(docs, "list", None)
    if lister is not None and "ids" in inspect.signature(lister).parameters:
        return list(lister(ids=ids))
    out = []
    for i in ids:
        try:
            out.append(docs.info(i))
        except KeyError:
            pass
    return out


def claim_counts_by_document(ws: Any) -> dict[int, int]:
    """How many claims have an accepted appearance in each document."""
    if not has_service(ws, "claims", "list"):
        return {}
    claims = ws.claims
    direct = getattr(claims, "counts_by_document", None)
    if callable(direct):
        return dict(direct())
    counts: dict[int, int] = {}
    for summary in claims.list():
        docs = getattr(summary, "document_ids", None)
        if docs is None:
            detail = claims.get(summary.id)
            docs = {a.document_id for a in detail.appearances if not getattr(a, "orphaned", False)}
        for d in set(docs):
            counts[d] = counts.get(d, 0) + 1
    return counts


@dataclass(frozen=True)
class Highlight:
    """An excerpt to colour in the reader."""

    claim_id: int
    claim_text: str
    appearance_id: int | None
    start: int
    end: int


def document_highlights(ws: Any, doc_id: int) -> list[Highlight]:
    """Accepted appearances of any claim in document ``doc_id``."""
    if not has_service(ws, "claims", "list"):
        return []
    claims = ws.claims
    direct = getattr(claims, "for_document", None)
    out: list[Highlight] = []
    if callable(direct):
        for a in direct(doc_id):
            out.append(Highlight(a.claim_id, getattr(a, "claim_text", ""), a.id, a.start, a.end))
        return out
    for summary in claims.list():
        detail = claims.get(summary.id)
        for a in detail.appearances:
            if a.document_id == doc_id and not getattr(a, "orphaned", False):
                out.append(Highlight(detail.id, detail.text, a.id, a.start, a.end))
    return out


@dataclass(frozen=True)
class OpenDocument:
    """What the reader needs to show a document."""

    detail: Any
    highlights: list[Highlight]


def open_document(ws: Any, doc_id: int) -> OpenDocument:
    return OpenDocument(ws.documents.get(doc_id), document_highlights(ws, doc_id))
