"""Undoable operations (QUndoCommand). Each redo()/undo() queues a write on the writer thread.

``execute(command)`` performs an operation first and pushes it on the undo stack only once it
succeeded, so a refused change (a conflict, an invalid date) never enters the history. Writes
run one at a time in the order asked, so an undo queued right after its redo runs after it;
state only the worker learns (the new appearance's id) is stored by the worker itself. If an
undo or redo fails, the error is shown and the history is cleared (it no longer matches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from ui.candidates import candidate_key
from ui.session import Changes, WorkspaceSession


class SessionCommand(QUndoCommand):
    """Base: runs ``_do(forward)`` on the writer thread, reports what changed."""

    def __init__(self, session: WorkspaceSession, text: str) -> None:
        super().__init__(text)
        self.session = session
        self._skip_redo = False

    def _run(self, forward: bool) -> None:
        session = self.session

        def work() -> tuple[Any, Changes]:
            return self._do(forward)

        def failed(exc: BaseException) -> None:
            session.report(exc, ("Redo" if forward else "Undo") + ": " + self.text())
            session.undo.clear()

        session.write(work, self._done, failed, label=self.text())

    def _done(self, _result: Any) -> None:
        pass

    def _do(self, forward: bool) -> tuple[Any, Changes]:  # worker thread
        raise NotImplementedError

    def redo(self) -> None:
        if self._skip_redo:  # pushed after execute() already did it
            self._skip_redo = False
            return
        self._run(True)

    def undo(self) -> None:
        self._run(False)


class AcceptCommand(SessionCommand):
    """Accept a candidate as an appearance; undo removes that appearance again."""

    def __init__(self, session: WorkspaceSession, claim_id: int, key: str, document_id: int, label: str = "") -> None:
        super().__init__(session, f"Accept {label or key} for claim #{claim_id}")
        self.claim_id, self.key, self.document_id = claim_id, key, document_id
        self.appearance_id: int | None = None

    def _do(self, forward: bool) -> tuple[Any, Changes]:
        claims = self.session.ws.claims
        changes = Changes(claims={self.claim_id}, documents={self.document_id})
        if forward:
            app = claims.accept(self.claim_id, self.key)
            self.appearance_id = getattr(app, "id", None)
            return app, changes
        if self.appearance_id is not None:
            claims.remove_appearance(self.appearance_id)
            self.appearance_id = None
        return None, changes


class RejectCommand(SessionCommand):
    """Reject a candidate (never proposed again); undo un-rejects it."""

    def __init__(self, session: WorkspaceSession, claim_id: int, key: str, label: str = "") -> None:
        super().__init__(session, f"Reject {label or key} for claim #{claim_id}")
        self.claim_id, self.key = claim_id, key

    def _do(self, forward: bool) -> tuple[Any, Changes]:
        claims = self.session.ws.claims
        (claims.reject if forward else claims.unreject)(self.claim_id, self.key)
        return None, Changes(claims={self.claim_id})


class RemoveAppearanceCommand(SessionCommand):
    """Remove an accepted appearance; undo accepts the same passage again."""

    def __init__(self, session: WorkspaceSession, claim_id: int, appearance: Any) -> None:
        title = (getattr(appearance, "title", None) or getattr(appearance, "filename", "")).strip()
        super().__init__(session, f"Remove appearance in {title or 'document'} from claim #{claim_id}")
        self.claim_id = claim_id
        self.appearance_id: int | None = appearance.id
        self.document_id = appearance.document_id
        self.key = candidate_key(appearance.document_id, appearance.start, appearance.end)

    def _do(self, forward: bool) -> tuple[Any, Changes]:
        claims = self.session.ws.claims
        if forward:
            if self.appearance_id is not None:
                claims.remove_appearance(self.appearance_id)
        else:
            app = claims.accept(self.claim_id, self.key)
            self.appearance_id = getattr(app, "id", None)
        return None, Changes(claims={self.claim_id}, documents={self.document_id})


class VerdictCommand(SessionCommand):
    """Set a claim's verdict. The first save names the version the user's edit started from
    (``expected_version``): a colleague's save in between raises ``ConflictError`` instead of
    being overwritten. Undo and redo are explicit requests on what is saved by then."""

    def __init__(self, session: WorkspaceSession, claim_id: int, old: tuple[str | None, str],
                 new: tuple[str | None, str], *, expected_version: int | None = None) -> None:
        super().__init__(session, f"Set verdict of claim #{claim_id} to {new[0] or 'none'}")
        self.claim_id, self.old, self.new = claim_id, old, new
        self.expected_version = expected_version
        self._first = True

    def _do(self, forward: bool) -> tuple[Any, Changes]:
        rating, note = self.new if forward else self.old
        version = self.expected_version if self._first else None
        result = self.session.ws.claims.set_verdict(self.claim_id, rating, note, expected_version=version)
        self._first = False
        return result, Changes(claims={self.claim_id})


class EditClaimCommand(SessionCommand):
    """Change a claim's wording, notes, tags or status (optimistic concurrency on the first save)."""

    def __init__(self, session: WorkspaceSession, claim_id: int, expected_version: int,
                 old: dict[str, Any], new: dict[str, Any]) -> None:
        super().__init__(session, f"Edit claim #{claim_id}")
        self.claim_id, self.expected_version, self.old, self.new = claim_id, expected_version, old, new
        self._first = True

    def _do(self, forward: bool) -> tuple[Any, Changes]:
        claims = self.session.ws.claims
        # the first save may conflict (someone else saved first); undo/redo are explicit requests
        version = self.expected_version if self._first else claims.get(self.claim_id).version
        result = claims.update(self.claim_id, expected_version=version, **(self.new if forward else self.old))
        self._first = False
        return result, Changes(claims={self.claim_id})


class MetadataCommand(SessionCommand):
    """Edit a document's details; undo puts the previous values back.

    Like the claim edits, the first save names the version the user's edit started from, so a
    colleague's newer save raises ``ConflictError`` (to merge) instead of being overwritten."""

    def __init__(self, session: WorkspaceSession, doc_id: int, old: dict[str, Any], new: dict[str, Any],
                 *, expected_version: int | None = None) -> None:
        names = ", ".join(sorted(new))
        super().__init__(session, f"Edit {names} of document #{doc_id}")
        self.doc_id, self.old, self.new = doc_id, old, new
        self.expected_version = expected_version
        self._first = True

    def _do(self, forward: bool) -> tuple[Any, Changes]:
        values = self.new if forward else self.old
        version = self.expected_version if self._first else None
        info = self.session.ws.documents.update_metadata(self.doc_id, expected_version=version, **values)
        self._first = False
        return info, Changes(documents={self.doc_id})


def execute(
    command: SessionCommand,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
) -> Any:
    """Do ``command`` now (writer thread); on success push it on the undo stack, then call back."""
    session = command.session

    def work() -> tuple[Any, Changes]:
        return command._do(True)

    def done(result: Any) -> None:
        command._skip_redo = True
        session.undo.push(command)
        if on_success is not None:
            on_success(result)

    return session.write(work, done, on_failure, label=command.text())
