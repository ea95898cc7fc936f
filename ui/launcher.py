"""Console-script entry point: the command line, or the desktop workbench without a subcommand.

Lives in ``ui`` so that the core (``app``) stays free of Qt: this is where Qt-backed services
(the PDF report renderer) are plugged into the core before any command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli.main import main as cli_main


def _run_gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui

    return run_gui(db=None if args.demo else args.db, demo=bool(args.demo), user=args.user)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from ui.services import install_qt_services

        install_qt_services()
    except ImportError:
        pass
    return cli_main(argv, gui=_run_gui)


if __name__ == "__main__":
    sys.exit(main())
