"""Attribution extraction: hand-checked gold labels on the seed articles, and the rules one by one.

Run as a script for the per-sentence report::

    .venv/bin/python tests/app/test_attribution.py [SEEDS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from app.attribution import canonical_name, extract_attribution, kind_of, same_source
from app.attribution.relation import derive_relation

GOLD = Path(__file__).parent / "fixtures" / "attribution_gold.json"


def score(seeds: Path, split: str | None = None, report: list[str] | None = None) -> dict[str, Any]:
    """Precision/recall of ``extract_attribution`` against the gold labels (see the gold file)."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    docs = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))}
    tp = fp = fn = n = 0
    for item in gold["items"]:
        if split and item["split"] != split:
            continue
        text = docs[item["doc"]]
        start = text.find(item["text"])
        assert start >= 0 and text.find(item["text"], start + 1) < 0, f"not a unique span: {item['text']!r}"
        pred = [a.name for a in extract_attribution(text, start, start + len(item["text"]))]
        expected, ok = item["expected"], item.get("also_ok", [])
        hits = sum(1 for e in expected if any(same_source(p, e) for p in pred))
        false = sum(1 for p in pred if not any(same_source(p, e) for e in expected + ok))
        tp, fp, fn, n = tp + hits, fp + false, fn + len(expected) - hits, n + 1
        if report is not None and (false or hits < len(expected)):
            kind = "FP" if false else "FN"
            report.append(f"{kind} {item['doc']} {item['text'][:72]!r}: predicted {pred}, expected {expected}")
    return {"sentences": n, "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0}


def _fmt(split: str, r: dict[str, Any]) -> str:
    return (f"attribution {split}: {r['sentences']} sentences, precision {r['precision']:.3f}, "
            f"recall {r['recall']:.3f} (tp {r['tp']}, fp {r['fp']}, fn {r['fn']})")


# ---------------------------------------------------------------- the gold set
def test_gold_set_is_big_enough() -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    items = gold["items"]
    assert len(items) >= 40
    assert sum(1 for i in items if i["expected"]) >= 40
    assert {i["split"] for i in items} == {"dev", "heldout"}


def test_precision_and_recall_on_gold(seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = score(seeds_dir, "dev")
    held = score(seeds_dir, "heldout")
    total = score(seeds_dir)
    with capsys.disabled():
        print()
        for name, r in (("dev", dev), ("held-out", held), ("all", total)):
            print(_fmt(name, r))
    assert dev["sentences"] >= 40
    assert dev["precision"] >= 0.85 and dev["recall"] >= 0.8
    # held-out: labelled before the extractor ever saw 002/003; its misses are mostly narrative
    # sentences of an interview write-up that name no source (outside the look-back rule)
    assert held["precision"] >= 0.85 and held["recall"] >= 0.5


# ---------------------------------------------------------------- acceptance sentences
def _span(text: str, sub: str) -> tuple[int, int]:
    i = text.index(sub)
    return i, i + len(sub)


def test_qasim_alleges_is_mohamed_qassim(seeds_dir: Path) -> None:
    text = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    got = extract_attribution(text, *_span(text, "Qasim alleges that when Tadmur and Palmyra first fell to ISIS"))
    assert [(a.name, a.kind) for a in got] == [("Mohamed Qassim", "person")]
    assert got[0].evidence == "Qasim alleges" and text[got[0].start:got[0].end] == "Qasim alleges"
    # the next sentence has no source of its own: the nearest one before it in the paragraph
    nxt = extract_attribution(text, *_span(text, "But he chose to let ISIS overrun the area"))
    assert [(a.name, a.basis) for a in nxt] == [("Mohamed Qassim", "context")]


def test_quote_continued_with_he_said_resolves_to_the_named_speaker(seeds_dir: Path) -> None:
    text = next(seeds_dir.glob("000_*.txt")).read_text(encoding="utf-8")
    span = _span(text, "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum")
    got = extract_attribution(text, *span)
    assert [(a.name, a.kind, a.basis) for a in got] == [("Mohamed Qassim", "person", "quote")]
    assert got[0].evidence == "he said"


def test_outlets_in_the_sky_news_passages(seeds_dir: Path) -> None:
    blog = next(seeds_dir.glob("001_*.txt")).read_text(encoding="utf-8")
    deal = extract_attribution(blog, *_span(blog, "A deal between IS and Syria to trade oil for fertiliser"))
    assert [(a.name, a.kind) for a in deal] == [("Sky News", "outlet")]
    assert deal[0].evidence == "obtained by Sky News"
    told = extract_attribution(blog, *_span(blog, "Palmyra was handed back to government forces by Islamic State"))
    assert [(a.name, a.role) for a in told] == [("Sky News", "channel")]
    summary = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    sky = extract_attribution(summary, *_span(summary, "Assad withdrew his forces to let ISIS take Palmyra"))
    assert [a.name for a in sky] == ["Sky News"] and sky[0].basis == "sentence"


# ---------------------------------------------------------------- rules on small texts
@pytest.mark.parametrize(
    ("text", "claim", "expected"),
    [
        ("The army left the city, said John Smith, a local official.", "The army left the city", ["John Smith"]),
        ("Jane Doe said the army left the city.", "the army left the city", ["Jane Doe"]),
        ("The army left the city, according to Reuters.", "The army left the city", ["Reuters"]),
        ("Documents obtained by The Guardian show the army left.", "the army left", ["The Guardian"]),
        ("Letters handed to Levant News show the army left.", "the army left", ["Levant News"]),
        ("Maria Lopez told CNN the army left.", "the army left", ["Maria Lopez", "CNN"]),
        ("Syria Direct can reveal that the army left.", "the army left", ["Syria Direct"]),
        ("Omar al-Hassan alleges the army left.", "the army left", ["Omar al-Hassan"]),
        ("“The army left,” he said. Ahmed Karim runs the clinic.", "The army left", []),
        ("Ahmed Karim runs the clinic. “The army left,” he said.", "The army left", ["Ahmed Karim"]),
        ('Ahmed Karim runs the clinic. "The army left at dawn. Nobody stayed," he said.', "The army left at dawn",
         ["Ahmed Karim"]),
        ("Residents said the army left. It was quiet.", "the army left", []),
        ("The army left the city on Monday.", "The army left the city", []),
    ],
)
def test_patterns(text: str, claim: str, expected: list[str]) -> None:
    i = text.index(claim)
    assert [a.name for a in extract_attribution(text, i, i + len(claim))] == expected


def test_known_names_give_the_fullest_spelling() -> None:
    text = "Qasim alleges the army left before the attack."
    got = extract_attribution(text, 0, len(text), known_names=["Mohammed Qassim"])
    assert [a.name for a in got] == ["Mohammed Qassim"]


def test_same_source_and_canonical_names() -> None:
    assert same_source("Mohamed Qassim", "Qasim")
    assert same_source("Qassim", "Qasim")
    assert same_source("Mohammed Qassim", "Mohamed Qassim")
    assert same_source("Colonel Fateh Hassoun", "Hassoun")
    assert same_source("Bashar al-Assad", "Assad")
    assert not same_source("Khaled Assad", "Bashar al-Assad")
    assert not same_source("Robert Fisk", "Seymour Hersh")
    assert same_source("RT", "Russia Today")
    assert same_source("The Independent", "Independent")
    assert not same_source("Sky News", "CNN")
    assert canonical_name("Qasim", ["Mohamed Qassim", "Mohamed Gaber", "Qassim"]) == "Mohamed Qassim"
    assert canonical_name("Russia Today") == "RT"
    assert kind_of("Sky News") == "outlet" and kind_of("Levant Times") == "outlet"
    assert kind_of("Mohamed Qassim") == "person"


def test_relation_rule() -> None:
    claim = "A deal between IS and Syria to trade oil for fertiliser"
    assert derive_relation(claim, ":: A deal between IS and Syria to trade oil for fertiliser and;") == "verbatim"
    assert derive_relation(claim, "A deal between IS and Syria to swap oil for fertiliser") == "near-verbatim"
    cited = [{"name": "Sky News", "kind": "outlet", "basis": "sentence"}]
    context = [{"name": "Sky News", "kind": "outlet", "basis": "context"}]
    span = "both sides were trading oil for fertiliser"
    assert derive_relation(claim, span, cited) == "mention-with-citation"
    assert derive_relation(claim, span, context) == "paraphrase"
    assert derive_relation(claim, span, cited, own=("Sky News",)) == "paraphrase"


if __name__ == "__main__":
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared/corpus/seeds"
    lines: list[str] = []
    for split in ("dev", "heldout"):
        lines.clear()
        result = score(seeds, split, lines)
        print("\n".join(lines))
        print(_fmt(split, result))
        print()
