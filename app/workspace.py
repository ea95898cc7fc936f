"""The ``Workspace`` facade: one database, the services that work on it.

Everything outside ``app/`` (the CLI, the Qt UI, tests) goes through a ``Workspace``. Services
open one short session per unit of work; nothing here hands out a live session or ORM object:
results are plain dataclasses, safe to pass to another thread.
"""

from __future__ import annotations

import os
import uuid
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from app import config
from db import migrate
from db.engine import Database, sqlite_path, to_url
from db.errors import WorkspaceError
from db.models import WorkspaceInfo

if TYPE_CHECKING:
    from app.claims import ClaimService
    from app.documents import DocumentService
    from app.lineage import LineageService
    from app.maintenance import MaintenanceService
    from app.matching.semantic.service import SemanticService
    from app.matching.service import MatchService


class Workspace:
    """An open workspace. Create with ``Workspace.open(path_or_url)``; close when done."""

    def __init__(self, db: Database, *, user: str, location: str) -> None:
        self.db = db
        self.user = user
        self.location = location

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str] | None = None,
        *,
        user: str | None = None,
        readonly: bool | None = None,
        create: bool = True,
        backup_before_migrate: bool = True,
        daily_backup: bool = True,
    ) -> Workspace:
        """Open (or create) a workspace and bring its schema up to date.

        ``readonly=None`` opens read-write when possible and falls back to read-only for a file
        the user cannot write (``ws.readonly`` tells which).
        """
        location = os.fspath(target) if target is not None else config.default_workspace()
        url = to_url(location)
        path = sqlite_path(url)
        if path is not None:
            if not path.exists():
                if not create:
                    raise WorkspaceError(f"no workspace at {path}")
                if readonly:
                    raise WorkspaceError(f"no workspace at {path} (cannot create it read-only)")
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise WorkspaceError(f"cannot create the folder for {path}: {exc.strerror}") from exc
            elif path.is_dir():
                raise WorkspaceError(f"{path} is a folder, not a workspace file")
            if readonly is None:
                readonly = path.exists() and not (
                    os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
                )
        user = user or config.current_user()
        db = Database(url, readonly=bool(readonly), user=user)
        try:
            if readonly:
                migrate.check_compatible(db.read_engine)
                if migrate.needs_upgrade(db.read_engine):
                    raise WorkspaceError(
                        "this workspace needs a schema upgrade but is open read-only; "
                        "open it once with write access"
                    )
            else:
                before = None
                if backup_before_migrate and path is not None:
                    from app.backup import backup_before_migration

                    def before(rev: str | None, _url: str = url) -> None:
                        backup_before_migration(_url, rev)

                migrate.upgrade(db.write_engine, before=before)
        except Exception:
            db.dispose()
            raise
        ws = cls(db, user=user, location=location)
        ws.maintenance  # noqa: B018 - starts change tracking (own writes, watchers' start point)
        if not readonly:
            ws._ensure_identity()
            if daily_backup:
                ws.maintenance.maybe_daily_backup()  # never raises: a failed backup must not block work
        return ws

    def _ensure_identity(self) -> None:
        with self.db.reading() as s:
            have = s.get(WorkspaceInfo, "workspace_id")
        if have is None:
            with self.db.writing() as s:
                if s.get(WorkspaceInfo, "workspace_id") is None:
                    from app import __version__

                    s.add(WorkspaceInfo(key="workspace_id", value=uuid.uuid4().hex))
                    s.add(WorkspaceInfo(key="created_by_version", value=__version__))

    def set_user(self, name: str) -> None:
        """Record ``name`` as the author of this workspace's following changes (the workbench's
        Preferences). Changes already made keep their author. The lock-holder notice names the
        new user too; on PostgreSQL, connections already open keep their old ``application_name``
        label in ``pg_stat_activity`` until they are replaced."""
        clean = " ".join(str(name or "").split())
        if not clean:
            raise ValueError("a user name cannot be empty")
        self.user = clean
        self.db.user = clean
        if self.db.activity is not None:
            self.db.activity.user = clean

    @property
    def readonly(self) -> bool:
        return self.db.readonly

    @property
    def is_sqlite(self) -> bool:
        return self.db.sqlite

    @property
    def path(self) -> Path | None:
        """The workspace file (SQLite), or None for a server workspace."""
        return sqlite_path(self.db.url)

    @cached_property
    def workspace_id(self) -> str:
        with self.db.reading() as s:
            value = s.scalar(select(WorkspaceInfo.value).where(WorkspaceInfo.key == "workspace_id"))
        return value or "unknown"

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- services
    @cached_property
    def documents(self) -> DocumentService:
        from app.documents import DocumentService

        return DocumentService(self)

    @cached_property
    def matcher(self) -> MatchService:
        from app.matching.service import MatchService

        return MatchService(self)

    @cached_property
    def semantic(self) -> SemanticService:
        from app.matching.semantic.service import SemanticService

        return SemanticService(self)

    @cached_property
    def claims(self) -> ClaimService:
        from app.claims import ClaimService

        return ClaimService(self)

    @cached_property
    def lineage(self) -> LineageService:
        from app.lineage import LineageService

        return LineageService(self)

    @cached_property
    def maintenance(self) -> MaintenanceService:
        from app.maintenance import MaintenanceService

        return MaintenanceService(self)
