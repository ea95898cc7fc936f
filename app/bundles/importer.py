"""``import-bundle``: bring a bundle's documents, claims and excerpts into a workspace.

The bundle is verified first (every checksum, structure, quotes at their positions) and
refused with the verification report if anything is wrong. Everything is then written in
one transaction, keeping the original authors and times:

- documents are deduplicated by SHA-256 (an existing document is reused; excerpts are
  re-anchored on its text if that text differs, or marked orphaned);
- claims already in the workspace (same author and creation time) are left alone;
- the claims' and new documents' history from ``audit.jsonl`` is copied into the audit trail,
  then the import itself is recorded (``bundle.import``; ``claim.create`` and
  ``document.import`` entries marked ``imported_from``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import audit
from app.bundles import values as V
from app.bundles.case import IMPORT_MARK, appearance_uid, claim_uid, excerpt_uid
from app.bundles.contents import JsonProblem, kind_of, parse_json
from app.bundles.formats import FORMAT
from app.bundles.safezip import ZipLimits
from app.bundles.sources import BagSource, BundleReadError, open_source
from app.bundles.verify import CancelToken, VerifyReport, verify_path
from app.excerpts import locate
from app.sentences import split_sentences
from db.models import Appearance, Blob, Claim, Document, Excerpt, ExternalOrigin, Sentence

ProgressFn = Callable[[int, int, str], None]
MAX_JSON = 512 * 1024 * 1024


class BundleRejected(Exception):
    """The bundle failed verification or is not a SourceTrace bundle; nothing was imported."""

    def __init__(self, message: str, report: VerifyReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class BundleFormatError(BundleRejected):
    pass


@dataclass
class ImportBundleReport:
    bundle: str
    fingerprint: str
    claims_created: list[dict[str, Any]] = field(default_factory=list)
    claims_skipped: list[dict[str, Any]] = field(default_factory=list)
    documents_created: int = 0
    documents_reused: int = 0
    excerpts_created: int = 0
    excerpts_moved: int = 0
    excerpts_orphaned: int = 0
    history_entries: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise BundleFormatError(f"{where}: {what}; nothing was imported")


def _v(where: str, fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn(*args)`` from ``app.bundles.values``; a bad value refuses the bundle, naming ``where``."""
    try:
        return fn(*args, **kw)
    except V.BadValue as exc:
        raise BundleFormatError(f"{where}: {exc}; nothing was imported") from None


def _str(d: dict[str, Any], key: str, where: str, *, optional: bool = False, limit: int = 1_000_000) -> Any:
    return _v(where, V.text, d, key, optional=optional, limit=limit)


def _int(d: dict[str, Any], key: str, where: str) -> int:
    return int(_v(where, V.whole, d, key))


