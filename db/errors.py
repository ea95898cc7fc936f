"""Errors raised by the storage layer, each with a message meant for a person."""

from __future__ import annotations

from typing import Any


class WorkspaceError(Exception):
    """Base class: the workspace cannot do what was asked; ``str(err)`` says why."""


class NewerSchema(WorkspaceError):
    """The workspace was written by a newer SourceTrace; it is refused, never touched."""


class ReadOnlyWorkspace(WorkspaceError):
    """A write was attempted on a workspace opened read-only."""


class WorkspaceBusy(WorkspaceError):
    """Another user holds the write lock for longer than the retry budget.

    ``holder`` describes who holds it when known: ``{"user", "action", "host", "pid", "since"}``.
    Nothing of the refused change was saved; trying again later is safe.
    """

    def __init__(
        self, message: str, *, holder: dict[str, Any] | None = None, waited: float = 0.0, retryable: bool = False
    ) -> None:
        super().__init__(message)
        self.holder = holder
        self.waited = waited
        # True for transient server conflicts where re-running the whole unit of work is right.
        self.retryable = retryable


class StorageFull(WorkspaceError):
    """The disk (or quota) holding the workspace or an output file is full.

    The change in progress was rolled back as a whole; the workspace is intact."""


class ConflictError(WorkspaceError):
    """Someone else saved the same row first (optimistic concurrency).

    ``mine`` and ``theirs`` carry both versions so the UI can offer a merge.
    """

    def __init__(self, message: str, *, entity: str, entity_id: int, mine: dict, theirs: dict) -> None:
        super().__init__(message)
        self.entity = entity
        self.entity_id = entity_id
        self.mine = mine
        self.theirs = theirs
