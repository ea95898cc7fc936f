"""A workspace file made read-only opens read-only, says so, and refuses writes clearly.

Tests run as root (here and in CI), and root ignores permission bits: a ``chmod 444`` file is
still writable for root, so chmod alone would prove nothing. Ways that bind root too are used:
the immutable attribute (``chattr +i``) and a read-only bind mount; ``chmod`` is used only when
not running as root. Each method is skipped where the machine cannot do it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.workspace import Workspace
from db.errors import ReadOnlyWorkspace
from tests.team.helpers import cli


def _run(*cmd: str) -> bool:
    return subprocess.run(list(cmd), capture_output=True).returncode == 0


@pytest.fixture(params=["chmod", "immutable", "ro-mount"])
def readonly_workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    src = tmp_path / "rw" / "team.sourcetrace"
    src.parent.mkdir()
    with Workspace.open(src, user="alice", daily_backup=False) as ws:
        ws.documents.import_bytes(b"Assad ordered forces to leave. Officials said so.\n", "a.txt")
    method = request.param
    if method == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root ignores permission bits; see the immutable and ro-mount variants")
        src.chmod(0o444)
        try:
            yield src
        finally:
            src.chmod(0o644)
    elif method == "immutable":
        if shutil.which("chattr") is None or not _run("chattr", "+i", str(src)):
            pytest.skip("this file system does not support the immutable attribute")
        try:
            yield src
        finally:
            _run("chattr", "-i", str(src))
    else:
        mnt = tmp_path / "ro"
        mnt.mkdir()
        if os.geteuid() != 0 or not _run("mount", "--bind", str(src.parent), str(mnt)):
            pytest.skip("bind mounts need root")
        try:
            if not _run("mount", "-o", "remount,bind,ro", str(mnt)):
                pytest.skip("cannot remount read-only here")
            yield mnt / src.name
        finally:
            _run("umount", "-l", str(mnt))


def test_readonly_file_opens_readonly_and_says_so(readonly_workspace: Path, tmp_path: Path) -> None:
    path = readonly_workspace
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with Workspace.open(path, user="bob") as ws:
        assert ws.readonly
        assert "read-only" in (ws.maintenance.readonly_reason() or "")
        assert [d.filename for d in ws.documents.list()] == ["a.txt"]
        assert ws.maintenance.history()[0].user == "alice"
        with pytest.raises(ReadOnlyWorkspace) as err:
            ws.documents.update_metadata(1, title="changed")
        assert "read-only" in str(err.value) and "not saved" in str(err.value)
        assert ws.maintenance.check().ok
        assert ws.maintenance.maybe_daily_backup() is None
    # The command line: reading works, writing fails with the reason, exit status 2.
    res = cli("--db", str(path), "docs", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)[0]["filename"] == "a.txt"
    res = cli("--db", str(path), "edit", "1", "--title", "changed")
    assert res.returncode == 2
    assert "read-only" in res.stderr and "Traceback" not in res.stderr
    res = cli("--db", str(path), "check")
    assert res.returncode == 0, res.stderr
    # A backup of a read-only workspace works (the backup API only reads).
    res = cli("--db", str(path), "backup", str(tmp_path / "copy.sourcetrace"))
    assert res.returncode == 0, res.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_explicit_readonly_flag(tmp_path: Path) -> None:
    path = tmp_path / "w.sourcetrace"
    with Workspace.open(path, daily_backup=False) as ws:
        ws.documents.import_bytes(b"One sentence here.\n", "a.txt")
    with Workspace.open(path, readonly=True) as ws:
        assert ws.readonly
        assert "opened read-only" in (ws.maintenance.readonly_reason() or "")
        with pytest.raises(ReadOnlyWorkspace):
            ws.documents.delete(1)
    with Workspace.open(path) as ws:
        assert not ws.readonly and ws.maintenance.readonly_reason() is None
        assert len(ws.documents.list()) == 1
