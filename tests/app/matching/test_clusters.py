"""The repetition finder: groups across documents, exclusions, incremental updates, persistence,
the score it uses, and the ``clusters`` command's JSON contract."""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rapidfuzz import fuzz

from app.matching import cluster_keys as ck
from app.matching.clusters import DEFAULT_CLUSTER_SCORE, Group, RepetitionIndex

STOP = {"the", "a", "an", "of", "in", "to", "and", "on", "by", "was", "were", "for", "that", "with", "as", "at",
        "is", "it", "its", "from", "had", "has", "been", "said", "he", "she", "they", "this"}


def toks(text: str) -> list[str]:
    """Stand-in for ``Normalizer.content_tokens``: lower-cased words without stopwords."""
    return [w for w in re.findall(r"\w+", text.lower()) if w not in STOP]


def units(rows: list[tuple[int, int, str]]) -> list[tuple[int, int, list[str]]]:
    return [(u, d, toks(t)) for u, d, t in rows]


def group_sets(index: RepetitionIndex, min_score: float = DEFAULT_CLUSTER_SCORE) -> list[tuple[int, ...]]:
    return sorted(g.unit_ids for g in index.groups(min_score))


BASE = "Mohamed Qassim said Assad ordered military forces to vacate Tadmur to tempt Daesh fighters into the city"
VARIANT = "Assad ordered military forces to vacate Tadmur to tempt Daesh fighters into the city, Mohammed Qasim said"
OTHER = "Aid convoys reached the besieged district of Douma after three weeks of negotiations with rebel commanders"


def test_groups_span_documents_and_tolerate_edits() -> None:
    index = RepetitionIndex()
    index.add(units([(1, 10, BASE), (2, 20, VARIANT), (3, 30, OTHER), (4, 30, "Fighters left Raqqa on foot")]))
    groups = index.groups()
    assert [g.unit_ids for g in groups] == [(1, 2)]
    g = groups[0]
    assert g.document_ids == (10, 20) and g.documents == 2
    assert DEFAULT_CLUSTER_SCORE <= g.score <= 100


def test_single_document_repeats_are_not_groups() -> None:
    index = RepetitionIndex()
    index.add(units([(1, 10, BASE), (2, 10, BASE), (3, 10, VARIANT), (4, 20, OTHER)]))
    assert index.groups() == []
    # ... until another document repeats it: then all three passages form one group
    index.add(units([(5, 30, BASE)]))
    assert group_sets(index) == [(1, 2, 3, 5)]
    assert index.groups(min_documents=3) == []


def test_short_units_and_boilerplate_are_not_grouped() -> None:
    index = RepetitionIndex()
    rows = [(i, i, "No comments:") for i in range(1, 40)]
    rows += [(100 + i, i, "Share this article on Twitter") for i in range(1, 40)]
    index.add(units(rows))
    assert index.groups() == []
    assert index.stats.units == 78 and index.stats.grouped_units == 0


def test_long_boilerplate_groups_and_max_documents_hides_it() -> None:
    line = "This article was originally published by Reuters and is republished with permission"
    index = RepetitionIndex()
    index.add(units([(i, i, line) for i in range(1, 31)] + [(100, 1, BASE), (101, 2, VARIANT)]))
    sizes = [g.documents for g in index.groups()]
    assert sizes == [30, 2]
    assert [g.unit_ids for g in index.groups(max_documents=10)] == [(100, 101)]


def test_template_sentences_with_different_facts_do_not_chain() -> None:
    """One frame, different numbers, goods, places and days: similar characters, different
    assertions. Pairs differing only by the number may group; no chain across the corpus."""
    rng = random.Random(3)
    places = ["Aleppo", "Homs", "Hama", "Idlib", "Raqqa", "Douma", "Azaz", "Manbij", "Kobani", "Afrin"]
    goods = ["wheat", "fuel", "bread", "cement", "diesel", "medicine"]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    rows = [(i, i, f"The price of {rng.choice(goods)} {rng.choice(['rose', 'fell', 'jumped', 'dropped'])} by "
                   f"{rng.randint(10, 900)} percent in {rng.choice(places)} on {rng.choice(days)}")
            for i in range(1, 300)]
    index = RepetitionIndex()
    index.add(units(rows))
    assert max((g.documents for g in index.groups()), default=0) <= 4


