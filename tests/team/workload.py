"""One writer of the multi-process team workload (run as a script by tests and bench/team_bench.py).

Each writer makes ``--ops`` mixed writes on one workspace as user ``--user``, each its own unit of
work through the public services, in the issue's mix: new claims, accepting a span of a document
as an appearance of a claim, verdicts on its own claims and on claims every writer edits (real
conflicts: optimistic concurrency refuses a stale save; the writer re-reads and saves again on
top, as a user merging in the conflict dialog would), plus document imports (for the spans) and
title edits. After each write returns (is *acknowledged*) it appends one JSON line to ``--log``:
``{"op", "id", "value", "t"}``. On exit it prints a JSON summary (latencies, lock waits, conflicts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--ops", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log", required=True)
    p.add_argument("--shared", default="", help="comma-separated ids of documents every writer edits")
    p.add_argument("--start-at", type=float, default=0.0, help="wall-clock time to start (aligns writers)")
    args = p.parse_args(argv)

    from app.workspace import Workspace
    from db.errors import ConflictError, WorkspaceBusy

    rng = random.Random(args.seed)
    shared = [int(x) for x in args.shared.split(",") if x]
    ws = Workspace.open(args.target, user=args.user, daily_backup=False)
    docs: list[int] = []
    spans: list[tuple[int, int, int, str]] = []  # sentences of my documents not yet claimed
    to_accept: list[tuple[int, tuple[int, int, int]]] = []  # my claims, with the span to accept
    my_claims: dict[int, int] = {}  # claim id -> version I last saw
    latencies: list[float] = []
    busy = conflicts = 0
    log = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the whole run
    if args.start_at:
        time.sleep(max(0.0, args.start_at - time.time()))
    started = time.perf_counter()

    def ack(op: str, ident: int, value: str | None) -> None:
        log.write(json.dumps({"op": op, "id": ident, "value": value, "t": time.time()}) + "\n")
        log.flush()

    k = 0
    while k < args.ops:
        roll = rng.random()
        t0 = time.perf_counter()
        try:
            if len(spans) < 2 or roll < 0.12:
                body = f"Report {args.user} number {k}. " + " ".join(
                    f"Sentence {j} of item {k} by {args.user} says {rng.random():.6f}." for j in range(6))
                out = ws.documents.import_bytes(body.encode(), f"{args.user}-{k}.txt")
                assert out.status == "imported" and out.id is not None, out
                detail = ws.documents.get(out.id)
                spans += [(out.id, a, b, detail.text[a:b]) for a, b in detail.sentences[1:]]
                docs.append(out.id)
                ack("import", out.id, out.sha256)
            elif roll < 0.32 or not my_claims:
                doc, a, b, sentence = spans.pop(rng.randrange(len(spans)))
                claim = ws.claims.create(sentence)
                my_claims[claim.id] = claim.version
                to_accept.append((claim.id, (doc, a, b)))
                ack("claim", claim.id, claim.text)
            elif roll < 0.55 and to_accept:
                claim_id, span = to_accept.pop(rng.randrange(len(to_accept)))
                ws.claims.accept(claim_id, span)
                ack("accept", claim_id, "{}:{}:{}".format(*span))
            elif roll < 0.72:
                claim_id = rng.choice(list(my_claims))
                note = f"{args.user} verdict {k}"
                detail = ws.claims.set_verdict(claim_id, rng.choice(["true", "false", "misleading"]), note,
                                               expected_version=my_claims[claim_id])
                my_claims[claim_id] = detail.version
                ack("verdict", claim_id, note)
            elif roll < 0.94 and shared:
                claim_id = rng.choice(shared)
                note = f"{args.user} shared verdict {k}"
                version = ws.claims.get(claim_id).version
                while True:
                    try:
                        ws.claims.set_verdict(claim_id, "unproven", note, expected_version=version)
                        break
                    except ConflictError as exc:  # someone saved first: look at theirs, save on top
                        conflicts += 1
                        version = int(exc.theirs.get("version", exc.theirs.get("version_id", 0))) or \
                            ws.claims.get(claim_id).version
                ack("verdict", claim_id, note)
            else:
                doc = rng.choice(docs)
                title = f"{args.user} title {k}"
                ws.documents.update_metadata(doc, title=title)
                ack("edit", doc, title)
        except WorkspaceBusy:
            busy += 1  # not acknowledged: nothing was saved; go on with the next operation
            continue
        latencies.append(time.perf_counter() - t0)
        k += 1
    elapsed = time.perf_counter() - started
    log.close()
    stats = ws.db.lock_stats
    ws.close()
    latencies.sort()
    print(json.dumps({
        "user": args.user, "ops": len(latencies), "seconds": elapsed, "busy_errors": busy,
        "max_latency": latencies[-1] if latencies else 0.0,
        "p50_latency": latencies[len(latencies) // 2] if latencies else 0.0,
        "p99_latency": latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
        "max_lock_wait": stats.max_wait, "lock_waits": stats.waited, "conflicts": conflicts,
        "pid": os.getpid(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
