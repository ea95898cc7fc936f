"""Move a whole workspace to another database: ``sourcetrace --db FILE migrate-to postgresql://...``.

The target gets the same schema through the same Alembic migrations, must be empty, and is filled
in one transaction: every table in foreign-key order, in batches (bounded by rows and by bytes,
so large originals never pile up in memory). Before that transaction commits, the copy is
verified *inside* it: row counts per table, the SHA-256 of every stored original recomputed from
the target's bytes, and a SHA-256 of every document's text compared with the source's. Any
difference rolls the whole move back, leaving the target empty. PostgreSQL sequences are then set
past the copied ids.

The source is read in one read transaction (a consistent snapshot: on SQLite it holds a shared
lock, so no one commits mid-move; on PostgreSQL it is REPEATABLE READ).

The same copy, in the other direction, makes a backup of a server workspace as an SQLite file
(``MaintenanceService.backup`` on PostgreSQL).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Table, func, select, text

from db import migrate
from db.engine import Database
from db.errors import WorkspaceError
from db.models import Base, Blob, Document

BATCH_ROWS = 500
BATCH_BYTES = 16 * 1024 * 1024
ProgressFn = Callable[[str, int], None]


@dataclass
class MoveReport:
    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)
    originals_verified: int = 0
    documents_verified: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "tables": self.tables,
                "originals_verified": self.originals_verified, "documents_verified": self.documents_verified,
                "verified": True}


def tables_in_order() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _self_refs(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _fix_row(row: dict[str, Any], dt_cols: list[str]) -> dict[str, Any]:
    for c in dt_cols:
        v = row.get(c)
        if isinstance(v, datetime):
            row[c] = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return row


def _batches(rows: Iterable[dict[str, Any]], size_of: Callable[[dict[str, Any]], int]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    nbytes = 0
    for row in rows:
        batch.append(row)
        nbytes += size_of(row)
        if len(batch) >= BATCH_ROWS or nbytes >= BATCH_BYTES:
            yield batch
            batch, nbytes = [], 0
    if batch:
        yield batch


def _row_size(row: dict[str, Any]) -> int:
    return sum(len(v) for v in row.values() if isinstance(v, bytes | str))


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def ensure_empty_target(conn: Connection) -> None:
    busy = {t.name: n for t in tables_in_order() if (n := _count(conn, t))}
    if busy:
        listing = ", ".join(f"{n} in {name}" for name, n in busy.items())
        raise WorkspaceError(
            f"the target database is not empty ({listing}); moving a workspace only fills an empty "
            "database. Create a new, empty database and try again."
        )


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    dt_cols = [c.name for c in table.columns if isinstance(c.type, DateTime)]
    self_refs = _self_refs(table)
    pk = list(table.primary_key.columns)
    deferred: list[dict[str, Any]] = []
    rows = (dict(r._mapping) for r in src.execute(select(table).order_by(*pk).execution_options(yield_per=BATCH_ROWS)))
    n = 0
    for batch in _batches(rows, _row_size):
        for row in batch:
            _fix_row(row, dt_cols)
            if self_refs and any(row.get(c) is not None for c in self_refs):
                deferred.append({**{c.name: row[c.name] for c in pk}, **{c: row[c] for c in self_refs}})
                for c in self_refs:
                    row[c] = None
        dst.execute(table.insert(), batch)
        n += len(batch)
    if deferred:  # rows pointing at rows of the same table (possibly later ones): link afterwards
        for ref in deferred:
            dst.execute(table.update().where(*[c == ref[c.name] for c in pk])
                        .values({c: ref[c] for c in self_refs}))
    return n


def _text_hashes(conn: Connection) -> dict[int, str]:
    out: dict[int, str] = {}
    q = select(Document.id, Document.text).order_by(Document.id).execution_options(yield_per=100)
    for doc_id, body in conn.execute(q):
        out[int(doc_id)] = hashlib.sha256((body or "").encode("utf-8")).hexdigest()
    return out


def _verify(src: Connection, dst: Connection, report: MoveReport) -> None:
    problems: list[str] = []
    for table in tables_in_order():
        a, b = _count(src, table), _count(dst, table)
        if a != b:
            problems.append(f"{table.name}: {a} rows in the source, {b} in the target")
    src_keys = set(src.scalars(select(Blob.sha256)))
    seen = 0
    for sha, data in dst.execute(select(Blob.sha256, Blob.data).execution_options(yield_per=1)):
        seen += 1
        if hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"original {sha[:12]}… does not match its SHA-256 in the target")
        src_keys.discard(sha)
    if src_keys:
        problems.append(f"{len(src_keys)} originals missing in the target")
    a_hashes, b_hashes = _text_hashes(src), _text_hashes(dst)
    for doc_id, h in a_hashes.items():
        if b_hashes.get(doc_id) != h:
            problems.append(f"document {doc_id}: text differs in the target")
    if problems:
        raise WorkspaceError("the copy did not verify, nothing was kept in the target: " + "; ".join(problems[:10]))
    report.originals_verified = seen
    report.documents_verified = len(a_hashes)


def _reset_sequences(dst: Connection) -> None:
    if dst.dialect.name != "postgresql":
        return
    for table in tables_in_order():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        seq = dst.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name})
        if seq:
            top = dst.scalar(select(func.max(pk[0])))
            dst.execute(text("SELECT setval(:s, :v, :called)"),
                        {"s": seq, "v": int(top or 1), "called": top is not None})


def copy_database(src: Database, dst: Database, *, progress: ProgressFn | None = None) -> MoveReport:
    """Copy every row of ``src`` into the empty ``dst`` (schema brought to head), verified."""
    migrate.check_compatible(src.read_engine)
    if migrate.current_revision(src.read_engine) != migrate.head_revision():
        raise WorkspaceError("the source workspace's schema is not up to date; open it once with write access")
    migrate.upgrade(dst.write_engine)
    report = MoveReport(source=src.url, target=dst.url)
    with src.read_engine.connect() as sconn:
        if sconn.dialect.name == "postgresql":
            sconn = sconn.execution_options(isolation_level="REPEATABLE READ")
        with sconn.begin(), dst.write_engine.begin() as dconn:
            ensure_empty_target(dconn)
            for table in tables_in_order():
                report.tables[table.name] = _copy_table(sconn, dconn, table)
                if progress is not None:
                    progress(table.name, report.tables[table.name])
            _verify(sconn, dconn, report)
            _reset_sequences(dconn)
    return report


def migrate_to(source: str, target: str, *, progress: ProgressFn | None = None) -> MoveReport:
    """Open the workspace at ``source`` (bringing it up to date) and move it into ``target``."""
    from app.workspace import Workspace
    from db.engine import to_url

    target_url = to_url(target)
    with Workspace.open(source, create=False, daily_backup=False) as ws:
        if ws.db.url == target_url:
            raise WorkspaceError("the source and the target are the same database")
        dst = Database(target_url, user=ws.user)
        try:
            return copy_database(ws.db, dst, progress=progress)
        finally:
            dst.dispose()
