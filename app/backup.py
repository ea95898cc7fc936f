"""Backups through SQLite's online backup API, restores under the write lock (never by copying
the live file).

Copying a live SQLite file with ordinary file I/O can capture a half-written state (another
process committing mid-copy, a hot journal left beside it) and gives a corrupt copy. The backup
API reads a consistent snapshot under a shared lock and writes a complete database.

Rotating automatic backups live in ``<workspace>.backups/``: the newest ``KEEP`` of each kind
("daily", "before-…") are kept. A backup is first written as ``<name>.partial`` and renamed into
place only when complete, so a crash or a full disk never leaves a truncated backup behind.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.activity import ActivityBoard, describe_holder
from db.engine import BUSY_TIMEOUT_MS, LockStats, _begin_immediate, sqlite_code, sqlite_path
from db.errors import StorageFull, WorkspaceBusy, WorkspaceError

KEEP = 7
SUFFIX = ".sourcetrace-backup"
DAILY = timedelta(hours=24)


def backup_dir(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".backups")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.Error) and sqlite_code(exc) == 13


def backup_sqlite(src: Path, dest: Path, *, verify: bool = False) -> Path:
    """Copy a live SQLite database consistently with ``sqlite3.Connection.backup``.

    Raises ``StorageFull`` when the destination's disk fills up (nothing is left behind) and
    ``WorkspaceError`` when the copy fails ``PRAGMA quick_check`` (``verify=True``)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            target = sqlite3.connect(tmp)
            try:
                target.execute("PRAGMA journal_mode=DELETE")
                # One step: a consistent snapshot under one shared lock (a stepwise copy would
                # restart every time another process commits).
                source.backup(target)
                if verify:
                    row = target.execute("PRAGMA quick_check").fetchone()
                    if row is None or row[0] != "ok":
                        raise WorkspaceError(f"the backup {dest} failed its check: {row}")
            finally:
                target.close()
        finally:
            source.close()
        tmp.replace(dest)
        _fsync_dir(dest.parent)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        for extra in (tmp.with_name(tmp.name + "-journal"),):
            extra.unlink(missing_ok=True)
        if _full(exc):
            raise StorageFull(
                f"Not enough disk space to write the backup {dest}. Nothing was written there; "
                "the workspace itself is untouched."
            ) from exc
        if isinstance(exc, OSError):
            raise WorkspaceError(f"cannot write the backup {dest}: {exc.strerror or exc}") from exc
        raise WorkspaceError(f"the backup of {src} failed: {exc}") from exc
    return dest


def _kind(path: Path) -> str:
    """``daily`` / ``before-migration`` / ``before-restore``: the part after the time stamp."""
    stem = path.name[: -len(SUFFIX)]
    reason = stem.split("-", 1)[1] if "-" in stem else ""
    return reason.split("-from-")[0]


def list_backups(workspace: Path) -> list[Path]:
    folder = backup_dir(workspace)
    return sorted(folder.glob("*" + SUFFIX)) if folder.is_dir() else []


def rotate(folder: Path, keep: int = KEEP) -> None:
    groups: dict[str, list[Path]] = {}
    for p in sorted(folder.glob("*" + SUFFIX)):
        groups.setdefault(_kind(p), []).append(p)
    for backups in groups.values():
        for old in backups[:-keep]:
            old.unlink(missing_ok=True)


