"""Span parsing, overlap and rating checks, and conversions from ORM rows to the claim dataclasses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.claims.types import OVERLAP, RATINGS, AppearanceInfo, OriginInfo, Span, _iso
from db.models import Appearance, Claim, Document, Excerpt, ExternalOrigin


def parse_span(key_or_span: Any) -> Span:
    """``"DOC:START:END"``, ``(doc, start, end)`` or anything with ``document_id``/``start``/``end``."""
    if isinstance(key_or_span, str):
        parts = key_or_span.strip().split(":")
        if len(parts) != 3 or not all(p.strip().lstrip("-").isdigit() for p in parts):
            raise ValueError(f"not a candidate key (DOC:START:END): {key_or_span!r}")
        d, a, b = (int(p) for p in parts)
    elif isinstance(key_or_span, Sequence) and len(key_or_span) == 3:
        d, a, b = (int(x) for x in key_or_span)
    elif hasattr(key_or_span, "document_id"):
        d, a, b = int(key_or_span.document_id), int(key_or_span.start), int(key_or_span.end)
    else:
        raise ValueError(f"not a span: {key_or_span!r}")
    if a < 0 or b <= a:
        raise ValueError(f"empty or negative span {a}:{b}")
    return d, a, b


def overlaps(a: tuple[int, int], b: tuple[int, int], frac: float = OVERLAP) -> bool:
    """Whether two spans share at least ``frac`` of the shorter one."""
    ov = min(a[1], b[1]) - max(a[0], b[0])
    return ov > 0 and ov >= frac * min(a[1] - a[0], b[1] - b[0])


def normalize_rating(rating: str | None) -> str | None:
    if rating is None or not str(rating).strip():
        return None
    r = " ".join(str(rating).strip().lower().replace("-", " ").replace("_", " ").split())
    if r not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}; use one of: {', '.join(RATINGS)}")
    return r


def norm_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in tags:
        t = " ".join(str(t).split())
        if t and t not in out:
            out.append(t)
    return out


def _snapshot(c: Claim) -> dict[str, Any]:
    return {"text": c.text, "notes": c.notes, "tags": list(c.tags or []), "status": c.status, "verdict": c.verdict,
            "verdict_note": c.verdict_note, "version": c.version_id, "updated_by": c.updated_by,
            "updated_at": _iso(c.updated_at)}


def _appearance_info(a: Appearance, ex: Excerpt, doc: Document) -> AppearanceInfo:
    return AppearanceInfo(
        id=a.id, excerpt_id=ex.id, document_id=doc.id, filename=doc.filename, title=doc.title, outlet=doc.outlet,
        published=doc.published, published_precision=doc.published_precision, start=ex.start, end=ex.end,
        text=ex.exact, score=a.score, relation=a.relation, relation_source=a.relation_source,
        attributed_to=list(a.attribution or []), derived_from_id=a.derived_from_id, orphaned=bool(ex.orphaned),
        created_by=a.created_by, created_at=a.created_at, state=a.state, version=a.version_id, author=doc.author,
    )


def _origin_info(o: ExternalOrigin) -> OriginInfo:
    return OriginInfo(o.id, o.claim_id, o.name, o.kind, o.date, o.date_precision, o.document_id, o.evidence,
                      o.created_by, o.created_at)


def _date_key(published: str | None, doc_id: int, start: int) -> tuple[int, str, int, int]:
    return (published is None, published or "", doc_id, start)
