"""``ClaimService`` (``ws.claims``): reading, editing and auditing claims, appearances and origins."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.attribution import extract_attribution, kind_of
from app.attribution.relation import RELATIONS, derive_relation, normalize_text
from app.claims.helpers import (
    _appearance_info,
    _date_key,
    _origin_info,
    _snapshot,
    norm_tags,
    normalize_rating,
    overlaps,
    parse_span,
)
from app.claims.types import (
    KINDS,
    STATUSES,
    AppearanceInfo,
    Candidate,
    ClaimDetail,
    ClaimSummary,
    OriginInfo,
    Span,
)
from app.excerpts import find_or_create_excerpt
from db.errors import ConflictError
from db.models import Appearance, Claim, Document, Excerpt, ExternalOrigin


class ClaimService:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    # ------------------------------------------------------------ reading
    def _claim(self, s: Session, claim_id: int, *, lock: bool = True) -> Claim:
        # Write paths lock the row first (PostgreSQL), so a save never races a concurrent one
        # into a false conflict; SQLite's BEGIN IMMEDIATE already serializes writers.
        c = s.get(Claim, claim_id, with_for_update=lock)
        if c is None:
            raise KeyError(f"no claim {claim_id}")
        return c

    def _appearances(self, s: Session, claim_id: int, state: str | None = None) -> builtins.list[AppearanceInfo]:
        q = (select(Appearance, Excerpt, Document).join(Excerpt, Appearance.excerpt_id == Excerpt.id)
             .join(Document, Excerpt.document_id == Document.id).where(Appearance.claim_id == claim_id))
        if state:
            q = q.where(Appearance.state == state)
        rows = [_appearance_info(a, e, d) for a, e, d in s.execute(q)]
        return sorted(rows, key=lambda r: _date_key(r.published, r.document_id, r.start))

    def _detail(self, s: Session, c: Claim) -> ClaimDetail:
        origins = s.scalars(select(ExternalOrigin).where(ExternalOrigin.claim_id == c.id).order_by(ExternalOrigin.id))
        return ClaimDetail(
            id=c.id, text=c.text, notes=c.notes or "", tags=list(c.tags or []), status=c.status, verdict=c.verdict,
            verdict_note=c.verdict_note or "", created_by=c.created_by, created_at=c.created_at,
            updated_at=c.updated_at, version=c.version_id,
            appearances=self._appearances(s, c.id, "accepted"), rejected=self._appearances(s, c.id, "rejected"),
            external_origins=[_origin_info(o) for o in origins], updated_by=c.updated_by,
        )

    def get(self, claim_id: int) -> ClaimDetail:
        with self.ws.db.reading() as s:
            return self._detail(s, self._claim(s, claim_id, lock=False))

    def list(self) -> builtins.list[ClaimSummary]:
        with self.ws.db.reading() as s:
            counts = {
                cid: (n, d) for cid, n, d in s.execute(
                    select(Appearance.claim_id, func.count(Appearance.id), func.count(func.distinct(Excerpt.document_id)))
                    .join(Excerpt, Appearance.excerpt_id == Excerpt.id)
                    .where(Appearance.state == "accepted").group_by(Appearance.claim_id)
                )
            }
            return [
                ClaimSummary(c.id, c.text, c.status, c.verdict, *counts.get(c.id, (0, 0)), c.updated_at, c.version_id)
                for c in s.scalars(select(Claim).order_by(Claim.id))
            ]

    def history(self, claim_id: int) -> builtins.list[audit.HistoryEntry]:
        with self.ws.db.reading() as s:
            return audit.history(s, claim_id=claim_id)

    def known_names(self) -> builtins.list[str]:
        """Source names seen in the workspace: attributions stored on appearances, document authors."""
        with self.ws.db.reading() as s:
            names = {a.get("name") for row in s.scalars(select(Appearance.attribution)) for a in (row or [])
                     if isinstance(a, dict)}
            names |= set(s.scalars(select(Document.author).where(Document.author.is_not(None))))
        return sorted(n for n in names if n and kind_of(n) == "person")

    # ------------------------------------------------------------ analysis of a span
    def _analyse_span(self, claim_text: str, doc_id: int, start: int, end: int,
                      known: Sequence[str] | None = None) -> dict[str, Any]:
        with self.ws.db.reading() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise KeyError(f"no document {doc_id}")
            text, own = doc.text, (doc.outlet, doc.author)
        if not (0 <= start < end <= len(text)):
            raise ValueError(f"span {start}:{end} is outside document {doc_id} (0:{len(text)})")
        span = text[start:end]
        attrs = [a.to_dict() for a in extract_attribution(
            text, start, end, known_names=self.known_names() if known is None else known)]
        relation = derive_relation(claim_text, span, attrs, own)
        if normalize_text(claim_text) == normalize_text(span):
            score: float = 100.0
        else:
            score = float(self.ws.matcher.compare(claim_text, span)[0])
        return {"span": span, "attribution": attrs, "relation": relation, "score": score}

    # ------------------------------------------------------------ claims
    def create(self, text: str, *, source: Span | None = None, notes: str = "",
               tags: Iterable[str] = ()) -> ClaimDetail:
        text = " ".join(str(text).split())
        if not text:
            raise ValueError("a claim needs some text")
        info = self._analyse_span(text, *source) if source is not None else None
        with self.ws.db.writing() as s:
            c = Claim(text=text, notes=notes or "", tags=norm_tags(tags), status="open", created_by=self.ws.user,
                      updated_by=self.ws.user)
            s.add(c)
            s.flush()
            audit.record(s, self.ws.user, "claim.create", "claim", c.id, claim_id=c.id,
                         after={"text": c.text, "notes": c.notes, "tags": c.tags,
                                "source": list(source) if source else None})
            if source is not None and info is not None:
                self._add_appearance(s, c.id, source, "accepted", info)
            s.flush()
            return self._detail(s, c)

    def update(self, claim_id: int, *, expected_version: int | None = None, text: str | None = None,
               notes: str | None = None, tags: Iterable[str] | None = None, status: str | None = None) -> ClaimDetail:
        changes: dict[str, Any] = {}
        if text is not None:
            text = " ".join(text.split())
            if not text:
                raise ValueError("a claim needs some text")
            changes["text"] = text
        if notes is not None:
            changes["notes"] = notes
        if tags is not None:
            changes["tags"] = norm_tags(tags)
        if status is not None:
            st = " ".join(status.strip().lower().replace("-", " ").replace("_", " ").split())
            if st not in STATUSES:
                raise ValueError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
            changes["status"] = st
        return self._change(claim_id, "claim.edit", changes, expected_version)

    def set_verdict(self, claim_id: int, rating: str | None, note: str = "", *,
                    expected_version: int | None = None) -> ClaimDetail:
        return self._change(claim_id, "claim.verdict",
                            {"verdict": normalize_rating(rating), "verdict_note": note or ""}, expected_version)

    def _change(self, claim_id: int, action: str, changes: dict[str, Any], expected: int | None) -> ClaimDetail:
        try:
            with self.ws.db.writing() as s:
                c = self._claim(s, claim_id)
                if expected is not None and c.version_id != expected:
                    raise self._conflict(c, changes, expected)
                before = {k: (list(v) if isinstance(v, list) else v) for k, v in _snapshot(c).items() if k in changes}
                if all(before.get(k) == v for k, v in changes.items()):
                    return self._detail(s, c)
                for k, v in changes.items():
                    setattr(c, k, v)
                c.updated_by = self.ws.user
                s.flush()
                audit.record(s, self.ws.user, action, "claim", c.id, claim_id=c.id,
                             before={**before, "version": expected if expected is not None else c.version_id - 1},
                             after={**changes, "version": c.version_id})
                return self._detail(s, c)
        except StaleDataError:
            with self.ws.db.reading() as s:
                raise self._conflict(self._claim(s, claim_id), changes, expected) from None

    def _conflict(self, c: Claim, changes: dict[str, Any], expected: int | None) -> ConflictError:
        theirs = _snapshot(c)
        who = f" by {c.updated_by}" if c.updated_by else ""
        return ConflictError(
            f"claim {c.id} was changed{who} since you opened it (your version {expected}, now {c.version_id})",
            entity="claim", entity_id=c.id, mine={**changes, "version": expected}, theirs=theirs,
        )

    def delete(self, claim_id: int) -> None:
        with self.ws.db.writing() as s:
            c = self._claim(s, claim_id)
            detail = self._detail(s, c)
            excerpt_ids = {a.excerpt_id for a in detail.appearances + detail.rejected}
            before = {**_snapshot(c), "appearances": [a.key for a in detail.appearances],
                      "rejected": [a.key for a in detail.rejected],
                      "external_origins": [o.name for o in detail.external_origins]}
            s.delete(c)
            s.flush()
            self._drop_unused_excerpts(s, excerpt_ids)
            audit.record(s, self.ws.user, "claim.delete", "claim", claim_id, claim_id=claim_id, before=before)

    # ------------------------------------------------------------ candidates
    def candidates(self, claim_id: int, *, limit: int = 20, min_score: float | None = None) -> builtins.list[Candidate]:
        with self.ws.db.reading() as s:
            c = self._claim(s, claim_id)
            claim_text = c.text
            taken = [(e.document_id, e.start, e.end, e.exact, bool(e.orphaned), a.state) for a, e in s.execute(
                select(Appearance, Excerpt).join(Excerpt, Appearance.excerpt_id == Excerpt.id)
                .where(Appearance.claim_id == claim_id))]
        rejected_texts = {(d, normalize_text(x)) for d, _, _, x, _, st in taken if st == "rejected"}
        results = self.ws.matcher.search(claim_text, limit=max(limit * 3, limit + len(taken) * 2 + 10),
                                         min_score=min_score)
        chosen: builtins.list[Any] = []
        for r in results:
            span = (r.start, r.end)
            if any(d == r.document_id and not orphan and overlaps(span, (a, b)) for d, a, b, _, orphan, _ in taken):
                continue
            if (r.document_id, normalize_text(r.text)) in rejected_texts:
                continue
            if any(c2.document_id == r.document_id and overlaps(span, (c2.start, c2.end)) for c2 in chosen):
                continue
            chosen.append(r)
        chosen.sort(key=lambda r: (-float(r.score), r.published is None, r.published or "", r.document_id, r.start))
        chosen = chosen[:limit]
        known = self.known_names()
        texts: dict[int, tuple[str, tuple[str | None, str | None]]] = {}
        with self.ws.db.reading() as s:
            for r in chosen:
                if r.document_id not in texts:
                    doc = s.get(Document, r.document_id)
                    if doc is not None:
                        texts[r.document_id] = (doc.text, (doc.outlet, doc.author))
        out: builtins.list[Candidate] = []
        for r in chosen:
            text, own = texts.get(r.document_id, ("", (None, None)))
            attrs = extract_attribution(text, r.start, r.end, known_names=known) if text else []
            out.append(Candidate(
                key=f"{r.document_id}:{r.start}:{r.end}", document_id=r.document_id, filename=r.filename,
                title=r.title, published=r.published, start=r.start, end=r.end, text=r.text,
                score=float(r.score), explanation=dict(r.explanation or {}),
                relation=derive_relation(claim_text, r.text, [a.to_dict() for a in attrs], own),
            ))
        return out

    # ------------------------------------------------------------ appearances
    def _find(self, s: Session, claim_id: int, span: Span) -> Appearance | None:
        d, a, b = span
        return s.scalar(select(Appearance).join(Excerpt, Appearance.excerpt_id == Excerpt.id).where(
            Appearance.claim_id == claim_id, Excerpt.document_id == d, Excerpt.start == a, Excerpt.end == b))

    def _add_appearance(self, s: Session, claim_id: int, span: Span, state: str, info: dict[str, Any]) -> Appearance:
        d, a, b = span
        ex, _ = find_or_create_excerpt(s, self.ws.user, d, a, b, claim_id=claim_id)
        app = Appearance(claim_id=claim_id, excerpt_id=ex.id, state=state,
                         relation=info["relation"] if state == "accepted" else None, relation_source="auto",
                         score=info["score"], attribution=info["attribution"] if state == "accepted" else [],
                         created_by=self.ws.user)
        s.add(app)
        s.flush()
        doc = s.get(Document, d)
        assert doc is not None
        audit.record(s, self.ws.user, f"appearance.{'accept' if state == 'accepted' else 'reject'}", "appearance",
                     app.id, claim_id=claim_id, document_id=d,
                     after=_appearance_info(app, ex, doc).to_json())
        return app

    def _set_state(self, claim_id: int, key_or_span: Any, state: str) -> AppearanceInfo:
        span = parse_span(key_or_span)
        with self.ws.db.reading() as s:
            claim_text = self._claim(s, claim_id, lock=False).text
        info = self._analyse_span(claim_text, *span)
        with self.ws.db.writing() as s:
            self._claim(s, claim_id)
            app = self._find(s, claim_id, span)
            if app is None:
                app = self._add_appearance(s, claim_id, span, state, info)
            elif app.state != state:
                ex, doc = app.excerpt, app.excerpt.document
                before = _appearance_info(app, ex, doc).to_json()
                app.state = state
                if state == "accepted":
                    app.relation, app.relation_source = info["relation"], "auto"
                    app.attribution, app.score = info["attribution"], info["score"]
                s.flush()
                audit.record(s, self.ws.user, f"appearance.{'accept' if state == 'accepted' else 'reject'}",
                             "appearance", app.id, claim_id=claim_id, document_id=doc.id, before=before,
                             after=_appearance_info(app, ex, doc).to_json())
            return _appearance_info(app, app.excerpt, app.excerpt.document)

    def accept(self, claim_id: int, key_or_span: Any) -> AppearanceInfo:
        """Accept a candidate (or any span) as an appearance of the claim; idempotent."""
        return self._set_state(claim_id, key_or_span, "accepted")

    def reject(self, claim_id: int, key_or_span: Any) -> AppearanceInfo:
        """Reject a candidate: it (and spans overlapping it) will not be proposed again."""
        return self._set_state(claim_id, key_or_span, "rejected")

    def unreject(self, claim_id: int, key_or_span: Any) -> int:
        """Forget rejections of this span (and overlapping ones); returns how many were removed."""
        d, a, b = parse_span(key_or_span)
        with self.ws.db.writing() as s:
            self._claim(s, claim_id)
            rows = s.execute(select(Appearance, Excerpt).join(Excerpt, Appearance.excerpt_id == Excerpt.id).where(
                Appearance.claim_id == claim_id, Appearance.state == "rejected", Excerpt.document_id == d)).all()
            hits = [(app, ex) for app, ex in rows if overlaps((a, b), (ex.start, ex.end))]
            if not hits:
                raise KeyError(f"claim {claim_id} has no rejected candidate at {d}:{a}:{b}")
            for app, ex in hits:
                before = _appearance_info(app, ex, ex.document).to_json()
                s.delete(app)
                s.flush()
                self._drop_unused_excerpts(s, {ex.id})
                audit.record(s, self.ws.user, "appearance.unreject", "appearance", before["id"], claim_id=claim_id,
                             document_id=d, before=before)
            return len(hits)

    def remove_appearance(self, appearance_id: int) -> None:
        """Remove an appearance (the undo of ``accept``); its excerpt goes too when nothing else uses it."""
        with self.ws.db.writing() as s:
            app = s.get(Appearance, appearance_id)
            if app is None:
                raise KeyError(f"no appearance {appearance_id}")
            ex = app.excerpt
            before = _appearance_info(app, ex, ex.document).to_json()
            claim_id, doc_id = app.claim_id, ex.document_id
            s.delete(app)
            s.flush()
            dropped = self._drop_unused_excerpts(s, {ex.id})
            audit.record(s, self.ws.user, "appearance.remove", "appearance", appearance_id, claim_id=claim_id,
                         document_id=doc_id, before={**before, "excerpt_deleted": bool(dropped)})

    def _drop_unused_excerpts(self, s: Session, excerpt_ids: Iterable[int]) -> builtins.list[int]:
        dropped = []
        for eid in excerpt_ids:
            used = s.scalar(select(func.count()).select_from(Appearance).where(Appearance.excerpt_id == eid))
            ex = s.get(Excerpt, eid)
            if not used and ex is not None:
                s.delete(ex)
                dropped.append(eid)
        s.flush()
        return dropped

    def _edit_appearance(self, appearance_id: int, changes: dict[str, Any], expected: int | None) -> AppearanceInfo:
        with self.ws.db.writing() as s:
            app = s.get(Appearance, appearance_id)
            if app is None:
                raise KeyError(f"no appearance {appearance_id}")
            ex, doc = app.excerpt, app.excerpt.document
            if expected is not None and app.version_id != expected:
                raise ConflictError(
                    f"appearance {appearance_id} was changed since you opened it",
                    entity="appearance", entity_id=appearance_id, mine={**changes, "version": expected},
                    theirs={"relation": app.relation, "relation_source": app.relation_source,
                            "attribution": app.attribution, "version": app.version_id})
            before = {k: getattr(app, k) for k in changes}
            for k, v in changes.items():
                setattr(app, k, v)
            s.flush()
            audit.record(s, self.ws.user, "appearance.edit", "appearance", app.id, claim_id=app.claim_id,
                         document_id=doc.id, before=before, after=changes)
            return _appearance_info(app, ex, doc)

    def set_relation(self, appearance_id: int, relation: str, *, expected_version: int | None = None) -> AppearanceInfo:
        rel = relation.strip().lower().replace("_", "-").replace(" ", "-")
        if rel not in RELATIONS:
            raise ValueError(f"unknown relation {relation!r}; use one of: {', '.join(RELATIONS)}")
        return self._edit_appearance(appearance_id, {"relation": rel, "relation_source": "user"}, expected_version)

    def set_attribution(self, appearance_id: int, items: Iterable[dict[str, Any]], *,
                        expected_version: int | None = None) -> AppearanceInfo:
        clean: builtins.list[dict[str, Any]] = []
        for it in items:
            name = " ".join(str(it.get("name") or "").split())
            if not name:
                raise ValueError("each attribution needs a name")
            kind = it.get("kind") or kind_of(name)
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; use person or outlet")
            row = {"name": name, "kind": kind, "evidence": str(it.get("evidence") or ""),
                   "start": it.get("start"), "end": it.get("end"), "basis": it.get("basis") or "user",
                   "role": it.get("role") or "speaker"}
            clean.append(row)
        return self._edit_appearance(appearance_id, {"attribution": clean}, expected_version)

    # ------------------------------------------------------------ external origins
    def add_origin(self, claim_id: int, name: str, *, kind: str | None = None, date: str | None = None,
                   date_precision: str | None = None, evidence: str = "", document_id: int | None = None) -> OriginInfo:
        name = " ".join(name.split())
        if not name:
            raise ValueError("an origin needs a name")
        kind = kind or kind_of(name)
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; use person or outlet")
        prec = date_precision or ({10: "day", 7: "month", 4: "year"}.get(len(date)) if date else None) or "unknown"
        with self.ws.db.writing() as s:
            self._claim(s, claim_id)
            o = ExternalOrigin(claim_id=claim_id, name=name, kind=kind, date=date, date_precision=prec,
                               evidence=evidence, document_id=document_id, created_by=self.ws.user)
            s.add(o)
            s.flush()
            info = _origin_info(o)
            audit.record(s, self.ws.user, "origin.add", "origin", o.id, claim_id=claim_id, document_id=document_id,
                         after=info.to_json())
            return info

    def link_origin(self, origin_id: int, document_id: int | None) -> OriginInfo:
        """Link an external origin to the workspace document that is that source (None unlinks)."""
        with self.ws.db.writing() as s:
            o = s.get(ExternalOrigin, origin_id)
            if o is None:
                raise KeyError(f"no external origin {origin_id}")
            if document_id is not None and s.get(Document, document_id) is None:
                raise KeyError(f"no document {document_id}")
            before = {"document_id": o.document_id}
            o.document_id = document_id
            s.flush()
            audit.record(s, self.ws.user, "origin.link", "origin", o.id, claim_id=o.claim_id,
                         document_id=document_id, before=before, after={"document_id": document_id})
            return _origin_info(o)
