"""Candidate matches for a claim, and the side-by-side view of agreeing and differing words."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.library import doc_title
from ui.semantic import SemanticState, stage_tag, stage_tooltip
from ui.table_model import Index, RowsTableModel


def candidate_key(document_id: int, start: int, end: int) -> str:
    return f"{document_id}:{start}:{end}"

KEY_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

FOUND_BY = "Found by"  # column: which matcher stage found the passage (words, meaning, both)
FOUND_BY_TIP = ("Which stage of the matcher found the passage: its words, its meaning (a paraphrase, "
                "by sentence embeddings), or both.\nSorting by this column orders by closeness of meaning (cosine).")

RELATION_LABELS = {"verbatim": "verbatim", "near-verbatim": "near-verbatim", "paraphrase": "paraphrase",
                   "mention-with-citation": "mention with citation"}  # app.attribution.relation.RELATIONS


def relation_label(relation: str | None) -> str:
    return RELATION_LABELS.get(relation or "", (relation or "").replace("_", " "))


def score_color(score: float) -> QColor:
    """Green for strong, amber for middling, grey for weak matches (readable on both palettes)."""
    dark = theme.is_dark()
    if score >= 80:
        return QColor("#3fb950" if dark else "#1a7f37")
    if score >= 60:
        return QColor("#d29922" if dark else "#9a6700")
    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)


def stage_color(tag: str) -> QColor:
    """Passages found by meaning stand out; word matches stay quiet."""
    pal = QGuiApplication.palette()
    if tag in ("meaning", "both"):
        return pal.color(QPalette.ColorRole.Link)
    return pal.color(QPalette.ColorRole.PlaceholderText)


class PassageTableModel(RowsTableModel):
    """Rows of passages (candidates, appearances, search results): score, document, date, ..."""

    COLUMNS: tuple[str, ...] = ("Score", "Document", "Date", "Relation", "Passage")
    SCORE, DOCUMENT, DATE, RELATION, PASSAGE = range(5)

    def __init__(self, parent: QObject | None = None, *, columns: Sequence[str] | None = None) -> None:
        super().__init__(parent)
        if columns is not None:
            self.COLUMNS = tuple(columns)

    def header_tooltip(self, section: int) -> str | None:
        return FOUND_BY_TIP if self.COLUMNS[section] == FOUND_BY else None

    def column_value(self, row: Any, name: str) -> Any:
        if name == "Score":
            score = getattr(row, "score", None)
            return "" if score is None else f"{score:.0f}"
        if name == "Document":
            title = getattr(row, "title", None)
            return (title or "").strip() or getattr(row, "filename", "")
        if name == "Date":
            return getattr(row, "published", None) or "unknown"
        if name == "Relation":
            return relation_label(getattr(row, "relation", None))
        if name == FOUND_BY:
            return stage_tag(getattr(row, "explanation", None))
        if name == "Outlet":
            return getattr(row, "outlet", None) or ""
        if name == "Attributed to":
            attrs = getattr(row, "attributed_to", None) or []
            return ", ".join(a.get("name", "") if isinstance(a, dict) else str(getattr(a, "name", a)) for a in attrs)
        if name == "Passage":
            return " ".join((getattr(row, "text", "") or "").split())
        return ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == KEY_ROLE and index.isValid():
            return index.row()
        return super().data(index, role)

    def cell(self, row: Any, column: int, role: int) -> Any:
        name = self.COLUMNS[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.column_value(row, name)
        if role == Qt.ItemDataRole.ToolTipRole:
            if name == "Passage":
                return getattr(row, "text", "")
            if name == "Document":
                return getattr(row, "filename", "")
            if name == FOUND_BY:
                return stage_tooltip(getattr(row, "explanation", None)) or None
            return None
        if role == SORT_ROLE:
            if name == "Score":
                return float(getattr(row, "score", 0) or 0)
            if name == FOUND_BY:  # by closeness of meaning; word-only matches last
                cos = (getattr(row, "explanation", None) or {}).get("cosine")
                return -1.0 if cos is None else float(cos)
            if name == "Date":
                return getattr(row, "published", None) or "9999"
            return str(self.column_value(row, name)).casefold()
        if role == Qt.ItemDataRole.ForegroundRole and name == "Score" and getattr(row, "score", None) is not None:
            return score_color(float(row.score))
        if role == Qt.ItemDataRole.ForegroundRole and name == FOUND_BY:
            return stage_color(stage_tag(getattr(row, "explanation", None)))
        if role == Qt.ItemDataRole.ForegroundRole and name == "Date" and not getattr(row, "published", None):
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.TextAlignmentRole and name == "Score":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and name == "Score":
            from PySide6.QtGui import QFont

            f = QFont()
            f.setBold(True)
            return f
        return None


def _span(words: str, op: str, colors: dict[str, str]) -> str:
    if not words:
        return ""
    esc = html.escape(words)
    color = colors.get(op)
    if color is None:
        return esc
    style = f"background-color:{color};"
    if op in ("delete", "insert", "replace"):
        style += "text-decoration: underline;"
    return f"<span style='{style}'>{esc}</span>"


def alignment_html(explanation: dict[str, Any] | None, query: str, text: str) -> tuple[str, str]:
    """HTML for both sides: words that agree in green, similar ones in amber, differing in red."""
    colors = theme.diff_colors()
    alignment = (explanation or {}).get("alignment") or []
    if not alignment:
        terms = {t.casefold() for t in (explanation or {}).get("matched_terms") or []}

        def mark(s: str) -> str:
            return " ".join(_span(w, "equal", colors) if w.strip(".,;:!?\"'()“”‘’").casefold() in terms
                            else html.escape(w) for w in s.split())

        return mark(query), mark(text)
    left: list[str] = []
    right: list[str] = []
    for step in alignment:
        op = step.get("op", "equal")
        q, t = step.get("query") or "", step.get("text") or ""
        if op in ("equal", "similar", "replace"):
            left.append(_span(q, op, colors))
            right.append(_span(t, op, colors))
        elif op == "delete":  # in the claim only
            left.append(_span(q, "delete", colors))
        elif op == "insert":  # in the passage only
            right.append(_span(t, "insert", colors))
    return " ".join(x for x in left if x), " ".join(x for x in right if x)


class AlignmentView(QWidget):
    """Two panes: the claim's wording and the candidate passage, words coloured by agreement."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left_title = QLabel("Claim", self)
        self.right_title = QLabel("Passage", self)
        for lbl in (self.left_title, self.right_title):
            theme.subheader(lbl)
            lbl.setWordWrap(True)
            lbl.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        self.left = QTextBrowser(self)
        self.left.setObjectName("alignmentClaim")
        self.right = QTextBrowser(self)
        self.right.setObjectName("alignmentPassage")
        for b in (self.left, self.right):
            b.setOpenLinks(False)
            b.document().setDocumentMargin(8)
        self.legend = QLabel(self)
        theme.subheader(self.legend)
        self.legend.setWordWrap(True)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.left_title, 0, 0)
        layout.addWidget(self.right_title, 0, 1)
        layout.addWidget(self.left, 1, 0)
        layout.addWidget(self.right, 1, 1)
        layout.addWidget(self.legend, 2, 0, 1, 2)
        layout.setRowStretch(1, 1)
        self._pair: tuple[str, Any] | None = None
        self.clear()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._pair is not None:
            self.show_pair(*self._pair)  # diff colours follow light / dark

    def clear(self) -> None:
        self._pair = None
        self.left.clear()
        self.right.clear()
        self.right_title.setText("Passage")
        self.legend.setText("")

    def show_pair(self, claim_text: str, row: Any) -> None:
        self._pair = (claim_text, row)
        left, right = alignment_html(getattr(row, "explanation", None), claim_text, getattr(row, "text", ""))
        self.left.setHtml(f"<div style='line-height:140%'>{left}</div>")
        self.right.setHtml(f"<div style='line-height:140%'>{right}</div>")
        date = getattr(row, "published", None) or "date unknown"
        score = getattr(row, "score", None)
        self.right_title.setText(f"Passage in <b>{html.escape(doc_title(row) if hasattr(row, 'filename') else '')}"
                                 f"</b> ({html.escape(date)})" + (f", score {score:.0f}" if score is not None else ""))
        c = theme.diff_colors()
        expl = getattr(row, "explanation", None) or {}
        terms = expl.get("matched_terms") or []
        cos = expl.get("cosine")
        meaning = (f"&nbsp;&nbsp;Found by {'its meaning' if stage_tag(expl) == 'meaning' else 'words and meaning'}"
                   f" (cosine {float(cos):.2f})" if stage_tag(expl) in ("meaning", "both") and cos is not None else "")
        self.legend.setText(
            f"<span style='background-color:{c['equal']}'>&nbsp;same&nbsp;</span> "
            f"<span style='background-color:{c['similar']}'>&nbsp;similar (spelling, alias)&nbsp;</span> "
            f"<span style='background-color:{c['replace']}'>&nbsp;different&nbsp;</span>"
            + (f"&nbsp;&nbsp;Matched terms: {html.escape(', '.join(map(str, terms[:12])))}" if terms else "")
            + meaning
        )


