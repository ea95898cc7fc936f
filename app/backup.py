"""Backups through SQLite's online backup API (never by copying the live file).

Rotating automatic backups live in ``<workspace>.backups/``; the newest ``KEEP`` are kept.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from db.engine import BUSY_TIMEOUT_MS, sqlite_path

KEEP = 7


def backup_dir(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".backups")


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Copy a live SQLite database consistently with ``sqlite3.Connection.backup``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


def rotate(folder: Path, keep: int = KEEP) -> None:
    backups = sorted(folder.glob("*.sourcetrace-backup"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)


def automatic_backup(workspace: Path, reason: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = backup_dir(workspace)
    dest = backup_sqlite(workspace, folder / f"{stamp}-{reason}.sourcetrace-backup")
    rotate(folder)
    return dest


def backup_before_migration(url: str, revision: str | None) -> Path | None:
    path = sqlite_path(url)
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    return automatic_backup(path, f"before-migration-from-{revision or 'none'}")
