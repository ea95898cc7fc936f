"""Documents: import files (one transaction each), list, read, edit metadata, delete.

Originals are stored content-addressed by SHA-256; identical bytes are reported as a
duplicate of the existing document instead of being stored twice. Extraction (the CPU-heavy
part, `app.extraction`) runs in worker processes for PDF and Word files; database writes stay on the calling
thread, one short transaction per file, so a failing file never leaves anything half-written.
"""

from __future__ import annotations

import builtins
import mimetypes
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from app import audit, config
from app.extraction import (
    ExtractorPool,
    Pending,
    extract_job,
    is_heavy,
    is_workspace_file,
    iter_files,
    no_text_reason,
    readable_name,
    sha256_hex,
)
from app.sentences import split_sentences
from db.errors import ConflictError
from db.models import Appearance, Blob, Document, Excerpt, ExternalOrigin, Sentence
from importers.base import Extracted, ImportFailure

EDITABLE_FIELDS = ("title", "author", "outlet", "url", "published", "published_precision", "language")
PRECISIONS = {"day": 10, "month": 7, "year": 4}


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


ProgressFn = Callable[[int, int, "ImportOutcome | None"], None]


@dataclass
class ImportOutcome:
    filename: str
    status: str  # imported | duplicate | failed | cancelled
    id: int | None = None
    title: str | None = None
    published: str | None = None
    sha256: str | None = None
    error: str | None = None
    path: str | None = None
    warnings: list[str] = field(default_factory=list)
    # re-import only: what became of the document's excerpts (``ReanchorReport.to_json()``)
    excerpts: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        extra = {"excerpts": self.excerpts} if self.excerpts is not None else {}
        return {
            **extra,
            "id": self.id,
            "filename": self.filename,
            "title": self.title,
            "published": self.published,
            "sha256": self.sha256,
            "status": self.status,
            "error": self.error,
            "warnings": self.warnings,
            "path": self.path,
        }


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    filename: str
    title: str | None
    author: str | None
    outlet: str | None
    url: str | None
    published: str | None
    published_precision: str
    language: str | None
    media_type: str
    size: int
    sha256: str
    imported_at: datetime
    imported_by: str
    sentences: int
    version: int

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["imported_at"] = self.imported_at.isoformat()
        return d


@dataclass(frozen=True)
class DocumentDetail:
    info: DocumentInfo
    text: str
    pages: list[tuple[int, int]]
    warnings: list[str]
    sentences: list[tuple[int, int]]
    meta_sources: dict[str, str]


class _AlreadyStored(Exception):
    """Another writer stored the same bytes first (found inside the write transaction)."""


SENTENCE_BATCH = 5000


def _insert_sentences(s: Session, doc_id: int, spans: builtins.list[tuple[int, int]]) -> None:
    """Bulk insert through Core (executemany), not one ORM object per sentence; in batches, so
    that a book-sized text does not hold a parameter row per sentence in memory at once."""
    for lo in range(0, len(spans), SENTENCE_BATCH):
        s.execute(insert(Sentence), [
            {"document_id": doc_id, "seq": lo + i, "start": a, "end": b}
            for i, (a, b) in enumerate(spans[lo:lo + SENTENCE_BATCH])
        ])


def _info(doc: Document, sentences: int) -> DocumentInfo:
    return DocumentInfo(
        id=doc.id, filename=doc.filename, title=doc.title, author=doc.author, outlet=doc.outlet,
        url=doc.url, published=doc.published, published_precision=doc.published_precision,
        language=doc.language, media_type=doc.media_type, size=doc.size, sha256=doc.sha256,
        imported_at=doc.imported_at, imported_by=doc.imported_by, sentences=sentences,
        version=doc.version_id,
    )


