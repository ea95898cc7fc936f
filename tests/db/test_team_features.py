"""History, append-only audit, change watching, check, backup/restore, migrate-to: both back ends."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import audit
from app.backup import backup_dir, list_backups
from app.workspace import Workspace
from db.models import Appearance, Claim, Excerpt
from tests.team.helpers import cli

DOC = b"Assad ordered forces to leave Tadmur. Officials said so on Sunday. A third sentence.\n"


def _add_claim_with_appearances(ws: Workspace, doc_id: int) -> int:
    """Claims/excerpts/appearances written straight through the models rather than ``ws.claims``,
    to get exactly these rows, including an appearance derived from a *later* one (a forward
    self-reference), without the service's span analysis."""
    with ws.db.writing() as s:
        claim = Claim(text="Assad ordered forces to leave", created_by=ws.user)
        s.add(claim)
        s.flush()
        ex1 = Excerpt(document_id=doc_id, start=0, end=36, exact=DOC.decode()[0:36], created_by=ws.user)
        ex2 = Excerpt(document_id=doc_id, start=38, end=63, exact=DOC.decode()[38:63], created_by=ws.user)
        s.add_all([ex1, ex2])
        s.flush()
        a1 = Appearance(claim_id=claim.id, excerpt_id=ex1.id, created_by=ws.user)
        a2 = Appearance(claim_id=claim.id, excerpt_id=ex2.id, created_by=ws.user)
        s.add_all([a1, a2])
        s.flush()
        a1.derived_from_id = a2.id
        audit.record(s, ws.user, "claim.create", "claim", claim.id, claim_id=claim.id, after={"text": claim.text})
        return claim.id


