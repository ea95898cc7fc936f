"""Apply Alembic migrations when a workspace is opened.

A workspace whose schema revision this version does not know was written by a newer
SourceTrace: it is refused with a clear message and left untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from db.errors import NewerSchema, WorkspaceError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = 0x50_75_72_63  # arbitrary constant: the advisory lock serializing migrations


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_compatible(engine: Engine) -> str | None:
    """Return the workspace's revision, or raise ``NewerSchema`` if we cannot read it."""
    rev = current_revision(engine)
    if rev is not None and rev not in known_revisions():
        raise NewerSchema(
            f"This workspace was created by a newer version of SourceTrace (schema {rev}); "
            f"this version understands schemas up to {head_revision()}. "
            "Update SourceTrace to open it. The workspace has not been modified."
        )
    return rev


def needs_upgrade(engine: Engine) -> bool:
    return check_compatible(engine) != head_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, *, before: Callable[[str | None], None] | None = None) -> None:
    """Bring the schema to head. ``before(current_rev)`` runs first when a real upgrade of a
    non-empty database is about to happen (the place to take a backup)."""
    rev = check_compatible(engine)
    if rev == head_revision():
        return
    if before is not None and rev is not None:
        before(rev)
    if rev is None and not is_empty(engine):
        tables = set(inspect(engine).get_table_names())
        if "documents" not in tables:
            raise WorkspaceError(
                "This database is not a SourceTrace workspace (it has tables but no schema version). "
                "Choose another file; this one was not modified."
            )
    cfg = alembic_config()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            # SQLite's procedure for rebuilding tables: foreign keys off *outside* the transaction
            # (dropping an old copy of a parent table must not cascade), a foreign-key check before
            # commit, and back on afterwards. The pragma is a no-op inside a transaction.
            conn.rollback()
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # Several clients may open a fresh server database at once: one migrates, the
                    # others wait here, then find the schema at head (Alembic re-reads it here).
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise WorkspaceError(
                            f"the schema upgrade would break {len(broken)} references; it was undone and "
                            "the workspace is unchanged"
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
