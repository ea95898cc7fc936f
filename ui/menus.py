"""Menus, toolbar and their standard shortcuts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QToolBar

from ui import theme
from ui.dialogs import ShortcutsDialog

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow

WORKSPACE_FILTER = "SourceTrace workspaces (*.sourcetrace *.sqlite *.db);;All files (*)"
IMPORT_FILTER = ("Documents (*.pdf *.html *.htm *.txt *.md *.docx *.eml *.xhtml);;All files (*)")


class WindowActions:
    """Builds the menus and toolbar of ``window``; keeps actions enabled to match the state."""

    def __init__(self, w: MainWindow) -> None:
        self.w = w
        mb = w.menuBar()
        # ---------------------------------------------------------------- File
        m = mb.addMenu("&File")
        self.open = self._act("&Open workspace…", self.open_dialog, QKeySequence.StandardKey.Open, "open")
        self.new = self._act("&New workspace…", self.new_dialog, "Ctrl+Shift+N")
        self.recent = m.addMenu("Open &recent")
        self.recent.aboutToShow.connect(self._fill_recent)
        self.demo = self._act("Open the &demo workspace", lambda: w.open_demo())
        self.import_files = self._act("&Import files…", self.import_dialog, "Ctrl+I", "import")
        self.import_folder = self._act("Import a &folder…", self.import_folder_dialog, "Ctrl+Shift+I")
        self.export_bundle = self._act("&Export evidence bundle…", w.export_bundle, "Ctrl+E")
        self.export_bundle.setToolTip("The selected claims, their sources and a report in one zip anyone can verify")
        self.import_bundle = self._act("Import evidence &bundle…", w.bundles.import_dialog)
        self.verify_bundle = self._act("&Verify evidence bundle…", w.bundles.verify_dialog)
        self.verify_folder = self._act("Verify an unpacked bundle fol&der…", w.bundles.verify_folder_dialog)
        self.quit = self._act("&Quit", w.close, QKeySequence.StandardKey.Quit)
        for a in (self.open, self.new):
            m.addAction(a)
        m.addMenu(self.recent)
        m.addAction(self.demo)
        m.addSeparator()
        m.addAction(self.import_files)
        m.addAction(self.import_folder)
        m.addSeparator()
        m.addAction(self.export_bundle)
        m.addAction(self.import_bundle)
        m.addAction(self.verify_bundle)
        m.addAction(self.verify_folder)
        m.addSeparator()
        m.addAction(self.quit)
        # ---------------------------------------------------------------- Edit
        m = mb.addMenu("&Edit")
        self.undo = w.undo_group.createUndoAction(w, "&Undo")
        self.undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.undo.setIcon(theme.icon("undo"))
        self.redo = w.undo_group.createRedoAction(w, "&Redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo.setIcon(theme.icon("redo"))
        self.delete = self._act("&Delete\tDel", self.delete_selected, None, "delete")
        self.find = self._act("&Find in document…", w.reader.find_bar.open_bar, QKeySequence.StandardKey.Find, "find")
        self.search = self._act("&Search workspace…", self.open_search, "Ctrl+Shift+F", "search")
        self.aliases = self._act("&Aliases…", self.open_aliases)
        self.preferences = self._act("&Preferences…", w.open_preferences, QKeySequence.StandardKey.Preferences)
        self.preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        for a in (self.undo, self.redo, None, self.delete, None, self.find, self.search, None, self.aliases,
                  None, self.preferences):
            m.addSeparator() if a is None else m.addAction(a)
        # ---------------------------------------------------------------- Claim
        m = mb.addMenu("&Claim")
        self.mark = self._act("&Mark selection as claim\tM", w.reader.text._mark, None, "claim")
        self.add_to = self._act("&Add selection to claim…\tShift+M", w.reader.text._add)
        self.new_claim = self._act("&New claim…", w.workflow.new_claim, "Ctrl+N")
        ins = w.inspector
        self.accept = self._act("Acc&ept candidate\tA", ins.accept_current, None, "accept")
        self.reject = self._act("&Reject candidate\tR", ins.reject_current, None, "reject")
        self.next = self._act("Next candidate\tJ", lambda: ins.candidates.move(1))
        self.prev = self._act("Previous candidate\tK", lambda: ins.candidates.move(-1))
        self.lineage = self._act("Show &lineage", lambda: w.show_lineage(), "Ctrl+L", "lineage")
        self.history = self._act("Show &history", self.show_history, "Ctrl+H", "history")
        self.repeats = self._act("Repeated &assertions", self.open_repeats, "Ctrl+Shift+R", "repeats")
        for a in (self.mark, self.add_to, self.new_claim, None, self.accept, self.reject, self.next, self.prev,
                  None, self.lineage, self.history, self.repeats, None, self.export_bundle):
            m.addSeparator() if a is None else m.addAction(a)
        # ---------------------------------------------------------------- View
        m = mb.addMenu("&View")
        for dock in w.docks.values():
            m.addAction(dock.toggleViewAction())
        m.addSeparator()
        themes = m.addMenu("&Theme")
        group = QActionGroup(w)
        current = str(w.settings.value("theme", "system"))
        for mode, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            act = themes.addAction(label)
            act.setCheckable(True)
            act.setChecked(mode == current)
            act.triggered.connect(lambda _c=False, mo=mode: self.set_theme(mo))
            group.addAction(act)
        m.addAction(self._act("&Reset layout", w.reset_layout))
        # ---------------------------------------------------------------- Help
        m = mb.addMenu("&Help")
        m.addAction(self._act("&Keyboard shortcuts", lambda: ShortcutsDialog(w).open(),
                              QKeySequence.StandardKey.HelpContents))
        m.addAction(self._act("&About SourceTrace", self.about))
        # ---------------------------------------------------------------- toolbar
        tb = QToolBar("Main toolbar", w)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.open, self.import_files, None, self.undo, self.redo, None, self.search, self.mark,
                  self.lineage, self.repeats):
            tb.addSeparator() if a is None else tb.addAction(a)
        w.addToolBar(tb)
        self.toolbar = tb
        self.import_files.setToolTip("Import files (Ctrl+I) — or drop files and folders on the window")
        self.mark.setToolTip("Make the selected passage a claim (M)")
        self.mark.setIconText("Mark as claim")
        self.search.setIconText("Search")
        self.lineage.setIconText("Lineage")
        self.repeats.setIconText("Repeated")
        self.open.setIconText("Open")
        self.import_files.setIconText("Import")
        self.update_enabled()

    def _act(self, text: str, slot, shortcut=None, icon: str | None = None) -> QAction:
        a = QAction(text, self.w)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if icon:
            a.setIcon(theme.icon(icon))
        a.triggered.connect(lambda _checked=False: slot())
        return a

    def update_enabled(self) -> None:
        s = self.w.session
        has = s is not None
        writable = has and not s.readonly  # type: ignore[union-attr]
        claims = has and s.has("claims", "create")  # type: ignore[union-attr]
        for a in (self.import_files, self.import_folder):
            a.setEnabled(writable)
        for a in (self.mark, self.add_to, self.new_claim, self.accept, self.reject):
            a.setEnabled(writable and claims)
        self.search.setEnabled(has and s.has("matcher", "search"))  # type: ignore[union-attr]
        self.aliases.setEnabled(has and s.has("matcher", "aliases"))  # type: ignore[union-attr]
        self.lineage.setEnabled(has and s.has("lineage", "trace"))  # type: ignore[union-attr]
        self.repeats.setEnabled(has and s.has("matcher", "clusters"))  # type: ignore[union-attr]
        for a in (self.find, self.delete, self.history):
            a.setEnabled(has)
        self.export_bundle.setEnabled(claims)  # says "select a claim first" when none is
        self.import_bundle.setEnabled(writable and claims)

    # ------------------------------------------------------------------ handlers
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open workspace", self._start_dir(), WORKSPACE_FILTER)
        if path:
            self.w.open_workspace(path)

    def new_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.w, "New workspace", self._start_dir(), WORKSPACE_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".sourcetrace"
            if Path(path).exists():
                QMessageBox.information(self.w, "New workspace", f"{path} exists; it is opened instead.")
            self.w.open_workspace(path)

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.w, "Import files", str(self.w.settings.value("importDir", "")),
                                                IMPORT_FILTER)
        if paths:
            self.w.settings.setValue("importDir", str(Path(paths[0]).parent))
            self.w.start_import(paths)

    def import_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self.w, "Import a folder", str(self.w.settings.value("importDir", "")))
        if path:
            self.w.settings.setValue("importDir", path)
            self.w.start_import([path])

    def _start_dir(self) -> str:
        recent = self.w.recent_workspaces()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _fill_recent(self) -> None:
        self.recent.clear()
        items = self.w.recent_workspaces()
        for loc in items:
            self.recent.addAction(loc, lambda _c=False, lo=loc: self.w.open_workspace(lo))
        if not items:
            self.recent.addAction("(none yet)").setEnabled(False)

    def delete_selected(self) -> None:
        w = self.w
        focus = QApplication.focusWidget()
        if focus is not None and w.inspector.isAncestorOf(focus):
            w.inspector.remove_current_appearance()
        elif focus is not None and w.claims.isAncestorOf(focus):
            w.claims.request_delete()
        else:
            w.delete_documents(w.library.selected_ids())

    def open_search(self) -> None:
        self.w.show_dock("search")
        span = self.w.reader.text.selected_span()
        self.w.search.focus_search(span[2] if span and len(span[2]) < 300 else None)

    def open_aliases(self) -> None:
        from ui.aliases import AliasDialog

        if self.w.session is not None:
            self.w.alias_dialog = AliasDialog(self.w.session, self.w)
            self.w.alias_dialog.open()

    def open_repeats(self) -> None:
        self.w.show_dock("repeats")
        self.w.repeats.ensure_loaded()

    def show_history(self) -> None:
        w = self.w
        if w.inspector.claim_id is not None:
            w.show_claim_history(w.inspector.claim_id)
        elif w.reader.doc_id is not None:
            w.show_document_history(w.reader.doc_id)

    def set_theme(self, mode: str) -> None:
        self.w.settings.setValue("theme", mode)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, mode)

    def about(self) -> None:
        from app import __version__

        QMessageBox.about(self.w, "About SourceTrace",
                          f"<h3>SourceTrace {__version__}</h3><p>An offline workbench for fact-checkers: "
                          "import sources, find every repetition of a claim, and trace it back to where it "
                          "started.</p>")


def build_menus(window: MainWindow) -> WindowActions:
    return WindowActions(window)
