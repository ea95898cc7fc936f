"""The semantic stage: the packaged model, the vector cache, hybrid search on the seed articles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.matching.semantic.model import availability
from app.matching.service import DEFAULT_THRESHOLD
from app.workspace import Workspace
from tests.app.matching.seed_queries import ALIASES, MISTURA

needs_model = pytest.mark.skipif(not availability().on, reason="the semantic extra is not installed")

ROMAN = "hoping they would destroy its Roman ruins bolstering the image he wanted in the international community"
WARNED = "Assad had been warned by his own officials of the danger weeks before"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, int]]]:
    from tests.conftest import corpus_path

    seeds = corpus_path("seeds")
    if not seeds.is_dir():
        pytest.skip("seed corpus absent")
    if not availability().on:
        pytest.skip("the semantic extra is not installed")
    root = tmp_path_factory.mktemp("sem")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
    ws = Workspace.open(root / "w.sourcetrace", user="tester")
    ws.documents.import_paths([seeds], workers=1)
    for g in ALIASES:
        ws.matcher.add_aliases(g)
    assert ws.semantic.update() > 500
    ids = {d.filename[:3]: d.id for d in ws.documents.list()}
    yield ws, ids
    ws.close()
    mp.undo()


def test_off_switch_and_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCETRACE_SEMANTIC", "off")
    av = availability()
    assert not av.on and "SOURCETRACE_SEMANTIC" in av.reason


def test_lexical_search_works_with_the_stage_off(seeded_workspace: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCETRACE_SEMANTIC", "off")
    ws = seeded_workspace
    assert ws.semantic.update() == 0
    st = ws.semantic.status()
    assert st["on"] is False and st["embedded"] == 0 and st["pending"] == st["sentences"] > 0
    res = ws.matcher.search("both sides were trading oil for fertiliser", limit=3)
    assert res and all(r.explanation["stage"] == "lexical" and r.explanation["cosine"] is None for r in res)
    assert ws.matcher.search("anything", by="meaning") == []


@needs_model
def test_model_vectors_are_unit_length_and_semantic() -> None:
    from app.matching.semantic.model import DIM, get_embedder

    v = get_embedder().embed(["The minister resigned yesterday.", "Yesterday the minister stepped down.",
                              "Bananas are rich in potassium.", ""])
    assert v.shape == (4, DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-4)
    assert float(v[0] @ v[1]) > 0.7 > float(v[0] @ v[2])
    assert not v[3].any() or np.isclose(np.linalg.norm(v[3]), 1.0, atol=1e-4)


def test_vectors_are_cached_and_follow_the_database(embedded: tuple[Workspace, dict[str, int]]) -> None:
    ws, ids = embedded
    sem = ws.semantic
    st = sem.status()
    assert st["on"] and st["pending"] == 0 and st["embedded"] == st["sentences"]
    # a second service (a reopened workspace) loads the cache instead of recomputing
    from app.matching.semantic.service import SemanticService

    again = SemanticService(ws, root=sem.path.parent)
    assert len(again.index()) == st["embedded"] and again.pending() == []
    assert again.update() == 0
    # deleting a document drops its vectors at the next update; nothing else is recomputed
    n003 = len([1 for s in sem.index().sentence_ids()])
    ws.documents.delete(ids["003"])
    assert sem.update() == 0
    assert len(sem.index()) < n003
    assert all(d != ids["003"] for _, d, _ in sem.search("Aleppo ceasefire", k=50))


def test_cancel_keeps_the_work_done(seeded_workspace: Any) -> None:
    if not availability().on:
        pytest.skip("the semantic extra is not installed")
    ws = seeded_workspace
    calls: list[tuple[int, int]] = []

    class StopAfterFirst:
        def is_set(self) -> bool:
            return len(calls) >= 2

    n = ws.semantic.update(progress=lambda d, t: calls.append((d, t)), cancel=StopAfterFirst(), batch=64)
    assert n == 64 and calls[-1][0] == 64
    assert len(ws.semantic.pending()) == calls[0][1] - 64
    assert ws.semantic.update() == calls[0][1] - 64


def test_paraphrase_found_by_meaning_in_top5(embedded: tuple[Workspace, dict[str, int]]) -> None:
    ws, ids = embedded
    res = ws.matcher.search(ROMAN, limit=5, min_score=0, by="meaning", exclude_documents=[ids["004"]])
    assert any("destruction of ancient monuments" in r.text and r.document_id == ids["000"] for r in res), \
        [r.text[:60] for r in res]
    assert all(r.explanation["cosine"] is not None for r in res)
    assert [r.explanation["cosine"] for r in res] == sorted((r.explanation["cosine"] for r in res), reverse=True)


def test_hybrid_explains_its_stages(embedded: tuple[Workspace, dict[str, int]]) -> None:
    ws, ids = embedded
    res = ws.matcher.search("IS and Syria traded oil for fertiliser", limit=5)
    assert res and res[0].explanation["stage"] in ("both", "lexical")
    assert {"stage", "cosine", "lexical_score"} <= set(res[0].explanation)
    assert res[0].to_json()["stage"] == res[0].explanation["stage"]
    assert res[0].score >= res[0].explanation["lexical_score"]
    # a passage with no shared word can still come from the semantic stage alone
    res = ws.matcher.search(WARNED, limit=50, min_score=0, exclude_documents=[ids["004"]])
    assert any(r.explanation["stage"] == "semantic" for r in res)


def test_a_clause_does_not_inherit_its_sentences_meaning(embedded: tuple[Workspace, dict[str, int]]) -> None:
    """The blog lists two leaked-file items in one sentence; the second clause ("Arrangements to
    evacuate some areas...") shares the sentence's vector but not the oil-for-fertiliser claim."""
    ws, _ = embedded
    res = ws.matcher.search("A deal between IS and Syria to trade oil for fertiliser", limit=50, min_score=0)
    evac = [r for r in res if r.unit == "clause" and r.text.startswith("Arrangements to evacuate")]
    assert evac and all(r.score < 60 and r.score <= r.explanation["lexical_score"] + 0.1 for r in evac), \
        [(r.score, r.explanation) for r in evac]
    deal = [r for r in res if r.text.startswith("A deal between IS and Syria")]
    assert deal and deal[0].score >= 99


@pytest.mark.parametrize("query", MISTURA)
def test_de_mistura_stays_below_threshold_with_semantic_on(embedded: tuple[Workspace, dict[str, int]],
                                                           query: str) -> None:
    ws, ids = embedded
    palmyra = {ids["000"], ids["001"], ids["004"]}
    res = ws.matcher.search(query, limit=50, min_score=0)
    assert res and res[0].document_id == ids["002"]
    assert all(r.score < DEFAULT_THRESHOLD for r in res if r.document_id in palmyra)


def test_compare_is_hybrid(embedded: tuple[Workspace, dict[str, int]]) -> None:
    ws, _ = embedded
    same, ex = ws.matcher.compare("The minister resigned yesterday", "Yesterday the minister stepped down")
    other, _ = ws.matcher.compare("The minister resigned yesterday", "Bananas are rich in potassium")
    assert ex["stage"] == "both" and ex["cosine"] > 0.7
    assert same > ex["lexical_score"] and same >= DEFAULT_THRESHOLD > other
    verbatim, _ = ws.matcher.compare("Daesh sold oil", "IS sold oil")
    close, _ = ws.matcher.compare("Daesh sold oil", "it is sold oil")
    assert verbatim > close


def test_cli_embed_and_match_by_meaning(embedded: tuple[Workspace, dict[str, int]],
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli.main import main

    ws, _ids = embedded
    monkeypatch.setenv("XDG_CACHE_HOME", str(ws.semantic.path.parent.parent))
    db = str(ws.path)
    assert main(["--db", db, "embed", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["on"] and st["pending"] == 0 and st["embedded_now"] == 0 and Path(st["location"]).is_dir()
    assert main(["--db", db, "match", ROMAN, "--by", "meaning", "--min-score", "0", "--limit", "8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any("ancient monuments" in r["text"] for r in out)
    assert all(r["stage"] in ("lexical", "semantic", "both") for r in out)


@needs_model
def test_repetition_finder_groups_paraphrases_across_documents(workspace: Any) -> None:
    ws = workspace
    a = ws.documents.import_bytes(b"Health desk.\n\nDoctors warn that the new virus spreads faster among "
                                  b"children than among adults.\n", "a.txt").id
    b = ws.documents.import_bytes(b"Morning briefing.\n\nAccording to physicians, the novel virus is transmitted "
                                  b"more quickly in kids than in grown-ups.\n", "b.txt").id
    ws.documents.import_bytes(b"Sport.\n\nThe national football team won the regional cup on Tuesday after "
                              b"a penalty shoot-out in the capital.\n", "c.txt")
    assert ws.matcher.clusters(semantic=False) == []
    assert ws.matcher.clusters() == []  # nothing embedded yet: lexical groups only
    ws.semantic.update()
    groups = ws.matcher.clusters()
    assert len(groups) == 1 and groups[0].documents == 2
    assert {m.document_id for m in groups[0].members} == {a, b}
    assert 80 <= groups[0].score <= 100
    assert all("virus" in m.text for m in groups[0].members)


@needs_model
def test_semantic_stage_on_postgresql(pg_url: str) -> None:
    ws = Workspace.open(pg_url, user="tester")
    try:
        a = ws.documents.import_bytes(b"Health desk.\n\nDoctors warn that the new virus spreads faster among "
                                      b"children than among adults.\n", "a.txt").id
        ws.documents.import_bytes(b"Sport.\n\nThe national football team won the regional cup on Tuesday.\n",
                                  "b.txt")
        assert ws.semantic.update() >= 4 and ws.semantic.status()["pending"] == 0
        res = ws.matcher.search("Physicians say kids catch the novel virus more quickly than grown-ups",
                                by="meaning", min_score=0, limit=3)
        assert res and res[0].document_id == a and "virus" in res[0].text
        ws.documents.delete(a)
        assert ws.semantic.update() == 0
        assert all(d != a for _, d, _ in ws.semantic.search("virus in children", k=10))
    finally:
        ws.close()


def test_missing_extra_is_reported_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from app.matching.semantic import model

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    av = model.availability()
    assert not av.on and "onnxruntime is not installed" in av.reason and "sourcetrace[semantic]" in av.reason
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == model.MODEL_PACKAGE else real(name, *a))
    av = model.availability()
    assert not av.on and "model package is not installed" in av.reason


@needs_model
def test_damaged_model_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app.matching.semantic import model

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"\0" * model.MODEL_SIZE)
    monkeypatch.setattr(model, "_model_file", lambda: fake)
    av = model.availability()
    assert not av.on and "does not match its SHA-256" in av.reason
