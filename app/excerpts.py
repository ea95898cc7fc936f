"""Excerpts: highlighted spans of a document, anchored like W3C Web Annotations.

Each excerpt stores a ``TextPositionSelector`` (``start``/``end`` in code points of the document
text) and a ``TextQuoteSelector`` (``exact`` plus up to ``CONTEXT`` characters of ``prefix`` and
``suffix``). When a document's text is replaced (re-import of an edited page) every excerpt is
re-anchored with ``locate``, in this order:

1. ``unchanged``: the exact text is still at the old position;
2. ``moved``: the exact text occurs once elsewhere, or several times and the occurrence whose
   surrounding text best matches the stored prefix/suffix wins (ties: nearest the old position);
3. ``fuzzy``: the quote was edited; rapidfuzz ``partial_ratio_alignment`` finds the passage
   (score >= ``FUZZY_CUTOFF``), boundaries are snapped to words and the passage must keep
   ``ratio >= FUZZY_FINAL`` with the old quote; the excerpt's ``exact``
   becomes the text found there;
4. otherwise the excerpt is marked ``orphaned``: positions and quote are kept as they were,
   it is never moved somewhere doubtful or dropped.

Every change is written to the audit trail as ``excerpt.reanchor`` (one entry per claim that
uses the excerpt), in the caller's transaction.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from db.models import Appearance, Document, Excerpt

CONTEXT = 32
FUZZY_CUTOFF = 75.0  # partial_ratio_alignment score to consider a passage (insertions lower it)
FUZZY_FINAL = 85.0  # ratio the word-snapped passage must reach against the old quote
FUZZY_MIN_LEN = 12  # shorter quotes are never re-found fuzzily (too ambiguous)
MAX_OCCURRENCES = 2000
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class ExcerptInfo:
    id: int
    document_id: int
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    orphaned: bool
    created_by: str
    created_at: datetime
    version: int

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        return d


def excerpt_info(e: Excerpt) -> ExcerptInfo:
    return ExcerptInfo(e.id, e.document_id, e.start, e.end, e.exact, e.prefix, e.suffix, bool(e.orphaned),
                       e.created_by, e.created_at, e.version_id)


def make_anchor(text: str, start: int, end: int) -> Anchor:
    """The anchor of ``text[start:end]``; raises ``ValueError`` for an empty or out-of-range span."""
    if not (0 <= start < end <= len(text)):
        raise ValueError(f"span {start}:{end} is outside the document text (0:{len(text)}) or empty")
    if not text[start:end].strip():
        raise ValueError(f"span {start}:{end} holds only white space")
    return Anchor(start, end, text[start:end], text[max(0, start - CONTEXT):start], text[end:end + CONTEXT])


def create_excerpt(session: Session, user: str, document_id: int, start: int, end: int, *,
                   claim_id: int | None = None) -> Excerpt:
    """Add an excerpt of ``document_id`` at ``start:end`` and audit it (``excerpt.create``)."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise KeyError(f"no document {document_id}")
    a = make_anchor(doc.text, start, end)
    ex = Excerpt(document_id=document_id, start=a.start, end=a.end, exact=a.exact, prefix=a.prefix,
                 suffix=a.suffix, orphaned=False, created_by=user)
    session.add(ex)
    session.flush()
    audit.record(session, user, "excerpt.create", "excerpt", ex.id, claim_id=claim_id, document_id=document_id,
                 after={"start": a.start, "end": a.end, "exact": a.exact})
    return ex


def find_or_create_excerpt(session: Session, user: str, document_id: int, start: int, end: int, *,
                           claim_id: int | None = None) -> tuple[Excerpt, bool]:
    """The live excerpt at exactly ``start:end`` of the document, or a new one; ``(excerpt, created)``."""
    found = session.scalar(
        select(Excerpt).where(Excerpt.document_id == document_id, Excerpt.start == start, Excerpt.end == end,
                              Excerpt.orphaned.is_(False)).order_by(Excerpt.id).limit(1)
    )
    if found is not None:
        return found, False
    return create_excerpt(session, user, document_id, start, end, claim_id=claim_id), True


# ------------------------------------------------------------------ Web Annotation
def to_web_annotation(excerpt: Any, document: Any, *, source: str | None = None,
                      body: dict[str, Any] | list[dict[str, Any]] | None = None,
                      id_prefix: str = "urn:sourcetrace:excerpt:") -> dict[str, Any]:
    """The excerpt as a W3C Web Annotation (JSON-LD).

    ``excerpt`` is an ``Excerpt`` row or an ``ExcerptInfo``; ``document`` anything with ``id`` and
    optionally ``sha256``/``url``/``filename`` (a ``Document`` row, ``DocumentInfo``). The target
    source defaults to the original file's content address ``urn:sha256:<hex>`` (the selectors
    refer to the text SourceTrace extracted from it); pass ``source`` to use another IRI.
    """
    sha = getattr(document, "sha256", None)
    url = getattr(document, "url", None)
    src = source or (f"urn:sha256:{sha}" if sha else url or f"urn:sourcetrace:document:{document.id}")
    created = getattr(excerpt, "created_at", None)
    anno: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": f"{id_prefix}{excerpt.id}",
        "type": "Annotation",
        "motivation": "highlighting",
        "creator": {"type": "Person", "name": excerpt.created_by},
        "created": created.isoformat() if isinstance(created, datetime) else created,
        "target": {
            "source": src,
            "selector": [
                {"type": "TextQuoteSelector", "exact": excerpt.exact, "prefix": excerpt.prefix or "",
                 "suffix": excerpt.suffix or ""},
                {"type": "TextPositionSelector", "start": excerpt.start, "end": excerpt.end},
            ],
        },
    }
    if url and src != url:
        anno["target"]["scope"] = url  # the page the text came from
    if body is not None:
        anno["body"] = body
    return anno


