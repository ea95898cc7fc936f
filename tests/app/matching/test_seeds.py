"""Acceptance on the seed articles (skipped when ../shared/corpus is absent)."""

from __future__ import annotations

from typing import Any

import pytest

from app.matching.service import DEFAULT_THRESHOLD
from tests.app.matching.seed_queries import ALIASES, MISTURA

pytestmark = pytest.mark.corpus


# (claim, the seed it comes from, [(a seed holding a counterpart, words of the counterpart)])
ACCEPTANCE = [
    ("A deal between IS and Syria to trade oil for fertiliser", "001",
     [("004", "both sides were trading oil for fertiliser"), ("001", "trading oil and fertilisers")]),
    ("Palmyra was handed back to government forces by Islamic State as part of a series of cooperation "
     "agreements", "001", [("004", "Tadmur and Palmyra had indeed been handed over")]),
    ("Mohamed Qassim, who formerly served as attorney-general in Syria's central city of Tadmur", "000",
     [("004", "its former attorney general Mohamed Qassim")]),
]
ASSAD = "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum"


@pytest.fixture
def seeds(seeded_workspace: Any) -> tuple[Any, dict[str, int]]:
    ws = seeded_workspace
    for group in ALIASES:
        ws.matcher.add_aliases(group)
    ids = {d.filename[:3]: d.id for d in ws.documents.list()}
    return ws, ids


@pytest.mark.parametrize(("claim", "source", "counterparts"), ACCEPTANCE)
def test_counterpart_in_another_document_top5(seeds: tuple[Any, dict[str, int]], claim: str, source: str,
                                              counterparts: list[tuple[str, str]]) -> None:
    ws, ids = seeds
    results = ws.matcher.search(claim, limit=5, exclude_documents=[ids[source]])
    assert len(results) <= 5
    found = [(r.document_id, r.text) for r in results]
    wanted = [(ids[doc], words) for doc, words in counterparts if ids[doc] != ids[source]]
    assert any(d == doc and words in text for doc, words in wanted for d, text in found), found
    for r in results:
        assert r.score >= DEFAULT_THRESHOLD


def test_clause_unit_for_the_fertiliser_claim(seeds: tuple[Any, dict[str, int]]) -> None:
    ws, ids = seeds
    hits = [r for r in ws.matcher.search("IS and Syria traded oil for fertiliser", limit=20)
            if r.document_id == ids["004"]]
    assert hits[0].unit == "clause" and hits[0].text == "both sides were trading oil for fertiliser."


def test_reworded_withdrawal_is_above_threshold(seeds: tuple[Any, dict[str, int]]) -> None:
    ws, ids = seeds
    score, expl = ws.matcher.compare(ASSAD, "Assad withdrew his forces to let ISIS take Palmyra")
    assert score >= DEFAULT_THRESHOLD, expl
    hits = [r for r in ws.matcher.search(ASSAD, limit=50) if r.document_id == ids["004"]
            and "Assad withdrew his forces to let ISIS take Palmyra" in r.text]
    assert hits and hits[0].score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("query", MISTURA)
def test_de_mistura_does_not_match_the_palmyra_documents(seeds: tuple[Any, dict[str, int]], query: str) -> None:
    ws, ids = seeds
    palmyra = {ids["000"], ids["001"], ids["004"]}
    results = ws.matcher.search(query, limit=50, min_score=0)
    assert results and results[0].document_id == ids["002"]
    assert all(r.score < DEFAULT_THRESHOLD for r in results if r.document_id in palmyra)
