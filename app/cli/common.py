"""Shared helpers for CLI commands: opening the workspace, JSON output, a terminal progress bar."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from app.workspace import Workspace


def open_workspace(args: argparse.Namespace, *, readonly: bool | None = None) -> Workspace:
    return Workspace.open(args.db, user=args.user, readonly=readonly if readonly is not None else args.readonly)


def print_json(obj: Any, stream: TextIO | None = None) -> None:
    json.dump(obj, stream or sys.stdout, ensure_ascii=False, indent=2, default=str)
    (stream or sys.stdout).write("\n")


class ProgressBar:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0

    def update(self, done: int, total: int, note: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.05:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {note[:40]:<40}")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
