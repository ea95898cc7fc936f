"""Collect a case (claims, their excerpts, documents, origins, history) as portable data.

Portable means free of workspace-local ids: documents are named by SHA-256, claims, excerpts
and appearances by stable ids derived from who created them and when (preserved by
import-bundle), so the same case exported from two workspaces gives the same files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select

from db.models import AuditEntry, Claim, Document, Excerpt

IMPORT_MARK = "imported_from"


def iso(dt: datetime | None) -> str | None:
    """UTC ISO-8601 with microseconds; naive values (SQLite) are taken as UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _uid(prefix: str, *parts: object) -> str:
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return f"{prefix}-{hashlib.sha256(raw.encode('utf-8')).hexdigest()[:16]}"


def claim_uid(created_by: str, created_at: datetime | None) -> str:
    return _uid("claim", created_by, iso(created_at))


def excerpt_uid(doc_sha: str, start: int, end: int, created_by: str, created_at: datetime | None) -> str:
    return _uid("excerpt", doc_sha, start, end, created_by, iso(created_at))


def appearance_uid(claim: str, excerpt: str) -> str:
    return _uid("appearance", claim, excerpt)


def safe_filename(name: str, limit: int = 80) -> str:
    """A file name safe on every system and in every BagIt tool (no %, no separators)."""
    name = unicodedata.normalize("NFC", name).replace("/", "_").replace("\\", "_")
    name = re.sub(r"[\x00-\x1f\x7f%<>:\"|?*]", "_", name).strip(" .")
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:limit]
    return name or "document"


@dataclass
class CaseDocument:
    local_id: int
    sha256: str
    filename: str
    media_type: str
    size: int
    title: str | None
    author: str | None
    outlet: str | None
    url: str | None
    published: str | None
    published_precision: str
    language: str | None
    imported_at: str | None
    imported_by: str
    text: str
    pages: list[Any]
    warnings: list[Any]
    meta_sources: dict[str, Any]

    @property
    def original_path(self) -> str:
        return f"data/documents/{self.sha256[:12]}-{safe_filename(self.filename)}"

    @property
    def text_path(self) -> str:
        stem = safe_filename(self.filename).rsplit(".", 1)[0] if "." in self.filename else safe_filename(self.filename)
        return f"data/text/{self.sha256[:12]}-{stem}.txt"

    @property
    def label(self) -> str:
        return self.title or self.filename


@dataclass
class Case:
    claims: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[str, CaseDocument] = field(default_factory=dict)  # by sha256
    audit: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def doc(self, sha: str) -> CaseDocument:
        return self.documents[sha]

    def sorted_documents(self) -> list[CaseDocument]:
        return sorted(self.documents.values(), key=lambda d: (d.published is None, d.published or "", d.sha256))


def _date_key(doc: CaseDocument) -> tuple[bool, str]:
    return (doc.published is None, doc.published or "")


def _excerpt(ex: Excerpt, sha: str) -> dict[str, Any]:
    return {
        "id": excerpt_uid(sha, ex.start, ex.end, ex.created_by, ex.created_at),
        "document": sha, "start": ex.start, "end": ex.end,
        "exact": ex.exact, "prefix": ex.prefix or "", "suffix": ex.suffix or "",
        "orphaned": bool(ex.orphaned), "created_by": ex.created_by, "created_at": iso(ex.created_at),
    }


def _document(doc: Document) -> CaseDocument:
    return CaseDocument(
        local_id=doc.id, sha256=doc.sha256, filename=doc.filename, media_type=doc.media_type, size=doc.size,
        title=doc.title, author=doc.author, outlet=doc.outlet, url=doc.url, published=doc.published,
        published_precision=doc.published_precision or "unknown", language=doc.language,
        imported_at=iso(doc.imported_at), imported_by=doc.imported_by, text=doc.text,
        pages=[list(p) for p in (doc.pages or [])], warnings=list(doc.warnings or []),
        meta_sources=dict(sorted((doc.meta_sources or {}).items())),
    )