def _corpus(seed: int, n_docs: int = 60, per_doc: int = 12) -> list[tuple[int, int, str]]:
    """Random prose with planted repeats (edited copies of a few sentences in other documents)."""
    rng = random.Random(seed)
    vocab = [f"{a}{b}{c}" for a in "bdfgklmnprstvz" for b in "aeiou" for c in ("ran", "tel", "mos", "vik", "dun")]
    sentences: list[tuple[int, int, str]] = []
    uid = 1
    sources: list[str] = []
    for d in range(1, n_docs + 1):
        for _ in range(per_doc):
            if sources and rng.random() < 0.15:
                words = rng.choice(sources).split()
                if rng.random() < 0.5:
                    i = rng.randrange(len(words))
                    words[i] = words[i][:-1] + "x"  # a typo
                if rng.random() < 0.5:
                    words = words[2:] + words[:2]  # reordered
                text = " ".join(words)
            else:
                text = " ".join(rng.choice(vocab) for _ in range(rng.randint(7, 16)))
                if rng.random() < 0.1:
                    sources.append(text)
            sentences.append((uid, d, text))
            uid += 1
    return sentences


def test_incremental_add_and_remove_match_a_rebuild() -> None:
    rows = _corpus(1)
    full = RepetitionIndex()
    full.add(units(rows))
    expected = group_sets(full)
    assert len(expected) >= 5

    inc = RepetitionIndex()
    for i in range(0, len(rows), 97):
        inc.add(units(rows[i:i + 97]))
        inc.groups()  # keep the cached components warm: they are merged incrementally
    assert group_sets(inc) == expected

    gone = {3, 17, 29, 41}
    inc.remove_documents(gone)
    rebuilt = RepetitionIndex()
    rebuilt.add(units([r for r in rows if r[1] not in gone]))
    assert group_sets(inc) == group_sets(rebuilt)
    assert all(not set(g.document_ids) & gone for g in inc.groups())

    # documents come back (re-import): same groups as before the removal
    inc.add(units([r for r in rows if r[1] in gone]))
    assert group_sets(inc) == expected


def test_deterministic_and_input_order_independent() -> None:
    rows = _corpus(2)
    a, b, c = RepetitionIndex(), RepetitionIndex(), RepetitionIndex()
    a.add(units(rows))
    b.add(units(rows))
    shuffled = list(rows)
    random.Random(5).shuffle(shuffled)
    c.add(units(shuffled))
    ga = a.groups()
    assert ga == b.groups()
    assert group_sets(a) == group_sets(c)
    for g in ga:
        assert list(g.unit_ids) == sorted(g.unit_ids) and list(g.document_ids) == sorted(g.document_ids)


def test_replacing_a_unit_and_removing_everything() -> None:
    index = RepetitionIndex()
    index.add(units([(1, 10, BASE), (2, 20, VARIANT)]))
    index.add(units([(2, 20, OTHER)]))  # unit 2 edited: no longer a repeat
    assert index.groups() == [] and len(index) == 2
    index.remove_documents([10, 20])
    assert len(index) == 0 and index.groups() == []
    index.add(units([(1, 10, BASE), (2, 20, VARIANT)]))
    assert group_sets(index) == [(1, 2)]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rows = _corpus(4)
    index = RepetitionIndex()
    index.add(units(rows[:500]))
    path = tmp_path / "repeats.npz"
    index.save(path)
    loaded = RepetitionIndex.load(path)
    assert loaded.groups() == index.groups()
    assert loaded.stats == index.stats
    # a loaded index keeps updating incrementally
    index.add(units(rows[500:]))
    loaded.add(units(rows[500:]))
    assert group_sets(loaded) == group_sets(index)
    assert not list(tmp_path.glob("*.tmp"))


def test_min_score_below_floor_is_refused_and_higher_scores_are_stricter() -> None:
    index = RepetitionIndex()
    index.add(units(_corpus(6)))
    with pytest.raises(ValueError):
        index.groups(50)
    strict = {u for g in index.groups(95) for u in g.unit_ids}
    loose = {u for g in index.groups(80) for u in g.unit_ids}
    assert strict <= loose


