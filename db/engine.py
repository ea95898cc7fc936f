"""Engine and session setup for SQLite files and PostgreSQL servers.

Several people may write to one SQLite workspace file at the same time (a shared drive). The
rules that keep that safe:

* **Rollback-journal mode** (``journal_mode=DELETE``), never WAL. WAL keeps its index in a
  shared-memory file (``-shm``) that only processes on the *same machine* can share; two machines
  writing through a network share would each trust their own index and corrupt the database. The
  rollback journal needs only ordinary file locks, which SMB and NFSv4 provide.
* **Write transactions take the lock up front** (``BEGIN IMMEDIATE``): two writers can never
  deadlock upgrading a read lock to a write lock, and a writer that has to wait does so *before*
  doing anything. So retrying the ``BEGIN`` is always safe: nothing has been read or written
  yet. We retry it with jittered backoff for up to ``busy_seconds()`` (30 s unless
  ``SOURCETRACE_BUSY_SECONDS`` says otherwise), then raise ``WorkspaceBusy`` naming the holder.
* **Short transactions**: services open one per unit of work (one per file during an import), so
  other writers get in between. Once a writer holds the lock it waits up to a minute for readers
  to finish at ``COMMIT`` (SQLite's own busy timeout); readers wait up to 30 s for a commit.
* **Who holds the lock** is written to a sidecar file right after ``BEGIN IMMEDIATE`` succeeds and
  removed when the transaction ends (``db/activity.py``), so a waiter can say "alice is importing".
* ``synchronous=FULL`` and ``foreign_keys=ON`` on every connection.

PostgreSQL needs none of that: row-level locks, ``lock_timeout`` so a blocked writer gives up with
``WorkspaceBusy`` instead of hanging, ``timezone=UTC`` and the user's name in ``application_name``
(visible in ``pg_stat_activity``). ``Database.run_write`` re-runs a whole unit of work on the
transient PostgreSQL failures (serialization failure, deadlock).
"""

from __future__ import annotations

import getpass
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.activity import ActivityBoard, describe_holder
from db.errors import ReadOnlyWorkspace, StorageFull, WorkspaceBusy, WorkspaceError

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000  # busy timeout for helper connections (backups, change watcher)
LOCK_ATTEMPT_MS = 20  # SQLite's own busy wait inside one BEGIN IMMEDIATE attempt
COMMIT_BUSY_TIMEOUT_MS = 60_000  # a lock holder waits this long for readers at COMMIT
READ_BUSY_TIMEOUT_MS = 30_000  # a reader waits this long for a commit in progress
DEFAULT_BUSY_SECONDS = 30.0

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xff)
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL = 5, 6, 8, 10, 13
PG_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
PG_LOCK_TIMEOUT = "55P03"  # lock_not_available
PG_DISK_FULL = {"53100", "53200"}  # disk_full, out_of_memory
PG_APP_PREFIX = "SourceTrace "  # application_name = prefix + user [+ ": " + activity]


