"""Run the multi-process team workload and verify that no acknowledged write was lost.

Shared by tests/team/test_concurrent_writers.py (correctness) and bench/team_bench.py (figures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKLOAD = Path(__file__).resolve().parent / "workload.py"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class TeamResult:
    writers: int
    ops: int
    wall_seconds: float
    summaries: list[dict[str, Any]]
    acks: dict[str, list[dict[str, Any]]]
    problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.ops / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def longest_wait(self) -> float:
        return max((s["max_latency"] for s in self.summaries), default=0.0)

    @property
    def longest_lock_wait(self) -> float:
        return max((s["max_lock_wait"] for s in self.summaries), default=0.0)


def prepare(target: str, shared_claims: int = 3) -> list[int]:
    """Create the workspace and the claims every writer gives verdicts on; return their ids."""
    from app.workspace import Workspace

    with Workspace.open(target, user="setup", daily_backup=False) as ws:
        return [ws.claims.create(f"Shared claim {i} that everyone checks").id for i in range(shared_claims)]


def run(target: str, workdir: Path, *, writers: int = 4, ops: int = 500, timeout: float = 600) -> TeamResult:
    shared = prepare(target)
    workdir.mkdir(parents=True, exist_ok=True)
    start_at = time.time() + 3.0  # all writers import the app first, then start together
    procs = []
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for i in range(writers):
        log = workdir / f"writer-{i}.jsonl"
        log.unlink(missing_ok=True)
        cmd = [sys.executable, str(WORKLOAD), "--target", target, "--user", f"writer-{i}", "--ops", str(ops),
               "--seed", str(i), "--log", str(log), "--shared", ",".join(map(str, shared)),
               "--start-at", str(start_at)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    summaries = []
    errors = []
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=timeout)
        if p.returncode != 0:
            errors.append(f"writer-{i} exited {p.returncode}: {err[-3000:]}")
            continue
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    wall = max((s["seconds"] for s in summaries), default=0.0)
    acks = {}
    for i in range(writers):
        log = workdir / f"writer-{i}.jsonl"
        acks[f"writer-{i}"] = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    result = TeamResult(writers, sum(len(a) for a in acks.values()), wall, summaries, acks, errors)
    result.problems += verify(target, acks, shared)
    return result


_ACTION = {"import": "document.import", "claim": "claim.create", "accept": "appearance.accept",
           "verdict": "claim.verdict", "edit": "document.edit"}
# Entries written alongside a primary one in the same unit of work (accepting a span creates its excerpt).
_COMPANIONS = {"excerpt.create"}


def _key(e: Any) -> tuple[str, int | None, Any]:
    after = e.after or {}
    if e.action == "document.import":
        return e.action, e.document_id, after.get("sha256")
    if e.action == "document.edit":
        return e.action, e.document_id, after.get("title")
    if e.action == "claim.create":
        return e.action, e.claim_id, after.get("text")
    if e.action == "appearance.accept":
        return e.action, e.claim_id, f"{e.document_id}:{after.get('start')}:{after.get('end')}"
    if e.action == "claim.verdict":
        return e.action, e.claim_id, after.get("verdict_note")
    return e.action, e.entity_id, None


def verify(target: str, acks: dict[str, list[dict[str, Any]]], shared: list[int]) -> list[str]:
    """Every acknowledged write is present, with exactly one audit entry each; nothing is lost."""
    from app.workspace import Workspace

    problems: list[str] = []
    with Workspace.open(target, user="verifier", daily_backup=False) as ws:
        history = ws.maintenance.history()
        docs = {d.id: d for d in ws.documents.list()}
        claims = {c.id: ws.claims.get(c.id) for c in ws.claims.list()}
        report = ws.maintenance.check()
    if not report.ok:
        problems += [f"check: {p.message}" for p in report.problems[:10]]
    by_user: dict[str, Counter[tuple[str, int | None, Any]]] = {}
    companions: Counter[str] = Counter()
    for e in history:
        if e.action in _COMPANIONS:
            companions[e.user] += 1
            continue
        by_user.setdefault(e.user, Counter())[_key(e)] += 1
    for user, items in acks.items():
        expected = Counter((_ACTION[a["op"]], a["id"], a["value"]) for a in items)
        got = by_user.get(user, Counter())
        if expected != got:
            problems.append(f"{user}: audit differs from acknowledged writes: missing {list(expected - got)[:5]}, "
                            f"unacknowledged {list(got - expected)[:5]}")
        accepts = sum(1 for a in items if a["op"] == "accept")
        if companions[user] != accepts:
            problems.append(f"{user}: {companions[user]} excerpt entries for {accepts} accepted spans")
        last: dict[tuple[str, int], str] = {}
        for a in items:
            op, ident, value = a["op"], a["id"], a["value"]
            if op == "import" and (ident not in docs or docs[ident].sha256 != value):
                problems.append(f"{user}: imported document {ident} is missing or different")
            elif op == "claim" and (ident not in claims or claims[ident].text != value):
                problems.append(f"{user}: claim {ident} is missing or different")
            elif op == "accept" and value not in {x.key for x in claims[ident].appearances}:
                problems.append(f"{user}: accepted span {value} of claim {ident} is missing")
            elif op in ("edit", "verdict") and ident not in shared:
                last[(op, ident)] = value
        for (op, ident), value in last.items():
            now = docs[ident].title if op == "edit" else claims[ident].verdict_note
            if now != value:
                problems.append(f"{user}: {op} of {ident} is {now!r}, last saved {value!r}")
    # Shared claims: the verdicts form one chain. Each acknowledged verdict is either the final one
    # or was seen (as "before") by the save that replaced it: no one's save vanished silently.
    for claim_id in shared:
        edits = [e for e in history if e.claim_id == claim_id and e.action == "claim.verdict"]
        if not edits:
            continue
        final = claims[claim_id].verdict_note
        befores = Counter((e.before or {}).get("verdict_note") for e in edits)
        for e in edits:
            value = (e.after or {}).get("verdict_note")
            if value != final and befores[value] != 1:
                problems.append(f"shared claim {claim_id}: the verdict {value!r} by {e.user} was overwritten "
                                f"without being seen ({befores[value]} later saves started from it)")
        if final not in {(e.after or {}).get("verdict_note") for e in edits}:
            problems.append(f"shared claim {claim_id}: final verdict note {final!r} matches no saved verdict")
        versions = [(e.after or {}).get("version") for e in edits]
        if len(set(versions)) != len(versions):
            problems.append(f"shared claim {claim_id}: two saves produced the same version")
    return problems
