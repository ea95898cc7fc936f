"""Turning passages into claims: mark a selection, add it to a claim, type a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ui.commands import AcceptCommand, candidate_key, execute
from ui.dialogs import ClaimPickerDialog, NewClaimDialog
from ui.session import Changes

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow


class ClaimWorkflow(QObject):
    # fires after a claim was created and selected; claim id
    claimCreated = Signal(int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._pending_select: int | None = None
        window.claims.model.rowsInserted.connect(self._maybe_select)

    def _ready(self) -> bool:
        s = self.window.session
        if s is None:
            return False
        if s.readonly:
            self.window.reporter.show_message("Read-only", "This workspace is open read-only.", self.window)
            return False
        if not s.has("claims", "create"):
            self.window.reporter.show_message("Claims", "This version of SourceTrace has no claims service.",
                                              self.window)
            return False
        return True

    def create_claim(self, text: str, source: tuple[int, int, int] | None = None) -> None:
        if not self._ready() or not text.strip():
            return
        session = self.window.session
        assert session is not None
        text = " ".join(text.split())

        def work() -> tuple[Any, Changes]:
            detail = session.ws.claims.create(text, source=source)
            return detail, Changes(claims={detail.id}, documents={source[0]} if source else set())

        def done(detail: Any) -> None:
            self.window.statusBar().showMessage(f"Claim #{detail.id} created; its candidates are on the right.", 6000)
            self._pending_select = detail.id
            self.window.show_dock("inspector")
            if not self.window.claims.select_claim(detail.id):
                self.window.inspector.show_claim(detail.id)
            self.claimCreated.emit(detail.id)

        session.write(work, done, label="Creating the claim")

    def _maybe_select(self, *_args: Any) -> None:
        if self._pending_select is not None and self.window.claims.select_claim(self._pending_select):
            self._pending_select = None

    def mark_as_claim(self, doc_id: int, start: int, end: int, text: str) -> None:
        self.create_claim(text, (doc_id, start, end))

    def new_claim(self) -> None:
        if not self._ready():
            return
        dlg = NewClaimDialog(parent=self.window)
        dlg.accepted.connect(lambda: self.create_claim(dlg.text(), None))
        dlg.open()
        self.dialog = dlg

    def add_to_claim(self, doc_id: int, start: int, end: int, text: str) -> None:
        if not self._ready():
            return
        session = self.window.session
        assert session is not None

        def pick(claims: list[Any]) -> None:
            if not claims:
                self.window.reporter.show_message("Add to claim", "There are no claims yet; press M to make "
                                                  "this passage a new claim.", self.window)
                return
            dlg = ClaimPickerDialog(claims, text, self.window)
            current = self.window.inspector.claim_id
            if current is not None:
                row = dlg.model.row_of(current)
                if row is not None:
                    dlg.view.setCurrentIndex(dlg.proxy.mapFromSource(dlg.model.index(row, 0)))

            def chosen() -> None:
                claim_id = dlg.claim_id()
                if claim_id is not None:
                    execute(AcceptCommand(session, claim_id, candidate_key(doc_id, start, end), doc_id,
                                          "the selected passage"),
                            lambda _a: self.window.select_claim(claim_id),
                            lambda exc: session.report(exc, "Adding to the claim"))

            dlg.accepted.connect(chosen)
            dlg.open()
            self.dialog = dlg

        session.read(session.ws.claims.list, pick, label="Loading claims")
