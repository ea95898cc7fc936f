"""CLI: ``match`` (find a claim's repetitions) and ``aliases`` (names meaning the same thing).

JSON shapes (a contract):

* ``match TEXT --json`` -> ``[{"document_id", "filename", "start", "end", "text", "score",
  "explanation", ...}]`` best first; ``text`` is exactly ``document.text[start:end]``.
* ``match --batch FILE --json`` -> one JSON line per input line: ``{"query", "results": [...]}``.
* ``embed [--status] --json`` -> ``{"on", "reason", "model", "embedded", "sentences", "pending",
  "embedded_now", "seconds", "location"}``.
* Each result's ``stage`` (and ``explanation.stage``) says which stage found it: "lexical",
  "semantic" or "both"; ``explanation.cosine`` and ``explanation.lexical_score`` give the parts.
* ``aliases list --json`` -> ``[{"id", "terms"}]``; ``aliases add ... --json`` -> ``{"id", "terms"}``.

Without ``--min-score`` only results at or above the match threshold
(``app.matching.service.DEFAULT_THRESHOLD``) are listed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.cli.common import ProgressBar, open_workspace, print_json

AUTO_EMBED_MAX = 5000  # sentences a search embeds first, rather than leaving them to `embed`


def register(sub: Any) -> None:
    from app.matching.service import DEFAULT_THRESHOLD

    p = sub.add_parser("match", help="find where a claim is repeated (verbatim, trimmed or reworded)")
    p.add_argument("text", nargs="?", default=None, metavar="TEXT", help="the claim")
    p.add_argument("--batch", default=None, metavar="FILE",
                   help="match every line of FILE ('-' for standard input); prints JSON lines")
    p.add_argument("--limit", type=int, default=10, help="at most this many results per claim (default 10)")
    p.add_argument("--min-score", type=float, default=None,
                   help=f"lowest score to list, 0-100 (default: the match threshold, {DEFAULT_THRESHOLD:g})")
    p.add_argument("--per-document", type=int, default=None, help="at most this many results per document")
    p.add_argument("--by", choices=("both", "words", "meaning"), default="both",
                   help="both: lexical + semantic, fused (default; lexical alone when the semantic stage "
                        "is off); words: lexical only; meaning: nearest passages by meaning (paraphrases)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("embed", help="compute the sentence vectors of the semantic stage (paraphrase matching)")
    p.add_argument("--status", action="store_true", help="only report the semantic stage's state")
    p.add_argument("--rebuild", action="store_true", help="forget every vector and embed the workspace again")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("aliases", help="names that mean the same thing (Daesh = ISIS = IS)")
    asub = p.add_subparsers(dest="aliases_command", metavar="ACTION")
    a = asub.add_parser("list", help="list alias groups")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_aliases_list)
    a = asub.add_parser("add", help="declare terms one entity (merges groups sharing a term)")
    a.add_argument("terms", nargs="+", metavar="TERM")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_aliases_add)
    a = asub.add_parser("remove", help="remove an alias group")
    a.add_argument("group_id", type=int, metavar="ID")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_aliases_remove)
    p.set_defaults(func=cmd_aliases_list, json=False)


def _read_lines(path: str) -> list[str]:
    if path == "-":
        return sys.stdin.read().splitlines()
    with open(path, encoding="utf-8-sig") as f:
        return f.read().splitlines()


def cmd_match(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("sourcetrace: --limit must be at least 1", file=sys.stderr)
        return 2
    if (args.text is None) == (args.batch is None):
        print("sourcetrace: give either TEXT or --batch FILE", file=sys.stderr)
        return 2
    if args.batch is not None:
        try:
            lines = _read_lines(args.batch)
        except OSError as exc:
            print(f"sourcetrace: cannot read {args.batch}: {exc.strerror}", file=sys.stderr)
            return 2
        with open_workspace(args) as ws:
            catch_up(ws)
            m = ws.matcher
            for line in lines:
                query = line.strip()
                results = m.search(query, limit=args.limit, min_score=args.min_score,
                                   per_document=args.per_document, by=args.by) if query else []
                sys.stdout.write(json.dumps({"query": line, "results": [r.to_json() for r in results]},
                                            ensure_ascii=False) + "\n")
        return 0
    with open_workspace(args) as ws:
        on = catch_up(ws)
        if args.by == "meaning" and not on:
            print(f"sourcetrace: {ws.semantic.availability().reason}", file=sys.stderr)
            return 2
        results = ws.matcher.search(args.text, limit=args.limit, min_score=args.min_score,
                                    per_document=args.per_document, by=args.by)
        threshold = ws.matcher.threshold
    if args.json:
        print_json([r.to_json() for r in results])
        return 0
    if not results:
        floor = threshold if args.min_score is None else args.min_score
        print(f"no passage scores {floor:g} or more")
        return 0
    for i, r in enumerate(results, 1):
        where = r.title or r.filename
        date = f" ({r.published})" if r.published else ""
        stage = r.explanation.get("stage", "lexical")
        cos = r.explanation.get("cosine")
        how = f", {stage}" + (f", cosine {cos:.2f}" if cos is not None else "")
        print(f"{i:>2}. {r.score:5.1f}  {where}{date}  [doc {r.document_id}, {r.start}-{r.end}, {r.unit}{how}]")
        print(f"       {' '.join(r.text.split())}")
        terms = r.explanation.get("matched_terms") or []
        if terms:
            print(f"       matched: {', '.join(terms)}")
    return 0


def catch_up(ws: Any, limit: int = AUTO_EMBED_MAX) -> bool:
    """Embed sentences not embedded yet before a search, when they are few enough to do now
    (a large backlog is left to ``embed`` and reported). Returns whether the stage is on."""
    sem = ws.semantic
    if not sem.on or ws.readonly:
        return sem.on
    todo = sem.pending()
    if len(todo) > limit:
        print(f"sourcetrace: {len(todo)} sentences have no vector yet; matching by meaning covers only the "
              "others until you run `sourcetrace embed`", file=sys.stderr)
    elif todo:
        sem.update(todo=todo)
    return True


def cmd_embed(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        sem = ws.semantic
        av = sem.availability()
        if not args.status and av.on:
            if args.rebuild:
                sem.clear()
            bar = ProgressBar("embedding sentences", enabled=None if not args.json else False)
            t0 = time.perf_counter()
            n = sem.update(progress=bar.update)
            secs = time.perf_counter() - t0
            bar.finish()
        else:
            n, secs = 0, 0.0
        st = sem.status()
        st.update({"embedded_now": n, "seconds": round(secs, 2),
                   "location": str(sem.path)})
    if args.json:
        print_json(st)
    elif not st["on"]:
        print(st["reason"])
    else:
        rate = f" ({n / secs:.0f} sentences/s)" if n and secs > 0 else ""
        print(f"{st['reason']}\nembedded {n} sentences now{rate}; {st['embedded']} of {st['sentences']} "
              f"sentences have a vector")
    return 0 if st["on"] or args.status else 1


def cmd_aliases_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        groups = ws.matcher.aliases()
    if getattr(args, "json", False):
        print_json([g.to_json() for g in groups])
        return 0
    if not groups:
        print("no alias groups")
    for g in groups:
        print(f"{g.id:>4}  {' = '.join(g.terms)}")
    return 0


def cmd_aliases_add(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        try:
            g = ws.matcher.add_aliases(list(args.terms))
        except ValueError as exc:
            print(f"sourcetrace: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print_json(g.to_json())
    else:
        print(f"alias group {g.id}: {' = '.join(g.terms)}")
    return 0


def cmd_aliases_remove(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        ws.matcher.remove_alias_group(args.group_id)
    if args.json:
        print_json({"removed": args.group_id})
    else:
        print(f"removed alias group {args.group_id}")
    return 0