def collect_case(ws: Any, claim_ids: list[int]) -> Case:
    """Read everything the bundle needs in one snapshot. Raises KeyError for an unknown claim."""
    case = Case()
    if not claim_ids:
        raise ValueError("no claims to export")
    with ws.db.reading() as s:
        claims: list[Claim] = []
        for cid in dict.fromkeys(claim_ids):
            claim = s.get(Claim, cid)
            if claim is None:
                raise KeyError(f"no claim {cid}")
            claims.append(claim)
        local_claim: dict[int, str] = {}
        app_uid: dict[int, str] = {}
        wanted_docs: set[int] = set()
        for claim in claims:
            local_claim[claim.id] = claim_uid(claim.created_by, claim.created_at)
            for app in claim.appearances:
                if app.state != "rejected":
                    wanted_docs.add(app.excerpt.document_id)
            for origin in claim.external_origins:
                if origin.document_id is not None:
                    wanted_docs.add(origin.document_id)
        docs = {d.id: d for d in s.scalars(select(Document).where(Document.id.in_(wanted_docs)))}
        sha_of = {i: d.sha256 for i, d in docs.items()}
        for d in docs.values():
            case.documents[d.sha256] = _document(d)
        for claim in claims:
            for app in claim.appearances:
                if app.excerpt.document_id in sha_of:
                    ex = _excerpt(app.excerpt, sha_of[app.excerpt.document_id])
                    app_uid[app.id] = appearance_uid(local_claim[claim.id], ex["id"])
        for claim in claims:
            case.claims.append(_claim(case, claim, local_claim[claim.id], sha_of, app_uid))
        case.claims.sort(key=lambda c: (c["created_at"] or "", c["id"]))
        case.audit = _audit(s, local_claim, sha_of)
    _add_lineage(ws, case, {uid: cid for cid, uid in local_claim.items()}, app_uid)
    return case


def _claim(case: Case, claim: Claim, uid: str, sha_of: dict[int, str], app_uid: dict[int, str]) -> dict[str, Any]:
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for app in claim.appearances:
        sha = sha_of.get(app.excerpt.document_id)
        if sha is None:
            continue  # a rejected candidate in a document that is not part of the case
        ex = _excerpt(app.excerpt, sha)
        if ex["orphaned"]:
            case.warnings.append(f"claim {claim.id}: the excerpt in {case.doc(sha).label!r} is orphaned "
                                 "(its quote was not found again after the document changed)")
        item = {
            "id": app_uid[app.id], "document": sha, "excerpt": ex,
            "relation": app.relation, "relation_source": app.relation_source, "score": app.score,
            "attributed_to": list(app.attribution or []),
            "derived_from": app_uid.get(app.derived_from_id) if app.derived_from_id else None,
            "created_by": app.created_by, "created_at": iso(app.created_at),
        }
        (rejected if app.state == "rejected" else accepted).append(item)

    def order(a: dict[str, Any]) -> tuple[Any, ...]:
        return (*_date_key(case.doc(a["document"])), a["document"], a["excerpt"]["start"], a["id"])

    accepted.sort(key=order)
    rejected.sort(key=order)
    origins = sorted(
        ({"name": o.name, "kind": o.kind, "date": o.date, "date_precision": o.date_precision,
          "document": sha_of.get(o.document_id) if o.document_id else None, "evidence": o.evidence or "",
          "created_by": o.created_by, "created_at": iso(o.created_at)} for o in claim.external_origins),
        key=lambda o: (o["date"] is None, o["date"] or "", o["name"], o["created_at"] or ""),
    )
    return {
        "id": uid, "text": claim.text, "notes": claim.notes or "", "tags": list(claim.tags or []),
        "status": claim.status, "verdict": claim.verdict, "verdict_note": claim.verdict_note or "",
        "created_by": claim.created_by, "created_at": iso(claim.created_at),
        "updated_by": claim.updated_by, "updated_at": iso(claim.updated_at),
        "appearances": accepted, "rejected": rejected, "external_origins": origins,
    }


def _audit(s: Any, local_claim: dict[int, str], sha_of: dict[int, str]) -> list[dict[str, Any]]:
    """History of these claims, and of their documents (entries about other claims left out).

    Import bookkeeping (entries marked ``imported_from``, ``bundle.import``) is local to the
    receiving workspace and not exported again, so a re-exported case keeps its history."""
    q = select(AuditEntry).where(or_(
        AuditEntry.claim_id.in_(list(local_claim)),
        AuditEntry.claim_id.is_(None) & AuditEntry.document_id.in_(list(sha_of)),
    )).order_by(AuditEntry.id)
    out = []
    for e in s.scalars(q):
        if e.action == "bundle.import" or (isinstance(e.after, dict) and IMPORT_MARK in e.after):
            continue
        out.append({
            "at": iso(e.at), "user": e.user, "action": e.action, "entity": e.entity,
            "claim": local_claim.get(e.claim_id) if e.claim_id is not None else None,
            "document": sha_of.get(e.document_id) if e.document_id is not None else None,
            "before": e.before, "after": e.after,
        })
    return out


