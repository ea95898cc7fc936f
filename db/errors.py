"""Errors raised by the storage layer, each with a message meant for a person."""


class WorkspaceError(Exception):
    """Base class: the workspace cannot do what was asked; ``str(err)`` says why."""


class NewerSchema(WorkspaceError):
    """The workspace was written by a newer SourceTrace; it is refused, never touched."""


class ReadOnlyWorkspace(WorkspaceError):
    """A write was attempted on a workspace opened read-only."""


class WorkspaceBusy(WorkspaceError):
    """Another user holds the write lock for longer than the retry budget."""


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