def test_found_pairs_match_brute_force() -> None:
    """Every cross-document pair scoring >= 80 (and specific enough) lands in one group."""
    rows = _corpus(7)
    index = RepetitionIndex()
    index.add(units(rows))
    where = {u: i for i, g in enumerate(index.groups()) for u in g.unit_ids}
    texts = [ck.scoring_string(toks(t)) for _, _, t in rows]
    missed = 0
    total = 0
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if rows[i][1] == rows[j][1] or ck.pair_score(texts[i], texts[j]) < 80:
                continue
            if index.specificity(texts[i].split(), texts[j].split()) < index.specificity_min:
                continue
            total += 1
            missed += where.get(rows[i][0], -1) != where.get(rows[j][0], -2)
    assert total > 20 and missed == 0


# --------------------------------------------------------------------------- the score's parts
def test_pair_score_is_mean_of_ratio_and_token_set_ratio() -> None:
    a, b = ck.scoring_string(toks(BASE)), ck.scoring_string(toks(VARIANT))
    assert a == " ".join(sorted(set(toks(BASE))))
    assert ck.pair_score(a, b) == pytest.approx((fuzz.ratio(a, b) + fuzz.token_set_ratio(a, b)) / 2)
    assert RepetitionIndex.score(toks(BASE), toks(BASE)) == 100.0


def test_token_set_bounds_bracket_rapidfuzz() -> None:
    rng = random.Random(9)
    words = ["assad", "tadmur", "daesh", "qassim", "qasim", "forces", "city", "oil", "fertiliser", "deal", "x", "yy"]
    rows = [ck.scoring_string(rng.sample(words, rng.randint(1, 8))) for _ in range(300)]
    tok_id: dict[str, int] = {}
    ptr, ids = [0], []
    for r in rows:
        ids += sorted(tok_id.setdefault(w, len(tok_id)) for w in r.split())
        ptr.append(len(ids))
    indptr, tokens = np.array(ptr, np.int64), np.array(ids, np.int32)
    codes = (np.repeat(np.arange(len(rows)), np.diff(indptr)).astype(np.int64) << 32) | tokens
    tlen = np.zeros(len(tok_id), np.int16)
    for w, i in tok_id.items():
        tlen[i] = len(w)
    a = np.array([rng.randrange(len(rows)) for _ in range(2000)], np.int64)
    b = np.array([rng.randrange(len(rows)) for _ in range(2000)], np.int64)
    n, chars, _ = ck.shared_tokens(a, b, indptr, tokens, codes, tlen, np.ones(len(tok_id)), chunk=333)
    lens = np.array([len(r) for r in rows], np.int64)
    lo, hi = ck.token_set_bounds(np.diff(indptr)[a], np.diff(indptr)[b], lens[a], lens[b], n, chars)
    for k in range(a.size):
        exact = fuzz.token_set_ratio(rows[a[k]], rows[b[k]])
        assert lo[k] - 1e-6 <= exact <= hi[k] + 1e-6
        if hi[k] - lo[k] < 1e-9:
            assert exact == pytest.approx(lo[k])


def test_skeleton_blocks_transliteration_variants() -> None:
    assert ck.skeleton("mohamed") == ck.skeleton("mohammed")
    assert ck.skeleton("qassim") == ck.skeleton("qasim")
    assert ck.skeleton("erdoğan") == ck.skeleton("erdogan")
    assert ck.skeleton("2016") == "2016" and ck.skeleton("oil") == "oil"


def test_connected_labels_matches_a_plain_union_find() -> None:
    rng = random.Random(11)
    n = 500
    a = np.array([rng.randrange(n) for _ in range(400)], np.int64)
    b = np.array([rng.randrange(n) for _ in range(400)], np.int64)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        parent[max(rx, ry)] = min(rx, ry)
    expected = [find(x) for x in range(n)]
    assert ck.connected_labels(n, a, b).tolist() == expected
    half = ck.connected_labels(n, a[:200], b[:200])
    assert ck.connected_labels(n, a[200:], b[200:], half).tolist() == expected


