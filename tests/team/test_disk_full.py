"""Disk full during import and during export: a clear error, the workspace intact.

A real full disk: a 2 MB tmpfs mounted for the test (needs root, as in CI; skipped elsewhere).
Always: SQLite's ``max_page_count`` makes the database "full" at a chosen size, which exercises
the same SQLITE_FULL path in-process on any machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from app.workspace import Workspace
from db.errors import StorageFull
from tests.team.helpers import cli, write_articles


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system, or skip when this machine cannot mount one."""
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _assert_intact(ws_path: Path, expect_docs: int | None = None) -> int:
    with Workspace.open(ws_path, daily_backup=False) as ws:
        report = ws.maintenance.check()
        assert report.ok, report.problems
        docs = ws.documents.list()
        for d in docs:
            assert ws.documents.get(d.id).sentences, "a document without its sentences"
        imports = [e for e in ws.maintenance.history() if e.action == "document.import"]
        assert len(imports) == len(docs)
    if expect_docs is not None:
        assert len(docs) == expect_docs
    return len(docs)


def test_disk_full_during_import_real_fs(small_disk: Path, tmp_path: Path) -> None:
    ws_path = small_disk / "team.sourcetrace"
    Workspace.open(ws_path, daily_backup=False).close()
    folder = tmp_path / "incoming"
    write_articles(folder, 30, 300)  # ~40 kB each, far more than fits
    res = cli("--db", str(ws_path), "import", str(folder), "--workers", "0")
    assert res.returncode != 0
    assert "full" in res.stderr.lower() and "intact" in res.stderr.lower(), res.stderr
    assert "Traceback" not in res.stderr
    n = _assert_intact(ws_path)
    print(f"\nimport onto a full 2 MB disk: stopped after {n} whole documents with: {res.stderr.strip()}")
    assert 0 < n < 30
    # Space freed (a bigger disk): the import resumes where it stopped.
    big = tmp_path / "moved.sourcetrace"
    res = cli("--db", str(ws_path), "backup", str(big))
    assert res.returncode == 0, res.stderr
    res = cli("--db", str(big), "import", str(folder), "--workers", "0", "--json")
    assert res.returncode == 0, res.stderr
    _assert_intact(big, expect_docs=30)


def test_disk_full_during_export_real_fs(small_disk: Path, tmp_path: Path) -> None:
    ws_path = tmp_path / "team.sourcetrace"
    with Workspace.open(ws_path, daily_backup=False) as ws:
        ws.documents.import_paths(write_articles(tmp_path / "incoming", 60, 300), workers=0)
    assert ws_path.stat().st_size > 2 * 1024 * 1024
    out = small_disk / "backup.sourcetrace"
    res = cli("--db", str(ws_path), "backup", str(out))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "not enough disk space" in res.stderr.lower(), res.stderr
    assert "Traceback" not in res.stderr
    print(f"\nbackup onto a full 2 MB disk: {res.stderr.strip()}")
    assert list(small_disk.iterdir()) == []  # no partial file left behind
    _assert_intact(ws_path, expect_docs=60)


def test_disk_full_during_bundle_export_real_fs(small_disk: Path, tmp_path: Path) -> None:
    """``sourcetrace export`` (an evidence bundle with the originals) onto a full disk."""
    import random
    import string

    from app import audit
    from db.models import Appearance, Claim, Excerpt

    ws_path = tmp_path / "team.sourcetrace"
    folder = tmp_path / "incoming"
    folder.mkdir()
    rng = random.Random(7)
    for i in range(6):  # ~1.3 MB each of hardly compressible text: ~8 MB of originals
        words = " ".join("".join(rng.choice(string.ascii_letters) for _ in range(8)) for _ in range(150000))
        (folder / f"noise-{i}.txt").write_text(f"Claim number {i} is stated here. {words}.\n")
    ids = []
    with Workspace.open(ws_path, daily_backup=False) as ws:
        outs = ws.documents.import_paths([folder], workers=0)
        # Claims with one accepted appearance each, written directly (fast; the claims service's
        # accept analyses the whole document, which is slow on texts like these).
        with ws.db.writing() as s:
            for o in outs:
                assert o.id is not None
                claim = Claim(text=f"Claim number {o.filename}", created_by=ws.user)
                s.add(claim)
                s.flush()
                text_ = ws.documents.get(o.id).text
                ex = Excerpt(document_id=o.id, start=0, end=31, exact=text_[:31], created_by=ws.user)
                s.add(ex)
                s.flush()
                s.add(Appearance(claim_id=claim.id, excerpt_id=ex.id, created_by=ws.user))
                audit.record(s, ws.user, "claim.create", "claim", claim.id, claim_id=claim.id)
                ids.append(str(claim.id))
    before = _assert_intact(ws_path)
    res = cli("--db", str(ws_path), "export", *ids, "--out", str(small_disk / "case.zip"))
    assert res.returncode != 0, res.stdout + res.stderr
    assert "disk space" in res.stderr.lower() or "full" in res.stderr.lower(), res.stderr
    print(f"\nbundle export onto a full 2 MB disk: {res.stderr.strip().splitlines()[-1]}")
    assert list(small_disk.iterdir()) == []  # no partial bundle left behind
    _assert_intact(ws_path, expect_docs=before)


def _cap_pages(ws: Workspace, pages: int) -> None:
    """Make the database 'full' at ``pages`` pages on every new write connection."""
    ws.db.write_engine.dispose()

    @event.listens_for(ws.db.write_engine, "connect")
    def _cap(dbapi_conn, _rec) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")


def test_database_full_during_import_injected(tmp_path: Path) -> None:
    ws_path = tmp_path / "team.sourcetrace"
    folder = tmp_path / "incoming"
    paths = write_articles(folder, 20, 300)
    with Workspace.open(ws_path, daily_backup=False) as ws:
        used = ws_path.stat().st_size // 4096
        _cap_pages(ws, used + 60)  # room for a few documents only
        with pytest.raises(StorageFull) as err:
            ws.documents.import_paths(paths, workers=0)
        assert "full" in str(err.value) and "intact" in str(err.value)
    n = _assert_intact(ws_path)
    assert 0 < n < 20
    with Workspace.open(ws_path, daily_backup=False) as ws:
        outcomes = ws.documents.import_paths(paths, workers=0)
        assert [o.status for o in outcomes].count("duplicate") == n
    _assert_intact(ws_path, expect_docs=20)


def test_database_full_during_edit_injected(tmp_path: Path) -> None:
    ws_path = tmp_path / "team.sourcetrace"
    with Workspace.open(ws_path, daily_backup=False) as ws:
        doc = ws.documents.import_bytes(b"A short report. It has two sentences.\n", "a.txt").id
        assert doc is not None
        used = ws_path.stat().st_size // 4096
        _cap_pages(ws, used)
        with pytest.raises(StorageFull):
            ws.documents.update_metadata(doc, title="x" * 200_000)
        assert ws.documents.info(doc).title != "x" * 200_000
    _assert_intact(ws_path, expect_docs=1)
