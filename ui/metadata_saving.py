"""Saving a document's edited details from the main window, conflict-safe: the save carries
the version the edit started from, and a colleague's newer save opens the merge dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.commands import MetadataCommand, execute
from ui.conflict import ConflictDialog, their_version
from ui.errors import is_conflict
from ui.metadata import EDITABLE

if TYPE_CHECKING:
    from ui.library import LibraryPanel
    from ui.reader import ReaderPanel
    from ui.session import WorkspaceSession


class MetadataSaving:
    """Mixed into ``MainWindow`` (which provides the session, library, reader and status bar)."""

    session: WorkspaceSession | None
    library: LibraryPanel
    reader: ReaderPanel
    conflict_dialog: Any

    def save_metadata(self, doc_id: int, version: int, fields: dict, old: dict | None = None) -> None:
        """Save a document's details edited from ``version``; a colleague's newer save opens the
        merge dialog instead of being overwritten. ``old`` (given for a merge) is what undo puts back."""
        if self.session is None:
            return
        merge = old is not None
        if old is None:
            info = self.library.model.info(doc_id) or (self.reader.detail.info if self.reader.detail else None)
            old = {k: getattr(info, k, None) for k in fields} if info is not None else dict.fromkeys(fields)

        def saved(_info: Any) -> None:
            self.statusBar().showMessage("Details saved.", 4000)
            if merge:  # the form still holds the text typed before the merge: show what was saved
                self._reset_metadata_form(doc_id)

        execute(MetadataCommand(self.session, doc_id, old, fields, expected_version=version), saved,
                lambda exc: self._metadata_save_failed(exc, doc_id, fields))

    def _metadata_save_failed(self, exc: BaseException, doc_id: int, fields: dict) -> None:
        session = self.session
        if session is None:
            return
        if not is_conflict(exc):
            session.report(exc, "Saving document details")
            return
        theirs = dict(getattr(exc, "theirs", {}) or {})

        def last_editor() -> str | None:  # documents do not record who saved them last; the history does
            if not session.has("maintenance", "history"):
                return None
            edits = [e for e in session.ws.maintenance.history(document_id=doc_id) if e.action == "document.edit"]
            return edits[-1].user if edits else None

        session.read(last_editor, lambda who: self._merge_metadata(doc_id, fields, theirs, who),
                     lambda _e: self._merge_metadata(doc_id, fields, theirs, None), label="Loading the history")

    def _merge_metadata(self, doc_id: int, fields: dict, theirs: dict, who: str | None) -> None:
        session = self.session
        if session is None:
            return
        info = self.library.model.info(doc_id)
        title = theirs.get("title") or (info.filename if info is not None else f"#{doc_id}")
        order = {k: n for n, k in enumerate(EDITABLE)}  # the form's order (a signal's dict comes sorted)
        mine = {k: fields[k] for k in sorted(fields, key=lambda k: order.get(k, len(order)))}
        dlg = ConflictDialog(f"The details of “{title}”", mine, theirs, their_user=who, parent=self)
        self.conflict_dialog = dlg
        if not dlg.fields:  # they saved exactly what I was saving
            dlg.deleteLater()
            self._reset_metadata_form(doc_id)
            return

        def decided(result: int) -> None:
            version = their_version(theirs)
            if self.session is not session:
                return
            if result == ConflictDialog.DialogCode.Accepted and version is not None:
                merged = {**fields, **{k: (str(v).strip() or None) for k, v in dlg.merged().items()}}
                self.save_metadata(doc_id, version, merged, old={k: theirs.get(k) for k in merged})
            else:
                self._reset_metadata_form(doc_id)

        dlg.finished.connect(decided)
        dlg.open()

    def _reset_metadata_form(self, doc_id: int) -> None:
        """Show the document's saved details, dropping the user's edits (they chose theirs)."""
        session = self.session
        if session is None:
            return

        def got(detail: Any) -> None:
            if self.reader.doc_id == doc_id:
                self.reader.metadata.reset_edits(detail.info, detail.meta_sources)

        session.read(lambda: session.ws.documents.get(doc_id), got, label="Loading the document")
