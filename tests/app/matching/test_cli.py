"""The JSON contract of ``match``, ``match --batch`` and ``aliases``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main
from app.matching.service import DEFAULT_THRESHOLD

DOC = ("Leaked files.\n\nA deal between IS and Syria to trade oil for fertiliser was signed.\n\n"
       "While this to-ing and fro-ing was going on, both sides were trading oil for fertiliser.\n")
RESULT_KEYS = {"document_id", "filename", "start", "end", "text", "score", "explanation"}


@pytest.fixture
def db(tmp_path: Path) -> str:
    src = tmp_path / "doc.txt"
    src.write_text(DOC, encoding="utf-8")
    path = str(tmp_path / "ws.sourcetrace")
    assert main(["--db", path, "import", str(src)]) == 0
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_match_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", db, "match", "IS and Syria traded oil for fertiliser", "--json"]) == 0
    results = _json(capsys)
    assert isinstance(results, list) and results
    for r in results:
        assert set(r) >= RESULT_KEYS
        assert r["score"] >= DEFAULT_THRESHOLD
        assert DOC[r["start"]:r["end"]] == r["text"]
        assert {"matched_terms", "alignment", "components", "unit"} <= set(r["explanation"])
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_match_limit_and_min_score(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", db, "match", "fertiliser weather", "--limit", "2", "--min-score", "0", "--json"]) == 0
    results = _json(capsys)
    assert isinstance(results, list) and 1 <= len(results) <= 2
    assert main(["--db", db, "match", "football in Manchester", "--json"]) == 0
    assert _json(capsys) == []


def test_match_human_output(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", db, "match", "trading oil for fertiliser"]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith("1.") and "fertiliser" in out


def test_match_batch(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "claims.txt"
    f.write_text("trade oil for fertiliser\n\nfootball in Manchester\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "match", "--batch", str(f), "--limit", "3", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["query"] for x in lines] == ["trade oil for fertiliser", "", "football in Manchester"]
    assert lines[0]["results"] and len(lines[0]["results"]) <= 3
    assert all(set(r) >= RESULT_KEYS for r in lines[0]["results"])
    assert lines[1]["results"] == [] and lines[2]["results"] == []


def test_match_needs_text_or_batch(db: str) -> None:
    assert main(["--db", db, "match"]) == 2


def test_aliases(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", db, "aliases", "add", "Daesh", "ISIS", "IS", "Islamic State", "--json"]) == 0
    group = _json(capsys)
    assert group == {"id": group["id"], "terms": ["Daesh", "ISIS", "IS", "Islamic State"]}  # type: ignore[index]
    assert main(["--db", db, "aliases", "add", "Tadmur", "Palmyra"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "aliases", "list", "--json"]) == 0
    groups = _json(capsys)
    assert [g["terms"] for g in groups] == [["Daesh", "ISIS", "IS", "Islamic State"], ["Tadmur", "Palmyra"]]  # type: ignore[index,union-attr]
    assert main(["--db", db, "aliases", "list"]) == 0
    assert "Daesh = ISIS" in capsys.readouterr().out
    # aliases change what matches: "Daesh" now finds "IS"
    assert main(["--db", db, "match", "Daesh and Syria traded oil", "--json"]) == 0
    assert any("IS and Syria" in r["text"] for r in _json(capsys))  # type: ignore[union-attr]
    assert main(["--db", db, "aliases", "remove", str(group["id"])]) == 0  # type: ignore[index]
    capsys.readouterr()
    assert main(["--db", db, "aliases", "list", "--json"]) == 0
    assert [g["terms"] for g in _json(capsys)] == [["Tadmur", "Palmyra"]]  # type: ignore[union-attr,index]
