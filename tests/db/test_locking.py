"""SQLite write locking: BEGIN IMMEDIATE retries, the busy message naming the holder, journal mode."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app.workspace import Workspace
from db.activity import ActivityBoard, describe_holder
from db.engine import Database, to_url
from db.errors import WorkspaceBusy
from db.fsinfo import linux_fs_of, network_warning


def test_rollback_journal_and_pragmas(workspace) -> None:
    with workspace.db.reading() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_busy_names_the_holder_and_saves_nothing(workspace_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCETRACE_BUSY_SECONDS", "0.5")
    alice = Workspace.open(workspace_path, user="alice", daily_backup=False)
    bob = Workspace.open(workspace_path, user="bob", daily_backup=False)
    try:
        doc = alice.documents.import_bytes(b"One sentence. Two sentences.\n", "a.txt").id
        with alice.db.doing("importing 120 files"), alice.db.writing() as s:
            s.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: alice holds the write lock
            holder = bob.maintenance.lock_holder()
            assert holder is not None and holder["user"] == "alice" and holder["action"] == "importing 120 files"
            t0 = time.monotonic()
            with pytest.raises(WorkspaceBusy) as err:
                bob.documents.update_metadata(doc, title="bob's")
            assert 0.5 <= time.monotonic() - t0 < 5
        msg = str(err.value)
        assert "alice is importing 120 files" in msg and "not saved" in msg
        assert err.value.holder is not None and err.value.holder["user"] == "alice"
        assert bob.maintenance.lock_holder() is None  # released with the transaction
        assert bob.documents.info(doc).title != "bob's"
        bob.documents.update_metadata(doc, title="bob's")  # free again: works
    finally:
        alice.close()
        bob.close()


def test_waiting_writer_gets_in_when_the_lock_is_released(workspace_path: Path) -> None:
    a = Workspace.open(workspace_path, user="a", daily_backup=False)
    b = Workspace.open(workspace_path, user="b", daily_backup=False)
    try:
        doc = a.documents.import_bytes(b"One sentence. Two sentences.\n", "a.txt").id
        held = threading.Event()

        def hold() -> None:
            with a.db.writing() as s:
                s.execute(text("SELECT 1"))
                held.set()
                time.sleep(0.8)

        t = threading.Thread(target=hold)
        t.start()
        held.wait(5)
        b.documents.update_metadata(doc, title="after the wait")  # retries BEGIN IMMEDIATE meanwhile
        t.join()
        assert b.db.lock_stats.max_wait >= 0.5
        assert a.documents.info(doc).title == "after the wait"
    finally:
        a.close()
        b.close()


def test_stale_holder_of_dead_process_is_ignored(tmp_path: Path) -> None:
    board = ActivityBoard(tmp_path / "w.sourcetrace", "carol")
    board.path.write_text('{"user": "ghost", "action": "importing", "host": "%s", "pid": 999999999}' % board.host)
    assert board.read() is None
    assert describe_holder(None) == "another user or program is writing to it"
    board.claim()
    assert board.read()["user"] == "carol"  # type: ignore[index]
    board.release()
    assert not board.path.exists()


def test_run_write_reruns_retryable_failures(workspace_path: Path) -> None:
    db = Database(to_url(workspace_path))
    calls = []

    def unit(_s) -> int:  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) < 3:
            raise WorkspaceBusy("transient", retryable=True)
        return 42

    try:
        assert db.run_write(unit) == 42 and len(calls) == 3
        with pytest.raises(WorkspaceBusy):
            db.run_write(lambda _s: (_ for _ in ()).throw(WorkspaceBusy("final")))
    finally:
        db.dispose()


MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/team nfs4 rw,relatime 0 0
//nas/share /media/nas\\040drive cifs rw 0 0
user@host:/x /home/u/remote fuse.sshfs rw 0 0
"""


def test_network_filesystem_detection() -> None:
    assert not linux_fs_of(Path("/home/u/w.sourcetrace"), MOUNTS).network  # type: ignore[union-attr]
    nfs = linux_fs_of(Path("/mnt/team/cases/w.sourcetrace"), MOUNTS)
    assert nfs is not None and nfs.network and nfs.fstype == "nfs4"
    smb = linux_fs_of(Path("/media/nas drive/w.sourcetrace"), MOUNTS)
    assert smb is not None and smb.network and smb.mountpoint == "/media/nas drive"
    assert linux_fs_of(Path("/home/u/remote/w"), MOUNTS).network  # type: ignore[union-attr]
    assert linux_fs_of(Path("/mnt/teamwork/w"), MOUNTS).fstype == "ext4"  # type: ignore[union-attr]


def test_filesystem_warning_for_local_file_is_none(workspace) -> None:
    assert workspace.maintenance.filesystem_warning() is None
    assert network_warning(workspace.path) is None


def test_postgresql_lock_wait_gives_up_naming_the_holder(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCETRACE_BUSY_SECONDS", "0.5")  # becomes lock_timeout on new connections
    alice = Workspace.open(pg_url, user="alice", daily_backup=False)
    bob = Workspace.open(pg_url, user="bob", daily_backup=False)
    try:
        doc = alice.documents.import_bytes(b"One sentence. Two sentences.\n", "a.txt").id
        with alice.db.doing("importing 120 files"), alice.db.writing() as s:
            s.execute(text("SELECT id FROM documents WHERE id = :d FOR UPDATE"), {"d": doc})
            with pytest.raises(WorkspaceBusy) as err:
                bob.documents.update_metadata(doc, title="bob's")
        assert "alice is importing 120 files" in str(err.value), str(err.value)
        assert "not saved" in str(err.value)
        bob.documents.update_metadata(doc, title="bob's")
        assert alice.documents.info(doc).title == "bob's"
    finally:
        alice.close()
        bob.close()
