"""CLI: ``claim add|list|show|candidates|accept|reject|unreject|remove|relation|verdict|edit|delete|
link-origin`` and ``trace``.

JSON shapes (``--json``) are a contract:

- ``claim add`` -> ``{"id", "text", "appearances", ...}``
- ``claim list`` -> ``[{"id", "text", "status", "verdict", "appearances", "documents", ...}]``
- ``claim show`` -> the claim with ``appearances``, ``rejected`` and ``external_origins``
- ``claim candidates`` -> ``[{"key": "DOC:START:END", "document_id", "filename", "title", "published",
  "start", "end", "text", "score", "explanation", "relation"}]``
- ``trace`` -> ``{"claim", "appearances": [...], "earliest", "external_origins", "independent_origins", ...}``
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from typing import Any

from app.cli.common import open_workspace, print_json

Handler = Callable[[argparse.Namespace], int]


def _guard(fn: Handler) -> Handler:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except ValueError as exc:
            print(f"sourcetrace: {exc}", file=sys.stderr)
            return 2

    run.__doc__ = fn.__doc__
    return run


def register(sub: Any) -> None:
    p = sub.add_parser("claim", help="claims: add, list, show, candidates, accept/reject, verdict, edit")
    cs = p.add_subparsers(dest="claim_command", metavar="ACTION", required=True)

    def add(name: str, fn: Handler, help_: str) -> argparse.ArgumentParser:
        q: argparse.ArgumentParser = cs.add_parser(name, help=help_)
        q.add_argument("--json", action="store_true", help="print JSON")
        q.set_defaults(func=_guard(fn))
        return q

    q = add("add", cmd_add, "add a claim (optionally from a span of a document)")
    q.add_argument("text", metavar="TEXT")
    q.add_argument("--from", dest="source", metavar="DOC:START:END", help="the passage the claim was taken from")
    q.add_argument("--notes", default="")
    q.add_argument("--tag", dest="tags", action="append", default=[], metavar="TAG")
    add("list", cmd_list, "list claims")
    q = add("show", cmd_show, "show a claim, its appearances, rejected candidates and origins")
    q.add_argument("claim_id", type=int, metavar="ID")
    q = add("candidates", cmd_candidates, "candidate appearances proposed by the matcher")
    q.add_argument("claim_id", type=int, metavar="ID")
    q.add_argument("--limit", type=int, default=20)
    q.add_argument("--min-score", type=float, default=None)
    for name, fn, h in (("accept", cmd_accept, "accept a candidate as an appearance"),
                        ("reject", cmd_reject, "reject a candidate (it is never proposed again)"),
                        ("unreject", cmd_unreject, "forget a rejection")):
        q = add(name, fn, h)
        q.add_argument("claim_id", type=int, metavar="ID")
        q.add_argument("candidate", metavar="CANDIDATE", help="the candidate key DOC:START:END")
    q = add("remove", cmd_remove, "remove an appearance (by appearance id)")
    q.add_argument("appearance_id", type=int, metavar="APPEARANCE_ID")
    q = add("relation", cmd_relation, "set an appearance's relation")
    q.add_argument("appearance_id", type=int, metavar="APPEARANCE_ID")
    q.add_argument("relation", choices=["verbatim", "near-verbatim", "paraphrase", "mention-with-citation"])
    q = add("verdict", cmd_verdict, "rate a claim: true, mostly true, half true, misleading, mostly false, "
                                    "false, unproven")
    q.add_argument("claim_id", type=int, metavar="ID")
    q.add_argument("rating", metavar="RATING")
    q.add_argument("--note", default="")
    q.add_argument("--expected-version", type=int, default=None)
    q = add("edit", cmd_edit, "edit a claim's wording, notes, tags or status")
    q.add_argument("claim_id", type=int, metavar="ID")
    q.add_argument("--text", default=None)
    q.add_argument("--notes", default=None)
    q.add_argument("--status", default=None, help="open, in review or done")
    q.add_argument("--tag", dest="tags", action="append", default=None, metavar="TAG", help="replaces the tags")
    q.add_argument("--expected-version", type=int, default=None,
                   help="fail with a conflict if the claim changed since this version")
    q = add("delete", cmd_delete, "delete a claim")
    q.add_argument("claim_id", type=int, metavar="ID")
    q = add("link-origin", cmd_link_origin, "link an external origin to the document that is that source "
                                            "(DOC_ID `none` undoes the link)")
    q.add_argument("origin_id", type=int, metavar="ORIGIN_ID")
    q.add_argument("document_id", type=_doc_or_none, metavar="DOC_ID")

    t = sub.add_parser("trace", help="trace a claim (or any text) back to its earliest appearance and origins")
    t.add_argument("target", metavar="TEXT_OR_CLAIM_ID")
    t.add_argument("--text", dest="force_text", action="store_true", help="treat TEXT_OR_CLAIM_ID as text")
    t.add_argument("--min-score", type=float, default=None, help="free text: matcher score floor "
                                                                 "(default: the matcher's threshold)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=_guard(cmd_trace))


# ---------------------------------------------------------------- claim commands
def cmd_add(args: argparse.Namespace) -> int:
    from app.claims import parse_span

    source = parse_span(args.source) if args.source else None
    with open_workspace(args) as ws:
        detail = ws.claims.create(args.text, source=source, notes=args.notes, tags=args.tags)
    if args.json:
        print_json({"id": detail.id, "text": detail.text, "status": detail.status,
                    "appearances": [a.to_json() for a in detail.appearances], "version": detail.version})
    else:
        print(f"added claim {detail.id}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        claims = ws.claims.list()
    if args.json:
        print_json([c.to_json() for c in claims])
        return 0
    for c in claims:
        print(f"{c.id:>5}  {c.status:<9}  {(c.verdict or '-'):<12}  {c.appearances:>3} app.  {_clip(c.text, 70)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        d = ws.claims.get(args.claim_id)
    if args.json:
        print_json(d.to_json())
        return 0
    print(f"Claim {d.id} (version {d.version}): {d.text}")
    print(f"Status: {d.status}   Verdict: {d.verdict or '-'}{'  ' + d.verdict_note if d.verdict_note else ''}")
    if d.tags:
        print("Tags: " + ", ".join(d.tags))
    if d.notes:
        print("Notes: " + d.notes)
    print(f"Created by {d.created_by} on {d.created_at:%Y-%m-%d %H:%M}")
    print(f"\nAppearances ({len(d.appearances)}):")
    for a in d.appearances:
        who = ", ".join(x["name"] for x in a.attributed_to) or "-"
        print(f"  #{a.id} {a.key:<14} {a.published or 'date unknown':<12} {a.relation or '-':<21} {a.filename}")
        print(f"      \"{_clip(a.text, 100)}\"   attributed to: {who}{'  [ORPHANED]' if a.orphaned else ''}")
    if d.rejected:
        print(f"\nRejected ({len(d.rejected)}): " + ", ".join(a.key for a in d.rejected))
    if d.external_origins:
        print("\nExternal origins:")
        for o in d.external_origins:
            linked = f" -> document {o.document_id}" if o.document_id else ""
            print(f"  #{o.id} {o.name} ({o.kind}){', ' + o.date if o.date else ''}{linked}")
    return 0


def cmd_candidates(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        cands = ws.claims.candidates(args.claim_id, limit=args.limit, min_score=args.min_score)
    if args.json:
        print_json([c.to_json() for c in cands])
        return 0
    if not cands:
        print("no candidates")
    for c in cands:
        print(f"{c.key:<16} {c.score:5.1f}  {c.published or '----------':<10}  {c.relation:<21} {c.filename}")
        print(f"      \"{_clip(c.text, 110)}\"")
    return 0


def _state_cmd(args: argparse.Namespace, action: str) -> int:
    with open_workspace(args) as ws:
        app = getattr(ws.claims, action)(args.claim_id, args.candidate)
    if args.json:
        print_json(app.to_json())
    else:
        print(f"{action}ed {app.key} for claim {args.claim_id} (appearance {app.id}, {app.relation or app.state})")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    return _state_cmd(args, "accept")


def cmd_reject(args: argparse.Namespace) -> int:
    return _state_cmd(args, "reject")


def cmd_unreject(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        n = ws.claims.unreject(args.claim_id, args.candidate)
    print_json({"removed": n}) if args.json else print(f"forgot {n} rejection{'s' if n != 1 else ''}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        ws.claims.remove_appearance(args.appearance_id)
    print_json({"removed": args.appearance_id}) if args.json else print(f"removed appearance {args.appearance_id}")
    return 0


def cmd_relation(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        app = ws.claims.set_relation(args.appearance_id, args.relation)
    print_json(app.to_json()) if args.json else print(f"appearance {app.id}: {app.relation}")
    return 0


def cmd_verdict(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        d = ws.claims.set_verdict(args.claim_id, args.rating, args.note, expected_version=args.expected_version)
    if args.json:
        print_json({"id": d.id, "verdict": d.verdict, "verdict_note": d.verdict_note, "version": d.version})
    else:
        print(f"claim {d.id}: {d.verdict}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        d = ws.claims.update(args.claim_id, expected_version=args.expected_version, text=args.text,
                             notes=args.notes, tags=args.tags, status=args.status)
    if args.json:
        print_json(d.to_json())
    else:
        print(f"updated claim {d.id} (version {d.version})")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        ws.claims.delete(args.claim_id)
    print_json({"deleted": args.claim_id}) if args.json else print(f"deleted claim {args.claim_id}")
    return 0


def _doc_or_none(value: str) -> int | None:
    if value.strip().lower() in ("none", "-"):
        return None
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a document id or `none`, not {value!r}") from None


def cmd_link_origin(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        o = ws.claims.link_origin(args.origin_id, args.document_id)
    if args.json:
        print_json(o.to_json())
    elif o.document_id is None:
        print(f"origin {o.id} ({o.name}) is no longer linked to a document")
    else:
        print(f"origin {o.id} ({o.name}) -> document {o.document_id}")
    return 0


# ---------------------------------------------------------------- trace
def cmd_trace(args: argparse.Namespace) -> int:
    target = args.target.strip()
    with open_workspace(args) as ws:
        if target.isdigit() and not args.force_text:
            lineage = ws.lineage.trace(int(target))
        else:
            lineage = ws.lineage.trace_text(target, min_score=args.min_score)
    if args.json:
        print_json(lineage.to_json())
        return 0
    print(_timeline(lineage.to_json()))
    return 0


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _timeline(t: dict[str, Any]) -> str:
    out: list[str] = []
    if t["claim"]:
        out.append(f"Claim {t['claim']['id']}: {t['claim']['text']}")
    else:
        out.append(f"Text: {t['query']}")
    out.append(t["summary"])
    out.append("")
    earliest = t["earliest"]["key"] if t["earliest"] else None
    for a in t["appearances"]:
        date = a["published"] or "date unknown"
        mark = "  <- earliest" if a["key"] == earliest else ""
        out.append(f"{date:<12}  {a['title'] or a['filename']}  [{a['relation'] or '-'}, score "
                   f"{a['score'] if a['score'] is not None else '-'}]{mark}")
        out.extend("              " + line for line in textwrap.wrap(f"\"{_clip(a['text'], 300)}\"", 90))
        for at in a["attributed_to"]:
            out.append(f"              attributed to {at['name']} ({at['kind']}): \"{_clip(at['evidence'] or '', 60)}\"")
        for ref in a["derived_from"]:
            what = ref.get("name") or ref.get("key")
            out.append(f"              derived from {'origin ' if ref['type'] == 'origin' else ''}{what}")
    if t["external_origins"]:
        out.append("")
        out.append("External origins (not in the workspace):")
        for o in t["external_origins"]:
            linked = f", linked to document {o['document_id']}" if o["document_id"] else ""
            out.append(f"  {o['name']} ({o['kind']}), {o['date'] or 'date unknown'}{linked}: {_clip(o['evidence'], 70)}")
    return "\n".join(out)
