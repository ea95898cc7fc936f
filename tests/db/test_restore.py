"""Restore holds the workspace's write lock from the safety copy to the end of the restore: no
other writer's commit can land in between (and be lost from both), and when the lock cannot be
had the restore is refused as busy, changing nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app import backup as backup_mod
from app.backup import backup_sqlite, list_backups, restore_sqlite
from app.workspace import Workspace
from db.errors import WorkspaceBusy

DOC = b"Assad ordered forces to leave Tadmur. Officials said so on Sunday.\n"


def _filenames(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT filename FROM documents")}
    finally:
        conn.close()


@pytest.fixture
def saved(workspace_path: Path, tmp_path: Path) -> Path:
    """A workspace with one document, backed up; then a second document added after the backup."""
    with Workspace.open(workspace_path, user="alice", daily_backup=False) as ws:
        ws.documents.import_bytes(DOC, "a.txt")
        out = backup_sqlite(workspace_path, tmp_path / "saved.sourcetrace")
        ws.documents.import_bytes(b"Written after the backup. Second sentence.\n", "b.txt")
    return out


def test_no_commit_lands_between_the_safety_copy_and_the_restore(
        saved: Path, workspace_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bob saves right after every safety copy. Each save he was told succeeded must be in the
    safety copy or in the restored workspace; the lock makes him wait (here: give up as busy)."""
    monkeypatch.setenv("SOURCETRACE_BUSY_SECONDS", "0.3")
    bob = Workspace.open(workspace_path, user="bob", daily_backup=False)
    acked: list[str] = []
    refused: list[str] = []
    real = backup_mod.automatic_backup

    def copy_then_bob_saves(workspace: Path, reason: str) -> Path:
        out = real(workspace, reason)
        name = f"bob-{len(acked) + len(refused)}.txt"
        try:
            bob.documents.import_bytes(f"Bob's document {name}. It matters.\n".encode(), name)
            acked.append(name)
        except WorkspaceBusy as exc:
            refused.append(str(exc))
        return out

    monkeypatch.setattr(backup_mod, "automatic_backup", copy_then_bob_saves)
    try:
        safety = restore_sqlite(saved, workspace_path, user="alice")
    finally:
        bob.close()
    assert safety is not None
    kept = _filenames(safety) | _filenames(workspace_path)
    assert set(acked) <= kept, f"acknowledged saves lost: {set(acked) - kept}"
    assert refused and "alice is restoring a backup" in refused[0]
    assert _filenames(workspace_path) == {"a.txt"}
    assert _filenames(safety) == {"a.txt", "b.txt"}


def test_restore_is_refused_while_someone_holds_the_lock(
        saved: Path, workspace_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCETRACE_BUSY_SECONDS", "0.3")
    other = sqlite3.connect(workspace_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer, in the middle of its transaction
    try:
        with pytest.raises(WorkspaceBusy) as err:
            restore_sqlite(saved, workspace_path, user="alice")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "The workspace is busy" in str(err.value) and "nothing was restored" in str(err.value)
    assert _filenames(workspace_path) == {"a.txt", "b.txt"}  # unchanged
    assert not [p for p in list_backups(workspace_path) if "before-restore" in p.name]


def test_restored_workspace_is_the_backup_exactly(saved: Path, workspace_path: Path) -> None:
    restore_sqlite(saved, workspace_path, user="alice")

    def dump(path: Path) -> tuple[list, list, list]:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            schema = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            rows = [(t, sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)) for t in tables]
            return schema, rows, conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()

    assert dump(workspace_path)[:2] == dump(saved)[:2]
    assert dump(workspace_path)[2] == [("ok",)]
    conn = sqlite3.connect(workspace_path)
    with pytest.raises(sqlite3.DatabaseError):  # the append-only audit trail's triggers came back too
        conn.execute("DELETE FROM audit_log")
    conn.close()
    with Workspace.open(workspace_path, user="alice", daily_backup=False) as ws:
        assert [d.filename for d in ws.documents.list()] == ["a.txt"]
        assert ws.maintenance.check().ok
        new = ws.documents.import_bytes(b"After the restore. A sentence.\n", "c.txt").id
        assert new is not None and new > 1
