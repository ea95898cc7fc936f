"""Claims: creation from a passage, candidates from the real matcher, accept/reject, verdicts,
optimistic concurrency and the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import audit
from app.claims import RATINGS, overlaps, parse_span
from app.cli.main import main
from app.workspace import Workspace
from db.errors import ConflictError

CLAIM_1 = "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum"
CLAIM_2 = "A deal between IS and Syria to trade oil for fertiliser"
ALIASES = (["Daesh", "ISIS", "IS", "ISIL", "Islamic State"], ["Tadmur", "Palmyra"])


@pytest.fixture
def workspace_path(any_workspace_target: str) -> str:
    """Every test of this module runs on SQLite and on a real PostgreSQL server."""
    return any_workspace_target


def doc_id(ws, prefix: str) -> int:
    return next(d.id for d in ws.documents.list() if d.filename.startswith(prefix))


def span_of(ws, prefix: str, phrase: str) -> tuple[int, int, int]:
    d = doc_id(ws, prefix)
    text = ws.documents.get(d).text
    i = text.index(phrase)
    return d, i, i + len(phrase)


@pytest.fixture
def palmyra(seeded_workspace):
    for group in ALIASES:
        seeded_workspace.matcher.add_aliases(group)
    return seeded_workspace


def actions(ws, claim_id: int) -> list[str]:
    with ws.db.reading() as s:
        return [h.action for h in audit.history(s, claim_id=claim_id)]


# ---------------------------------------------------------------- no matcher needed
def test_parse_span_and_overlap() -> None:
    assert parse_span("3:10:20") == (3, 10, 20)
    assert parse_span((3, 10, 20)) == (3, 10, 20)
    with pytest.raises(ValueError):
        parse_span("3:20:10")
    with pytest.raises(ValueError):
        parse_span("nonsense")
    assert overlaps((0, 100), (10, 40))  # a clause inside a sentence
    assert not overlaps((0, 100), (95, 140))  # neighbours touching
    assert not overlaps((0, 10), (10, 20))


def test_create_from_a_passage_is_verbatim_and_audited(seeded_workspace) -> None:
    ws = seeded_workspace
    src = span_of(ws, "000", CLAIM_1)
    d = ws.claims.create(CLAIM_1, source=src, notes="from the interview", tags=["Palmyra", " Palmyra ", "x"])
    assert (d.text, d.status, d.verdict, d.tags) == (CLAIM_1, "open", None, ["Palmyra", "x"])
    [a] = d.appearances
    assert (a.document_id, a.start, a.end, a.text) == (*src, CLAIM_1)
    assert (a.relation, a.relation_source, a.score, a.state) == ("verbatim", "auto", 100.0, "accepted")
    assert a.published == "2016-02-14" and a.filename.startswith("000")
    assert [x["name"] for x in a.attributed_to] == ["Mohamed Qassim"]
    assert actions(ws, d.id) == ["claim.create", "excerpt.create", "appearance.accept"]
    [s] = ws.claims.list()
    assert (s.id, s.appearances, s.documents, s.version) == (d.id, 1, 1, d.version)
    with pytest.raises(ValueError):
        ws.claims.create("   ")
    with pytest.raises(KeyError):
        ws.claims.get(999)


def test_verdicts_and_statuses(seeded_workspace) -> None:
    ws = seeded_workspace
    c = ws.claims.create("Palmyra was handed over twice")
    d = ws.claims.set_verdict(c.id, "Mostly-True", "two sources")
    assert (d.verdict, d.verdict_note) == ("mostly true", "two sources")
    with pytest.raises(ValueError, match=r"unknown rating 'pants on fire'.*unproven"):
        ws.claims.set_verdict(c.id, "pants on fire")
    for r in RATINGS:
        assert ws.claims.set_verdict(c.id, r).verdict == r
    assert ws.claims.set_verdict(c.id, None).verdict is None
    assert ws.claims.update(c.id, status="In review").status == "in review"
    with pytest.raises(ValueError, match="unknown status"):
        ws.claims.update(c.id, status="archived")
    with ws.db.reading() as s:
        verdicts = [h for h in audit.history(s, claim_id=c.id) if h.action == "claim.verdict"]
    assert verdicts[0].before["verdict"] is None and verdicts[0].after["verdict"] == "mostly true"
    assert all(h.user == "tester" and h.at for h in verdicts)


def test_stale_edit_raises_conflict_with_both_versions(seeded_workspace, workspace_path: Path) -> None:
    ws = seeded_workspace
    c = ws.claims.create("Assad let ISIS take Palmyra", notes="first")
    other = Workspace.open(workspace_path, user="colleague")
    try:
        other.claims.update(c.id, expected_version=c.version, text="Assad let ISIS take Palmyra in 2015")
    finally:
        other.close()
    with pytest.raises(ConflictError) as err:
        ws.claims.update(c.id, expected_version=c.version, notes="mine")
    e = err.value
    assert (e.entity, e.entity_id) == ("claim", c.id)
    assert e.mine == {"notes": "mine", "version": c.version}
    assert e.theirs["text"] == "Assad let ISIS take Palmyra in 2015" and e.theirs["updated_by"] == "colleague"
    assert e.theirs["version"] == c.version + 1
    with pytest.raises(ConflictError):
        ws.claims.set_verdict(c.id, "false", expected_version=c.version)
    fresh = ws.claims.get(c.id)
    assert fresh.notes == "first"  # nothing was overwritten
    assert ws.claims.update(c.id, expected_version=fresh.version, notes="mine").notes == "mine"


def test_edit_delete_and_origins_are_audited(seeded_workspace) -> None:
    ws = seeded_workspace
    c = ws.claims.create(CLAIM_2, source=span_of(ws, "001", CLAIM_2))
    ws.claims.update(c.id, text=CLAIM_2 + ".", tags=["oil"])
    o = ws.claims.add_origin(c.id, "Sky News", date="2016-05-03", evidence="obtained by Sky News")
    assert (o.kind, o.date_precision) == ("outlet", "day")
    linked = ws.claims.link_origin(o.id, doc_id(ws, "004"))
    assert linked.document_id == doc_id(ws, "004")
    app = ws.claims.get(c.id).appearances[0]
    ws.claims.set_relation(app.id, "paraphrase")
    edited = ws.claims.set_attribution(app.id, [{"name": "Sky News", "evidence": "obtained by Sky News"}])
    assert edited.relation == "paraphrase" and edited.relation_source == "user"
    assert edited.attributed_to[0]["kind"] == "outlet"
    with pytest.raises(ValueError):
        ws.claims.set_relation(app.id, "rumour")
    ws.claims.delete(c.id)
    assert ws.claims.list() == []
    with ws.db.reading() as s:
        hist = audit.history(s, claim_id=c.id)
    assert [h.action for h in hist] == [
        "claim.create", "excerpt.create", "appearance.accept", "claim.edit", "origin.add", "origin.link",
        "appearance.edit", "appearance.edit", "claim.delete",
    ]
    edit = hist[3]
    assert edit.before == {"text": CLAIM_2, "tags": [], "version": 1}
    assert edit.after["text"] == CLAIM_2 + "." and edit.after["version"] == 2
    assert hist[-1].before["text"] == CLAIM_2 + "." and len(hist[-1].before["appearances"]) == 1
    assert all(h.user == "tester" and h.at is not None for h in hist)


# ---------------------------------------------------------------- with the real matcher
def test_candidates_accept_reject_and_undo(palmyra) -> None:
    ws = palmyra
    c = ws.claims.create(CLAIM_1, source=span_of(ws, "000", CLAIM_1))
    summary = doc_id(ws, "004")
    later = span_of(ws, "004", "Assad withdrew his forces to let ISIS take Palmyra")
    cands = ws.claims.candidates(c.id)
    assert cands and cands == sorted(cands, key=lambda x: -x.score)
    assert not any(x.document_id == c.appearances[0].document_id and overlaps(
        (x.start, x.end), (c.appearances[0].start, c.appearances[0].end)) for x in cands), "source proposed again"
    hit = next(x for x in cands if x.document_id == summary and overlaps((x.start, x.end), later[1:]))
    assert hit.key == f"{hit.document_id}:{hit.start}:{hit.end}" and hit.explanation

    app = ws.claims.accept(c.id, hit.key)
    assert app.state == "accepted" and app.relation in ("paraphrase", "mention-with-citation")
    assert [x["name"] for x in app.attributed_to] == ["Sky News"]
    assert ws.claims.accept(c.id, hit.key).id == app.id  # idempotent
    assert not any(x.key == hit.key for x in ws.claims.candidates(c.id))
    ws.claims.remove_appearance(app.id)  # undo of accept
    assert any(x.key == hit.key for x in ws.claims.candidates(c.id))

    ws.claims.reject(c.id, hit.key)
    again = ws.claims.candidates(c.id, limit=50, min_score=0)
    assert not any(x.document_id == summary and overlaps((x.start, x.end), (hit.start, hit.end)) for x in again), \
        "a rejected candidate (or a variant of the same sentence) came back"
    detail = ws.claims.get(c.id)
    assert [r.key for r in detail.rejected] == [hit.key] and len(detail.appearances) == 1
    assert ws.claims.unreject(c.id, hit.key) == 1
    assert any(x.key == hit.key for x in ws.claims.candidates(c.id))
    acts = actions(ws, c.id)
    assert acts[acts.index("appearance.remove") - 2:] == [
        "excerpt.create", "appearance.accept", "appearance.remove",
        "excerpt.create", "appearance.reject", "appearance.unreject",
    ]


def test_rejected_stays_rejected_after_reopening(palmyra, workspace_path: Path) -> None:
    ws = palmyra
    c = ws.claims.create(CLAIM_2, source=span_of(ws, "001", CLAIM_2))
    rejected = [x.key for x in ws.claims.candidates(c.id, limit=3)]
    assert rejected
    for key in rejected:
        ws.claims.reject(c.id, key)
    reopened = Workspace.open(workspace_path, user="someone else")
    try:
        keys = {x.key for x in reopened.claims.candidates(c.id, limit=100, min_score=0)}
    finally:
        reopened.close()
    assert not keys & set(rejected)


def test_oil_for_fertiliser_candidates(palmyra) -> None:
    ws = palmyra
    c = ws.claims.create(CLAIM_2, source=span_of(ws, "001", CLAIM_2))
    summary = span_of(ws, "004", "both sides were trading oil for fertiliser")
    cands = ws.claims.candidates(c.id)
    hit = next(x for x in cands if x.document_id == summary[0] and overlaps((x.start, x.end), summary[1:]))
    app = ws.claims.accept(c.id, hit.key)
    assert [x["name"] for x in app.attributed_to] == ["Sky News"]


# ---------------------------------------------------------------- CLI contract
def test_claim_cli(palmyra, workspace_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from app.cli.main import main

    src = span_of(palmyra, "000", CLAIM_1)
    palmyra.close()
    db = ["--db", str(workspace_path)]

    def run(*argv: str) -> object:
        assert main([*db, *argv]) == 0
        return json.loads(capsys.readouterr().out)

    added = run("claim", "add", CLAIM_1, "--from", "{}:{}:{}".format(*src), "--json")
    cid = added["id"]
    assert isinstance(cid, int) and added["text"] == CLAIM_1
    [row] = run("claim", "list", "--json")
    assert {k: row[k] for k in ("id", "text", "status", "verdict", "appearances")} == {
        "id": cid, "text": CLAIM_1, "status": "open", "verdict": None, "appearances": 1}
    cands = run("claim", "candidates", str(cid), "--json")
    assert cands and set(cands[0]) >= {"key", "document_id", "filename", "start", "end", "text", "score",
                                       "explanation", "relation"}
    first, second = cands[0]["key"], cands[1]["key"]
    assert main([*db, "claim", "accept", str(cid), first]) == 0
    assert "accepted" in capsys.readouterr().out
    assert main([*db, "claim", "reject", str(cid), second]) == 0
    capsys.readouterr()
    assert main([*db, "claim", "verdict", str(cid), "unproven", "--note", "single source"]) == 0
    capsys.readouterr()
    assert main([*db, "claim", "edit", str(cid), "--status", "in review", "--notes", "n"]) == 0
    capsys.readouterr()
    shown = run("claim", "show", str(cid), "--json")
    assert first in [a["key"] for a in shown["appearances"]]
    assert [a["key"] for a in shown["rejected"]] == [second]
    assert (shown["verdict"], shown["verdict_note"], shown["status"]) == ("unproven", "single source", "in review")
    assert second not in {c["key"] for c in run("claim", "candidates", str(cid), "--json")}
    assert main([*db, "claim", "verdict", str(cid), "bogus"]) == 2
    assert "unknown rating" in capsys.readouterr().err
    assert main([*db, "claim", "accept", str(cid), "not-a-key"]) == 2
    capsys.readouterr()
    assert main([*db, "claim", "edit", str(cid), "--notes", "x", "--expected-version", "1"]) == 2
    assert "changed" in capsys.readouterr().err


def test_link_origin_cli_links_and_unlinks(workspace, workspace_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = workspace.documents.import_bytes(b"Valley Radio bulletin\n\nThe dam was opened at night.\n", "valley.txt")
    claim = workspace.claims.create("The dam was opened at night")
    origin = workspace.claims.add_origin(claim.id, "Valley Radio", kind="outlet")
    workspace.close()
    db = ["--db", str(workspace_path)]
    assert main([*db, "claim", "link-origin", str(origin.id), str(out.id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["document_id"] == out.id
    assert main([*db, "claim", "link-origin", str(origin.id), "none"]) == 0
    assert "no longer linked" in capsys.readouterr().out
    assert main([*db, "history", "--claim", str(claim.id), "--json"]) == 0
    links = [h for h in json.loads(capsys.readouterr().out) if h["action"] == "origin.link"]
    assert [h["after"]["document_id"] for h in links] == [None, out.id] or \
        [h["after"]["document_id"] for h in links] == [out.id, None]
    with pytest.raises(SystemExit):
        main([*db, "claim", "link-origin", str(origin.id), "nowhere"])
