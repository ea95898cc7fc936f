"""Normalization: characters, numbers, stemming, stopwords, aliases, spans, social-media noise."""

from __future__ import annotations

from app.matching.normalize import (
    Normalizer,
    alias_groups_from_terms,
    canonical_token,
    clean_social,
    is_short_caps,
    skeleton,
    variant_similarity,
)

ALIASES = alias_groups_from_terms([["Daesh", "ISIS", "IS", "ISIL", "Islamic State"], ["Tadmur", "Palmyra"]])


def test_nfkc_case_and_accents() -> None:
    n = Normalizer()
    assert n.tokens("ＰＡＬＭＹＲＡ") == n.tokens("palmyra")  # full-width letters
    assert n.tokens("ﬁve") == n.tokens("five")  # ligature
    assert n.tokens("Ḥamā CAFÉ") == n.tokens("hama cafe")


def test_quotes_and_dashes() -> None:
    n = Normalizer()
    assert n.tokens("Assad’s “deal” — done") == n.tokens("Assad's \"deal\" - done")
    assert n.tokens("don’t") == n.tokens("dont") == ["dont"]
    assert n.tokens("attorney-general") == n.tokens("attorney general")
    assert n.tokens("to-ing and fro-ing")[:2] == ["to", "ing"]


def test_numbers() -> None:
    n = Normalizer()
    assert n.tokens("22,000 people") == n.tokens("22000 people")
    assert n.tokens("3.5") == ["3.5"]
    assert n.tokens("70%") == n.tokens("70 per cent") == n.tokens("70 percent") == ["70", "percent"]
    assert n.tokens("2015") != n.tokens("2016")


def test_stemming_and_stopwords() -> None:
    n = Normalizer()
    assert n.tokens("trading") == n.tokens("traded") == n.tokens("trade")
    assert n.tokens("fertilisers") == n.tokens("fertiliser")
    assert n.tokens("the oil was traded") == ["the", "oil", "was", "trade"]
    assert n.content_tokens("the oil was traded") == ["oil", "trade"]
    assert n.tokens("the oil was traded", drop_stopwords=True) == ["oil", "trade"]
    assert n.tokens("the oil", stopwords=True) == ["oil"]


def test_acronyms_and_us() -> None:
    n = Normalizer()
    assert n.content_tokens("U.S. troops") == n.content_tokens("US troops") == ["usa", "troop"]
    assert n.content_tokens("let us go") == ["let", "go"]


def test_alias_groups_become_one_token() -> None:
    n = Normalizer(ALIASES)
    isis = canonical_token(ALIASES[0])
    assert isis.startswith("_")
    for name in ("Daesh", "ISIS", "IS", "ISIL", "Islamic State", "islamic  state", "Islamic-State"):
        assert n.content_tokens(f"{name} fighters") == [isis, "fighter"], name
    assert n.content_tokens("Tadmur") == n.content_tokens("Palmyra")


def test_short_caps_alias_is_case_sensitive() -> None:
    n = Normalizer(ALIASES)
    isis = canonical_token(ALIASES[0])
    assert n.tokens("IS and Syria")[0] == isis
    assert n.tokens("it is true") == ["it", "is", "true"]
    assert n.tokens("Is Assad colluding")[0] == "is"
    # inside a shouted headline "IS" is the verb
    assert isis not in n.tokens("THIS IS A TEST")
    assert is_short_caps("IS") and is_short_caps("US") and not is_short_caps("ISIS") and not is_short_caps("Is")


def test_multiword_alias_replaced_before_tokenizing() -> None:
    n = Normalizer(ALIASES)
    toks = n.tokens_with_spans("Handed back by Islamic State's fighters")
    text = "Handed back by Islamic State's fighters"
    canon = [(t, a, b) for t, a, b in toks if t.startswith("_")]
    assert len(canon) == 1 and text[canon[0][1]:canon[0][2]] == "Islamic State"
    assert "s" not in [t for t, _, _ in toks]  # the possessive is not a word
    assert "state" not in [t for t, _, _ in toks]


def test_spans_point_into_original_text() -> None:
    n = Normalizer(ALIASES)
    text = "“Qassim’s ＩＳ deal” — 22,000 barrels"
    for _tok, a, b in n.tokens_with_spans(text):
        assert 0 <= a < b <= len(text)
    words = [text[a:b] for _, a, b in n.tokens_with_spans(text)]
    assert words == ["Qassim’s", "ＩＳ", "deal", "22,000", "barrels"]


def test_transliteration_variants() -> None:
    n = Normalizer()
    (qassim,), (qasim,) = n.content_tokens("Qassim"), n.content_tokens("Qasim")
    assert skeleton(qassim) == skeleton(qasim)
    assert variant_similarity(qassim, qasim) >= 0.8
    (a,), (b,) = n.content_tokens("Mohamed"), n.content_tokens("Mohammed")
    assert a == b or variant_similarity(a, b) >= 0.8
    # vowel changes make different English words, and only count for names
    assert variant_similarity("letter", "latter") == 0.0
    assert variant_similarity("hussein", "hussain", name=True) >= 0.8


def test_fingerprint_follows_aliases() -> None:
    assert Normalizer(ALIASES).fingerprint == Normalizer(ALIASES).fingerprint
    assert Normalizer(ALIASES).fingerprint != Normalizer(ALIASES[:1]).fingerprint


def test_clean_social() -> None:
    tweet = ("The US drone attack on #Soleimani caught on camera.#IranUsapic.twitter.com/TvRkHvlgby "
             "— Olaudah Equiano® (@RealOlaudah) January 6, 2020")
    out = clean_social(tweet)
    assert "pic.twitter" not in out and "@" not in out and "2020" not in out
    assert "Soleimani" in out and "Iran Usa" in out and "Olaudah Equiano" in out
    assert clean_social("see https://t.co/abc and #AustralianFires") == "see and Australian Fires"
    assert clean_social("A plain sentence.") == "A plain sentence."


def test_fast_tokens_agree_with_analyze() -> None:
    n = Normalizer(ALIASES)
    texts = [
        "IS and Syria traded 22,000 barrels (70 per cent) — Islamic State's “deal” with U.S. firms.",
        "THIS IS A TEST; it is 3.5% of Tadmur's oil, per cent, per cent",
        "Mohammed Qasim’s 1st report: don't panic! ＩＳ ﬁve 19th-century Ḥamā",
        "", "   ", "%%%", "per", "cent per cent",
    ]
    for t in texts:
        assert n.tokens(t) == [x.text for x in n.analyze(t)], t
        assert n.content_tokens(t) == [x.text for x in n.analyze(t) if not x.stop], t
