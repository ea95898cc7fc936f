"""Shared fixtures: a fresh workspace file per test, and the real corpora when present."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SOURCETRACE_USER", "tester")

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()


def corpus_path(*parts: str) -> Path:
    """A folder or file under ../shared/corpus; skips the test cleanly when absent."""
    p = CORPUS.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real corpus not available: {p} (../shared/corpus is not beside this checkout)")
    return p


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep index caches and settings of tests out of the real user folders."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("SOURCETRACE_SETTINGS", raising=False)


@pytest.fixture
def workspace_path(tmp_path: Path) -> Path:
    return tmp_path / "workspace.sourcetrace"


@pytest.fixture
def workspace(workspace_path: Path) -> Iterator:
    from app.workspace import Workspace

    ws = Workspace.open(workspace_path, user="tester")
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def seeds_dir() -> Path:
    return corpus_path("seeds")


@pytest.fixture
def seeded_workspace(workspace, seeds_dir: Path):
    outcomes = workspace.documents.import_paths([seeds_dir], workers=0)
    assert all(o.status == "imported" for o in outcomes), outcomes
    return workspace


# ---------------------------------------------------------------------------------------------
# PostgreSQL: one throwaway server per test session (per xdist worker), a fresh database per test.
#
# The server is started by scripts/pg-test-server.sh (which installs the binaries when missing).
# SOURCETRACE_TEST_PG=postgresql://user@host:port/db uses an existing server instead (its user
# must be allowed to CREATE DATABASE). When no server can be had, PostgreSQL tests are skipped,
# except in CI (CI=true), where that is an error: the team-use issue requires them to run there.
# ---------------------------------------------------------------------------------------------

BACKENDS = ("sqlite", "postgresql")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the PostgreSQL server ``postgres`` (``-m "not postgres"``)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("backend") == "postgresql"
        if "pg_url" in names or "pg_server" in names or on_pg:
            item.add_marker(pytest.mark.postgres)


def _pg_unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL is required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Admin URL of a running PostgreSQL server (``.../postgres``) for this test session."""
    external = os.environ.get("SOURCETRACE_TEST_PG")
    if external:
        yield external
        return
    import shutil
    import subprocess
    import tempfile

    script = REPO / "scripts" / "pg-test-server.sh"
    base = Path(tempfile.mkdtemp(prefix="sourcetrace-pg-"))
    base.chmod(0o755)  # as root, the server runs as an unprivileged user who must reach it
    url = None
    try:
        for _attempt in range(3):  # a port picked as free may be taken by the time we bind it
            res = subprocess.run(
                ["bash", str(script), "start", str(base / "server"), str(_free_port())],
                capture_output=True, text=True, timeout=600,
            )
            if res.returncode == 0:
                url = res.stdout.strip().splitlines()[-1]
                break
            subprocess.run(["bash", str(script), "stop", str(base / "server")], capture_output=True, timeout=120)
            shutil.rmtree(base / "server", ignore_errors=True)
        if url is None:
            _pg_unavailable(f"could not start a local server: {(res.stderr or res.stdout).strip()[-2000:]}")
        yield url
    finally:
        subprocess.run(["bash", str(script), "stop", str(base / "server")], capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def _pg_admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test; dropped afterwards."""
    import uuid

    from sqlalchemy.engine import make_url

    name = "st_" + uuid.uuid4().hex[:16]
    with _pg_admin(pg_server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with _pg_admin(pg_server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def any_workspace_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a workspace lives, for each back end: a fresh SQLite file path or a fresh
    PostgreSQL database URL. Use when a test opens several ``Workspace`` objects on one store."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "workspace.sourcetrace")


@pytest.fixture
def any_workspace(any_workspace_target: str) -> Iterator:
    """Like ``workspace``, but runs the test once on SQLite and once on PostgreSQL.

    Adopt it by renaming the fixture argument: ``def test_x(any_workspace): ...``."""
    from app.workspace import Workspace

    ws = Workspace.open(any_workspace_target, user="tester")
    try:
        yield ws
    finally:
        ws.close()
