"""User settings: the name recorded in the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import config
from app.workspace import Workspace
from tests.team.helpers import cli


def test_saved_user_name_is_used_unless_the_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCETRACE_USER", raising=False)
    assert config.current_user() == config.os_login()
    config.set_user_name("  Alice   Smith ")
    assert config.current_user() == "Alice Smith"
    assert json.loads(config.settings_file().read_text())["user_name"] == "Alice Smith"
    monkeypatch.setenv("SOURCETRACE_USER", "ci-bot")
    assert config.current_user() == "ci-bot"
    monkeypatch.delenv("SOURCETRACE_USER")
    config.set_user_name("")
    assert config.current_user() == config.os_login()
    with pytest.raises(ValueError):
        config.set_user_name("x" * 200)


def test_a_damaged_settings_file_counts_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCETRACE_USER", raising=False)
    config.settings_file().parent.mkdir(parents=True, exist_ok=True)
    config.settings_file().write_text("{not json")
    assert config.current_user() == config.os_login()
    config.set_user_name("Bob")  # and saving repairs it
    assert config.current_user() == "Bob"


def test_config_command_sets_the_name_the_audit_trail_records(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    monkeypatch.delenv("SOURCETRACE_USER", raising=False)
    done = cli("config", "user", "Carol", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["user"] == "Carol"
    assert json.loads(done.stdout)["source"] == "settings"
    db = tmp_path / "w.sourcetrace"
    assert cli("--db", str(db), "claim", "add", "Assad let Daesh take Palmyra").returncode == 0
    with Workspace.open(db) as ws:
        (entry,) = [e for e in ws.maintenance.history() if e.action == "claim.create"]
    assert entry.user == "Carol"
