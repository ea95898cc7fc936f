"""Errors the core raises, re-exported for callers outside ``app`` (the UI never imports ``db``)."""

from db.errors import ConflictError, NewerSchema, ReadOnlyWorkspace, WorkspaceBusy, WorkspaceError
from importers.base import ImportFailure, PasswordRequired

__all__ = [
    "ConflictError",
    "ImportFailure",
    "NewerSchema",
    "PasswordRequired",
    "ReadOnlyWorkspace",
    "WorkspaceBusy",
    "WorkspaceError",
]
