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