# ------------------------------------------------------------------ re-anchoring
@dataclass(frozen=True)
class Relocation:
    start: int
    end: int
    exact: str
    method: str  # unchanged | moved | fuzzy
    score: float = 100.0


def _common_suffix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _occurrences(text: str, exact: str) -> list[int]:
    out: list[int] = []
    i = text.find(exact)
    while i >= 0 and len(out) < MAX_OCCURRENCES:
        out.append(i)
        i = text.find(exact, i + 1)
    return out


_WORD_EDGE = re.compile(r"\b|(?<=\s)(?=\S)|(?<=\S)(?=\s)")


def _snap(text: str, exact: str, ds: int, de: int) -> tuple[int, int, float]:
    """Best word-aligned span near ``[ds, de)`` by ``fuzz.ratio`` against ``exact``."""
    k = max(12, len(exact) // 4)
    lo, hi = max(0, ds - k), min(len(text), de + k)
    starts = sorted({m.start() for m in _WORD_EDGE.finditer(text, lo, min(hi, ds + k))
                     if m.start() < len(text) and not text[m.start()].isspace()} | {ds})
    ends = sorted({m.start() for m in _WORD_EDGE.finditer(text, max(lo, de - k), hi)
                   if m.start() > 0 and not text[m.start() - 1].isspace()} | {de})
    best = (ds, de, fuzz.ratio(exact, text[ds:de]))
    for s in starts:
        for e in ends:
            if e - s < len(exact) // 2:
                continue
            r = fuzz.ratio(exact, text[s:e])
            if r > best[2] + 1e-9:
                best = (s, e, r)
    return best


def locate(text: str, exact: str, prefix: str, suffix: str, old_start: int, old_end: int) -> Relocation | None:
    """Where a quote anchored at ``old_start:old_end`` is in ``text`` now (see module docs), or None."""
    if not exact:
        return None
    if old_start >= 0 and old_end <= len(text) and text[old_start:old_end] == exact:
        return Relocation(old_start, old_end, exact, "unchanged")
    occ = _occurrences(text, exact)
    if len(occ) == 1:
        return Relocation(occ[0], occ[0] + len(exact), exact, "moved")
    if occ:
        def ctx(pos: int) -> tuple[int, int]:
            before = _common_suffix(text[max(0, pos - len(prefix)):pos], prefix)
            after = _common_prefix(text[pos + len(exact):pos + len(exact) + len(suffix)], suffix)
            return before + after, -abs(pos - old_start)

        pos = max(occ, key=ctx)
        return Relocation(pos, pos + len(exact), exact, "moved")
    if len(exact.strip()) < FUZZY_MIN_LEN:
        return None
    al = fuzz.partial_ratio_alignment(exact, text, score_cutoff=FUZZY_CUTOFF)
    if al is None:
        return None
    s, e, r = _snap(text, exact, al.dest_start, al.dest_end)
    if r < FUZZY_FINAL or not text[s:e].strip():
        return None
    return Relocation(s, e, text[s:e], "fuzzy", round(r, 1))


@dataclass
class ReanchorReport:
    document_id: int
    unchanged: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    fuzzy: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)  # previously orphaned, found again

    @property
    def total(self) -> int:
        return len(self.unchanged) + len(self.moved) + len(self.fuzzy) + len(self.orphaned)

    def to_json(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "total": self.total, "unchanged": self.unchanged,
                "moved": self.moved, "fuzzy": self.fuzzy, "orphaned": self.orphaned, "restored": self.restored}


def _state(e: Excerpt) -> dict[str, Any]:
    return {"start": e.start, "end": e.end, "exact": e.exact, "prefix": e.prefix, "suffix": e.suffix,
            "orphaned": bool(e.orphaned)}


def reanchor_document(session: Session, user: str, document_id: int, new_text: str) -> ReanchorReport:
    """Re-anchor every excerpt of ``document_id`` to ``new_text`` (already stored on the document).

    Runs inside the caller's write transaction; audits each changed excerpt (``excerpt.reanchor``).
    """
    report = ReanchorReport(document_id)
    excerpts = session.scalars(select(Excerpt).where(Excerpt.document_id == document_id).order_by(Excerpt.id)).all()
    for ex in excerpts:
        before = _state(ex)
        found = locate(new_text, ex.exact, ex.prefix, ex.suffix, ex.start, ex.end)
        if found is None:
            if not ex.orphaned:
                ex.orphaned = True
            report.orphaned.append(ex.id)
            method = "orphaned"
        else:
            if ex.orphaned:
                report.restored.append(ex.id)
            ex.start, ex.end, ex.exact = found.start, found.end, found.exact
            ex.prefix = new_text[max(0, found.start - CONTEXT):found.start]
            ex.suffix = new_text[found.end:found.end + CONTEXT]
            ex.orphaned = False
            method = found.method
            {"unchanged": report.unchanged, "moved": report.moved, "fuzzy": report.fuzzy}[method].append(ex.id)
        after = _state(ex)
        if after == before:
            continue
        claims: list[int | None] = [*sorted(set(session.scalars(
            select(Appearance.claim_id).where(Appearance.excerpt_id == ex.id))))]
        for claim_id in claims or [None]:
            audit.record(session, user, "excerpt.reanchor", "excerpt", ex.id, claim_id=claim_id,
                         document_id=document_id, before=before, after={**after, "method": method})
    session.flush()
    return report
