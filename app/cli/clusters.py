"""CLI: ``clusters``: assertions repeated across documents (groups of near-duplicate sentences).

JSON shape (a contract): ``[{"id", "documents", "score", "members": [{"document_id", "filename",
"start", "end", "text", ...}]}]``, most widespread group first; ``text`` is exactly
``document.text[start:end]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from app.cli.common import open_workspace, print_json
from app.matching.clusters import DEFAULT_CLUSTER_SCORE, DEFAULT_EDGE_FLOOR, Group


def register(sub: Any) -> None:
    p = sub.add_parser("clusters", help="groups of near-identical sentences repeated across documents")
    p.add_argument("--min-score", type=float, default=None,
                   help=f"how alike two sentences must be, 0-100 (default {DEFAULT_CLUSTER_SCORE:g}; "
                        f"lowest {DEFAULT_EDGE_FLOOR:g})")
    p.add_argument("--min-documents", type=int, default=2, help="only groups spanning at least this many documents")
    p.add_argument("--max-documents", type=int, default=None,
                   help="hide groups spanning more documents than this (boilerplate)")
    p.add_argument("--limit", type=int, default=None, help="print at most this many groups")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_clusters)


def workspace_clusters(ws: Any, min_score: float | None) -> list[Any]:
    """Clusters from the match service when it offers them, else built from the database."""
    score = DEFAULT_CLUSTER_SCORE if min_score is None else min_score
    if score < DEFAULT_EDGE_FLOOR or score > 100:
        raise ValueError(f"--min-score must be between {DEFAULT_EDGE_FLOOR:g} and 100")
    method = None
    try:
        method = getattr(ws.matcher, "clusters", None)
    except ModuleNotFoundError as exc:  # the match service is not there yet
        if not (exc.name or "").startswith("app.matching"):
            raise
    if method is None:
        from app.matching.cluster_workspace import groups_for_workspace

        return list(groups_for_workspace(ws, score))
    found = list(method(min_score=score))
    if found and isinstance(found[0], Group):
        from app.matching.cluster_workspace import resolve

        return list(resolve(ws, found))
    return found


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def cluster_json(cluster: Any, number: int) -> dict[str, Any]:
    """The contract shape of one cluster, from a ``Cluster`` or any object/dict with ``members``."""
    if hasattr(cluster, "to_json"):
        out = dict(cluster.to_json())
    else:
        members = [m.to_json() if hasattr(m, "to_json") else dict(m) if isinstance(m, dict) else
                   {k: _get(m, k) for k in ("document_id", "filename", "start", "end", "text")}
                   for m in _get(cluster, "members", [])]
        out = {"id": _get(cluster, "id", number), "score": _get(cluster, "score"), "members": members}
    out.setdefault("id", number)
    out.setdefault("documents", len({m["document_id"] for m in out["members"]}))
    return out


def filter_clusters(rows: Sequence[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    kept = [r for r in rows if r["documents"] >= args.min_documents
            and (args.max_documents is None or r["documents"] <= args.max_documents)]
    return kept[:args.limit] if args.limit is not None else kept


def cmd_clusters(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        try:
            found = workspace_clusters(ws, args.min_score)
        except ValueError as exc:
            print(f"sourcetrace: {exc}", file=sys.stderr)
            return 2
    rows = filter_clusters([cluster_json(c, i) for i, c in enumerate(found, 1)], args)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no sentence is repeated in two or more documents")
        return 0
    for r in rows:
        members = r["members"]
        print(f"#{r['id']}  {r['documents']} documents, {len(members)} passages"
              + (f", weakest pair scores {r['score']:g}" if isinstance(r.get("score"), int | float) else ""))
        for m in members:
            text = " ".join(str(m["text"]).split())
            print(f"    [{m['document_id']}] {m['filename']} {m['start']}-{m['end']}: "
                  f"{text[:100] + '…' if len(text) > 100 else text}")
    return 0
