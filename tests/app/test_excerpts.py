"""Excerpts: W3C Web Annotation anchors and re-anchoring after a document's text changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import audit
from app.excerpts import (
    CONTEXT,
    create_excerpt,
    excerpt_info,
    locate,
    make_anchor,
    reanchor_document,
    to_web_annotation,
)
from db.models import Document, Excerpt


@pytest.fixture
def workspace_path(any_workspace_target: str) -> str:
    """Every test of this module runs on SQLite and on a real PostgreSQL server."""
    return any_workspace_target


ORIGINAL = (
    "Palmyra report\n\n"
    "The city changed hands twice in a single year. Officials in Damascus denied any deal.\n\n"
    "A source said the army withdrew its heavy weapons a week before the attack began. "
    "Residents fled into the orchards outside the city.\n\n"
    "The ruins were damaged but not destroyed.\n"
)
QUOTE = "the army withdrew its heavy weapons a week before the attack began"


def _import(ws, text: str, name: str = "report.txt") -> int:
    out = ws.documents.import_bytes(text.encode(), name)
    assert out.status == "imported", out
    return int(out.id)


def _excerpt(ws, doc_id: int, quote: str) -> int:
    with ws.db.writing() as s:
        text = s.get(Document, doc_id).text
        start = text.index(quote)
        return create_excerpt(s, ws.user, doc_id, start, start + len(quote)).id


def _get(ws, excerpt_id: int) -> Excerpt:
    with ws.db.reading() as s:
        ex = s.get(Excerpt, excerpt_id)
        s.expunge(ex)
        return ex


# ---------------------------------------------------------------- pure parts
def test_anchor_has_quote_and_context() -> None:
    start = ORIGINAL.index(QUOTE)
    a = make_anchor(ORIGINAL, start, start + len(QUOTE))
    assert a.exact == QUOTE
    assert a.prefix == ORIGINAL[start - CONTEXT:start] and len(a.prefix) == 32
    assert a.suffix == ORIGINAL[a.end:a.end + 32]
    with pytest.raises(ValueError):
        make_anchor(ORIGINAL, 10, 10)
    with pytest.raises(ValueError):
        make_anchor(ORIGINAL, 0, len(ORIGINAL) + 5)


def test_locate_cases() -> None:
    start = ORIGINAL.index(QUOTE)
    a = make_anchor(ORIGINAL, start, start + len(QUOTE))
    same = locate(ORIGINAL, a.exact, a.prefix, a.suffix, a.start, a.end)
    assert same is not None and same.method == "unchanged" and same.start == start

    moved_text = "Editor's note: updated.\n\n" + ORIGINAL
    moved = locate(moved_text, a.exact, a.prefix, a.suffix, a.start, a.end)
    assert moved is not None and moved.method == "moved"
    assert moved_text[moved.start:moved.end] == QUOTE

    edited = ORIGINAL.replace("withdrew its heavy weapons", "withdrew all its heavy weapons")
    fuzzy = locate(edited, a.exact, a.prefix, a.suffix, a.start, a.end)
    assert fuzzy is not None and fuzzy.method == "fuzzy"
    assert fuzzy.exact == "the army withdrew all its heavy weapons a week before the attack began"

    deleted = ORIGINAL.replace("A source said " + QUOTE + ". ", "")
    assert locate(deleted, a.exact, a.prefix, a.suffix, a.start, a.end) is None


def test_locate_picks_the_occurrence_with_matching_context() -> None:
    text = "Intro. He said: yes. Later, in Geneva, the envoy said: yes. End."
    second = text.index("yes", text.index("Geneva"))
    a = make_anchor(text, second, second + 3)
    shifted = "New first line.\n" + text
    found = locate(shifted, a.exact, a.prefix, a.suffix, a.start, a.end)
    assert found is not None and found.method == "moved"
    assert found.start == shifted.index("yes", shifted.index("Geneva"))


def test_short_quotes_are_never_moved_fuzzily() -> None:
    text = "The answer was yes."
    a = make_anchor(text, 15, 18)
    assert locate("The answer was no.", a.exact, a.prefix, a.suffix, a.start, a.end) is None


def test_web_annotation_json_ld(workspace) -> None:
    doc_id = _import(workspace, ORIGINAL)
    eid = _excerpt(workspace, doc_id, QUOTE)
    with workspace.db.reading() as s:
        ex = s.get(Excerpt, eid)
        doc = s.get(Document, doc_id)
        anno = to_web_annotation(ex, doc)
        sha, prefix, suffix, start, end = doc.sha256, ex.prefix, ex.suffix, ex.start, ex.end
        info = excerpt_info(ex)
    info_anno = to_web_annotation(info, workspace.documents.info(doc_id))
    assert anno == info_anno
    assert anno["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert anno["type"] == "Annotation"
    assert anno["creator"]["name"] == "tester"
    assert anno["created"]
    assert anno["target"]["source"] == f"urn:sha256:{sha}"
    quote, pos = anno["target"]["selector"]
    assert quote == {"type": "TextQuoteSelector", "exact": QUOTE, "prefix": prefix, "suffix": suffix}
    assert pos == {"type": "TextPositionSelector", "start": start, "end": end}
    assert ORIGINAL[pos["start"]:pos["end"]] == QUOTE


# ---------------------------------------------------------------- re-anchoring on re-import
def test_reimport_moves_edits_and_orphans(workspace) -> None:
    ws = workspace
    doc_id = _import(ws, ORIGINAL)
    moved_id = _excerpt(ws, doc_id, QUOTE)
    ctx_id = _excerpt(ws, doc_id, "The ruins were damaged but not destroyed.")
    fuzzy_id = _excerpt(ws, doc_id, "Officials in Damascus denied any deal.")
    gone_id = _excerpt(ws, doc_id, "Residents fled into the orchards outside the city.")
    gone_before = _get(ws, gone_id)

    new_text = (
        "Palmyra report (updated)\n\nCorrection appended below.\n\n"
        "The city changed hands twice in a single year. Officials in Damascus flatly denied any deal.\n\n"
        "A source said " + QUOTE + ".\n\n"
        "Experts now say the ruins were damaged. The ruins were damaged but not destroyed.\n"
    )
    out = ws.documents.reimport(doc_id, new_text.encode(), "report.txt")
    assert out.status == "imported", out

    moved = _get(ws, moved_id)
    assert (moved.orphaned, moved.exact) == (False, QUOTE)
    assert new_text[moved.start:moved.end] == QUOTE and moved.start != gone_before.start

    ctx = _get(ws, ctx_id)  # edited context before it: still found by its quote
    assert new_text[ctx.start:ctx.end] == "The ruins were damaged but not destroyed."
    assert ctx.prefix == new_text[max(0, ctx.start - 32):ctx.start]

    fuzzy = _get(ws, fuzzy_id)  # the quote itself was edited: fuzzy re-anchor updates exact
    assert not fuzzy.orphaned
    assert fuzzy.exact == "Officials in Damascus flatly denied any deal."
    assert new_text[fuzzy.start:fuzzy.end] == fuzzy.exact

    gone = _get(ws, gone_id)  # deleted passage: orphaned, positions and quote kept, not dropped
    assert gone.orphaned
    assert (gone.start, gone.end, gone.exact) == (gone_before.start, gone_before.end, gone_before.exact)

    with ws.db.reading() as s:
        entries = [h for h in audit.history(s, document_id=doc_id) if h.action == "excerpt.reanchor"]
        reimport = [h for h in audit.history(s, document_id=doc_id) if h.action == "document.reimport"][-1]
    methods = {h.entity_id: h.after["method"] for h in entries}
    assert methods == {moved_id: "moved", ctx_id: "moved", fuzzy_id: "fuzzy", gone_id: "orphaned"}
    assert all(h.user == "tester" and h.before and h.after for h in entries)
    report = reimport.after["excerpts"]
    assert report["orphaned"] == [gone_id] and report["fuzzy"] == [fuzzy_id]
    assert sorted(report["moved"]) == sorted([moved_id, ctx_id])


def test_orphan_is_restored_when_the_passage_comes_back(workspace) -> None:
    ws = workspace
    doc_id = _import(ws, ORIGINAL)
    eid = _excerpt(ws, doc_id, QUOTE)
    ws.documents.reimport(doc_id, b"Everything was rewritten from scratch, nothing is left.\n", "report.txt")
    assert _get(ws, eid).orphaned
    ws.documents.reimport(doc_id, ("Back again.\n" + ORIGINAL).encode(), "report.txt")
    ex = _get(ws, eid)
    assert not ex.orphaned and ex.exact == QUOTE


def test_reanchor_document_is_a_no_op_for_unchanged_text(workspace) -> None:
    ws = workspace
    doc_id = _import(ws, ORIGINAL)
    eid = _excerpt(ws, doc_id, QUOTE)
    with ws.db.writing() as s:
        report = reanchor_document(s, ws.user, doc_id, ORIGINAL)
        n = len(list(s.scalars(select(Excerpt.id))))
    assert report.unchanged == [eid] and report.total == n == 1
    assert report.to_json()["unchanged"] == [eid]
    with ws.db.reading() as s:
        assert not [h for h in audit.history(s, document_id=doc_id) if h.action == "excerpt.reanchor"]


def test_reimport_command_re_anchors_an_edited_page(seeded_workspace, workspace_path, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`sourcetrace reimport DOC PATH`: the edited page replaces the document, excerpts follow their
    quotes, the one whose sentence was cut is orphaned, and the claim says so."""
    import json

    from app.cli.main import main

    ws = seeded_workspace
    doc = next(d for d in ws.documents.list() if d.filename.startswith("004"))
    text = ws.documents.get(doc.id).text
    kept, cut = "both sides were trading oil for fertiliser", "Qasim alleges that when Tadmur and Palmyra first fell"
    claim = ws.claims.create("Assad and ISIS traded oil for fertiliser")
    for phrase in (kept, cut):
        i = text.index(phrase)
        ws.claims.accept(claim.id, (doc.id, i, i + len(phrase)))
    ws.close()
    start = text.index(cut)
    end = text.index(".", start) + 1
    edited = tmp_path / "edited-page.txt"
    edited.write_text("UPDATE: this article was corrected.\n\n" + text[:start] + text[end:], encoding="utf-8")
    assert main(["--db", str(workspace_path), "reimport", str(doc.id), str(edited), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "imported" and out["id"] == doc.id and out["filename"] == "edited-page.txt"
    assert len(out["excerpts"]["moved"]) == 1 and len(out["excerpts"]["orphaned"]) == 1
    assert main(["--db", str(workspace_path), "claim", "show", str(claim.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    by_orphan = {a["text"][:20]: a.get("orphaned") for a in shown["appearances"]}
    assert by_orphan == {kept[:20]: False, cut[:20]: True}
    assert main(["--db", str(workspace_path), "reimport", str(doc.id), str(tmp_path / "missing.txt")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_reimport_path_reads_with_the_import_checks(workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc_id = _import(workspace, "The first version of the page. It says one thing.")
    before = workspace.documents.get(doc_id).text
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = workspace.documents.reimport_path(doc_id, empty)
    assert (out.status, out.error, out.id) == ("failed", "the file is empty", doc_id)
    assert workspace.documents.get(doc_id).text == before
