"""MatchService on a real workspace: search, clauses, aliases, incremental updates, caches."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from app.matching.service import DEFAULT_THRESHOLD, MatchService
from app.workspace import Workspace

DOC_A = (
    "Leaked files reveal collusion.\n\n"
    "A deal between IS and Syria to trade oil for fertiliser was signed in 2015.\n\n"
    "The weather in Damascus was mild that week.\n"
)
DOC_B = (
    "A later summary.\n\n"
    "While this to-ing and fro-ing was going on, both sides were trading oil for fertiliser.\n\n"
    "Its former attorney general Mohammed Qasim witnessed the close ties.\n"
)
DOC_C = "Unrelated.\n\nThe football season opened with a draw in Manchester on Saturday.\n"


def _import(ws: Workspace, text: str, name: str) -> int:
    out = ws.documents.import_bytes(text.encode(), name)
    assert out.status == "imported", out
    assert out.id is not None
    return out.id


@pytest.fixture
def ws3(workspace: Workspace) -> tuple[Workspace, int, int, int]:
    return workspace, _import(workspace, DOC_A, "a.txt"), _import(workspace, DOC_B, "b.txt"), \
        _import(workspace, DOC_C, "c.txt")


def test_result_spans_and_clause_match(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, a, b, _ = ws3
    ws.matcher.add_aliases(["Daesh", "ISIS", "IS", "Islamic State"])
    results = ws.matcher.search("IS and Syria traded oil for fertiliser", exclude_documents=[a])
    assert results, "the clause in B must be found"
    top = results[0]
    text_b = ws.documents.get(b).text
    assert top.document_id == b and top.unit == "clause"
    assert top.text == text_b[top.start:top.end] == "both sides were trading oil for fertiliser."
    assert top.score >= DEFAULT_THRESHOLD
    assert top.sentence_id > 0
    ex = top.explanation
    assert {"matched_terms", "alignment", "components", "unit"} <= set(ex)
    assert {"oil", "fertiliser"} <= set(ex["matched_terms"])
    assert all(step["op"] in ("equal", "similar", "replace", "insert", "delete") for step in ex["alignment"])
    assert top.to_json()["explanation"] is ex


def test_verbatim_scores_near_100(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, a, _, _ = ws3
    r = ws.matcher.search("A deal between IS and Syria to trade oil for fertiliser was signed in 2015.")[0]
    assert r.document_id == a and r.score >= 95


def test_threshold_and_min_score(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, _, _, _c = ws3
    q = "The football season opened"
    assert all(r.score >= DEFAULT_THRESHOLD for r in ws.matcher.search(q))
    low = ws.matcher.search("Manchester weather in Damascus", min_score=0, limit=50)
    assert low and min(r.score for r in low) < DEFAULT_THRESHOLD
    assert ws.matcher.search("nothing matches xyzzy") == []
    one = ws.matcher.search("oil fertiliser", min_score=0, per_document=1, limit=10)
    assert len({r.document_id for r in one}) == len(one)


def test_transliteration_without_alias(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, _, b, _ = ws3
    r = ws.matcher.search("Mohamed Qassim, former attorney general")[0]
    assert r.document_id == b and "Qasim" in r.text
    assert any(s["text"] == "qasim" for s in r.explanation["similar_terms"])


def test_alias_case_sensitive_is(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, a, _, _ = ws3
    ws.matcher.add_aliases(["Daesh", "ISIS", "IS", "Islamic State"])
    r = ws.matcher.search("Islamic State and Syria oil deal")[0]
    assert r.document_id == a
    score, _ex = ws.matcher.compare("Daesh sold oil", "IS sold oil")
    assert score >= 95
    score2, _ = ws.matcher.compare("Daesh sold oil", "it is sold oil")
    assert score2 < score


def test_aliases_merge_and_remove(workspace: Workspace) -> None:
    m = workspace.matcher
    g = m.add_aliases(["Daesh", "ISIS"])
    g2 = m.add_aliases(["isis", "IS", "Islamic State"])
    assert g2.id == g.id and g2.terms == ["Daesh", "ISIS", "IS", "Islamic State"]
    g3 = m.add_aliases(["Tadmur", "Palmyra"])
    merged = m.add_aliases(["Palmyra", "Daesh"])  # joins both groups
    assert merged.id == g.id and set(merged.terms) >= {"Tadmur", "Palmyra", "IS"}
    assert [x.id for x in m.aliases()] == [g.id]
    m.remove_alias_group(g.id)
    assert m.aliases() == []
    with pytest.raises(KeyError):
        m.remove_alias_group(g3.id)
    with workspace.db.reading() as s:
        from app.audit import history
        actions = [h.action for h in history(s)]
    assert actions.count("alias.add") == 4 and actions.count("alias.remove") == 1


def test_alias_change_updates_index(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, a, _, _ = ws3
    before = ws.matcher.search("Daesh traded oil", min_score=0)
    assert not any(r.document_id == a and "IS" in r.text.split() for r in before[:1])
    ws.matcher.add_aliases(["Daesh", "IS"])
    after = ws.matcher.search("Daesh and Syria to trade oil for fertiliser")
    assert after[0].document_id == a and after[0].score >= 80


def test_incremental_import_and_delete(workspace: Workspace) -> None:
    m = workspace.matcher
    a = _import(workspace, DOC_A, "a.txt")
    assert m.search("trade oil for fertiliser")[0].document_id == a
    rows_before = m.stats()["rows"]
    b = _import(workspace, DOC_B, "b.txt")
    found = {r.document_id for r in m.search("trading oil for fertiliser")}
    assert b in found
    assert m.stats()["rows"] > rows_before  # added, not rebuilt: old rows are still there
    workspace.documents.delete(b)
    assert b not in {r.document_id for r in m.search("trading oil for fertiliser", min_score=0)}
    assert m.stats()["documents"] == 1


def test_rebuild_equals_incremental(ws3: tuple[Workspace, int, int, int]) -> None:
    ws, _, b, _ = ws3
    ws.documents.delete(b)
    _import(ws, DOC_B.replace("later", "much later"), "b2.txt")
    queries = ["trading oil for fertiliser", "Qassim attorney general", "football in Manchester"]
    inc = [[(r.document_id, r.start, r.end, r.score) for r in ws.matcher.search(q, min_score=0)] for q in queries]
    ws.matcher.rebuild()
    reb = [[(r.document_id, r.start, r.end, r.score) for r in ws.matcher.search(q, min_score=0)] for q in queries]
    assert inc == reb


def test_cache_is_reused_and_invalidated(ws3: tuple[Workspace, int, int, int], workspace_path: Path) -> None:
    ws, _a, _, _ = ws3
    m = ws.matcher
    expected = [(r.document_id, r.start) for r in m.search("oil for fertiliser")]
    loc = Path(m.stats()["location"])
    assert loc.is_dir() and loc.name == f"index-{ws.workspace_id}"

    # a second service (another process) loads the cache and catches up through the change feed
    d = _import(ws, DOC_C.replace("draw", "win"), "d.txt")
    fresh = MatchService(ws)
    assert [(r.document_id, r.start) for r in fresh.search("oil for fertiliser")] == expected
    assert d in {r.document_id for r in fresh.search("season opened with a win", min_score=0)}

    # a corrupt cache is rebuilt from the database
    for f in loc.iterdir():
        f.write_bytes(b"garbage")
    again = MatchService(ws)
    assert [(r.document_id, r.start) for r in again.search("oil for fertiliser")] == expected

    # a cache of another workspace is not used
    other = Workspace.open(workspace_path.with_name("other.sourcetrace"), user="tester")
    try:
        assert other.workspace_id != ws.workspace_id
        assert other.matcher.search("oil for fertiliser") == []
    finally:
        other.close()

    # a cache claiming changes the database never saw (restored backup) is rebuilt
    idx = MatchService(ws).store.load()
    assert idx is not None
    idx.meta["last_audit_id"] = 10**9
    idx.save(loc)
    assert [(r.document_id, r.start) for r in MatchService(ws).search("oil for fertiliser")] == expected


def test_concurrent_search_during_import(workspace: Workspace) -> None:
    m = workspace.matcher
    _import(workspace, DOC_A, "a.txt")
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                for r in m.search("trade oil for fertiliser", min_score=0):
                    assert r.text
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(8):
        _import(workspace, DOC_B + f"\nNote {i}: oil and fertiliser again.\n", f"b{i}.txt")
        m.sync()
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors
    assert m.stats()["documents"] == 9


def test_units_snapshot_and_on_change(workspace: Workspace) -> None:
    m = workspace.matcher
    a = _import(workspace, DOC_A, "a.txt")
    snap = m.units_snapshot()
    assert snap and all(d == a for _, d, _ in snap)
    seen: list[tuple[int, list[int]]] = []
    m.on_change.append(lambda added, removed: seen.append((len(added), removed)))
    b = _import(workspace, DOC_B, "b.txt")
    m.sync()
    workspace.documents.delete(b)
    m.sync()
    assert seen[0][0] > 0 and seen[-1] == (0, [b])


def test_compare_and_stats(workspace: Workspace) -> None:
    score, ex = workspace.matcher.compare("Assad withdrew forces from Palmyra", "Assad withdrew his forces from Palmyra")
    assert score >= 90 and ex["alignment"]
    low, _ = workspace.matcher.compare("Assad withdrew forces from Palmyra", "football season opened")
    assert low < DEFAULT_THRESHOLD
    st = workspace.matcher.stats()
    assert {"units", "documents", "terms", "size_bytes"} <= set(st)


def test_readonly_workspace_can_search(ws3: tuple[Workspace, int, int, int], workspace_path: Path) -> None:
    ws, a, _, _ = ws3
    ws.matcher.search("oil")
    ro = Workspace.open(workspace_path, readonly=True)
    try:
        assert ro.matcher.search("a deal between Syria and IS")[0].document_id == a
    finally:
        ro.close()
    assert os.path.exists(workspace_path)


def test_clusters_follow_imports_and_deletes(workspace: Workspace) -> None:
    shared = "Sky News obtained documents proving that Assad withdrew his forces to let ISIS take Palmyra in 2015."
    a = _import(workspace, f"First report.\n\n{shared}\n\nThe weather was mild.\n", "a.txt")
    b = _import(workspace, f"Second report.\n\n{shared}\n\nFootball results follow.\n", "b.txt")
    groups = workspace.matcher.clusters()
    assert len(groups) == 1 and {m.document_id for m in groups[0].members} == {a, b}
    assert all(m.text == shared for m in groups[0].members)
    c = _import(workspace, f"Third.\n\n{shared}\n", "c.txt")  # kept up to date without a rebuild
    assert {m.document_id for m in workspace.matcher.clusters()[0].members} == {a, b, c}
    workspace.documents.delete(a)
    workspace.documents.delete(b)
    assert workspace.matcher.clusters() == []


def test_alias_change_reindexes_only_affected_documents(seeded_workspace: Any) -> None:
    """An alias change re-indexes the documents holding its terms, and the result is the
    same as a full rebuild."""
    ws = seeded_workspace
    ws.matcher.search("warm up the index")
    reindexed: list[list[int]] = []
    real = ws.matcher._apply

    def spy(doc_ids: list[int]) -> None:
        reindexed.append(list(doc_ids))
        real(doc_ids)

    ws.matcher._apply = spy  # type: ignore[method-assign]
    built: list[int] = []
    real_build = ws.matcher._build
    ws.matcher._build = lambda norm: (built.append(1), real_build(norm))  # type: ignore[method-assign]
    ws.matcher.add_aliases(["Tadmur", "Palmyra"])
    queries = ["Assad handed Palmyra to ISIS", "the ancient monuments of Tadmur", "oil for fertiliser"]
    incremental = [[(r.document_id, r.start, r.end, round(r.explanation["lexical_score"], 3))
                    for r in ws.matcher.search(q, limit=10, min_score=0, by="words")] for q in queries]
    assert not built and reindexed
    docs_with_terms = {d.id for d in ws.documents.list()
                       if any(t in ws.documents.get(d.id).text.lower() for t in ("tadmur", "palmyra"))}
    assert set(reindexed[-1]) == docs_with_terms
    ws.matcher.rebuild()
    rebuilt = [[(r.document_id, r.start, r.end, round(r.explanation["lexical_score"], 3))
                for r in ws.matcher.search(q, limit=10, min_score=0, by="words")] for q in queries]
    assert incremental == rebuilt
