"""SIGKILL in the middle of a large import: the workspace opens, passes ``check``, holds whole
documents or none, and the import can be resumed (imported files report duplicate)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from app.sentences import split_sentences
from app.workspace import Workspace
from importers import extract
from tests.team.helpers import cli, cli_popen, write_articles

pytestmark = pytest.mark.slow

FILES, SENTENCES = 40, 400  # ~50 kB of text and 400 sentence rows per document


def _count_documents(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _kill_during_import(ws_path: Path, folder: Path, after_docs: int, delay: float) -> bool:
    """Start ``sourcetrace import``, SIGKILL its whole process group once ``after_docs`` documents
    are in (plus ``delay``). Returns True when a hot journal was left (killed mid-transaction)."""
    proc = cli_popen("--db", str(ws_path), "import", str(folder), "--workers", "0", start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _count_documents(ws_path) < after_docs and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
        assert proc.poll() is None, "the import finished before it could be killed; make it larger"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return ws_path.with_name(ws_path.name + "-journal").exists()


def _assert_whole(ws: Workspace, files: dict[str, str]) -> int:
    report = ws.maintenance.check()
    assert report.ok, report.problems
    imported = {e.document_id for e in ws.maintenance.history() if e.action == "document.import"}
    docs = ws.documents.list()
    for info in docs:
        detail = ws.documents.get(info.id)
        assert detail.text == files[info.filename], f"document {info.id} is not whole"
        assert len(detail.sentences) == len(split_sentences(detail.text))
        assert info.id in imported, f"document {info.id} has no audit entry"
    return len(docs)


def test_sigkill_mid_import_then_resume(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    paths = write_articles(folder, FILES, SENTENCES)
    expected = {p.name: extract(p.read_bytes(), p.name).text for p in paths}
    originals = {p.name: p.read_bytes() for p in paths}
    ws_path = tmp_path / "team.sourcetrace"
    Workspace.open(ws_path, daily_backup=False).close()

    hot_journals = 0
    counts = []
    for round_, (after, delay) in enumerate(((3, 0.011), (8, 0.029), (13, 0.0))):
        hot_journals += _kill_during_import(ws_path, folder, after, delay)
        with Workspace.open(ws_path, user="after-kill") as ws:
            n = _assert_whole(ws, expected)
            for info in ws.documents.list():
                assert ws.documents.original(info.id)[2] == originals[info.filename]
        counts.append(n)
        assert n >= after, f"round {round_}: {n} documents"
    print(f"\nkill rounds: documents after each kill {counts}; killed mid-transaction "
          f"(hot journal left) in {hot_journals} of 3 rounds")

    res = cli("--db", str(ws_path), "import", str(folder), "--json")
    assert res.returncode == 0, res.stderr
    outcomes = json.loads(res.stdout)
    statuses = [o["status"] for o in outcomes]
    assert statuses.count("duplicate") == counts[-1]
    assert statuses.count("imported") == FILES - counts[-1]
    with Workspace.open(ws_path) as ws:
        assert _assert_whole(ws, expected) == FILES