def _portable_ref(ref: dict[str, Any], app_uid: dict[int, str]) -> dict[str, Any]:
    if ref.get("type") == "appearance":
        return {"appearance": app_uid.get(ref.get("appearance_id") or -1)}
    return {"origin": ref.get("name") or str(ref.get("key", "")).removeprefix("origin:")}


def _ref_key(ref: dict[str, Any]) -> str:
    return str(ref.get("appearance") or ref.get("origin") or "")


def _add_lineage(ws: Any, case: Case, claims_by_uid: dict[str, int], app_uid: dict[int, str]) -> None:
    """Timeline, earliest appearance, derived-from links, origins and the count of independent
    origins for each claim, in an order that does not depend on local ids.

    Links between appearances are taken as recorded (``derived_from_id``, stored by
    ``ws.lineage.trace`` and audited), because recomputing them depends on this workspace's
    matcher (aliases, corpus) and would make the same case export differently elsewhere.
    Links to origins outside the case come from ``trace(..., persist=False)`` (an export never
    changes the workspace); they depend only on the attributions, which travel with the case."""
    for c in case.claims:
        apps = c["appearances"]
        dated = [a for a in apps if case.doc(a["document"]).published]
        derived: dict[str, list[dict[str, Any]]] = {
            a["id"]: [{"appearance": a["derived_from"]}] if a["derived_from"] else [] for a in apps}
        origins: list[dict[str, Any]] = []
        try:
            traced = ws.lineage.trace(claims_by_uid[c["id"]], persist=False)
        except Exception as exc:  # lineage is best effort: the claim data is exported regardless
            case.warnings.append(f"lineage of claim {claims_by_uid[c['id']]} could not be traced ({exc})")
            traced = None
        if traced is not None:
            for la in traced.appearances:
                uid = app_uid.get(la.appearance_id or -1)
                if uid in derived:
                    derived[uid] += [_portable_ref(r, app_uid) for r in la.derived_from if r.get("type") == "origin"]
            keys = {la.key: app_uid[la.appearance_id] for la in traced.appearances if la.appearance_id in app_uid}
            for o in traced.external_origins:
                refs = [_portable_ref(r, app_uid) for r in o.derived_from]
                cited = sorted({keys[k] for k in o.cited_by if k in keys})
                referenced = any(o.name == r.get("origin") for x in traced.external_origins for r in
                                 (_portable_ref(y, app_uid) for y in x.derived_from))
                if o.id is None and not cited and not referenced:
                    continue
                origins.append({
                    "name": o.name, "kind": o.kind, "date": o.date, "date_precision": o.date_precision,
                    "evidence": o.evidence, "recorded": o.id is not None,
                    "derived_from": sorted(refs, key=_ref_key), "cited_by": cited,
                })
        origins.sort(key=lambda o: (o["date"] is None, o["date"] or "", o["name"]))
        derived = {k: sorted(v, key=_ref_key) for k, v in sorted(derived.items()) if v}
        cited_names = {r["origin"] for refs in derived.values() for r in refs if r.get("origin")}
        cited_names |= {r["origin"] for o in origins for r in o["derived_from"] if r.get("origin")}
        roots = sum(1 for a in apps if a["id"] not in derived) + sum(
            1 for o in origins if o["name"] in cited_names and not o["derived_from"])
        n = len(apps)
        c["lineage"] = {
            "timeline": [a["id"] for a in apps],
            "earliest": dated[0]["id"] if dated else None,
            "undated": [a["id"] for a in apps if not case.doc(a["document"]).published],
            "derived_from": derived, "origins": origins, "independent_origins": roots,
            "summary": f"{n} appearance{'s' if n != 1 else ''}, {roots} independent origin{'s' if roots != 1 else ''}",
        }
