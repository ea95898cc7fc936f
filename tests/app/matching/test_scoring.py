"""The matcher's vectorized scoring path (term ids from the index) gives exactly the scores of
the token-list path, including alias groups, transliteration variants and context windows."""

from __future__ import annotations

import numpy as np

from app.matching.index import LexicalIndex
from app.matching.matcher import Matcher
from app.matching.normalize import Normalizer, alias_groups_from_terms
from app.matching.packed import Packed

DOCS = [
    ["Mohamed Qassim said Assad let Daesh take Tadmur.", "Officials were warned a month before.",
     "The city fell in May 2015."],
    ["Qasim alleges that Assad handed Palmyra to ISIS.", "Nobody in Damascus answered.",
     "Islamic State later lost the city."],
    ["IS and Syria traded oil for fertiliser, the files show.", "Sky News obtained the documents.",
     "The deal ran for months."],
]


def _window(idx: LexicalIndex, row: int) -> list[int]:
    """The reference reading of a context window: same document, alive sentence rows, the
    sentence before and after."""
    doc, sent = idx.doc_ids.view(), idx.sent_idx.view()
    return [r for r in range(idx.n_rows) if doc[r] == doc[row] and idx.alive.view()[r]
            and not idx.is_clause.view()[r] and abs(int(sent[r]) - int(sent[row])) <= 1]


def _matcher() -> Matcher:
    norm = Normalizer(alias_groups_from_terms([["Daesh", "ISIS", "IS", "Islamic State"], ["Tadmur", "Palmyra"]]))
    index = LexicalIndex()
    uid = 0
    for d, sentences in enumerate(DOCS, start=1):
        uids, docs, toks = [], [], []
        for s in sentences:
            uid += 1
            uids.append(uid)
            docs.append(d)
            toks.append(norm.tokens(s))
        index.add(uids, docs, toks, sentence_index=list(range(len(sentences))))
    index.merge()
    return Matcher(index, norm)


def test_packed_scoring_equals_token_lists() -> None:
    m = _matcher()
    for text in ("Mohammed Qasim says Assad gave Palmyra to Islamic State",
                 "IS and Syria traded oil for fertiliser", "officials had been warned"):
        q = m.query(text)
        rows = np.arange(m.index.n_rows, dtype=np.int64)
        units, contexts, ctx_of = m._gather(rows)
        assert units.gids is not None and contexts is not None and ctx_of is not None
        fast = m.scorer.score_packed(q, units, contexts, ctx_of)
        tokens = m.index.rows_tokens(rows)
        windows = [[t for r in _window(m.index, int(row)) for t in m.index.row_tokens(r)] for row in rows]
        slow = m.scorer.score_many(m.query(text), tokens, windows)
        assert [c.score for c in fast] == [c.score for c in slow]
        assert [round(c.query_coverage, 9) for c in fast] == [round(c.query_coverage, 9) for c in slow]
        assert [round(c.name_coverage, 9) for c in fast] == [round(c.name_coverage, 9) for c in slow]
    # the variant spelling and the alias group count as the query's words
    top = m.search("Mohammed Qasim says Assad gave Palmyra to Islamic State", limit=2)
    assert {h.doc_id for h in top} == {1, 2} and min(h.score for h in top) >= 50


def test_packed_round_trip() -> None:
    p = Packed.of([["a", "b", "a"], [], ["c"]])
    assert p.terms == ["a", "b", "c"] and p.lens.tolist() == [3, 0, 1]
    assert p.strings() == ["a b a", "", "c"]
    assert p.head(1).strings() == ["a b a"] and p.tail(1).strings() == ["", "c"]
