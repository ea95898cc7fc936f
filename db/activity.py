"""Who holds a shared workspace file's write lock, readable by everyone else without any lock.

Writers on one SQLite file serialize on its write lock (``BEGIN IMMEDIATE``). A writer that
cannot get the lock within its retry budget should tell the user *who* is holding it ("the
workspace is busy: alice is importing 120 files"). The database itself cannot carry that
information: recording it there would need the very lock that is taken. So the holder writes a
tiny sidecar file ``<workspace>.activity`` right after acquiring the lock and removes it when its
transaction ends. The file is replaced atomically (write to a private temporary file, then
``os.replace``), so a reader sees either the old or the new content, never a torn one; it is
plain JSON, so it also works on a network share and across machines.

Nothing here may ever break a write: every file-system error is swallowed (the message then just
says "another user").
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_ACTION = "saving changes"


def holder_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".activity")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class ActivityBoard:
    """Per-process view of one workspace file's lock-holder sidecar."""

    def __init__(self, db_path: Path, user: str) -> None:
        self.path = holder_file(db_path)
        self.user = user
        self.host = socket.gethostname()
        self._local = threading.local()
        self._token: str | None = None

    # -------------------------------------------------------------- what we are doing
    @contextmanager
    def doing(self, action: str) -> Iterator[None]:
        """Label the writes made inside (by this thread), e.g. ``"importing 120 files"``."""
        prev = getattr(self._local, "action", None)
        self._local.action = (action, time.time())
        try:
            yield
        finally:
            self._local.action = prev

    def current(self) -> tuple[str, float]:
        got = getattr(self._local, "action", None)
        return got if got is not None else (DEFAULT_ACTION, time.time())

    # -------------------------------------------------------------- holder file
    def claim(self) -> None:
        """Record that this process now holds the write lock (call right after acquiring it)."""
        action, since = self.current()
        token = uuid.uuid4().hex
        record = {"user": self.user, "action": action, "host": self.host, "pid": os.getpid(),
                  "since": since, "token": token}
        tmp = self.path.with_name(f"{self.path.name}.{self.host}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, self.path)
            self._token = token
        except OSError:
            self._token = None
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass

    def release(self) -> None:
        """Remove the holder file if it is still ours (call once the transaction has ended)."""
        token, self._token = self._token, None
        if token is None:
            return
        current = self.read(raw=True)
        if current is not None and current.get("token") == token:
            try:
                self.path.unlink(missing_ok=True)
            except OSError:
                pass

    def read(self, *, raw: bool = False) -> dict[str, Any] | None:
        """The current holder, or None when unknown. A record left behind by a dead process on
        this host is ignored."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        if raw:
            return data
        if data.get("host") == self.host and isinstance(data.get("pid"), int) and not _pid_alive(data["pid"]):
            return None
        return data


def describe_holder(holder: dict[str, Any] | None) -> str:
    """``"alice is importing 120 files (since 14:02:11, on host ws-3)"`` or a generic phrase."""
    if not holder:
        return "another user or program is writing to it"
    user = holder.get("user") or "another user"
    action = holder.get("action") or DEFAULT_ACTION
    parts = []
    since = holder.get("since")
    if isinstance(since, int | float):
        parts.append("since " + time.strftime("%H:%M:%S", time.localtime(since)))
    if holder.get("host"):
        parts.append(f"on {holder['host']}")
    extra = f" ({', '.join(parts)})" if parts else ""
    return f"{user} is {action}{extra}"
