"""Team-use load figures: N processes x M mixed writes on one workspace, SQLite file and PostgreSQL.

    python bench/team_bench.py [--writers 4] [--ops 500] [--no-postgres]

Prints, per back end: acknowledged writes, wall time, throughput (writes/s), the 99th percentile
and the longest time a single write took (including waiting for locks), the longest lock wait,
writes that gave up as busy, and whether verification (every acknowledged write present, one audit
entry each, check ok) passed. Exits 1 when any verification fails.

Lock waits: on SQLite, the writers measure how long ``BEGIN IMMEDIATE`` waited for the file's
write lock. On PostgreSQL there is no up-front lock (writers wait on row locks); the bench samples
``pg_locks.waitstart`` of ungranted locks every 10 ms from a separate connection while the writers
run, so the figure is the longest wait seen (resolution ~10 ms; waits shorter than that may be
missed). With ``--no-pg-sampling`` it prints "n/a".

PostgreSQL runs on a throwaway local server started with scripts/pg-test-server.sh in durable mode
(fsync on), or on SOURCETRACE_BENCH_PG (an admin URL).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.team import teamrun  # noqa: E402

SAMPLE_SECONDS = 0.01


def format_result(label: str, r: teamrun.TeamResult, lock_wait: float | None) -> str:
    """One line of figures; ``lock_wait`` None means it was not measured (printed as n/a)."""
    busy = sum(s["busy_errors"] for s in r.summaries)
    p99 = max((s["p99_latency"] for s in r.summaries), default=0.0)
    wait = "n/a" if lock_wait is None else f"{lock_wait * 1000:.0f} ms"
    return (f"{label:<11} {r.ops:>6} writes  {r.wall_seconds:7.1f} s  {r.throughput:7.0f} writes/s  "
            f"p99 {p99 * 1000:6.0f} ms  longest {r.longest_wait * 1000:6.0f} ms  "
            f"lock wait max {wait:>8}  busy {busy}  "
            f"{'verified' if not r.problems else 'VERIFICATION FAILED: ' + '; '.join(r.problems[:3])}")


class PgLockSampler:
    """Samples the longest current wait for a lock on one PostgreSQL database (``pg_locks.waitstart``)."""

    QUERY = ("SELECT coalesce(extract(epoch FROM max(clock_timestamp() - l.waitstart)), 0) "
             "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
             "WHERE NOT l.granted AND l.waitstart IS NOT NULL AND a.datname = %s")

    def __init__(self, url: str, database: str) -> None:
        self.url, self.database = url, database
        self.longest = 0.0
        self.samples = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not self._stop.is_set():
                    row = conn.execute(self.QUERY, (self.database,)).fetchone()
                    self.longest = max(self.longest, float(row[0] or 0.0) if row else 0.0)
                    self.samples += 1
                    self._stop.wait(SAMPLE_SECONDS)
        except Exception as exc:  # a broken sampler must not break the bench: report n/a instead
            self.error = f"{type(exc).__name__}: {exc}"

    def __enter__(self) -> PgLockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    @property
    def result(self) -> float | None:
        return None if self.error or not self.samples else self.longest


def _pg_server(base: Path) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base.chmod(0o755)
    out = subprocess.run(["bash", str(REPO / "scripts" / "pg-test-server.sh"), "start", str(base / "pg"),
                          str(port), "--durable"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--ops", type=int, default=500)
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-pg-sampling", action="store_true", help="do not sample PostgreSQL lock waits (n/a)")
    args = p.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="sourcetrace-team-bench-"))
    print(f"{args.writers} processes x {args.ops} mixed writes (new claims, accepted appearances, verdicts on "
          "own and shared claims with conflicts, imports, title edits)")
    failed = False
    try:
        r = teamrun.run(str(base / "team.sourcetrace"), base / "sqlite-logs", writers=args.writers, ops=args.ops)
        print(format_result("sqlite", r, r.longest_lock_wait), flush=True)
        failed |= bool(r.problems)
        if not args.no_postgres:
            admin = os.environ.get("SOURCETRACE_BENCH_PG") or _pg_server(base)
            name = "bench_" + uuid.uuid4().hex[:12]
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            try:
                if args.no_pg_sampling:
                    r, wait = teamrun.run(url, base / "pg-logs", writers=args.writers, ops=args.ops), None
                else:
                    with PgLockSampler(admin, name) as sampler:
                        r = teamrun.run(url, base / "pg-logs", writers=args.writers, ops=args.ops)
                    wait = sampler.result
                    if sampler.error:
                        print(f"(lock-wait sampling failed: {sampler.error})")
                print(format_result("postgresql", r, wait), flush=True)
                failed |= bool(r.problems)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if (base / "pg").exists():
            subprocess.run(["bash", str(REPO / "scripts" / "pg-test-server.sh"), "stop", str(base / "pg")],
                           capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    if failed:
        print("verification FAILED: see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