def make_table(parent: QWidget, model: PassageTableModel, name: str) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    for col, name_ in enumerate(model.COLUMNS):
        if name_ == "Passage":
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        else:
            header.resizeSection(col, {"Score": 52, "Date": 88, "Relation": 104}.get(name_, 150))
        if name_ == FOUND_BY:  # room for the header, its sort arrow and "meaning"
            fm = header.fontMetrics()
            header.resizeSection(col, max(fm.horizontalAdvance(FOUND_BY), fm.horizontalAdvance("meaning")) + 30)
    return view, proxy


def show_found_by(view: QTableView, model: PassageTableModel, state: SemanticState) -> None:
    """The "Found by" column is shown only while the semantic stage is on (else every row is "words")."""
    if FOUND_BY in model.COLUMNS:
        view.setColumnHidden(model.COLUMNS.index(FOUND_BY), not (state.known and state.on))


def key_of(row: Any) -> str:
    key = getattr(row, "key", None)
    return str(key) if key else candidate_key(row.document_id, row.start, row.end)


class CandidatesPage(QWidget):
    """Ranked candidates + the side-by-side comparison + Accept / Reject."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PassageTableModel(self, columns=("Score", FOUND_BY, "Document", "Date", "Relation", "Passage"))
        self.view, self.proxy = make_table(self, self.model, "candidatesTable")
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.view.horizontalHeader().resizeSection(self.model.COLUMNS.index("Document"), 124)  # room for "Found by"
        show_found_by(self.view, self.model, SemanticState())
        self.alignment = AlignmentView(self)
        self.status = QLabel(self)
        theme.subheader(self.status)
        self.accept_button = QPushButton(theme.icon("accept"), "Accept", self)
        self.accept_button.setObjectName("acceptButton")
        self.accept_button.setToolTip("Accept as an appearance of this claim (A)")
        self.reject_button = QPushButton(theme.icon("reject"), "Reject", self)
        self.reject_button.setObjectName("rejectButton")
        self.reject_button.setToolTip("Not the same claim: never propose it again (R)")
        self.open_button = QPushButton("Open in reader", self)
        self.open_button.setToolTip("Show the passage in its document (O)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.accept_button)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.view)
        split.addWidget(self.alignment)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.alignment.setMinimumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.actions_by_key: dict[str, QAction] = {}
        for key, label in (("A", "Accept candidate"), ("R", "Reject candidate"), ("J", "Next candidate"),
                           ("K", "Previous candidate"), ("O", "Open candidate in reader")):
            act = QAction(label, self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
            self.actions_by_key[key] = act
        self.actions_by_key["J"].triggered.connect(lambda: self.move(1))
        self.actions_by_key["K"].triggered.connect(lambda: self.move(-1))

    def set_semantic(self, state: SemanticState) -> None:
        show_found_by(self.view, self.model, state)

    def current(self) -> Any | None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(idx).row())

    def current_row(self) -> int:
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() else -1

    def select_row(self, row: int) -> None:
        n = self.proxy.rowCount()
        if n == 0:
            return
        row = max(0, min(row, n - 1))
        self.view.setCurrentIndex(self.proxy.index(row, 0))
        self.view.scrollTo(self.proxy.index(row, 0))

    def move(self, step: int) -> None:
        self.select_row(max(0, self.current_row() + step) if self.current_row() >= 0 else 0)
        self.view.setFocus()
