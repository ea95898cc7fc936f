"""CLI: ``import``, ``docs``, ``show``, ``delete``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.common import ProgressBar, open_workspace, print_json
from app.documents import ImportOutcome


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import files and folders (recursively)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--password", default=None, help="password for encrypted PDFs")
    p.add_argument("--json", action="store_true", help="print a JSON list of outcomes")
    p.add_argument("--workers", type=int, default=None, help="extraction processes (default: one per core)")
    p.add_argument("--no-embed", action="store_true",
                   help="skip computing sentence vectors for paraphrase matching (`embed` does it later)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("reimport", help="replace a document with an edited version of the same source; "
                                        "excerpts are re-anchored, those not found again marked orphaned")
    p.add_argument("doc_id", type=int, metavar="DOC_ID")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--password", default=None, help="password for an encrypted PDF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reimport)

    p = sub.add_parser("docs", help="list the workspace's documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("show", help="print a document's metadata and text")
    p.add_argument("doc_id", type=int, metavar="DOC_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("delete", help="delete a document (and its excerpts)")
    p.add_argument("doc_id", type=int, metavar="DOC_ID")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("edit", help="edit a document's metadata")
    p.add_argument("doc_id", type=int, metavar="DOC_ID")
    for f in ("title", "author", "outlet", "url", "published", "language"):
        p.add_argument(f"--{f}", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_edit)


def cmd_import(args: argparse.Namespace) -> int:
    bar = ProgressBar("importing")
    failures: list[ImportOutcome] = []

    def progress(done: int, total: int, outcome: ImportOutcome | None) -> None:
        if outcome is not None and outcome.status == "failed":
            failures.append(outcome)
            if not args.json:
                bar.finish() if bar.enabled else None
                print(f"failed: {outcome.path or outcome.filename}: {outcome.error}", file=sys.stderr)
        bar.update(done, total, outcome.filename if outcome else "")

    with open_workspace(args) as ws:
        outcomes = ws.documents.import_paths(args.paths, password=args.password, progress=progress,
                                             workers=args.workers)
        bar.finish()
        if not args.no_embed and ws.semantic.on and any(o.status == "imported" for o in outcomes):
            ebar = ProgressBar("embedding sentences")
            ws.semantic.update(progress=ebar.update)
            ebar.finish()
    if args.json:
        print_json([o.to_json() for o in outcomes])
    else:
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
            if o.status == "duplicate":
                print(f"{o.filename}: {o.error}")
            elif o.status == "imported":
                for w in o.warnings:
                    print(f"warning: {o.filename}: {w}", file=sys.stderr)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to import"
        print(summary)
    return 1 if failures else 0


def cmd_reimport(args: argparse.Namespace) -> int:
    from pathlib import Path

    path = Path(args.path)
    with open_workspace(args) as ws:
        out = ws.documents.reimport_path(args.doc_id, path, password=args.password)
    if args.json:
        print_json(out.to_json())
    elif out.status == "imported":
        ex = out.excerpts or {}
        print(f"document {out.id} re-imported from {path.name}: {ex.get('total', 0)} excerpt(s): "
              f"{len(ex.get('unchanged', []))} unchanged, {len(ex.get('moved', []))} moved, "
              f"{len(ex.get('fuzzy', []))} found again with edits, {len(ex.get('orphaned', []))} orphaned")
    elif out.sha256 is None:  # the file itself could not be read
        print(f"sourcetrace: cannot read {path}: {out.error}", file=sys.stderr)
    else:
        print(f"{out.status}: {path.name}: {out.error}", file=sys.stderr)
    return 0 if out.status == "imported" else 1


def cmd_docs(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        docs = ws.documents.list()
    if args.json:
        print_json([
            {"id": d.id, "filename": d.filename, "title": d.title, "outlet": d.outlet,
             "published": d.published, "sha256": d.sha256, "sentences": d.sentences,
             "media_type": d.media_type, "author": d.author, "url": d.url}
            for d in docs
        ])
        return 0
    for d in docs:
        print(f"{d.id:>5}  {d.published or '----------':<10}  {(d.outlet or '')[:20]:<20}  {d.title or d.filename}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        detail = ws.documents.get(args.doc_id)
    i = detail.info
    if args.json:
        print_json({**i.to_json(), "text": detail.text, "pages": detail.pages, "warnings": detail.warnings,
                    "sentence_spans": detail.sentences})
        return 0
    rows = [
        ("Document", str(i.id)), ("File", i.filename), ("Type", i.media_type), ("Title", i.title),
        ("Author", i.author), ("Outlet", i.outlet), ("URL", i.url),
        ("Published", f"{i.published} ({i.published_precision})" if i.published else "unknown"),
        ("Language", i.language), ("SHA-256", i.sha256), ("Size", f"{i.size} bytes"),
        ("Imported", f"{i.imported_at:%Y-%m-%d %H:%M} by {i.imported_by}"), ("Sentences", str(i.sentences)),
    ]
    for k, v in rows:
        if v:
            print(f"{k + ':':<11} {v}")
    for w in detail.warnings:
        print(f"Warning:    {w}")
    print()
    print(detail.text)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        ws.documents.delete(args.doc_id)
    print(f"deleted document {args.doc_id}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    changes = {f: getattr(args, f) for f in ("title", "author", "outlet", "url", "published", "language")
               if getattr(args, f) is not None}
    with open_workspace(args) as ws:
        try:
            info = ws.documents.update_metadata(args.doc_id, **changes)
        except ValueError as exc:
            print(f"sourcetrace: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print_json(info.to_json())
    else:
        print(f"updated document {info.id}")
    return 0
