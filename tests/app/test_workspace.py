"""Opening workspaces: creation, schema migrations, newer-schema refusal, foreign keys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.workspace import Workspace
from db import migrate
from db.errors import NewerSchema, WorkspaceError


def test_creates_file_and_schema(workspace_path: Path) -> None:
    with Workspace.open(workspace_path, user="ana") as ws:
        assert workspace_path.exists()
        assert ws.user == "ana"
        assert not ws.readonly
        assert migrate.current_revision(ws.db.read_engine) == migrate.head_revision()
        assert len(ws.workspace_id) == 32


def test_reopen_keeps_identity(workspace_path: Path) -> None:
    with Workspace.open(workspace_path) as ws:
        first = ws.workspace_id
    with Workspace.open(workspace_path) as ws:
        assert ws.workspace_id == first


def test_foreign_keys_on_every_connection(workspace: Workspace) -> None:
    for engine in (workspace.db.read_engine, workspace.db.write_engine):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "delete"


def test_newer_schema_is_refused_and_untouched(workspace_path: Path) -> None:
    Workspace.open(workspace_path).close()
    con = sqlite3.connect(workspace_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = workspace_path.read_bytes()
    with pytest.raises(NewerSchema, match="newer version of SourceTrace"):
        Workspace.open(workspace_path)
    assert workspace_path.read_bytes() == before


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (x TEXT)")
    con.commit()
    con.close()
    with pytest.raises(WorkspaceError, match="not a SourceTrace workspace"):
        Workspace.open(other)


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is a folder"):
        Workspace.open(tmp_path)


def test_default_location_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "env.sourcetrace"
    monkeypatch.setenv("SOURCETRACE_DB", str(target))
    with Workspace.open() as ws:
        assert ws.path == target.resolve()
