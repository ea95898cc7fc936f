"""Views and models on their own: repeated assertions, lineage drawing, diff colouring, conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt

from ui.candidates import AlignmentView, PassageTableModel, alignment_html
from ui.conflict import ConflictDialog, their_version
from ui.lineage_model import LineageData, Node
from ui.lineage_view import LineagePanel, human_date
from ui.repeats import RepeatsModel, RepeatsPanel


@dataclass
class Member:
    document_id: int
    filename: str
    start: int
    end: int
    text: str
    title: str | None = None
    published: str | None = None


@dataclass
class Cluster:
    id: int
    members: list[Member] = field(default_factory=list)


CLUSTERS = [
    Cluster(1, [Member(1, "a.txt", 0, 40, "Palmyra was handed back to the regime.", "A", "2016-05-06"),
                Member(2, "b.txt", 10, 52, "Palmyra was handed back to the regime by IS.", "B", "2016-03-01"),
                Member(3, "c.txt", 5, 44, "Palmyra was handed back to the regime!", None, None)]),
    Cluster(2, [Member(4, "d.txt", 0, 20, "Oil for fertiliser.", "D"), Member(5, "e.txt", 3, 24, "Oil for fertilizer.")]),
]


def test_repeats_model_passes_modeltester_and_orders_by_reach(qtmodeltester):
    model = RepeatsModel()
    model.set_clusters(CLUSTERS)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.index(0, 1).data() == "appears in 3 documents"
    # the representative is the earliest dated member
    assert model.index(0, 0).data() == "Palmyra was handed back to the regime by IS."
    child = model.index(2, 1, model.index(0, 0))
    assert child.data() == "c.txt"
    assert model.index(0, 2).data() == "Make claim"


def test_make_claim_button_is_one_click(qtbot):
    panel = RepeatsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    panel.model.set_clusters(CLUSTERS)
    idx = panel.proxy.index(1, 2)
    rect = panel.view.visualRect(idx)
    with qtbot.waitSignal(panel.makeClaimRequested) as blocker:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text, source = blocker.args
    assert text == "Oil for fertiliser." and source == (4, 0, 20)
    panel.filter.setText("fertili")
    assert panel.proxy.rowCount() == 1
    with qtbot.waitSignal(panel.openPassage) as opened:
        panel.view.doubleClicked.emit(panel.proxy.index(0, 0))
    assert opened.args == [4, 0, 20]


def lineage_data() -> LineageData:
    nodes = [
        Node("1:0:10", "appearance", "Interview", "Middle East Monitor", "2016-02-14", "verbatim", [], "Assad ordered",
             1, 0, 10, earliest=True),
        Node("2:5:30", "appearance", "Blog", "", "2016-05-06", "paraphrase", ["Sky News"], "oil", 2, 5, 30,
             derived_from=["origin:Sky News"]),
        Node("3:0:8", "appearance", "Summary", "", None, "paraphrase", ["Mohamed Qassim"], "withdrew", 3, 0, 8,
             derived_from=["1:0:10"]),
        Node("origin:Sky News", "origin", "Sky News", "outlet", "2016-05-03", evidence="told Sky News"),
    ]
    return LineageData(7, "Assad ordered forces out", nodes, 3, 2, "3 appearances, 2 independent origins")


def test_lineage_view_draws_lanes_arrows_and_opens_passages(qtbot):
    panel = LineagePanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 500)
    panel.show()
    data = lineage_data()
    panel.view.show_lineage(data)
    assert data.header() == "3 appearances, 2 independent origins"
    items = panel.view.items_by_key
    assert set(items) == {n.key for n in data.nodes}
    origin, first, blog, undated = (items[k] for k in ("origin:Sky News", "1:0:10", "2:5:30", "3:0:8"))
    assert first.y() < undated.y() < origin.y()  # dated lane, unknown-date lane, external origins
    assert first.y() == blog.y() and first.x() < blog.x()  # time runs left to right
    assert first.x() < origin.x() < blog.x()  # 14 Feb < 3 May < 6 May
    paths = [i for i in panel.view.scene().items() if i.type() == 2]  # QGraphicsPathItem
    assert len(paths) == 2  # blog -> Sky News, summary -> interview
    panel.view.centerOn(undated)
    with qtbot.waitSignal(panel.openPassage) as blocker:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.view.mapFromScene(undated.sceneBoundingRect().center()))
    assert blocker.args == [3, 0, 8]
    assert human_date("2016-05-03") == "3 May 2016" and human_date("2016-05") == "May 2016"
    assert human_date(None) == "date unknown"


def test_alignment_colours_agreeing_and_differing_words(qtbot):
    explanation = {"matched_terms": ["assad"], "alignment": [
        {"op": "equal", "query": "Assad", "text": "Assad"},
        {"op": "replace", "query": "ordered", "text": "withdrew"},
        {"op": "similar", "query": "Tadmur", "text": "Palmyra"},
        {"op": "delete", "query": "vacuum", "text": ""},
        {"op": "insert", "query": "", "text": "ISIS"}]}
    left, right = alignment_html(explanation, "", "")
    assert "Assad" in left and "vacuum" in left and "ISIS" not in left
    assert "withdrew" in right and "ISIS" in right and "vacuum" not in right
    assert left.count("<span") == 4 and right.count("<span") == 4
    view = AlignmentView()
    qtbot.addWidget(view)

    @dataclass
    class Row:
        document_id: int = 3
        filename: str = "004.txt"
        title: str = "Is Assad colluding with ISIS in Syria?"
        published: str | None = None
        text: str = "Assad withdrew Palmyra ISIS"
        score: float = 71.0
        explanation: dict = field(default_factory=lambda: explanation)

    view.show_pair("Assad ordered Tadmur vacuum", Row())
    assert "withdrew" in view.right.toPlainText()
    assert "date unknown" in view.right_title.text() and "score 71" in view.right_title.text()


def test_passage_model_passes_modeltester(qtmodeltester):
    @dataclass
    class Cand:
        key: str
        document_id: int
        filename: str
        title: str | None
        published: str | None
        start: int
        end: int
        text: str
        score: float
        relation: str

    model = PassageTableModel()
    model.set_rows([Cand("1:0:4", 1, "a.txt", "A", "2016-02-14", 0, 4, "text", 88.0, "near-verbatim"),
                    Cand("2:0:4", 2, "b.txt", None, None, 0, 4, "text two", 61.5, "mention-with-citation")])
    qtmodeltester.check(model)
    assert model.index(1, 1).data() == "b.txt"
    assert model.index(1, 2).data() == "unknown"
    assert model.index(1, 3).data() == "mention with citation"
    assert model.index(0, 0).data() == "88"


def test_conflict_dialog_offers_a_merge(qtbot):
    mine = {"text": "Assad ordered forces to leave Palmyra", "tags": ["syria"], "version": 3}
    theirs = {"text": "Assad ordered forces to leave Tadmur", "tags": ["syria"], "notes": "", "version": 4,
              "updated_by": "ana"}
    dlg = ConflictDialog("Claim #1", mine, theirs)
    qtbot.addWidget(dlg)
    assert dlg.fields == ["text"]  # only what differs
    dlg.editors["text"].setPlainText("Assad ordered forces to leave Palmyra (Tadmur)")
    assert dlg.merged() == {"text": "Assad ordered forces to leave Palmyra (Tadmur)"}
    assert their_version(theirs) == 4


def test_library_model_sorts_itself_and_keeps_persistent_indexes(qtmodeltester):
    from datetime import datetime

    from PySide6.QtCore import QPersistentModelIndex

    from app.documents import DocumentInfo
    from ui.library import DocumentTableModel, LibraryFilterProxy

    def info(i: int, date: str | None) -> DocumentInfo:
        return DocumentInfo(i, f"f{i}.txt", f"Title {i:03}", None, "Outlet" if i % 2 else None, None, date, "day",
                            "en", "text/plain", 10, f"{i:064x}", datetime(2024, 1, 1), "t", 1, 1)

    model = DocumentTableModel()
    proxy = LibraryFilterProxy()
    proxy.setSourceModel(model)
    model.set_documents([info(i, f"2016-01-{1 + (i * 7) % 28:02d}" if i % 5 else None) for i in range(1, 61)])
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    proxy.sort(DocumentTableModel.DATE, Qt.SortOrder.AscendingOrder)
    dates = [model.index(r, DocumentTableModel.DATE).data() for r in range(60)]
    known = [d for d in dates if d != "unknown"]
    assert known == sorted(known) and dates[len(known):] == ["unknown"] * (60 - len(known))
    keep = QPersistentModelIndex(model.index(model.row_of(7), 0))
    proxy.sort(DocumentTableModel.DATE, Qt.SortOrder.DescendingOrder)
    assert keep.row() == model.row_of(7)  # a selection follows its document through a re-sort
    model.upsert([info(100, "2016-01-15"), info(101, "2099-01-01")])  # arrivals land in order
    assert model.row_of(101) == 0
    dates = [model.index(r, DocumentTableModel.DATE).data() for r in range(62)]
    known = [d for d in dates if d != "unknown"]
    assert known == sorted(known, reverse=True)
    model.remove([100, 7])
    assert model.rowCount() == 60 and not keep.isValid()
    qtmodeltester.check(model)