def automatic_backup(workspace: Path, reason: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = backup_dir(workspace)
    dest = backup_sqlite(workspace, folder / f"{stamp}-{reason}{SUFFIX}")
    rotate(folder)
    return dest


def backup_before_migration(url: str, revision: str | None) -> Path | None:
    path = sqlite_path(url)
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    return automatic_backup(path, f"before-migration-from-{revision or 'none'}")


def newest_backup_time(workspace: Path) -> datetime | None:
    newest = None
    for p in list_backups(workspace):
        try:
            when = datetime.strptime(p.name[:23], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        except ValueError:
            when = datetime.fromtimestamp(p.stat().st_mtime, UTC)
        newest = when if newest is None or when > newest else newest
    return newest


def daily_backup_due(workspace: Path, now: datetime | None = None) -> bool:
    newest = newest_backup_time(workspace)
    return newest is None or (now or datetime.now(UTC)) - newest >= DAILY


# ---------------------------------------------------------------------------------- restore
def validate_backup(backup: Path) -> str:
    """Check that ``backup`` is a sound SourceTrace workspace this version can open; return its
    schema revision. Raises ``WorkspaceError`` saying what is wrong otherwise."""
    from sqlalchemy import create_engine

    from db import migrate

    if not backup.is_file():
        raise WorkspaceError(f"no backup file at {backup}")
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{backup} is not a SourceTrace backup (not an SQLite database: {exc})") from exc
    if rows != ["ok"]:
        raise WorkspaceError(f"{backup} is damaged (integrity check: {'; '.join(rows[:5])}); not restored")
    if "documents" not in tables or "alembic_version" not in tables:
        raise WorkspaceError(f"{backup} is not a SourceTrace workspace backup; not restored")
    engine = create_engine(f"sqlite:///file:{backup}?mode=ro&uri=true")
    try:
        rev = migrate.check_compatible(engine)
    finally:
        engine.dispose()
    return rev or "none"


def restore_sqlite(backup: Path, workspace: Path, *, user: str | None = None) -> Path | None:
    """Replace the workspace's content with ``backup``'s, holding the write lock throughout.

    The backup is validated first. Then the workspace's write lock is taken (``BEGIN IMMEDIATE``
    with the same retries, busy budget and lock-holder record as every other writer), and kept
    while the current content is saved to ``<workspace>.backups/<stamp>-before-restore…``
    (through the backup API, from a reader, which the lock allows) and while the backup's
    content replaces it, in one transaction. No other writer can commit in between, so nothing
    saved by anyone is missing from both the safety copy and the restored workspace; other
    processes see the old or the restored workspace, never a mix. When the lock cannot be had
    within the busy budget, ``WorkspaceBusy`` says who holds it and nothing is restored.

    (The backup API cannot write into a database whose connection holds a transaction, so the
    content is copied with SQL: the workspace's tables, indexes and triggers are dropped and the
    backup's recreated and filled, which also restores a backup of an older schema revision.)
    Returns the safety copy's path (None when there was no workspace yet)."""
    validate_backup(backup)
    if not workspace.exists():
        backup_sqlite(backup, workspace)
        return None
    if user is None:
        from app.config import current_user

        user = current_user()
    board = ActivityBoard(workspace, user)
    conn = sqlite3.connect(workspace.absolute().as_uri(), uri=True, isolation_level=None,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    locked = False
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction; the backup passed its checks
        conn.execute("ATTACH DATABASE ? AS restore_src", (backup.absolute().as_uri() + "?mode=ro",))
        with board.doing("restoring a backup"):
            try:
                _begin_immediate(conn, LockStats(), board)
            except WorkspaceBusy as exc:
                raise WorkspaceBusy(
                    f"The workspace is busy: {describe_holder(exc.holder)}. Waited {exc.waited:.0f} s; nothing was "
                    "restored and the workspace is unchanged. Try again when they are done.",
                    holder=exc.holder, waited=exc.waited,
                ) from None
        locked = True
        safety = automatic_backup(workspace, "before-restore")
        _replace_content(conn)
        conn.execute("COMMIT")
        locked = False
        return safety
    except sqlite3.Error as exc:
        if _full(exc):
            raise StorageFull(
                f"The disk holding {workspace} is full; the restore was rolled back and the "
                "workspace is unchanged."
            ) from exc
        raise WorkspaceError(f"the restore failed: {exc}; the workspace is unchanged") from exc
    finally:
        if locked and conn.in_transaction:
            conn.execute("ROLLBACK")
        board.release()
        conn.close()


def _replace_content(conn: sqlite3.Connection) -> None:
    """Inside the caller's write transaction: make ``main`` hold exactly ``restore_src``'s schema and rows."""
    def objects(schema: str) -> list[tuple[str, str, str | None]]:
        return conn.execute(f"SELECT type, name, sql FROM {schema}.sqlite_master "
                            "WHERE substr(name, 1, 7) != 'sqlite_' ORDER BY rowid").fetchall()

    order = {"view": 0, "trigger": 1, "index": 2, "table": 3}
    for kind, name, _sql in sorted(objects("main"), key=lambda o: order.get(o[0], 9)):
        conn.execute(f'DROP {kind.upper()} IF EXISTS main."{name.replace(chr(34), chr(34) * 2)}"')
    wanted = objects("restore_src")
    for kind, name, sql in wanted:
        if kind == "table" and sql:
            conn.execute(sql)
            quoted = name.replace('"', '""')
            conn.execute(f'INSERT INTO main."{quoted}" SELECT * FROM restore_src."{quoted}"')
    for kind, _name, sql in wanted:
        if kind in ("index", "trigger", "view") and sql:
            conn.execute(sql)
    has_seq = conn.execute("SELECT 1 FROM restore_src.sqlite_master WHERE name = 'sqlite_sequence'").fetchone()
    if has_seq and conn.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        conn.execute("DELETE FROM main.sqlite_sequence")
        conn.execute("INSERT INTO main.sqlite_sequence SELECT * FROM restore_src.sqlite_sequence")
    for pragma in ("user_version", "application_id"):
        value = int(conn.execute(f"PRAGMA restore_src.{pragma}").fetchone()[0])
        conn.execute(f"PRAGMA main.{pragma} = {value}")
