"""Clause units, unit ids, and the inverted index (incremental adds, deletes, merges, persistence)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import app.matching.index as index_module
from app.matching.index import LexicalIndex
from app.matching.normalize import Normalizer
from app.matching.units import is_clause_unit, sentence_id_of, split_units, unit_id
from app.sentences import split_sentences

SENTENCE = "While this to-ing and fro-ing was going on, both sides were trading oil for fertiliser."


def test_long_sentence_has_clause_units() -> None:
    text = "Intro. " + SENTENCE
    units = split_units(text, split_sentences(text))
    sentences = [u for u in units if u.kind == "sentence"]
    clauses = [u for u in units if u.kind == "clause"]
    assert [text[u.start:u.end] for u in sentences] == ["Intro.", SENTENCE]
    assert "both sides were trading oil for fertiliser." in [text[u.start:u.end] for u in clauses]
    for c in clauses:
        s = sentences[c.sentence_index]
        assert s.start <= c.start < c.end <= s.end


def test_short_sentence_has_no_clauses() -> None:
    text = "Palmyra fell, again."
    assert [u.kind for u in split_units(text, split_sentences(text))] == ["sentence"]


def test_unit_ids() -> None:
    assert sentence_id_of(unit_id(1234, 3)) == 1234 and is_clause_unit(unit_id(1234, 3))
    assert not is_clause_unit(unit_id(7)) and sentence_id_of(unit_id(7)) == 7


def _tokens(n: Normalizer, texts: list[str]) -> list[list[str]]:
    return [n.tokens(t) for t in texts]


def test_candidates_rank_by_bm25_and_skip_stopwords() -> None:
    n = Normalizer()
    idx = LexicalIndex()
    texts = ["the oil was traded for fertiliser", "the weather was fine", "oil prices rose", "the the the"]
    idx.add([1, 2, 3, 4], [10, 10, 20, 20], _tokens(n, texts))
    got = idx.candidates(n.tokens("trading oil for fertiliser"), 10)
    assert [u for u, _ in got] == [1, 3]
    assert idx.candidates(n.tokens("the was"), 10) == []


def test_transliteration_variant_is_retrieved() -> None:
    n = Normalizer()
    idx = LexicalIndex()
    idx.add([1, 2], [1, 2], _tokens(n, ["Mohamed Qassim was attorney general", "the weather in Homs"]))
    assert [u for u, _ in idx.candidates(n.tokens("Qasim"), 5)] == [1]


def test_remove_documents_and_df() -> None:
    n = Normalizer()
    idx = LexicalIndex()
    idx.add([1, 2], [1, 2], _tokens(n, ["Palmyra fell", "Palmyra was retaken"]))
    assert idx.term_df("palmyra") == 2
    assert idx.remove_documents([1]) == 1
    assert idx.term_df("palmyra") == 1 and len(idx) == 1
    assert [u for u, _ in idx.candidates(n.tokens("Palmyra fell"), 5)] == [2]


def test_incremental_equals_bulk_after_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "MERGE_POSTINGS", 50)
    rng = random.Random(7)
    words = [f"w{i}" for i in range(60)]
    docs = {d: [[rng.choice(words) for _ in range(rng.randint(3, 9))] for _ in range(rng.randint(1, 4))]
            for d in range(40)}
    inc = LexicalIndex()
    uid = 0
    ids: dict[int, list[int]] = {}
    for d, sents in docs.items():
        ids[d] = list(range(uid, uid + len(sents)))
        uid += len(sents)
        inc.add(ids[d], [d] * len(sents), sents)
    inc.remove_documents([3, 17])
    bulk = LexicalIndex()
    keep = [d for d in docs if d not in (3, 17)]
    bulk.add([u for d in keep for u in ids[d]], [d for d in keep for _ in ids[d]], [s for d in keep for s in docs[d]])
    for _ in range(20):
        q = [rng.choice(words) for _ in range(4)]
        a = inc.candidates(q, 8, posting_budget=10**9, coverage=False)
        b = bulk.candidates(q, 8, posting_budget=10**9, coverage=False)
        assert [round(s, 4) for _, s in a] == [round(s, 4) for _, s in b]
        assert {u for u, _ in a} == {u for u, _ in b} or len(a) == 8


def test_save_load_roundtrip(tmp_path: Path) -> None:
    n = Normalizer()
    idx = LexicalIndex()
    idx.add([1, 2], [1, 2], _tokens(n, ["oil for fertiliser", "weapons for oil"]), [(0, 18), (5, 20)], [0, 0],
            [False, False])
    idx.meta = {"workspace_id": "x"}
    idx.save(tmp_path / "ix")
    back = LexicalIndex.load(tmp_path / "ix")
    assert back.meta["workspace_id"] == "x"
    q = n.tokens("oil fertiliser")
    assert back.candidates(q, 5) == idx.candidates(q, 5)
    back.add([3], [3], [n.tokens("fertiliser fertiliser oil")])  # memory-mapped arrays become writable
    assert back.candidates(q, 1)[0][0] == 3
    assert back.row_info(0) == (1, 1, 0, 18)


def test_load_rejects_damaged_index(tmp_path: Path) -> None:
    idx = LexicalIndex()
    idx.add([1], [1], [["oil"]])
    idx.save(tmp_path / "ix")
    np.save(tmp_path / "ix" / "doc_ids.npy", np.zeros(5, dtype=np.int64))
    with pytest.raises(ValueError):
        LexicalIndex.load(tmp_path / "ix")
    (tmp_path / "ix" / "meta.json").write_text("{not json")
    with pytest.raises(ValueError):
        LexicalIndex.load(tmp_path / "ix")


def test_length_norms_follow_removal_of_units_without_content_words() -> None:
    """BM25 depends on the average unit length over alive units; removing a document whose
    units hold only stopwords changes it, and the cached norms must follow."""
    from app.matching import retrieval

    n = Normalizer()
    texts = {1: ["alpha beta gamma", "alpha delta"], 2: ["alpha beta beta gamma epsilon zeta eta"],
             3: ["the of and", "it is", "was the"]}

    def build(docs: list[int]) -> LexicalIndex:
        idx = LexicalIndex()
        uid = 0
        for d in docs:
            for t in texts[d]:
                uid += 1
                idx.add([uid], [d], [n.tokens(t)])
        idx.merge()
        return idx

    q = n.tokens("alpha beta")
    idx = build([1, 2, 3])
    retrieval.candidate_rows(idx, q, 5)  # caches the norms
    idx.remove_documents([3])
    after = retrieval.candidate_rows(idx, q, 5)[1]
    fresh = retrieval.candidate_rows(build([1, 2]), q, 5)[1]
    np.testing.assert_allclose(np.sort(after), np.sort(fresh), rtol=1e-6)