class DocumentService:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    # ------------------------------------------------------------------ import
    def find_by_sha(self, sha: str) -> int | None:
        with self.ws.db.reading() as s:
            return s.scalar(select(Document.id).where(Document.sha256 == sha))

    def import_bytes(self, data: bytes, filename: str, *, password: str | None = None) -> ImportOutcome:
        sha = sha256_hex(data)
        filename = readable_name(filename)
        existing = self.find_by_sha(sha)
        if existing is not None:
            return self._duplicate(filename, existing, sha)
        result = extract_job(data, filename, password)
        return self._store(data, sha, filename, result)

    def _store(self, data: bytes, sha: str, filename: str, result: Extracted | ImportFailure) -> ImportOutcome:
        if isinstance(result, ImportFailure):
            return ImportOutcome(filename, "failed", sha256=sha, error=str(result))
        ex = result
        if not ex.text.strip():
            return ImportOutcome(filename, "failed", sha256=sha, error=no_text_reason(ex))
        spans = split_sentences(ex.text)
        md = ex.metadata
        dup: int | None = None
        try:
            with self.ws.db.writing() as s:
                dup = s.scalar(select(Document.id).where(Document.sha256 == sha))
                if dup is not None:
                    raise _AlreadyStored
                if s.get(Blob, sha) is None:
                    s.add(Blob(sha256=sha, size=len(data), data=data))
                doc = Document(
                    sha256=sha, filename=filename, media_type=ex.media_type, size=len(data),
                    imported_by=self.ws.user, title=md.title, author=md.author, outlet=md.outlet,
                    url=md.url, published=md.published, published_precision=md.published_precision,
                    language=md.language, text=ex.text, pages=[list(p) for p in ex.pages],
                    warnings=list(ex.warnings), meta_sources=dict(md.sources),
                )
                s.add(doc)
                s.flush()
                _insert_sentences(s, doc.id, spans)
                audit.record(
                    s, self.ws.user, "document.import", "document", doc.id, document_id=doc.id,
                    after={"filename": filename, "sha256": sha, "title": md.title,
                           "published": md.published, "sentences": len(spans)},
                )
                doc_id = doc.id
        except _AlreadyStored:
            assert dup is not None
            return self._duplicate(filename, dup, sha)
        except IntegrityError:
            dup = self.find_by_sha(sha)
            if dup is not None:
                return self._duplicate(filename, dup, sha)
            raise
        return ImportOutcome(filename, "imported", id=doc_id, title=md.title, published=md.published,
                             sha256=sha, warnings=list(ex.warnings))

    def _read_file(self, path: Path) -> bytes | ImportOutcome:
        name, shown = readable_name(path.name), readable_name(str(path))
        try:
            st = path.stat()
        except FileNotFoundError:
            return ImportOutcome(name, "failed", path=shown, error="file not found")
        except OSError as exc:
            return ImportOutcome(name, "failed", path=shown, error=f"cannot read the file: {exc.strerror}")
        limit = config.max_import_bytes()
        if st.st_size > limit:
            return ImportOutcome(
                name, "failed", path=shown,
                error=f"the file is too large ({st.st_size / 1048576:.1f} MB; the limit is "
                      f"{limit / 1048576:.0f} MB, set SOURCETRACE_MAX_IMPORT_MB to change it)",
            )
        if st.st_size == 0:
            return ImportOutcome(name, "failed", path=shown, error="the file is empty")
        try:
            return path.read_bytes()
        except PermissionError:
            return ImportOutcome(name, "failed", path=shown, error="permission denied: the file is not readable")
        except OSError as exc:
            return ImportOutcome(name, "failed", path=shown, error=f"cannot read the file: {exc.strerror}")

    def import_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        password: str | None = None,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        workers: int | None = None,
    ) -> list[ImportOutcome]:
        """Import files and folders (recursively). Each file is its own transaction; failures
        are reported per file and never stop the batch. With several files, extraction runs
        in worker processes (one per core); writes stay here, in order."""
        own = self.ws.path
        files = [f for f in iter_files(paths) if not (own is not None and is_workspace_file(f, own))]
        total = len(files)
        outcomes: list[ImportOutcome] = []
        order: list[int] = []  # each outcome's place in the input, to return them in that order
        if workers is None:
            # worker processes pay off for PDFs and Word files (seconds each); plain text and
            # HTML extract faster here than a process takes to start
            heavy = sum(1 for f in files if is_heavy(f))
            workers = min(os.cpu_count() or 1, 4, heavy) if heavy >= 2 else 0

        def done(outcome: ImportOutcome, seq: int) -> None:
            outcomes.append(outcome)
            order.append(seq)
            if progress is not None:
                progress(len(outcomes), total, outcome)

        if progress is not None:
            progress(0, total, None)
        pool = ExtractorPool(workers, password) if workers > 1 else None
        window = max(2, 2 * workers)
        pending: list[Pending] = []
        # Tell other writers what holds the workspace lock ("busy: alice is importing 120 files").
        activity = self.ws.db.doing(f"importing {total} files")
        activity.__enter__()
        try:
            it = iter(enumerate(files))
            exhausted = False
            while True:
                while not exhausted and len(pending) < (window if pool else 1):
                    if cancel is not None and cancel.is_set():
                        exhausted = True
                        break
                    seq, path = next(it, (-1, None))
                    if path is None:
                        exhausted = True
                        break
                    data = self._read_file(path)
                    if isinstance(data, ImportOutcome):
                        done(data, seq)
                        continue
                    item = Pending(path, data, sha256_hex(data), seq)
                    existing = self.find_by_sha(item.sha)
                    if existing is not None:
                        done(self._duplicate(item.name, existing, item.sha, item.shown), seq)
                        continue
                    if pool is not None and is_heavy(path):
                        pool.submit(item)
                    else:
                        item.result = extract_job(data, item.name, password)
                    pending.append(item)
                if not pending:
                    break
                item = pending.pop(0)
                result = item.result if item.result is not None else pool.result(item, pending)  # type: ignore[union-attr]
                assert result is not None
                if cancel is not None and cancel.is_set():
                    done(ImportOutcome(item.name, "cancelled", path=item.shown, sha256=item.sha), item.seq)
                    continue
                outcome = self._store(item.data, item.sha, item.name, result)
                outcome.path = item.shown
                done(outcome, item.seq)
        finally:
            activity.__exit__(None, None, None)
            if pool is not None:
                pool.close()
        return [o for _, o in sorted(zip(order, outcomes, strict=True), key=lambda p: p[0])]

    def _duplicate(self, name: str, existing: int, sha: str, shown: str | None = None) -> ImportOutcome:
        """The outcome for bytes already stored as document ``existing`` (with its title and date)."""
        with self.ws.db.reading() as s:  # its title and date only, not its text and sentences
            row = s.execute(select(Document.title, Document.published).where(Document.id == existing)).first()
        title, published = row if row is not None else (None, None)  # None: deleted meanwhile
        return ImportOutcome(name, "duplicate", id=existing, sha256=sha, path=shown, title=title,
                             published=published, error=f"duplicate of document {existing}")

    # ------------------------------------------------------------------ read
    def list(self) -> list[DocumentInfo]:
        with self.ws.db.reading() as s:
            counts = dict(
                s.execute(select(Sentence.document_id, func.count()).group_by(Sentence.document_id)).all()
            )
            # the list never needs the texts (a workspace of books would load them all)
            docs = s.scalars(select(Document).options(defer(Document.text), defer(Document.pages),
                                                      defer(Document.warnings), defer(Document.meta_sources))
                             .order_by(Document.id)).all()
            return [_info(d, counts.get(d.id, 0)) for d in docs]

    def ids(self) -> builtins.list[int]:
        with self.ws.db.reading() as s:
            return list(s.scalars(select(Document.id).order_by(Document.id)))

    def get(self, doc_id: int) -> DocumentDetail:
        with self.ws.db.reading() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise KeyError(f"no document {doc_id}")
            spans = [(a, b) for a, b in s.execute(
                select(Sentence.start, Sentence.end).where(Sentence.document_id == doc_id).order_by(Sentence.seq)
            )]
            return DocumentDetail(
                info=_info(doc, len(spans)), text=doc.text,
                pages=[(int(a), int(b)) for a, b in (doc.pages or [])],
                warnings=list(doc.warnings or []), sentences=spans, meta_sources=dict(doc.meta_sources or {}),
            )

    def info(self, doc_id: int) -> DocumentInfo:
        return self.get(doc_id).info

    def original(self, doc_id: int) -> tuple[str, str, bytes]:
        """``(filename, media_type, original bytes)`` exactly as imported."""
        with self.ws.db.reading() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise KeyError(f"no document {doc_id}")
            blob = s.get(Blob, doc.sha256)
            assert blob is not None
            return doc.filename, doc.media_type, blob.data

    def guess_media_type(self, filename: str) -> str:
        return mimetypes.guess_type(filename)[0] or "application/octet-stream"

    # ------------------------------------------------------------------ edit
    def update_metadata(self, doc_id: int, *, expected_version: int | None = None, **changes: Any) -> DocumentInfo:
        """Edit metadata fields. With ``expected_version`` (the version the user's edit started
        from) a save over someone else's newer change raises ``ConflictError`` with both sides."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        if "published" in changes:
            pub = changes["published"]
            if pub in ("", None):
                changes["published"] = None
                changes.setdefault("published_precision", "unknown")
            else:
                pub = str(pub).strip()
                prec = {10: "day", 7: "month", 4: "year"}.get(len(pub))
                try:
                    if prec is None:
                        raise ValueError
                    datetime.strptime(pub, {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[prec])
                except ValueError:
                    raise ValueError(f"publication date must be YYYY-MM-DD, YYYY-MM or YYYY, not {pub!r}") from None
                changes["published"] = pub
                changes["published_precision"] = prec
        with self.ws.db.writing() as s:
            doc = s.get(Document, doc_id, with_for_update=True)  # PG: lock the row first
            if doc is None:
                raise KeyError(f"no document {doc_id}")
            if expected_version is not None and doc.version_id != expected_version:
                raise ConflictError(
                    f"document {doc_id} was changed since you opened it "
                    f"(your version {expected_version}, now {doc.version_id})",
                    entity="document", entity_id=doc_id, mine={**changes, "version": expected_version},
                    theirs={**{k: getattr(doc, k) for k in EDITABLE_FIELDS}, "version": doc.version_id})
            before = {k: getattr(doc, k) for k in changes}
            for k, v in changes.items():
                setattr(doc, k, v)
                doc.meta_sources = {**(doc.meta_sources or {}), k: "user"}
            audit.record(s, self.ws.user, "document.edit", "document", doc_id, document_id=doc_id,
                         before=before, after=dict(changes))
            s.flush()
            n = s.scalar(select(func.count()).select_from(Sentence).where(Sentence.document_id == doc_id)) or 0
            return _info(doc, n)

    def reimport_path(self, doc_id: int, path: str | os.PathLike[str], *,
                      password: str | None = None) -> ImportOutcome:
        """``reimport`` from a file, read with the same checks as an import (size limit, empty,
        unreadable: a failed outcome saying so, the document left as it was)."""
        file = Path(path)
        data = self._read_file(file)
        if isinstance(data, ImportOutcome):
            data.id = doc_id
            return data
        return self.reimport(doc_id, data, readable_name(file.name), password=password)

    def reimport(self, doc_id: int, data: bytes, filename: str | None = None, *,
                 password: str | None = None) -> ImportOutcome:
        """Replace a document's original and text with a new version of the same source (an
        edited page). Sentences are re-split and excerpts re-anchored by quote and context;
        an excerpt that cannot be found again is marked orphaned, never moved or dropped."""
        from app.excerpts import reanchor_document

        name = filename or self.info(doc_id).filename
        sha = sha256_hex(data)
        result = extract_job(data, name, password)
        if isinstance(result, ImportFailure):
            return ImportOutcome(name, "failed", id=doc_id, sha256=sha, error=str(result))
        if not result.text.strip():
            return ImportOutcome(name, "failed", id=doc_id, sha256=sha, error=no_text_reason(result))
        spans = split_sentences(result.text)
        other: int | None = None
        try:
            with self.ws.db.writing() as s:
                doc = s.get(Document, doc_id, with_for_update=True)  # PG: lock the row first
                if doc is None:
                    raise KeyError(f"no document {doc_id}")
                other = s.scalar(select(Document.id).where(Document.sha256 == sha, Document.id != doc_id))
                if other is not None:
                    raise _AlreadyStored
                before = {"sha256": doc.sha256, "filename": doc.filename, "text_length": len(doc.text)}
                old_sha = doc.sha256
                if s.get(Blob, sha) is None:
                    s.add(Blob(sha256=sha, size=len(data), data=data))
                s.flush()
                doc.sha256, doc.filename, doc.size = sha, name, len(data)
                doc.media_type = result.media_type
                doc.text = result.text
                doc.pages = [list(p) for p in result.pages]
                doc.warnings = list(result.warnings)
                s.query(Sentence).filter(Sentence.document_id == doc_id).delete()
                _insert_sentences(s, doc_id, spans)
                s.flush()
                report = reanchor_document(s, self.ws.user, doc_id, result.text)
                if old_sha != sha and s.scalar(
                    select(func.count()).select_from(Document).where(Document.sha256 == old_sha)
                ) == 0:
                    old_blob = s.get(Blob, old_sha)
                    if old_blob is not None:
                        s.delete(old_blob)
                audit.record(s, self.ws.user, "document.reimport", "document", doc_id, document_id=doc_id,
                             before=before, after={"sha256": sha, "filename": name, "text_length": len(result.text),
                                                   "excerpts": report.to_json()})
        except _AlreadyStored:
            assert other is not None
            return self._duplicate(name, other, sha)
        return ImportOutcome(name, "imported", id=doc_id, title=result.metadata.title,
                             published=result.metadata.published, sha256=sha, warnings=list(result.warnings),
                             excerpts=report.to_json())

    def _record_claim_losses(self, s: Session, doc: Document) -> None:
        """What deleting ``doc`` takes from claims, in each claim's own history: its appearances
        there (removed with the document's excerpts) and origins linked to it (unlinked)."""
        reason = {"reason": "document deleted", "document": doc.filename}
        rows = s.execute(select(Appearance, Excerpt).join(Excerpt, Appearance.excerpt_id == Excerpt.id)
                         .where(Excerpt.document_id == doc.id)).all()
        for app, ex in rows:
            audit.record(s, self.ws.user, "appearance.remove", "appearance", app.id, claim_id=app.claim_id,
                         document_id=doc.id, after=reason,
                         before={"id": app.id, "document_id": doc.id, "start": ex.start, "end": ex.end,
                                 "text": ex.exact, "state": app.state, "relation": app.relation})
        for o in s.scalars(select(ExternalOrigin).where(ExternalOrigin.document_id == doc.id)):
            audit.record(s, self.ws.user, "origin.link", "origin", o.id, claim_id=o.claim_id, document_id=doc.id,
                         before={"document_id": doc.id}, after={"document_id": None, **reason})

    def delete(self, doc_id: int) -> None:
        """Delete a document, its sentences and excerpts (and so its appearances in claims)."""
        with self.ws.db.writing() as s:
            doc = s.get(Document, doc_id, with_for_update=True)  # PG: lock the row first
            if doc is None:
                raise KeyError(f"no document {doc_id}")
            before = {"filename": doc.filename, "sha256": doc.sha256, "title": doc.title}
            excerpts = s.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.document_id == doc_id))
            sha = doc.sha256
            self._record_claim_losses(s, doc)
            s.delete(doc)
            s.flush()
            if s.scalar(select(func.count()).select_from(Document).where(Document.sha256 == sha)) == 0:
                blob = s.get(Blob, sha)
                if blob is not None:
                    s.delete(blob)
            audit.record(s, self.ws.user, "document.delete", "document", doc_id, document_id=doc_id,
                         before={**before, "excerpts": excerpts})