def _when(d: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    return _v(where, V.when, d, key, optional=optional)


def _read(src: BagSource, report: VerifyReport, path: str) -> bytes:
    """Read a file again and make sure it is still the one that was verified."""
    data = src.read(path, MAX_JSON)
    if hashlib.sha256(data).hexdigest() != report.digests.get(path, {}).get("sha256"):
        raise BundleRejected(f"{path} changed after it was verified; nothing was imported", report)
    return data


def _parse(src: BagSource, report: VerifyReport, path: str) -> Any:
    try:
        return parse_json(_read(src, report, path))
    except JsonProblem as exc:
        raise BundleFormatError(f"{path}: {exc}; nothing was imported", report) from None


def _json(src: BagSource, report: VerifyReport, path: str, key: str) -> list[Any]:
    doc = _parse(src, report, path)
    _need(isinstance(doc, dict) and str(doc.get("format", "")).split("/")[0] == FORMAT.split("/")[0]
          and isinstance(doc.get(key), list), path, f"not a {FORMAT} file with a '{key}' list")
    _need(doc["format"] == FORMAT, path, f"made by a newer SourceTrace ({doc['format']}); update to import it")
    return list(doc[key])


def import_bundle(
    ws: Any, path: str | os.PathLike[str], *, limits: ZipLimits | None = None,
    progress: ProgressFn | None = None, cancel: CancelToken | None = None,
) -> ImportBundleReport:
    report = verify_path(path, limits=limits, progress=progress, cancel=cancel)
    if not report.ok:
        raise BundleRejected(f"{path}: the bundle failed verification; nothing was imported", report)
    if not report.is_bundle:
        raise BundleRejected(f"{path}: a BagIt bag, but not a SourceTrace bundle", report)
    src = open_source(path, limits)
    try:
        return _Importer(ws, src, report, Path(path).name, progress, cancel).run()
    except (BundleReadError, TypeError, KeyError, AttributeError, IndexError, RecursionError,
            UnicodeDecodeError) as exc:
        # a last resort (the checks above and in verify should have named the problem): the
        # transaction was rolled back, and the user gets a message, not a traceback
        raise BundleFormatError(f"{path}: the bundle's content is malformed ({type(exc).__name__}: {exc}); "
                                "nothing was imported", report) from exc
    finally:
        src.close()


class _Importer:
    def __init__(self, ws: Any, src: BagSource, report: VerifyReport, name: str,
                 progress: ProgressFn | None, cancel: CancelToken | None) -> None:
        self.ws, self.src, self.vr, self.progress, self.cancel = ws, src, report, progress, cancel
        info = {k.lower(): v for k, v in report.bag_info}
        self.out = ImportBundleReport(name, info.get("sourcetrace-payload-fingerprint", ""))
        self.ref = {"bundle": name, "fingerprint": self.out.fingerprint,
                    "exported_by": info.get("sourcetrace-exported-by"),
                    "exported_at": info.get("sourcetrace-exported-at")}

    def _tick(self, done: int, total: int, msg: str) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise BundleRejected("import cancelled; nothing was imported")
        if self.progress is not None:
            self.progress(done, total, msg)

    def run(self) -> ImportBundleReport:
        docs = _json(self.src, self.vr, "data/documents.json", "documents")
        claims = _json(self.src, self.vr, "data/claims.json", "claims")
        history = self._audit_lines()
        total = len(docs) + len(claims) + 1
        with self.ws.db.writing() as s:
            doc_ids, new_docs, texts = self._documents(s, docs, total)
            existing = {claim_uid(by, at): cid for cid, by, at in s.execute(
                select(Claim.id, Claim.created_by, Claim.created_at))}
            excerpts = {excerpt_uid(d.sha256, e.start, e.end, e.created_by, e.created_at): e.id
                        for e, d in s.execute(select(Excerpt, Document).join(Document)
                                              .where(Document.id.in_(list(doc_ids.values()))))}
            created: dict[str, int] = {}
            for i, c in enumerate(claims):
                self._tick(len(docs) + i, total, "claims")
                _need(isinstance(c, dict), "data/claims.json", f"claim #{i + 1} is not an object")
                uid = _str(c, "id", f"claim #{i + 1}", limit=64)
                if uid in existing:
                    self.out.claims_skipped.append({"id": existing[uid], "bundle_id": uid, "text": c.get("text")})
                    continue
                created[uid] = self._claim(s, c, doc_ids, texts, excerpts)
            self._history(s, history, created, doc_ids, new_docs)
            for sha in sorted(new_docs):
                d = s.get(Document, doc_ids[sha])
                audit.record(s, self.ws.user, "document.import", "document", d.id, document_id=d.id, after={
                    "filename": d.filename, "sha256": sha, "title": d.title, "published": d.published,
                    IMPORT_MARK: self.ref})
            for uid, cid in created.items():
                audit.record(s, self.ws.user, "claim.create", "claim", cid, claim_id=cid,
                             after={"text": s.get(Claim, cid).text, IMPORT_MARK: {**self.ref, "claim": uid}})
            audit.record(s, self.ws.user, "bundle.import", "bundle", None, after={
                **self.ref, "claims_created": sorted(created.values()),
                "claims_skipped": [c["bundle_id"] for c in self.out.claims_skipped],
                "documents_created": self.out.documents_created, "documents_reused": self.out.documents_reused,
                "history_entries": self.out.history_entries})
            self._tick(total, total, "writing")
        return self.out

    def _audit_lines(self) -> list[Any]:
        out = []
        for n, line in enumerate(_read(self.src, self.vr, "data/audit.jsonl").split(b"\n"), 1):
            if line.strip():
                try:
                    out.append(parse_json(line))
                except JsonProblem as exc:
                    raise BundleFormatError(f"data/audit.jsonl line {n}: {exc}; nothing was imported") from None
        return out

    # ------------------------------------------------------------------ documents
    def _documents(self, s: Any, docs: list[Any], total: int) -> tuple[dict[str, int], set[str], dict[str, str]]:
        doc_ids: dict[str, int] = {}
        new: set[str] = set()
        texts: dict[str, str] = {}
        for i, d in enumerate(docs):
            where = f"documents.json #{i + 1}"
            _need(isinstance(d, dict), where, f"expected an object, found {kind_of(d)}")
            sha = _str(d, "sha256", where, limit=64)
            self._tick(i, total, f"document {d.get('filename')}")
            existing = s.scalar(select(Document).where(Document.sha256 == sha))
            if existing is not None:
                doc_ids[sha], texts[sha] = existing.id, existing.text
                self.out.documents_reused += 1
                continue
            data = _read(self.src, self.vr, _str(d, "original", where))
            text = _read(self.src, self.vr, _str(d, "text", where)).decode("utf-8")
            _need(hashlib.sha256(data).hexdigest() == sha, where, "original does not match its SHA-256")
            if s.get(Blob, sha) is None:
                s.add(Blob(sha256=sha, size=len(data), data=data))
            published, precision = _v(where, V.date, d, "published", "published_precision")
            doc = Document(
                sha256=sha, filename=_str(d, "filename", where, limit=1024),
                media_type=_str(d, "media_type", where, limit=128), size=len(data),
                imported_at=_when(d, "imported_at", where), imported_by=_str(d, "imported_by", where, limit=128),
                title=_str(d, "title", where, optional=True), author=_str(d, "author", where, optional=True),
                outlet=_str(d, "outlet", where, optional=True), url=_str(d, "url", where, optional=True),
                published=published, published_precision=precision,
                language=_str(d, "language", where, optional=True, limit=16), text=text,
                pages=_v(where, V.list_of, d, "pages", list, "lists"),
                warnings=d.get("warnings") if isinstance(d.get("warnings"), list) else [],
                meta_sources=d.get("meta_sources") if isinstance(d.get("meta_sources"), dict) else {},
            )
            s.add(doc)
            s.flush()
            s.add_all(Sentence(document_id=doc.id, seq=n, start=a, end=b)
                      for n, (a, b) in enumerate(split_sentences(text)))
            doc_ids[sha], texts[sha] = doc.id, text
            new.add(sha)
            self.out.documents_created += 1
        return doc_ids, new, texts

    # ------------------------------------------------------------------ claims
    def _claim(self, s: Any, c: dict[str, Any], doc_ids: dict[str, int], texts: dict[str, str],
               excerpts: dict[str, int]) -> int:
        uid = c["id"]
        where = f"claims.json {uid}"
        claim = Claim(
            text=_v(where, V.text, c, "text", nonempty=True), notes=_str(c, "notes", where, optional=True) or "",
            tags=_v(where, V.tags, c), status=_v(where, V.status, c), verdict=_v(where, V.verdict, c),
            verdict_note=_str(c, "verdict_note", where, optional=True) or "",
            created_by=_str(c, "created_by", where, limit=128), created_at=_when(c, "created_at", where),
            updated_by=_str(c, "updated_by", where, optional=True, limit=128),
            updated_at=_when(c, "updated_at", where, optional=True) or _when(c, "created_at", where),
        )
        s.add(claim)
        s.flush()
        _need(claim_uid(claim.created_by, claim.created_at) == uid, where, "id does not match its author and time")
        made: dict[str, Appearance] = {}
        links: list[tuple[Appearance, str]] = []
        for state, key in (("accepted", "appearances"), ("rejected", "rejected")):
            apps = c.get(key) or []
            _need(isinstance(apps, list), where, f"'{key}' must be a list, found {kind_of(apps)}")
            for a in apps:
                _need(isinstance(a, dict) and isinstance(a.get("excerpt"), dict), where,
                      f"an entry of '{key}' is not an appearance with an excerpt")
                ex_id = self._excerpt(s, a["excerpt"], doc_ids, texts, excerpts, where)
                app_id = appearance_uid(uid, _str(a["excerpt"], "id", where, limit=64))
                if app_id in made:
                    self.out.warnings.append(f"{where}: appearance {app_id} listed twice; imported once")
                    continue
                app = Appearance(
                    claim_id=claim.id, excerpt_id=ex_id, state=state, relation=_v(where, V.relation, a),
                    relation_source=_v(where, V.relation_source, a), score=_v(where, V.score, a),
                    attribution=_v(where, V.attribution, a), created_by=_str(a, "created_by", where, limit=128),
                    created_at=_when(a, "created_at", where),
                )
                s.add(app)
                made[app_id] = app
                if isinstance(a.get("derived_from"), str):
                    links.append((app, a["derived_from"]))
        s.flush()
        for app, target in links:
            if target in made:
                app.derived_from_id = made[target].id
        origins = c.get("external_origins") or []
        _need(isinstance(origins, list), where, f"'external_origins' must be a list, found {kind_of(origins)}")
        for o in origins:
            _need(isinstance(o, dict), where, f"an external origin is {kind_of(o)}, not an object")
            doc = o.get("document")
            date, precision = _v(where, V.date, o, "date", "date_precision")
            s.add(ExternalOrigin(
                claim_id=claim.id, name=_v(where, V.text, o, "name", limit=256, nonempty=True),
                kind=_v(where, V.kind, o), date=date, date_precision=precision,
                document_id=doc_ids.get(doc) if isinstance(doc, str) else None,
                evidence=_str(o, "evidence", where, optional=True) or "",
                created_by=_str(o, "created_by", where, limit=128), created_at=_when(o, "created_at", where),
            ))
        self.out.claims_created.append({"id": claim.id, "bundle_id": uid, "text": claim.text})
        return int(claim.id)

    def _excerpt(self, s: Any, ex: dict[str, Any], doc_ids: dict[str, int], texts: dict[str, str],
                 excerpts: dict[str, int], where: str) -> int:
        sha = _str(ex, "document", where, limit=64)
        _need(sha in doc_ids, where, f"excerpt in a document not in the bundle ({sha[:12]})")
        start, end, exact = _int(ex, "start", where), _int(ex, "end", where), _str(ex, "exact", where)
        by, at = _str(ex, "created_by", where, limit=128), _when(ex, "created_at", where)
        uid = excerpt_uid(sha, start, end, by, at)
        if uid in excerpts:
            return excerpts[uid]
        prefix = _str(ex, "prefix", where, optional=True) or ""
        suffix = _str(ex, "suffix", where, optional=True) or ""
        orphaned = bool(ex.get("orphaned"))
        text = texts[sha]
        if text[start:end] != exact and not orphaned:
            found = locate(text, exact, str(prefix), str(suffix), start, end)
            if found is None:
                orphaned = True
                self.out.excerpts_orphaned += 1
                self.out.warnings.append(f"{where}: quote {exact[:50]!r} not found in this workspace's text of "
                                         "the document; the excerpt is kept as orphaned")
            else:
                start, end, exact = found.start, found.end, found.exact
                self.out.excerpts_moved += 1
        row = Excerpt(document_id=doc_ids[sha], start=start, end=end, exact=exact, prefix=str(prefix),
                      suffix=str(suffix), orphaned=orphaned, created_by=by, created_at=at)
        s.add(row)
        s.flush()
        excerpts[uid] = row.id
        self.out.excerpts_created += 1
        return int(row.id)

    # ------------------------------------------------------------------ history
    def _history(self, s: Any, history: list[Any], created: dict[str, int], doc_ids: dict[str, int],
                 new_docs: set[str]) -> None:
        from db.models import AuditEntry

        for n, e in enumerate(history, 1):
            where = f"audit.jsonl line {n}"
            _need(isinstance(e, dict), where, f"expected an object, found {kind_of(e)}")
            claim, doc = e.get("claim"), e.get("document")
            _need(claim is None or isinstance(claim, str), where, f"'claim' must be a claim id, found {kind_of(claim)}")
            _need(doc is None or isinstance(doc, str), where, f"'document' must be a SHA-256, found {kind_of(doc)}")
            if not ((claim in created) or (claim is None and doc in new_docs)):
                continue
            entity = _str(e, "entity", where, limit=32)
            claim_id = created.get(claim) if isinstance(claim, str) else None
            doc_id = doc_ids.get(doc) if isinstance(doc, str) else None
            before, after = e.get("before"), e.get("after")
            s.add(AuditEntry(
                at=_when(e, "at", where), user=_str(e, "user", where, limit=128),
                action=_str(e, "action", where, limit=64), entity=entity,
                entity_id=claim_id if entity == "claim" else doc_id if entity == "document" else None,
                claim_id=claim_id, document_id=doc_id,
                before=before if isinstance(before, dict) else None, after=after if isinstance(after, dict) else None,
            ))
            self.out.history_entries += 1
