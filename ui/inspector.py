"""The claim inspector: wording and verdict, appearances, and candidate matches to accept or reject.

Keyboard: with focus in the candidates, A accepts, R rejects, J / K move down / up, O opens the
passage in the reader. Accepting or rejecting moves on to the next candidate.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.candidates import CandidatesPage, PassageTableModel, key_of, make_table
from ui.claim_editor import VERDICTS, ClaimEditor
from ui.claims_list import swatch
from ui.commands import (
    AcceptCommand,
    EditClaimCommand,
    RejectCommand,
    RemoveAppearanceCommand,
    VerdictCommand,
    execute,
)
from ui.conflict import VERSION_KEYS, ConflictDialog, their_version
from ui.errors import is_conflict
from ui.session import Changes, WorkspaceSession

CANDIDATE_LIMIT = 20


class ClaimInspector(QWidget):
    """Everything about one claim."""

    # fires when the user wants to see a passage in the reader; (document id, start, end)
    openPassage = Signal(int, int, int)
    # fires when the user asks for the lineage view of this claim; claim id
    lineageRequested = Signal(int)
    # fires when the user asks for this claim's history; claim id
    historyRequested = Signal(int)
    # fires after candidates were (re)loaded for the shown claim; number of candidates
    candidatesLoaded = Signal(int)
    # fires after the claim's details were (re)loaded; claim id
    claimLoaded = Signal(int)
    # fires when the user asks for an evidence bundle of this claim; [claim id]
    exportRequested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.claim_id: int | None = None
        self.detail: Any = None
        self._req = 0
        self.header = QLabel("No claim selected", self)
        theme.header(self.header)
        self.swatch = QLabel(self)
        self.lineage_button = QPushButton(theme.icon("lineage"), "Lineage", self)
        self.lineage_button.setToolTip("Timeline of this claim's appearances (Ctrl+L)")
        self.history_button = QPushButton(theme.icon("history"), "History", self)
        self.export_button = QPushButton("Export bundle…", self)
        self.export_button.setObjectName("exportClaimBundle")
        self.export_button.setToolTip("Export evidence bundle: this claim, its sources and a report in one zip "
                                      "that anyone can verify")
        self.lineage_button.clicked.connect(lambda: self.claim_id and self.lineageRequested.emit(self.claim_id))
        self.history_button.clicked.connect(lambda: self.claim_id and self.historyRequested.emit(self.claim_id))
        self.export_button.clicked.connect(lambda: self.claim_id and self.exportRequested.emit([self.claim_id]))
        top = QHBoxLayout()
        top.addWidget(self.swatch)
        top.addWidget(self.header, 1)
        top.addWidget(self.lineage_button)
        top.addWidget(self.history_button)
        top.addWidget(self.export_button)
        self.editor = ClaimEditor(self)
        self.editor.saveRequested.connect(self._save)
        self.candidates = CandidatesPage(self)
        self.appearances_model = PassageTableModel(
            self, columns=("Document", "Outlet", "Date", "Relation", "Attributed to", "Passage"))
        self.appearances_view, self.appearances_proxy = make_table(self, self.appearances_model, "appearancesTable")
        self.appearances_view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.appearances_view.doubleClicked.connect(lambda idx: self._open_row(self.appearances_model,
                                                                               self.appearances_proxy, idx))
        self.remove_button = QPushButton(theme.icon("delete"), "Remove from claim", self)
        self.remove_button.setObjectName("removeAppearance")
        self.remove_button.clicked.connect(self.remove_current_appearance)
        remove_action = QAction(self)
        remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove_action.triggered.connect(self.remove_current_appearance)
        self.appearances_view.addAction(remove_action)
        app_page = QWidget(self)
        al = QVBoxLayout(app_page)
        al.setContentsMargins(0, 4, 0, 0)
        al.addWidget(self.appearances_view, 1)
        ab = QHBoxLayout()
        ab.addStretch(1)
        ab.addWidget(self.remove_button)
        al.addLayout(ab)
        self.rejected_model = PassageTableModel(self, columns=("Score", "Document", "Date", "Passage"))
        self.rejected_view, self.rejected_proxy = make_table(self, self.rejected_model, "rejectedTable")
        self.unreject_button = QPushButton("Propose again", self)
        self.unreject_button.clicked.connect(self.unreject_current)
        rej_page = QWidget(self)
        rl = QVBoxLayout(rej_page)
        rl.setContentsMargins(0, 4, 0, 0)
        rl.addWidget(self.rejected_view, 1)
        rb = QHBoxLayout()
        rb.addStretch(1)
        rb.addWidget(self.unreject_button)
        rl.addLayout(rb)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("inspectorTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.candidates, "Candidates")
        self.tabs.addTab(app_page, "Appearances")
        self.tabs.addTab(rej_page, "Rejected")
        split = QSplitter(Qt.Orientation.Vertical, self)
        editor_box = QWidget(self)
        el = QVBoxLayout(editor_box)
        el.setContentsMargins(0, 0, 0, 0)
        el.addLayout(top)
        el.addWidget(self.editor)
        split.addWidget(editor_box)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)
        c = self.candidates
        c.view.selectionModel().currentRowChanged.connect(self._candidate_changed)
        c.view.doubleClicked.connect(lambda idx: self._open_row(c.model, c.proxy, idx))
        c.accept_button.clicked.connect(self.accept_current)
        c.reject_button.clicked.connect(self.reject_current)
        c.open_button.clicked.connect(self.open_current_candidate)
        c.actions_by_key["A"].triggered.connect(self.accept_current)
        c.actions_by_key["R"].triggered.connect(self.reject_current)
        c.actions_by_key["O"].triggered.connect(self.open_current_candidate)
        self._update_buttons()
        self.setEnabled(False)

    # ------------------------------------------------------------------ session wiring
    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            self.session.claimsChanged.disconnect(self._claims_changed)
            self.session.claimsRemoved.disconnect(self._claims_removed)
            self.session.aliasesChanged.disconnect(self._reload_candidates)
            self.session.documentsChanged.disconnect(self._documents_changed)
            self.session.documentsRemoved.disconnect(self._documents_removed)
            self.session.reloadRequested.disconnect(self._refresh)
        self.session = session
        self.show_claim(None)
        if session is not None:
            session.claimsChanged.connect(self._claims_changed)
            session.claimsRemoved.connect(self._claims_removed)
            session.aliasesChanged.connect(self._reload_candidates)
            session.documentsChanged.connect(self._documents_changed)
            session.documentsRemoved.connect(self._documents_removed)
            session.reloadRequested.connect(self._refresh)
            self.editor.set_readonly(session.readonly)

    # ------------------------------------------------------------------ loading
    def show_claim(self, claim_id: int | None) -> None:
        if claim_id == self.claim_id and claim_id is not None:
            return
        self.claim_id = claim_id
        self.detail = None
        self._req += 1
        self.editor.show_claim(None)
        self.candidates.model.set_rows([])
        self.candidates.alignment.clear()
        self.appearances_model.set_rows([])
        self.rejected_model.set_rows([])
        self.setEnabled(claim_id is not None)
        if claim_id is None:
            self.header.setText("No claim selected")
            self.swatch.clear()
            return
        self.swatch.setPixmap(swatch(theme.claim_color(claim_id), 14))
        self.header.setText(f"Claim #{claim_id}")
        self._refresh()

    def _refresh(self) -> None:
        self._load_detail()
        self._reload_candidates()

    def _load_detail(self) -> None:
        session, claim_id, req = self.session, self.claim_id, self._req
        if session is None or claim_id is None:
            return

        def got(detail: Any) -> None:
            if req != self._req:
                return
            keep = self.detail is not None
            self.detail = detail
            self.editor.show_claim(detail, keep_edits=keep)
            self.appearances_model.set_rows([a for a in detail.appearances])
            self.rejected_model.set_rows(list(getattr(detail, "rejected", []) or []))
            self._update_tab_titles()
            self.claimLoaded.emit(detail.id)

        def failed(exc: BaseException) -> None:
            if req == self._req and isinstance(exc, KeyError):
                self.show_claim(None)  # deleted meanwhile
            elif req == self._req:
                session.report(exc, "Loading the claim")

        session.read(lambda: session.ws.claims.get(claim_id), got, failed, label="Loading the claim")

    def _reload_candidates(self) -> None:
        session, claim_id, req = self.session, self.claim_id, self._req
        if session is None or claim_id is None:
            return
        if not (session.has("claims", "candidates") and session.has("matcher", "search")):
            self.candidates.status.setText("Candidates need the claim matcher, which this workspace lacks.")
            return
        self.candidates.status.setText("Looking for candidates…")

        def got(rows: list[Any]) -> None:
            if req != self._req:
                return
            page = self.candidates
            row = page.current_row()
            key = key_of(page.current()) if page.current() is not None else None
            page.model.set_rows(rows)
            keys = [key_of(page.model.row_at(page.proxy.mapToSource(page.proxy.index(r, 0)).row()))
                    for r in range(page.proxy.rowCount())]
            page.select_row(keys.index(key) if key in keys else max(row, 0))
            self._update_tab_titles()
            n = len(rows)
            page.status.setText(f"{n} candidate{'s' if n != 1 else ''} above the match threshold" if n
                                else "No further candidates above the match threshold.")
            if not n:
                page.alignment.clear()
            self._update_buttons()
            self.candidatesLoaded.emit(n)

        session.read(lambda: session.ws.claims.candidates(claim_id, limit=CANDIDATE_LIMIT), got,
                     label="Finding candidates")

    def refresh_candidates(self) -> None:
        """Look for the shown claim's candidates again (new sentence vectors find paraphrases)."""
        self._reload_candidates()

    def _update_tab_titles(self) -> None:
        self.tabs.setTabText(0, f"Candidates ({self.candidates.model.rowCount()})")
        self.tabs.setTabText(1, f"Appearances ({self.appearances_model.rowCount()})")
        self.tabs.setTabText(2, f"Rejected ({self.rejected_model.rowCount()})")

    def _claims_changed(self, ids: list[int]) -> None:
        if self.claim_id in ids:
            self._refresh()

    def _claims_removed(self, ids: list[int]) -> None:
        if self.claim_id in ids:
            self.show_claim(None)

    def _documents_changed(self, _ids: list[int]) -> None:
        if self.claim_id is not None:  # new documents may hold new candidates
            self._reload_candidates()

    def _documents_removed(self, _ids: list[int]) -> None:
        # the deleted documents' passages leave the candidates (a document that held only
        # candidates changes no claim); appearances and rejected ones that went with them
        # arrive as a change of the claim (claimsChanged)
        if self.claim_id is not None:
            self._reload_candidates()

    # ------------------------------------------------------------------ candidates
    def _candidate_changed(self, *_args: Any) -> None:
        row = self.candidates.current()
        if row is None:
            self.candidates.alignment.clear()
        else:
            text = self.detail.text if self.detail is not None else ""
            self.candidates.alignment.show_pair(text, row)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ro = self.session is None or self.session.readonly
        has = self.candidates.current() is not None
        for w in (self.candidates.accept_button, self.candidates.reject_button):
            w.setEnabled(has and not ro)
        self.candidates.open_button.setEnabled(has)
        self.remove_button.setEnabled(not ro)

    def _take_current(self) -> Any | None:
        """Remove the current candidate from the list at once and move to the next one."""
        page = self.candidates
        row = page.current()
        if row is None or self.session is None or self.claim_id is None or self.session.readonly:
            return None
        pos = page.current_row()
        src = page.model.rows
        page.model.set_rows([r for r in src if r is not row])
        page.select_row(pos)
        self._update_tab_titles()
        self._candidate_changed()
        page.view.setFocus()
        return row

    def accept_current(self) -> None:
        row = self._take_current()
        if row is not None:
            assert self.session is not None and self.claim_id is not None
            title = (getattr(row, "title", None) or row.filename or "").strip()
            execute(AcceptCommand(self.session, self.claim_id, key_of(row), row.document_id, title),
                    on_failure=self._failed("Accepting the candidate"))

    def reject_current(self) -> None:
        row = self._take_current()
        if row is not None:
            assert self.session is not None and self.claim_id is not None
            title = (getattr(row, "title", None) or row.filename or "").strip()
            execute(RejectCommand(self.session, self.claim_id, key_of(row), title),
                    on_failure=self._failed("Rejecting the candidate"))

    def open_current_candidate(self) -> None:
        row = self.candidates.current()
        if row is not None:
            self.openPassage.emit(row.document_id, row.start, row.end)

    def _open_row(self, model: PassageTableModel, proxy: QSortFilterProxyModel, idx: QModelIndex) -> None:
        row = model.row_at(proxy.mapToSource(idx).row())
        if row is not None and getattr(row, "document_id", None) is not None:
            self.openPassage.emit(row.document_id, row.start, row.end)

    def _failed(self, what: str) -> Any:
        def failed(exc: BaseException) -> None:
            if self.session is not None:
                self.session.report(exc, what)
                self.session.apply(Changes(claims={self.claim_id} if self.claim_id else set()))

        return failed

    # ------------------------------------------------------------------ appearances
    def remove_current_appearance(self) -> None:
        idx = self.appearances_view.currentIndex()
        if not idx.isValid() or self.session is None or self.claim_id is None or self.session.readonly:
            return
        app = self.appearances_model.row_at(self.appearances_proxy.mapToSource(idx).row())
        if app is not None:
            execute(RemoveAppearanceCommand(self.session, self.claim_id, app),
                    on_failure=self._failed("Removing the appearance"))

    def unreject_current(self) -> None:
        idx = self.rejected_view.currentIndex()
        if not idx.isValid() or self.session is None or self.claim_id is None:
            return
        row = self.rejected_model.row_at(self.rejected_proxy.mapToSource(idx).row())
        if row is not None:
            session, claim_id, key = self.session, self.claim_id, key_of(row)

            def work() -> tuple[Any, Changes]:
                session.ws.claims.unreject(claim_id, key)
                return None, Changes(claims={claim_id})

            session.write(work, label="Proposing the candidate again")

    # ------------------------------------------------------------------ saving the claim
    def _save(self, claim_id: int, version: int, fields: dict[str, Any], verdict: Any,
              orig: dict[str, Any] | None = None) -> None:
        """Save edits made from ``version``; ``orig`` (the values being replaced) is what undo restores.

        The wording/notes/tags/status go first, then the verdict; each save names the version it
        expects, so a colleague's save in between is never overwritten: it opens the merge dialog.
        """
        session = self.session
        if session is None:
            return
        orig = orig if orig is not None else self.editor.original()
        if fields:
            old = {k: orig.get(k) for k in fields}
            cmd = EditClaimCommand(session, claim_id, version, old, fields)
            execute(cmd, lambda detail: self._save_verdict(claim_id, orig, verdict, int(detail.version)),
                    lambda exc: self._save_failed(exc, claim_id, fields, verdict, orig))
        else:
            self._save_verdict(claim_id, orig, verdict, version)

    def _save_verdict(self, claim_id: int, orig: dict[str, Any], verdict: Any, version: int) -> None:
        if verdict is None or self.session is None:
            self._saved()
            return
        old = (orig.get("verdict"), orig.get("verdict_note", ""))
        execute(VerdictCommand(self.session, claim_id, old, verdict, expected_version=version),
                lambda _r: self._saved(), lambda exc: self._save_failed(exc, claim_id, {}, verdict, orig))

    def _saved(self) -> None:
        self.detail = None  # the next load replaces the editor's values
        self._load_detail()

    def _save_failed(self, exc: BaseException, claim_id: int, fields: dict[str, Any], verdict: Any,
                     orig: dict[str, Any] | None = None) -> None:
        session = self.session
        if session is None:
            return
        if not is_conflict(exc):
            session.report(exc, "Saving the verdict" if not fields and verdict is not None else "Saving the claim")
            if not fields:  # the verdict was refused: show what is saved now
                self._saved()
            return
        mine = dict(fields)
        if verdict is not None:  # the verdict is part of the same edit: merge it in the same dialog
            mine["verdict"], mine["verdict_note"] = verdict[0] or "", verdict[1] or ""
        theirs = dict(getattr(exc, "theirs", {}) or {})
        dlg = ConflictDialog(f"Claim #{claim_id}", mine, {**theirs, "verdict": theirs.get("verdict") or ""},
                             choices={"verdict": [(v or "not rated", v) for v in VERDICTS]}, parent=self)
        self.conflict_dialog = dlg
        if not dlg.fields:  # they saved exactly what I was saving: nothing to merge
            dlg.deleteLater()
            self._saved()
            return

        def decided(result: int) -> None:
            version = their_version(theirs)
            if result == ConflictDialog.DialogCode.Accepted and version is not None:
                merged = {**mine, **dlg.merged()}
                new_fields = {k: merged[k] for k in fields}
                new_verdict = None
                if verdict is not None:
                    new_verdict = (merged.get("verdict") or None, str(merged.get("verdict_note") or "").strip())
                    if (new_verdict[0], new_verdict[1]) == (theirs.get("verdict") or None,
                                                            (theirs.get("verdict_note") or "").strip()):
                        new_verdict = None  # the merge keeps their verdict: nothing to save
                undo_to = {**(orig if orig is not None else self.editor.original()),
                           **{k: v for k, v in theirs.items() if k not in VERSION_KEYS}}
                self._save(claim_id, version, new_fields, new_verdict, orig=undo_to)
            else:
                self.detail = None
                self._load_detail()

        dlg.finished.connect(decided)
        dlg.open()
