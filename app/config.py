"""User-level settings: who the user is and where the default workspace lives."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import platformdirs

APP_NAME = "SourceTrace"

# Largest file a single import accepts; larger files are refused before being read so a
# 200 MB upload can never exhaust memory. Override with SOURCETRACE_MAX_IMPORT_MB.
DEFAULT_MAX_IMPORT_MB = 100


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def default_workspace() -> str:
    """``SOURCETRACE_DB`` if set, else ``<user data dir>/workspace.sourcetrace``."""
    env = os.environ.get("SOURCETRACE_DB")
    if env:
        return env
    return str(data_dir() / "workspace.sourcetrace")


def current_user() -> str:
    """The name recorded in the audit trail: ``SOURCETRACE_USER`` or the OS login."""
    env = os.environ.get("SOURCETRACE_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def max_import_bytes() -> int:
    try:
        mb = float(os.environ.get("SOURCETRACE_MAX_IMPORT_MB", DEFAULT_MAX_IMPORT_MB))
    except ValueError:
        mb = DEFAULT_MAX_IMPORT_MB
    return int(mb * 1024 * 1024)