# --------------------------------------------------------------------------- the CLI contract
def _run_cli(db: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> object:
    from app.cli import clusters as cli

    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--user", default=None)
    parser.add_argument("--readonly", action="store_true", default=None)
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--db", str(db), "clusters", *argv])
    assert args.func(args) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_contract(seeded_workspace, workspace_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = seeded_workspace
    quote = next(s for d in ws.documents.list() for s in _sentences(ws, d.id) if "attorney-general" in s)
    copy = ws.documents.import_bytes(
        f"Wire copy\n\n{quote.replace('Mohamed Qassim', 'Mohammed Qasim')}\n\nUnrelated closing line here.\n"
        .encode(), "wire-copy.txt")
    assert copy.status == "imported"
    ws.close()
    rows = _run_cli(workspace_path, "--json", capsys=capsys)
    assert isinstance(rows, list) and rows
    for row in rows:
        assert {"id", "members", "documents", "score"} <= set(row)
        assert row["documents"] == len({m["document_id"] for m in row["members"]}) >= 2
        for m in row["members"]:
            assert {"document_id", "filename", "start", "end", "text"} <= set(m)
    hit = next(r for r in rows if copy.id in {m["document_id"] for m in r["members"]})
    from app.workspace import Workspace

    with Workspace.open(workspace_path) as again:
        for m in hit["members"]:
            assert again.documents.get(m["document_id"]).text[m["start"]:m["end"]] == m["text"]
    assert "wire-copy.txt" in {m["filename"] for m in hit["members"]}
    assert _run_cli(workspace_path, "--json", "--min-documents", "3", capsys=capsys) == []


def _sentences(ws: object, doc_id: int) -> list[str]:
    detail = ws.documents.get(doc_id)  # type: ignore[attr-defined]
    return [detail.text[a:b] for a, b in detail.sentences]


def test_group_dataclass_is_plain() -> None:
    g = Group((1, 2), (3, 4), 90.0)
    assert g.documents == 2 and g == Group((1, 2), (3, 4), 90.0)


def test_repetition_index_is_saved_and_reloaded(seeded_workspace: Any) -> None:
    """A reopened workspace loads the repetition finder's index instead of rebuilding it, and
    it stays in step with documents imported meanwhile."""
    from app.workspace import Workspace

    ws = seeded_workspace
    first = ws.matcher.clusters(75, semantic=False)
    data, meta = ws.matcher._repetition_files()
    assert data.exists() and meta.exists()
    path = ws.path
    ws.close()
    built = []
    real_add = RepetitionIndex.add

    def counting_add(self: Any, units: Any) -> int:
        built.append(len(units))
        return real_add(self, units)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RepetitionIndex, "add", counting_add)
        again = Workspace.open(path, user="tester")
        try:
            assert [c.to_json() for c in again.matcher.clusters(75, semantic=False)] == [c.to_json() for c in first]
            assert built == []  # loaded, not rebuilt
            text = first[0].members[0].text if first else "A sentence repeated across two documents here."
            again.documents.import_bytes(f"Copy.\n\n{text}\n".encode(), "copy.txt")
            grown = again.matcher.clusters(75, semantic=False)
            assert built and sum(built) < 20  # only the new document's sentences were added
            if first:
                assert grown[0].documents >= first[0].documents
        finally:
            again.close()


def test_damaged_repetition_cache_is_rebuilt(seeded_workspace: Any) -> None:
    """A saved repetition index that cannot be read is rebuilt from the match index, never
    trusted and never an error."""
    from app.workspace import Workspace

    ws = seeded_workspace
    first = [c.to_json() for c in ws.matcher.clusters(75, semantic=False)]
    data, _meta = ws.matcher._repetition_files()
    path = ws.path
    ws.close()
    data.write_bytes(b"not an npz file")  # the stamp still matches
    again = Workspace.open(path, user="tester")
    try:
        assert [c.to_json() for c in again.matcher.clusters(75, semantic=False)] == first
        assert data.read_bytes() != b"not an npz file"  # rebuilt and saved again
    finally:
        again.close()
