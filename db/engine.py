"""Engine and session setup for SQLite files and PostgreSQL servers.

SQLite: rollback-journal mode (WAL does not work across machines on a network share),
``PRAGMA foreign_keys=ON`` and a busy timeout on every connection, and write transactions
taken up front with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 5000


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


def _install_sqlite_hooks(engine: Engine, *, immediate: bool, readonly: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not readonly:
            cur.execute("PRAGMA journal_mode=DELETE")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate and not readonly else "BEGIN")


def make_engine(url: str, *, immediate: bool = False, readonly: bool = False) -> Engine:
    """One engine per role: ``immediate=True`` for the writer (``BEGIN IMMEDIATE``)."""
    if is_sqlite(url):
        connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        real_url = url
        if readonly:
            path = sqlite_path(url)
            assert path is not None
            real_url = f"sqlite:///file:{path}?mode=ro&uri=true"
            connect_args["uri"] = True
        engine = create_engine(real_url, connect_args=connect_args, pool_pre_ping=False)
        _install_sqlite_hooks(engine, immediate=immediate, readonly=readonly)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    """Engines and session factories for one workspace database."""

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.sqlite = is_sqlite(url)
        self.read_engine = make_engine(url, immediate=False, readonly=readonly)
        self.write_engine = (
            self.read_engine if (readonly or not self.sqlite) else make_engine(url, immediate=True)
        )
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A short read-only unit of work."""
        with self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction, committed on success and rolled back on any error."""
        if self.readonly:
            from db.errors import ReadOnlyWorkspace

            raise ReadOnlyWorkspace("this workspace is open read-only")
        with self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()
