"""The benchmark corpus generator: deterministic, the sizes asked for, planted families as promised."""

from __future__ import annotations

from bench import synthetic


def test_same_seed_same_corpus_other_seed_other_corpus() -> None:
    a, b = synthetic.generate(3000, seed=4), synthetic.generate(3000, seed=4)
    assert a.texts == b.texts and a.doc_ids == b.doc_ids and a.family == b.family
    assert synthetic.generate(3000, seed=5).texts != a.texts


def test_shape_of_the_corpus() -> None:
    c = synthetic.generate(6000, seed=2)
    assert len(c) == len(c.texts) == len(c.doc_ids) == 6000
    assert c.doc_ids == sorted(c.doc_ids)
    assert 150 <= c.n_documents <= 200
    lengths = [len(t.split()) for t, k in zip(c.texts, c.kind, strict=True) if k != "boilerplate"]
    assert min(lengths) >= 2 and max(lengths) <= 60
    assert sum(8 <= n <= 40 for n in lengths) / len(lengths) > 0.95


def test_planted_families_span_documents_and_vary() -> None:
    c = synthetic.generate(8000, seed=3)
    assert len(c.families) > 100
    kinds = {c.kind[u] for members in c.families.values() for u in members}
    assert {"base", "verbatim", "typo", "alias", "translit", "trim", "extract"} <= kinds
    for members in c.families.values():
        docs = [c.doc_ids[u] for u in members]
        assert len(set(docs)) == len(docs)  # one copy per document
    base = {c.family[u]: c.texts[u] for members in c.families.values() for u in members if c.kind[u] == "base"}
    swapped = [u for members in c.families.values() for u in members if c.kind[u] == "alias"]
    assert swapped and any(c.texts[u] != base.get(c.family[u]) for u in swapped)


def test_perturb_and_fresh_sentences_are_deterministic() -> None:
    text = "Mohamed Qassim said that Islamic State fighters captured the ancient city of Palmyra on Tuesday."
    assert synthetic.perturb(text, 1) == synthetic.perturb(text, 1)
    assert synthetic.fresh_sentences(5, 9) == synthetic.fresh_sentences(5, 9)
