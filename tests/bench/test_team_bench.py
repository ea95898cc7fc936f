"""bench/team_bench.py: says what it did not measure, and fails when verification fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import team_bench
from tests.team import teamrun


def _result(problems: list[str]) -> teamrun.TeamResult:
    summary = {"busy_errors": 0, "p99_latency": 0.02, "max_latency": 0.05, "max_lock_wait": 0.03, "seconds": 2.0}
    return teamrun.TeamResult(1, 10, 2.0, [summary], {"writer-0": []}, problems)


def test_unmeasured_lock_wait_is_reported_as_not_available() -> None:
    line = team_bench.format_result("postgresql", _result([]), None)
    assert "lock wait max      n/a" in line and "verified" in line
    assert "lock wait max    30 ms" in team_bench.format_result("sqlite", _result([]), 0.03)


@pytest.mark.parametrize(("problems", "code"), [([], 0), (["writer-0: claim 4 is missing or different"], 1)])
def test_exit_status_follows_verification(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          problems: list[str], code: int) -> None:
    def fake_run(target: str, workdir: Path, **kw: Any) -> teamrun.TeamResult:
        return _result(problems)

    monkeypatch.setattr(teamrun, "run", fake_run)
    assert team_bench.main(["--no-postgres", "--ops", "10"]) == code
    out = capsys.readouterr().out
    assert ("VERIFICATION FAILED" in out) == bool(problems)
