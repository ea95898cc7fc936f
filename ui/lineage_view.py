"""The lineage view: a claim's appearances on a timeline (QGraphicsView).

Lanes from top to bottom: dated appearances in publication order, appearances whose date is
unknown (shown as such, never guessed), and external origins (sources the documents name but
that are not in the workspace, such as "Sky News, 3 May 2016"). The earliest appearance is outlined in gold; arrows run from
a later appearance to what it derives from. Click a node to open its passage in the reader.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.lineage_model import LineageData, Node, from_core
from ui.session import WorkspaceSession

NODE_W, NODE_H = 220.0, 80.0
COL_GAP, ROW_GAP, LANE_GAP = 64.0, 12.0, 40.0
LEFT = 120.0
GOLD = QColor("#d4a106")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def human_date(value: str | None) -> str:
    if not value:
        return "date unknown"
    parts = value.split("-")
    try:
        if len(parts) == 3:
            d = date(int(parts[0]), int(parts[1]), int(parts[2]))
            return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value


class NodeItem(QGraphicsItem):
    """One appearance or external origin, drawn as a card."""

    def __init__(self, node: Node, view: LineageView) -> None:
        super().__init__()
        self.node = node
        self._view = view
        self.setAcceptHoverEvents(True)
        self._hover = False
        if node.document_id is not None and node.kind == "appearance":
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        tip = [f"<b>{html.escape(node.title)}</b>", html.escape(human_date(node.date))]
        if node.text:
            tip.append(f"“{html.escape(node.text[:400])}”")
        if node.attributed:
            tip.append("Attributed to: " + html.escape(", ".join(node.attributed)))
        if node.evidence:
            tip.append(f"Evidence: “{html.escape(node.evidence[:300])}”")
        if node.kind == "appearance":
            tip.append("<i>Click to open the passage</i>")
        self.setToolTip("<br>".join(tip))

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, NODE_W + 4, NODE_H + 4)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        pal = self._view.palette()
        n = self.node
        rect = QRectF(0, 0, NODE_W, NODE_H)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = pal.color(QPalette.ColorRole.Base)
        if n.kind == "origin":
            fill = pal.color(QPalette.ColorRole.AlternateBase)
        if self._hover:
            fill = fill.darker(106) if not theme.is_dark(pal) else fill.lighter(130)
        border = GOLD if n.earliest else pal.color(QPalette.ColorRole.Mid)
        pen = QPen(border, 3.0 if n.earliest else 1.2)
        if n.kind == "origin":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 8, 8)
        text_color = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        x, w = 10.0, NODE_W - 20
        base = QFont(self._view.font())
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(7.5, base.pointSizeF() - 1))
        y = 8.0
        painter.setFont(bold)
        painter.setPen(text_color)
        fm = QFontMetrics(bold)
        painter.drawText(QRectF(x, y, w, fm.height()), Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(n.title or "(untitled)", Qt.TextElideMode.ElideRight, int(w)))
        y += fm.height() + 2
        painter.setFont(small)
        fs = QFontMetrics(small)
        if n.kind == "origin":
            bits = [f"external {n.outlet}".strip(), human_date(n.date)]
        else:
            bits = [n.outlet, human_date(n.date), "earliest" if n.earliest else ""]
        unknown = QColor("#c0392b") if not theme.is_dark(self._view.palette()) else QColor("#ff7b72")
        painter.setPen(GOLD.darker(115) if n.earliest else (muted if n.date or n.kind == "origin" else unknown))
        painter.drawText(QRectF(x, y, w, fs.height()), Qt.AlignmentFlag.AlignLeft,
                         fs.elidedText(" · ".join(b for b in bits if b), Qt.TextElideMode.ElideRight, int(w)))
        y += fs.height() + 2
        painter.setPen(muted)
        extra = []
        if n.relation:
            extra.append(n.relation)
        if n.attributed:
            extra.append("attributed to " + ", ".join(n.attributed))
        if extra:  # at most two lines, elided
            room = QRectF(x, y, w, min(2 * fs.height(), NODE_H - y - 4))
            text = " · ".join(extra)
            layout_w = int(w)
            lines: list[str] = []
            line = ""
            for word in text.split():
                trial = f"{line} {word}".strip()
                if fs.horizontalAdvance(trial) <= layout_w or not line:
                    line = trial
                else:
                    lines.append(line)
                    line = word
            lines.append(line)
            if len(lines) > 2:
                lines = [lines[0], fs.elidedText(" ".join(lines[1:]), Qt.TextElideMode.ElideRight, layout_w)]
            painter.drawText(room, Qt.AlignmentFlag.AlignLeft, "\n".join(lines))

    def hoverEnterEvent(self, event: Any) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:
        self._hover = False
        self.update()

    def mousePressEvent(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._view.node_clicked(self.node)
            event.accept()
        else:
            super().mousePressEvent(event)


def arrow(scene: QGraphicsScene, src: QRectF, dst: QRectF, pen: QPen, label: str = "") -> None:
    """A curved arrow from ``src`` (the later item) to ``dst`` (what it derives from), with a
    filled head and an optional label at its middle."""
    if dst.right() + 10 < src.left():  # back in time: left edge to right edge
        a, b = QPointF(src.left(), src.center().y()), QPointF(dst.right(), dst.center().y())
        c1, c2 = QPointF(a.x() - COL_GAP * 0.6, a.y()), QPointF(b.x() + COL_GAP * 0.6, b.y())
    elif dst.left() > src.right() + 10:  # an origin further right: leave sideways, arrive from above/below
        up = dst.center().y() < src.center().y()
        a = QPointF(src.right(), src.center().y())
        b = QPointF(dst.center().x(), dst.bottom() if up else dst.top())
        c1, c2 = QPointF(b.x(), a.y()), QPointF(b.x(), a.y())
    else:
        up = dst.center().y() < src.center().y()
        a = QPointF(src.center().x(), src.top() if up else src.bottom())
        b = QPointF(dst.center().x(), dst.bottom() if up else dst.top())
        mid = (a.y() + b.y()) / 2
        c1, c2 = QPointF(a.x(), mid), QPointF(b.x(), mid)
    path = QPainterPath(a)
    path.cubicTo(c1, c2, b)
    line = QGraphicsPathItem(path)
    line.setPen(pen)
    line.setZValue(-1)
    scene.addItem(line)
    t = QTransform()
    t.translate(b.x(), b.y())
    t.rotate(-path.angleAtPercent(1.0))
    head = scene.addPolygon(t.map(QPolygonF([QPointF(1, 0), QPointF(-11, -5.5), QPointF(-11, 5.5)])),
                            QPen(pen.color(), 1.0), QBrush(pen.color()))
    head.setZValue(-1)
    if label:
        font = QFont()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        text = scene.addSimpleText(label, font)
        text.setBrush(pen.color())
        mid_pt = path.pointAtPercent(0.5)
        box = text.boundingRect()
        text.setPos(mid_pt.x() + 4, mid_pt.y() - box.height() / 2)
        text.setZValue(-1)


class LineageView(QGraphicsView):
    """Draws ``LineageData``; emits the passage of a clicked node."""

    # fires when the user clicks an appearance; (document id, start, end)
    passageClicked = Signal(int, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineageView")
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.items_by_key: dict[str, NodeItem] = {}
        self.data: LineageData | None = None

    def node_clicked(self, node: Node) -> None:
        if node.kind == "appearance" and node.document_id is not None:
            self.passageClicked.emit(node.document_id, node.start, node.end)

    def wheelEvent(self, event: Any) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.scale(factor, factor)
        else:
            super().wheelEvent(event)

    def fit(self) -> None:
        self.resetTransform()
        rect = self.scene().itemsBoundingRect().adjusted(-10, -10, 10, 10)
        if rect.width() > self.viewport().width() or rect.height() > self.viewport().height():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def show_lineage(self, data: LineageData | None) -> None:
        scene = self.scene()
        scene.clear()
        self.items_by_key = {}
        self.data = data
        if data is None:
            return
        pal = self.palette()
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        dates = sorted({n.date for n in data.nodes if n.date})
        col_of = {d: i for i, d in enumerate(dates)}
        lanes = [("Appearances", [n for n in data.nodes if n.kind == "appearance" and n.date]),
                 ("Date unknown", [n for n in data.nodes if n.kind == "appearance" and not n.date]),
                 ("External origins", [n for n in data.nodes if n.kind == "origin"])]
        lanes = [(label, nodes) for label, nodes in lanes if nodes or label == "Appearances"]
        axis_y = 14.0  # the date axis runs above the dated appearances
        y = axis_y + 24
        label_font = QFont(self.font())
        label_font.setBold(True)
        undated_col = len(dates)
        for label, nodes in lanes:
            placed: dict[int, int] = {}  # column -> rows used
            next_free = undated_col if label == "External origins" else 0
            for n in nodes:
                if n.date:
                    col = col_of[n.date]
                else:  # undated: one column each, after the dated ones (origins) or from the left
                    col, next_free = next_free, next_free + 1
                row = placed.get(col, 0)
                placed[col] = row + 1
                item = NodeItem(n, self)
                item.setPos(LEFT + col * (NODE_W + COL_GAP), y + row * (NODE_H + ROW_GAP))
                scene.addItem(item)
                self.items_by_key[n.key] = item
            rows = max(placed.values(), default=1)
            height = rows * (NODE_H + ROW_GAP) - ROW_GAP
            text = scene.addText(label, label_font)
            text.setDefaultTextColor(muted)
            text.setTextWidth(LEFT - 16)
            text.setPos(0, y + 4)
            if not nodes:
                hint = scene.addText("No dated appearances yet.")
                hint.setDefaultTextColor(muted)
                hint.setPos(LEFT, y + 8)
            y += height + LANE_GAP
        if dates:
            pen = QPen(muted, 1.0)
            right = LEFT + (len(dates) - 1) * (NODE_W + COL_GAP) + NODE_W
            scene.addLine(LEFT, axis_y, right, axis_y, pen)
            for d, i in col_of.items():
                x = LEFT + i * (NODE_W + COL_GAP) + NODE_W / 2
                scene.addLine(x, axis_y - 4, x, axis_y + 4, pen)
                t = scene.addText(human_date(d))
                t.setDefaultTextColor(muted)
                t.setPos(x - t.boundingRect().width() / 2, axis_y - t.boundingRect().height() - 2)
        link_color = theme.claim_color(data.claim_id)
        link_pen = QPen(link_color.darker(140) if not theme.is_dark(pal) else link_color, 1.8)
        origin_pen = QPen(muted, 1.4, Qt.PenStyle.DashLine)
        for n in data.nodes:
            src = self.items_by_key.get(n.key)
            for parent_key in n.derived_from:
                dst = self.items_by_key.get(parent_key)
                if src is None or dst is None:
                    continue
                if dst.node.kind == "origin":
                    pen, label = origin_pen, "cites" if n.kind == "appearance" else "reports"
                else:
                    pen, label = link_pen, {"verbatim": "quotes", "near verbatim": "quotes",
                                            "paraphrase": "paraphrases"}.get(n.relation, "derives from")
                arrow(scene, src.sceneBoundingRect().adjusted(2, 2, -2, -2),
                      dst.sceneBoundingRect().adjusted(2, 2, -2, -2), pen, label)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-10, -10, 20, 20))


class LineagePanel(QWidget):
    """Header ("N appearances, M independent origins"), summary, and the timeline."""

    # fires when the user clicks an appearance; (document id, start, end)
    openPassage = Signal(int, int, int)
    # fires after a lineage was drawn; claim id
    lineageShown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: WorkspaceSession | None = None
        self.claim_id: int | None = None
        self._req = 0
        self.header = QLabel("Lineage: select a claim and press Ctrl+L", self)
        theme.header(self.header)
        self.summary = QLabel(self)
        theme.subheader(self.summary)
        self.summary.setWordWrap(True)
        self.fit_button = QPushButton("Fit", self)
        self.fit_button.setToolTip("Fit the whole timeline in view (Ctrl+wheel zooms)")
        self.view = LineageView(self)
        self.fit_button.clicked.connect(self.view.fit)
        self.view.passageClicked.connect(self.openPassage)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)

    def set_session(self, session: WorkspaceSession | None) -> None:
        if self.session is not None:
            self.session.claimsChanged.disconnect(self._claims_changed)
            self.session.claimsRemoved.disconnect(self._claims_removed)
            self.session.documentsChanged.disconnect(self._documents_changed)
            self.session.documentsRemoved.disconnect(self._documents_removed)
            self.session.reloadRequested.disconnect(self._reload)
        self.session = session
        self.claim_id = None
        self.view.show_lineage(None)
        self.header.setText("Lineage: select a claim and press Ctrl+L")
        self.summary.setText("")
        if session is not None:
            session.claimsChanged.connect(self._claims_changed)
            session.claimsRemoved.connect(self._claims_removed)
            session.documentsChanged.connect(self._documents_changed)
            session.documentsRemoved.connect(self._documents_removed)
            session.reloadRequested.connect(self._reload)

    def show_claim(self, claim_id: int, *, force: bool = False) -> None:
        if claim_id == self.claim_id and not force:
            return
        self.claim_id = claim_id
        self._load()

    def _load(self) -> None:
        session, claim_id = self.session, self.claim_id
        if session is None or claim_id is None:
            return
        if not (session.has("lineage", "trace") and session.has("matcher", "compare")):
            self.header.setText("Lineage needs the claim matcher, which this workspace lacks.")
            return
        self._req += 1
        req = self._req
        self.header.setText(f"Lineage of claim #{claim_id}: tracing…")

        def work() -> LineageData:
            # display only; the stored lineage (origins, derived-from links) is saved on the writer
            return from_core(claim_id, session.ws.lineage.trace(claim_id, persist=False))

        def got(data: LineageData) -> None:
            if req != self._req:
                return
            self.header.setText(f"Claim #{claim_id}: {data.header()}")
            bits = [f"“{data.claim_text}”"] if data.claim_text else []
            first = next((n for n in data.nodes if n.earliest), None)
            if first is not None:
                where = ", ".join(x for x in (first.title, first.outlet) if x)
                bits.append(f"Earliest known appearance: {where}, {human_date(first.date)}.")
            undated = sum(1 for n in data.nodes if n.kind == "appearance" and not n.date)
            if undated:
                bits.append(f"{undated} with an unknown date (not guessed).")
            self.summary.setText("  ".join(bits))
            self.view.show_lineage(data)
            self.lineageShown.emit(claim_id)
            if not session.readonly:
                session.tasks.write(lambda: session.ws.lineage.trace(claim_id), on_failure=lambda _e: None,
                                    label="Saving the lineage")

        def failed(exc: BaseException) -> None:
            if req == self._req:  # a panel in the background: say so here rather than in a dialog
                from ui.errors import describe

                self.header.setText(f"Claim #{claim_id}: the lineage could not be traced.")
                self.summary.setText(describe(exc)[0])
                self.view.show_lineage(None)

        session.read(work, got, failed, label="Tracing the lineage")

    def _claims_changed(self, ids: list[int]) -> None:
        if self.claim_id in ids:
            self._load()

    def _claims_removed(self, ids: list[int]) -> None:
        if self.claim_id in ids:
            self.claim_id = None
            self.view.show_lineage(None)
            self.header.setText("Lineage: the claim was deleted")

    def _documents_changed(self, ids: list[int]) -> None:
        data = self.view.data
        if data is not None and any(n.document_id in ids for n in data.nodes):
            self._load()

    def _documents_removed(self, ids: list[int]) -> None:
        # a deleted document takes its appearances with it (by this user or, seen through the
        # change watcher, by someone else): trace again without them
        data = self.view.data
        if self.claim_id is not None and (data is None or any(n.document_id in ids for n in data.nodes)):
            self._load()

    def _reload(self) -> None:
        if self.claim_id is not None:
            self._load()
