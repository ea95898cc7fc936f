"""Team-use load figures: N processes x M mixed writes on one workspace, SQLite file and PostgreSQL.

    python bench/team_bench.py [--writers 4] [--ops 500] [--no-postgres]

Prints, per back end: acknowledged writes, wall time, throughput (writes/s), the longest time a
single write took (including waiting for the lock), the longest wait for the SQLite write lock,
writes that gave up as busy, and whether verification (every acknowledged write present, one audit
entry each, check ok) passed. PostgreSQL runs on a throwaway local server started with
scripts/pg-test-server.sh in durable mode (fsync on), or on SOURCETRACE_BENCH_PG (an admin URL).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.team import teamrun  # noqa: E402


def _report(label: str, r: teamrun.TeamResult) -> None:
    busy = sum(s["busy_errors"] for s in r.summaries)
    p99 = max((s["p99_latency"] for s in r.summaries), default=0.0)
    print(f"{label:<11} {r.ops:>6} writes  {r.wall_seconds:7.1f} s  {r.throughput:7.0f} writes/s  "
          f"p99 {p99 * 1000:6.0f} ms  longest {r.longest_wait * 1000:6.0f} ms  "
          f"lock wait max {r.longest_lock_wait * 1000:6.0f} ms  busy {busy}  "
          f"{'verified' if not r.problems else 'PROBLEMS: ' + '; '.join(r.problems[:3])}")


def _pg_server(base: Path) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base.chmod(0o755)
    out = subprocess.run(["bash", str(REPO / "scripts" / "pg-test-server.sh"), "start", str(base / "pg"),
                          str(port), "--durable"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    import os

    import psycopg
    from sqlalchemy.engine import make_url

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--ops", type=int, default=500)
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sourcetrace-team-bench-"))
    print(f"{args.writers} processes x {args.ops} mixed writes (new claims, accepted appearances, verdicts on own and shared claims with conflicts, imports, title edits)")
    try:
        r = teamrun.run(str(base / "team.sourcetrace"), base / "sqlite-logs", writers=args.writers, ops=args.ops)
        _report("sqlite", r)
        if not args.no_postgres:
            admin = os.environ.get("SOURCETRACE_BENCH_PG") or _pg_server(base)
            name = "bench_" + uuid.uuid4().hex[:12]
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            try:
                r = teamrun.run(url, base / "pg-logs", writers=args.writers, ops=args.ops)
                _report("postgresql", r)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if (base / "pg").exists():
            subprocess.run(["bash", str(REPO / "scripts" / "pg-test-server.sh"), "stop", str(base / "pg")],
                           capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
