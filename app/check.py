"""``sourcetrace check``: is the workspace sound?

* SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check`` (PostgreSQL enforces both
  itself, so there they are skipped).
* the schema is at this version's head revision;
* every stored original still matches its SHA-256 and size, and every document has its original;
* every document's text is non-empty, its sentence spans lie inside the text, in order and without
  overlap, and its page spans lie inside the text;
* every excerpt that is not marked orphaned still anchors: ``exact == text[start:end]``.

Documents and originals are read one at a time, so checking a large workspace needs little memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from db import migrate
from db.models import Blob, Document, Excerpt, Sentence

if TYPE_CHECKING:
    from app.workspace import Workspace

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class Problem:
    kind: str  # integrity | foreign_key | schema | original | document | sentence | page | excerpt
    message: str
    entity: str | None = None
    entity_id: int | str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "entity": self.entity, "entity_id": self.entity_id}


@dataclass
class CheckReport:
    backend: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.truncated = True

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "backend": self.backend, "counts": self.counts,
                "problems": [p.to_json() for p in self.problems], "truncated": self.truncated}


def _sqlite_pragmas(ws: Workspace, report: CheckReport) -> None:
    with ws.db.reading() as s:
        rows = [r[0] for r in s.execute(text("PRAGMA integrity_check"))]
        if rows != ["ok"]:
            for msg in rows:
                report.add(Problem("integrity", f"integrity check: {msg}"))
        for table, rowid, parent, _fkid in s.execute(text("PRAGMA foreign_key_check")):
            report.add(Problem("foreign_key", f"{table} row {rowid} points to a missing {parent} row",
                               table, rowid))


def _check_blobs(ws: Workspace, report: CheckReport) -> None:
    n = 0
    with ws.db.reading() as s:
        q = select(Blob.sha256, Blob.size, Blob.data).execution_options(yield_per=1)
        for sha, size, data in s.execute(q):
            n += 1
            actual = hashlib.sha256(data).hexdigest()
            if actual != sha:
                report.add(Problem("original", f"stored original {sha[:12]}… no longer matches its SHA-256 "
                                               f"(now {actual[:12]}…)", "blob", sha))
            if len(data) != size:
                report.add(Problem("original", f"stored original {sha[:12]}… is {len(data)} bytes, "
                                               f"recorded as {size}", "blob", sha))
    report.counts["originals"] = n


def _check_document(doc_id: int, text_: str, pages: Any, spans: list[tuple[int, int]],
                    excerpts: list[tuple[int, int, int, str, bool]], report: CheckReport) -> int:
    n = len(text_)
    if not text_.strip():
        report.add(Problem("document", f"document {doc_id} has no text", "document", doc_id))
    prev_end = 0
    for seq, (a, b) in enumerate(spans):
        if not (0 <= a < b <= n) or a < prev_end:
            report.add(Problem("sentence", f"document {doc_id}: sentence {seq} span [{a}, {b}) is invalid "
                                           f"(text length {n}, previous sentence ends at {prev_end})",
                               "document", doc_id))
            break
        prev_end = b
    for i, page in enumerate(pages or []):
        try:
            a, b = int(page[0]), int(page[1])
        except (TypeError, ValueError, IndexError):
            a, b = -1, -1
        if not (0 <= a <= b <= n):
            report.add(Problem("page", f"document {doc_id}: page {i + 1} span {page} is outside the text",
                               "document", doc_id))
            break
    anchored = 0
    for ex_id, start, end, exact, orphaned in excerpts:
        if orphaned:
            continue
        if not (0 <= start <= end <= n) or text_[start:end] != exact:
            report.add(Problem("excerpt", f"excerpt {ex_id} no longer anchors in document {doc_id}: "
                                          f"text[{start}:{end}] differs from its quote", "excerpt", ex_id))
        else:
            anchored += 1
    return anchored


def _check_documents(ws: Workspace, report: CheckReport) -> None:
    with ws.db.reading() as s:
        ids = list(s.scalars(select(Document.id).order_by(Document.id)))
        missing = s.execute(
            select(Document.id, Document.sha256).outerjoin(Blob, Blob.sha256 == Document.sha256)
            .where(Blob.sha256.is_(None))
        ).all()
        for doc_id, sha in missing:
            report.add(Problem("original", f"document {doc_id}'s original ({sha[:12]}…) is missing",
                               "document", doc_id))
        bad_size = s.execute(
            select(Document.id, Document.size, Blob.size).join(Blob, Blob.sha256 == Document.sha256)
            .where(Document.size != Blob.size)
        ).all()
        for doc_id, dsize, bsize in bad_size:
            report.add(Problem("original", f"document {doc_id} records {dsize} bytes but its original has {bsize}",
                               "document", doc_id))
        report.counts["sentences"] = int(s.scalar(select(func.count()).select_from(Sentence)) or 0)
        report.counts["excerpts"] = int(s.scalar(select(func.count()).select_from(Excerpt)) or 0)
    anchored = 0
    for doc_id in ids:
        with ws.db.reading() as s:
            row = s.execute(select(Document.text, Document.pages).where(Document.id == doc_id)).first()
            if row is None:  # deleted meanwhile
                continue
            spans = [(int(a), int(b)) for a, b in s.execute(
                select(Sentence.start, Sentence.end).where(Sentence.document_id == doc_id).order_by(Sentence.seq))]
            excerpts = [(int(i), int(a), int(b), str(e), bool(o)) for i, a, b, e, o in s.execute(
                select(Excerpt.id, Excerpt.start, Excerpt.end, Excerpt.exact, Excerpt.orphaned)
                .where(Excerpt.document_id == doc_id))]
        anchored += _check_document(doc_id, row[0] or "", row[1], spans, excerpts, report)
    report.counts["documents"] = len(ids)
    report.counts["excerpts_anchored"] = anchored


def check_workspace(ws: Workspace) -> CheckReport:
    report = CheckReport(backend="sqlite" if ws.is_sqlite else "postgresql")
    if ws.is_sqlite:
        _sqlite_pragmas(ws, report)
    rev = migrate.current_revision(ws.db.read_engine)
    if rev != migrate.head_revision():
        report.add(Problem("schema", f"schema revision is {rev}, expected {migrate.head_revision()}"))
    _check_blobs(ws, report)
    _check_documents(ws, report)
    return report