def test_audit_trail_is_append_only(any_workspace) -> None:
    ws = any_workspace
    ws.documents.import_bytes(DOC, "a.txt")
    for sql in ('UPDATE audit_log SET "user" = \'mallory\'', "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError) as err, ws.db.writing() as s:
            s.execute(text(sql))
        assert "append-only" in str(err.value)
    assert [e.user for e in ws.maintenance.history()] == ["tester"]


def test_history_per_document_and_claim(any_workspace_target: str) -> None:
    with Workspace.open(any_workspace_target, user="alice") as ws:
        d1 = ws.documents.import_bytes(DOC, "a.txt").id
        d2 = ws.documents.import_bytes(b"Another text. With two sentences.\n", "b.txt").id
        assert d1 is not None and d2 is not None
        claim_id = _add_claim_with_appearances(ws, d1)
    with Workspace.open(any_workspace_target, user="bob") as ws:
        ws.documents.update_metadata(d1, title="Bob's title")
        h = ws.maintenance.history(document_id=d1)
        assert [(e.action, e.user) for e in h] == [("document.import", "alice"), ("document.edit", "bob")]
        assert h[1].before == {"title": "Assad ordered forces to leave Tadmur."} or h[1].before is not None
        assert all(e.at.tzinfo is not None for e in h)
        assert [e.action for e in ws.maintenance.history(claim_id=claim_id)] == ["claim.create"]
    res = cli("--db", any_workspace_target, "history", "--document", str(d1), "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["user"] for r in rows] == ["alice", "bob"]
    assert set(rows[0]) == {"id", "at", "user", "action", "entity", "entity_id", "claim_id", "document_id",
                            "before", "after"}
    res = cli("--db", any_workspace_target, "history", "--claim", str(claim_id))
    assert res.returncode == 0 and "claim.create" in res.stdout


def test_watcher_sees_others_commits_not_own(any_workspace_target: str) -> None:
    me = Workspace.open(any_workspace_target, user="me")
    other = Workspace.open(any_workspace_target, user="other")
    try:
        watcher = me.maintenance.watcher()
        v0 = me.maintenance.data_version()
        assert watcher.poll() == []
        me.documents.import_bytes(DOC, "mine.txt")
        assert watcher.poll() == []  # my own write is not news
        doc = other.documents.import_bytes(b"Theirs. Two sentences.\n", "theirs.txt").id
        other.documents.update_metadata(doc, title="theirs")
        got: list = []
        deadline = time.monotonic() + 3
        while len(got) < 2 and time.monotonic() < deadline:
            got += watcher.poll()
            time.sleep(0.05)
        assert [(e.user, e.action) for e in got] == [("other", "document.import"), ("other", "document.edit")]
        assert me.maintenance.data_version() != v0
        assert watcher.poll() == []
        assert [e.id for e in me.maintenance.changes_since(got[0].id)] == [got[1].id]
        watcher.close()
    finally:
        me.close()
        other.close()


def test_check_finds_broken_anchor_tampered_original_and_bad_span(any_workspace_target: str) -> None:
    with Workspace.open(any_workspace_target) as ws:
        doc = ws.documents.import_bytes(DOC, "a.txt").id
        assert doc is not None
        _add_claim_with_appearances(ws, doc)
        assert ws.maintenance.check().ok
    res = cli("--db", any_workspace_target, "check", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["ok"], res.stdout + res.stderr
    with Workspace.open(any_workspace_target) as ws:
        with ws.db.writing() as s:
            s.execute(text("UPDATE excerpts SET exact = 'moved text' WHERE id = 1"))
            s.execute(text("UPDATE blobs SET data = :d"), {"d": b"tampered"})
            s.execute(text('UPDATE sentences SET "end" = 100000 WHERE id = (SELECT max(id) FROM sentences)'))
        report = ws.maintenance.check()
    kinds = sorted({p.kind for p in report.problems})
    assert kinds == ["excerpt", "original", "sentence"], report.problems
    res = cli("--db", any_workspace_target, "check", "--json")
    assert res.returncode == 1
    assert not json.loads(res.stdout)["ok"]


def test_backup_and_restore(workspace_path: Path, tmp_path: Path) -> None:
    with Workspace.open(workspace_path, user="alice") as ws:
        doc = ws.documents.import_bytes(DOC, "a.txt").id
    out = tmp_path / "backup.sourcetrace"
    res = cli("--db", str(workspace_path), "backup", str(out))
    assert res.returncode == 0, res.stderr
    assert cli("--db", str(workspace_path), "backup", str(out)).returncode == 2  # never overwrites
    other = Workspace.open(workspace_path, user="bob")  # stays open during the restore
    other.documents.update_metadata(doc, title="after the backup")
    other.documents.import_bytes(b"Second document. Two sentences.\n", "b.txt")
    junk = tmp_path / "junk.sourcetrace"
    junk.write_bytes(b"not a database at all" * 100)
    res = cli("restore", str(junk), "--db", str(workspace_path))
    assert res.returncode == 2 and "not a SourceTrace backup" in res.stderr
    res = cli("restore", str(out), "--db", str(workspace_path), "--json")
    assert res.returncode == 0, res.stderr
    saved = Path(json.loads(res.stdout)["previous_saved_as"])
    assert saved.exists() and "before-restore" in saved.name
    # The open workspace sees the restored content on its next read.
    assert [d.filename for d in other.documents.list()] == ["a.txt"]
    assert other.documents.info(doc).title != "after the backup"
    other.close()
    with Workspace.open(saved) as prev:
        assert len(prev.documents.list()) == 2
    assert cli("--db", str(workspace_path), "check").returncode == 0


def test_restore_refuses_backup_from_newer_version(workspace_path: Path, tmp_path: Path) -> None:
    Workspace.open(workspace_path).close()
    newer = tmp_path / "newer.sourcetrace"
    Workspace.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    res = cli("restore", str(newer), "--db", str(workspace_path))
    assert res.returncode == 2 and "newer version" in res.stderr


def test_daily_backup_rotates(workspace_path: Path) -> None:
    with Workspace.open(workspace_path) as ws:
        assert ws.maintenance.maybe_daily_backup() is None  # nothing worth keeping yet
        ws.documents.import_bytes(DOC, "a.txt")
        first = ws.maintenance.maybe_daily_backup()
        assert first is not None and first.exists()
        assert ws.maintenance.maybe_daily_backup() is None  # not due again today
        later = datetime.now(UTC) + timedelta(days=1, minutes=1)
        assert ws.maintenance.maybe_daily_backup(now=later) is not None
        for i in range(10):
            (backup_dir(workspace_path) / f"2020010{i}T000000000000Z-daily.sourcetrace-backup").write_bytes(b"")
        ws.maintenance.maybe_daily_backup(now=later + timedelta(days=2))
    daily = [p for p in list_backups(workspace_path) if p.name.endswith("-daily.sourcetrace-backup")]
    assert len(daily) == 7 and first not in daily[:0]


@pytest.mark.postgres
def test_migrate_to_postgresql_and_back(workspace_path: Path, pg_url: str, tmp_path: Path) -> None:
    with Workspace.open(workspace_path, user="alice") as ws:
        ids = [ws.documents.import_bytes(DOC, "a.txt").id,
               ws.documents.import_bytes(b"Another text. Two sentences.\n", "b.txt").id]
        _add_claim_with_appearances(ws, ids[0])
        ws.documents.update_metadata(ids[1], title="edited")
        before = ws.maintenance.history()
    res = cli("--db", str(workspace_path), "migrate-to", pg_url, "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["verified"] and report["tables"]["documents"] == 2 and report["tables"]["appearances"] == 2
    assert report["originals_verified"] == 2 and report["documents_verified"] == 2
    with Workspace.open(pg_url, user="bob") as pg:
        assert [(e.id, e.user, e.action) for e in pg.maintenance.history()] == \
               [(e.id, e.user, e.action) for e in before]
        assert pg.maintenance.check().ok
        new = pg.documents.import_bytes(b"Written after the move. Sequences were reset.\n", "c.txt")
        assert new.status == "imported" and new.id == 3
        with pg.db.reading() as s:
            assert s.execute(text("SELECT count(*) FROM appearances WHERE derived_from_id IS NOT NULL")).scalar() == 1
    res = cli("--db", str(workspace_path), "migrate-to", pg_url)
    assert res.returncode == 2 and "not empty" in res.stderr
    # And back: a backup of the server workspace is an SQLite workspace file.
    back = tmp_path / "from-server.sourcetrace"
    res = cli("--db", pg_url, "backup", str(back))
    assert res.returncode == 0, res.stderr
    with Workspace.open(back) as ws:
        assert len(ws.documents.list()) == 3 and ws.maintenance.check().ok


def test_watcher_created_late_misses_nothing_since_open(any_workspace_target: str) -> None:
    me = Workspace.open(any_workspace_target, user="me")
    other = Workspace.open(any_workspace_target, user="other")
    try:
        me.documents.import_bytes(DOC, "mine.txt")  # before the watcher exists: still known as mine
        other.documents.import_bytes(b"Theirs, committed before my window started watching.\n", "t.txt")
        watcher = me.maintenance.watcher()  # e.g. a window that set up its poller late
        assert [(e.user, e.action) for e in watcher.poll()] == [("other", "document.import")]
        assert watcher.poll() == []
    finally:
        me.close()
        other.close()