def busy_seconds() -> float:
    """How long a writer keeps trying to get the write lock before giving up."""
    try:
        return max(0.0, float(os.environ.get("SOURCETRACE_BUSY_SECONDS", DEFAULT_BUSY_SECONDS)))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def _default_user() -> str:
    env = os.environ.get("SOURCETRACE_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def to_url(target: str | os.PathLike[str]) -> str:
    """Turn a path or URL into an SQLAlchemy URL string."""
    text = os.fspath(target)
    if "://" in text:
        if text.startswith("postgresql://"):
            return "postgresql+psycopg://" + text[len("postgresql://") :]
        if text.startswith("postgres://"):
            return "postgresql+psycopg://" + text[len("postgres://") :]
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


@dataclass
class LockStats:
    """Write-lock acquisition figures for this process (SQLite), for benchmarks and diagnostics."""

    begins: int = 0
    waited: int = 0  # transactions that had to wait at least once
    total_wait: float = 0.0
    max_wait: float = 0.0

    def add(self, seconds: float, contended: bool) -> None:
        self.begins += 1
        self.total_wait += seconds
        self.max_wait = max(self.max_wait, seconds)
        if contended:
            self.waited += 1


def sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    if "database is locked" in text or "database is busy" in text:
        return SQLITE_BUSY
    if "disk is full" in text:
        return SQLITE_FULL
    if "readonly database" in text:
        return SQLITE_READONLY
    return None


def _begin_immediate(raw: Any, stats: LockStats, board: ActivityBoard | None) -> None:
    """Take the write lock, retrying with jittered backoff; safe because nothing was done yet."""
    started = time.monotonic()
    deadline = started + busy_seconds()
    raw.execute(f"PRAGMA busy_timeout={LOCK_ATTEMPT_MS}")
    attempt = 0
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if sqlite_code(exc) not in (SQLITE_BUSY, SQLITE_LOCKED):
                raise
            now = time.monotonic()
            if now >= deadline:
                holder = board.read() if board is not None else None
                raise WorkspaceBusy(
                    f"The workspace is busy: {describe_holder(holder)}. Waited {now - started:.0f} s; "
                    "your change was not saved. Try again in a moment.",
                    holder=holder, waited=now - started,
                ) from None
            attempt += 1
            time.sleep(min(deadline - now, random.uniform(0.0005, min(0.05, 0.001 * 2 ** min(attempt, 6)))))
    raw.execute(f"PRAGMA busy_timeout={COMMIT_BUSY_TIMEOUT_MS}")
    stats.add(time.monotonic() - started, attempt > 0)
    if board is not None:
        board.claim()


def _install_sqlite_hooks(
    engine: Engine, *, immediate: bool, readonly: bool, stats: LockStats, board: ActivityBoard | None
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
        if not readonly:
            # Rollback journal, never WAL: see the module docstring.
            cur.execute("PRAGMA journal_mode=DELETE")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        raw = conn.connection.driver_connection
        if immediate and not readonly:
            _begin_immediate(raw, stats, board)
        else:
            raw.execute("BEGIN")

    if board is not None:
        # The transaction is ending: we no longer hold the lock (or are about to release it).
        event.listen(engine, "commit", lambda _conn: board.release())
        event.listen(engine, "rollback", lambda _conn: board.release())


def make_engine(
    url: str,
    *,
    immediate: bool = False,
    readonly: bool = False,
    user: str | None = None,
    stats: LockStats | None = None,
    board: ActivityBoard | None = None,
    labels: threading.local | None = None,
) -> Engine:
    """One engine per role: ``immediate=True`` for the SQLite writer (``BEGIN IMMEDIATE``)."""
    if is_sqlite(url):
        connect_args: dict[str, Any] = {"timeout": READ_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        real_url = url
        if readonly:
            path = sqlite_path(url)
            assert path is not None
            real_url = f"sqlite:///file:{path}?mode=ro&uri=true"
            connect_args["uri"] = True
        engine = create_engine(real_url, connect_args=connect_args, pool_pre_ping=False)
        _install_sqlite_hooks(engine, immediate=immediate, readonly=readonly,
                              stats=stats or LockStats(), board=board)
        return engine
    lock_ms = int(busy_seconds() * 1000)
    name = f"{PG_APP_PREFIX}{user or _default_user()}"[:63]
    pg_args: dict[str, Any] = {"application_name": name,
                               "options": f"-c timezone=UTC -c lock_timeout={lock_ms}"}
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=pg_args)
    if labels is not None:

        @event.listens_for(engine, "begin")
        def _label(conn: Any) -> None:
            # Only during a labelled activity ("importing 120 files"): others see it in
            # pg_stat_activity and in their busy message. Transaction-local, so it resets itself.
            action = getattr(labels, "action", None)
            if action is not None:
                conn.exec_driver_sql("SELECT set_config('application_name', %(n)s, true)",
                                     {"n": f"{name}: {action[0]}"[:63]})

    return engine


def pg_lock_holder(conn: Any) -> dict[str, Any] | None:
    """The oldest other SourceTrace transaction on this database (who is probably in our way)."""
    row = conn.exec_driver_sql(
        "SELECT application_name, extract(epoch FROM xact_start), client_addr::text, pid "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND xact_start IS NOT NULL AND application_name LIKE 'SourceTrace %%' "
        "ORDER BY xact_start LIMIT 1"
    ).first()
    if row is None:
        return None
    who, _, action = str(row[0])[len(PG_APP_PREFIX):].partition(": ")
    return {"user": who, "action": action or "working on the same data", "since": float(row[1]),
            "host": row[2], "pid": row[3]}


class Database:
    """Engines and session factories for one workspace database."""

    def __init__(self, url: str, *, readonly: bool = False, user: str | None = None) -> None:
        self.url = url
        self.readonly = readonly
        self.sqlite = is_sqlite(url)
        self.user = user or _default_user()
        self.path = sqlite_path(url)
        self.lock_stats = LockStats()
        self.activity = ActivityBoard(self.path, self.user) if (self.path and not readonly) else None
        self._labels = threading.local()  # PostgreSQL: this thread's activity label
        self.read_engine = make_engine(url, immediate=False, readonly=readonly, user=self.user,
                                       labels=None if self.sqlite else self._labels)
        self.write_engine = (
            self.read_engine
            if (readonly or not self.sqlite)
            else make_engine(url, immediate=True, user=self.user, stats=self.lock_stats, board=self.activity)
        )
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._closers: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ sessions
    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short read-only unit of work."""
        try:
            with self._read() as session:
                try:
                    yield session
                finally:
                    session.rollback()
        except DBAPIError as exc:
            mapped = self.translate(exc)
            if mapped is None:
                raise
            raise mapped from exc

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction, committed on success and rolled back on any error.

        Raises ``ReadOnlyWorkspace``, ``WorkspaceBusy`` (the lock could not be had within the
        retry budget; nothing was done) or ``StorageFull`` (rolled back as a whole)."""
        if self.readonly:
            raise ReadOnlyWorkspace(self.readonly_message())
        try:
            with self._write() as session, session.begin():
                yield session
        except DBAPIError as exc:
            mapped = self.translate(exc)
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            if self.activity is not None:
                self.activity.release()

    def run_write(self, fn: Callable[[Session], T], *, attempts: int = 4) -> T:
        """Run ``fn(session)`` as one write transaction, re-running the *whole* unit of work when
        the server reports a transient failure (PostgreSQL serialization failure or deadlock).
        ``fn`` must have no side effects outside the session."""
        for attempt in range(1, attempts + 1):
            try:
                with self.writing() as session:
                    return fn(session)
            except WorkspaceBusy as exc:
                if not exc.retryable or attempt == attempts:
                    raise
                time.sleep(random.uniform(0.01, 0.05 * attempt))
        raise AssertionError("unreachable")

    def doing(self, action: str) -> AbstractContextManager[None]:
        """Label this thread's writes for others (``"importing 12 files"``) while inside."""
        if self.activity is not None:
            return self.activity.doing(action)
        if not self.sqlite:
            return self._pg_doing(action)
        return nullcontext()

    @contextmanager
    def _pg_doing(self, action: str) -> Iterator[None]:
        prev = getattr(self._labels, "action", None)
        self._labels.action = (action, time.time())
        try:
            yield
        finally:
            self._labels.action = prev

    def lock_holder(self) -> dict[str, Any] | None:
        """Who holds the write lock (SQLite) or the oldest open transaction (PostgreSQL) right now,
        if known."""
        if self.path is not None:
            return (self.activity or ActivityBoard(self.path, self.user)).read()
        if self.sqlite:
            return None
        try:
            with self.read_engine.connect() as conn:
                return pg_lock_holder(conn)
        except DBAPIError:
            return None

    # ------------------------------------------------------------------ errors
    def readonly_message(self) -> str:
        where = str(self.path) if self.path is not None else "this workspace"
        if self.path is not None and self.path.exists() and not os.access(self.path, os.W_OK):
            why = "the file is read-only for you"
        elif self.path is not None and not os.access(self.path.parent, os.W_OK):
            why = "its folder is read-only for you"
        else:
            why = "it was opened read-only"
        return f"{where} is open read-only ({why}); the change was not saved."

    def translate(self, exc: DBAPIError) -> WorkspaceError | None:
        """A person-readable ``WorkspaceError`` for storage failures, or None to re-raise as is."""
        orig = exc.orig
        if self.sqlite:
            code = sqlite_code(orig) if orig is not None else None
            if code in (SQLITE_BUSY, SQLITE_LOCKED):
                holder = self.lock_holder()
                return WorkspaceBusy(
                    f"The workspace is busy: {describe_holder(holder)}. The change was not saved; "
                    "try again in a moment.", holder=holder)
            if code == SQLITE_FULL:
                return StorageFull(
                    f"The disk holding the workspace ({self.path}) is full. The change was undone as a "
                    "whole and the workspace is intact; free some space and try again.")
            if code == SQLITE_READONLY:
                return ReadOnlyWorkspace(self.readonly_message())
            return None
        state = getattr(orig, "sqlstate", None)
        if state in PG_RETRYABLE:
            return WorkspaceBusy("Another user changed the same data at the same moment; the change was "
                                 "not saved. Try again.", retryable=True)
        if state == PG_LOCK_TIMEOUT:
            holder = self.lock_holder()
            return WorkspaceBusy(f"The workspace is busy: {describe_holder(holder)}. The change was not "
                                 "saved; try again in a moment.", holder=holder)
        if state in PG_DISK_FULL:
            return StorageFull("The database server is out of disk space. The change was undone as a whole; "
                               "ask the server's administrator to free space.")
        return None

    # ------------------------------------------------------------------ lifetime
    def on_dispose(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` when the database is closed (helper connections, listeners)."""
        self._closers.append(fn)

    def dispose(self) -> None:
        for fn in reversed(self._closers):
            try:
                fn()
            except Exception:
                pass
        self._closers.clear()
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()
