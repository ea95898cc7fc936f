"""The ``sourcetrace`` command line.

Subcommands are registered by the modules in ``COMMAND_MODULES``. The console script enters
through ``ui.launcher`` (which installs the Qt-backed services such as the PDF report renderer
and opens the desktop workbench when no subcommand is given), so this package never imports Qt.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from app import __version__, config
from db.errors import WorkspaceError

COMMAND_MODULES = (
    "app.cli.documents",
    "app.cli.matching",
    "app.cli.clusters",
    "app.cli.claims",
    "app.cli.bundles",
    "app.cli.team",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sourcetrace",
        description="SourceTrace: find where each claim really comes from.",
    )
    parser.add_argument("--version", action="version", version=f"sourcetrace {__version__}")
    parser.add_argument(
        "--db",
        default=None,
        help="workspace: an SQLite file path or a postgresql:// URL "
        "(default: $SOURCETRACE_DB or a workspace in your user data folder)",
    )
    parser.add_argument("--user", default=None, help="your name in the audit trail (default: $SOURCETRACE_USER, the saved `config user`, or the OS login)")
    parser.add_argument("--readonly", action="store_true", default=None, help="open the workspace read-only")
    parser.add_argument("--demo", action="store_true", help="open the desktop workbench on a fresh demo workspace")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


GuiRunner = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, *, gui: GuiRunner | None = None) -> int:
    """Run a subcommand; with none, hand over to ``gui`` (the desktop workbench)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.db is None:
        args.db = config.default_workspace()
    if args.command is None:
        if gui is None:
            parser.print_help()
            return 0
        return gui(args)
    try:
        return int(args.func(args) or 0)
    except WorkspaceError as exc:
        print(f"sourcetrace: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"sourcetrace: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("sourcetrace: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
