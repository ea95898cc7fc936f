"""4 processes x 500 mixed writes on one workspace, on SQLite and on PostgreSQL.

Correctness only: every acknowledged write is present, the audit trail has exactly one entry for
each, concurrent edits of the same documents form one chain (none silently lost), and the
workspace passes ``check``. Throughput and the longest wait are reported by bench/team_bench.py
(and printed here with ``-s``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.team import teamrun

pytestmark = pytest.mark.slow

WRITERS, OPS = 4, 500


def _report(label: str, result: teamrun.TeamResult) -> None:
    print(f"\n{label}: {result.ops} acknowledged writes by {result.writers} processes in "
          f"{result.wall_seconds:.1f} s = {result.throughput:.0f} writes/s; longest wait for one write "
          f"{result.longest_wait * 1000:.0f} ms" + (
              f" (lock wait {result.longest_lock_wait * 1000:.0f} ms)" if label == "sqlite" else
              " (row-lock waits are sampled by bench/team_bench.py, not here)"))


@pytest.mark.postgres
def test_four_writers_sqlite_then_postgresql(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # One test, the back ends one after the other: run side by side (pytest -n 2) the two loads
    # would fight over two cores, and each measures its own throughput.
    result = teamrun.run(str(tmp_path / "team.sourcetrace"), tmp_path / "sqlite-logs", writers=WRITERS, ops=OPS)
    _report("sqlite", result)
    assert not result.problems, "\n".join(result.problems)
    assert result.ops == WRITERS * OPS

    pg_url = request.getfixturevalue("pg_url")
    result = teamrun.run(pg_url, tmp_path / "pg-logs", writers=WRITERS, ops=OPS)
    _report("postgresql", result)
    assert not result.problems, "\n".join(result.problems)
    assert result.ops == WRITERS * OPS
