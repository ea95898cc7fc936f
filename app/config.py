"""User-level settings: who the user is and where the default workspace lives."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any

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


def settings_file() -> Path:
    """``settings.json`` in the user's config folder (``SOURCETRACE_SETTINGS`` overrides)."""
    env = os.environ.get("SOURCETRACE_SETTINGS")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def load_settings() -> dict[str, Any]:
    """The saved settings; an unreadable or damaged file counts as no settings."""
    try:
        data = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: Any) -> None:
    """Set (or, with ``None``, remove) one setting; written atomically."""
    data = load_settings()
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def current_user() -> str:
    """The name recorded in the audit trail: ``SOURCETRACE_USER``, else the name saved in the
    settings (``sourcetrace config user NAME`` or the workbench's Preferences), else the OS login."""
    return user_and_source()[0]


def user_and_source() -> tuple[str, str]:
    """``current_user()`` and where it came from: ``SOURCETRACE_USER``, ``settings`` or ``OS login``."""
    env = os.environ.get("SOURCETRACE_USER")
    if env:
        return env, "SOURCETRACE_USER"
    saved = load_settings().get("user_name")
    if isinstance(saved, str) and saved.strip():
        return saved.strip(), "settings"
    return os_login(), "OS login"


def set_user_name(name: str | None) -> None:
    """Save the name recorded in the audit trail; empty or ``None`` goes back to the OS login."""
    clean = " ".join((name or "").split())
    if len(clean) > 128:
        raise ValueError("a user name is at most 128 characters")
    save_setting("user_name", clean or None)


def max_import_bytes() -> int:
    try:
        mb = float(os.environ.get("SOURCETRACE_MAX_IMPORT_MB", DEFAULT_MAX_IMPORT_MB))
    except ValueError:
        mb = DEFAULT_MAX_IMPORT_MB
    return int(mb * 1024 * 1024)
