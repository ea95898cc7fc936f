"""CLI for team use and the safety net: ``history``, ``backup``, ``check``, ``restore``, ``migrate-to``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.common import open_workspace, print_json


def _db_option(p: argparse.ArgumentParser) -> None:
    # Also accept --db after the subcommand (``sourcetrace restore BACKUP --db W``).
    p.add_argument("--db", default=argparse.SUPPRESS, help="workspace file or postgresql:// URL")


def register(sub: Any) -> None:
    p = sub.add_parser("config", help="your settings: `config user NAME` sets the name in the audit trail")
    p.add_argument("key", choices=["user"], nargs="?", default="user")
    p.add_argument("value", nargs="?", default=None, metavar="VALUE",
                   help="new value (\"\" goes back to the OS login name); omitted: print it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("history", help="who changed what: the audit trail of a claim, a document or all")
    p.add_argument("--claim", type=int, default=None, metavar="ID")
    p.add_argument("--document", type=int, default=None, metavar="ID")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true")
    _db_option(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("backup", help="write a consistent copy of the workspace to a new file")
    p.add_argument("out", metavar="OUT")
    p.add_argument("--json", action="store_true")
    _db_option(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("check", help="integrity check: database, originals' SHA-256, excerpt anchors")
    p.add_argument("--json", action="store_true")
    _db_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("restore", help="replace the workspace's content with a backup (the current "
                                       "content is kept as a backup first)")
    p.add_argument("backup", metavar="BACKUP")
    p.add_argument("--json", action="store_true")
    _db_option(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("migrate-to", help="move the whole workspace into an empty PostgreSQL database")
    p.add_argument("target", metavar="URL")
    p.add_argument("--json", action="store_true")
    _db_option(p)
    p.set_defaults(func=cmd_migrate_to)


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_config(args: argparse.Namespace) -> int:
    from app import config

    if args.value is not None:
        config.set_user_name(args.value)
    user, source = config.user_and_source()
    if args.json:
        print_json({"user": user, "source": source, "settings_file": str(config.settings_file())})
    else:
        print(f"user: {user}  ({source})")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        entries = ws.maintenance.history(claim_id=args.claim, document_id=args.document, limit=args.limit)
    if args.json:
        print_json([e.to_json() for e in entries])
        return 0
    for e in entries:
        target = f"{e.entity} {e.entity_id}" if e.entity_id is not None else e.entity
        change = ""
        if e.before or e.after:
            change = f"  {_short(e.before)} -> {_short(e.after)}" if e.before else f"  {_short(e.after)}"
        print(f"{e.id:>6}  {e.at:%Y-%m-%d %H:%M:%S}  {e.user:<12}  {e.action:<18}  {target}{change}")
    if not entries:
        print("no history")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    with open_workspace(args, readonly=None) as ws:
        out = ws.maintenance.backup(args.out)
    if args.json:
        print_json({"backup": str(out), "size": out.stat().st_size})
    else:
        print(f"backup written to {out} ({out.stat().st_size} bytes)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        report = ws.maintenance.check()
        warning = ws.maintenance.filesystem_warning()
    if args.json:
        data = report.to_json()
        data["filesystem_warning"] = warning
        print_json(data)
    else:
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        if report.ok:
            print(f"ok: {counts}")
        else:
            for p in report.problems:
                print(f"problem: {p.kind}: {p.message}")
            more = " (more not shown)" if report.truncated else ""
            print(f"{len(report.problems)} problem(s){more}; checked {counts}", file=sys.stderr)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_restore(args: argparse.Namespace) -> int:
    from app.backup import restore_sqlite
    from db.engine import sqlite_path, to_url
    from db.errors import WorkspaceError

    path = sqlite_path(to_url(args.db))
    if path is None:
        raise WorkspaceError(
            "restore writes a backup back into a workspace file; for a server workspace, restore the "
            "backup file into a new, empty database with: sourcetrace --db BACKUP migrate-to URL"
        )
    from app import config

    safety = restore_sqlite(Path(args.backup).expanduser().resolve(), path, user=args.user or config.current_user())
    if args.json:
        print_json({"restored": str(path), "from": args.backup, "previous_saved_as": str(safety) if safety else None})
    else:
        print(f"restored {path} from {args.backup}")
        if safety:
            print(f"the previous content was saved as {safety}")
    return 0


def cmd_migrate_to(args: argparse.Namespace) -> int:
    from app.migrate_to import migrate_to

    def progress(table: str, n: int) -> None:
        if not args.json:
            print(f"  {table}: {n} rows", file=sys.stderr)

    report = migrate_to(args.db, args.target, progress=progress)
    if args.json:
        print_json(report.to_json())
    else:
        total = sum(report.tables.values())
        print(f"moved {total} rows in {len(report.tables)} tables; verified {report.originals_verified} "
              f"originals (SHA-256) and {report.documents_verified} document texts")
    return 0
