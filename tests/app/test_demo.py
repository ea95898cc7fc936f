"""The demo workspace: seeds, aliases and two traced example claims, built fast."""

from __future__ import annotations

import time
from pathlib import Path

from app.demo import CLAIM_1, CLAIM_2, build_demo, demo_files
from app.workspace import Workspace


def test_demo_resources_are_the_seed_articles() -> None:
    names = [p.name[:3] for p in demo_files()]
    assert names == ["000", "001", "002", "003", "004"]


def test_build_demo(tmp_path: Path) -> None:
    target = tmp_path / "demo" / "demo.sourcetrace"
    target.parent.mkdir()
    target.write_bytes(b"an old file that must be replaced")
    t0 = time.perf_counter()
    assert build_demo(target) == target
    elapsed = time.perf_counter() - t0
    print(f"\ndemo built in {elapsed:.2f} s")
    assert elapsed < 10  # ~1-2 s on the reference machine; generous for slow CI
    ws = Workspace.open(target, user="viewer")
    try:
        assert len(ws.documents.list()) == 5
        flat = {t for g in ws.matcher.aliases() for t in g.terms}
        assert {"Daesh", "ISIS", "IS", "ISIL", "Islamic State", "Tadmur", "Palmyra"} <= flat
        c1, c2 = ws.claims.list()
        assert (c1.text, c2.text) == (CLAIM_1, CLAIM_2)
        d1, d2 = ws.claims.get(c1.id), ws.claims.get(c2.id)
        assert [a.filename[:3] for a in d1.appearances] == ["000", "004"]
        assert d1.verdict == "unproven" and d1.verdict_note
        assert [a.filename[:3] for a in d2.appearances] == ["001", "004"]
        assert [o.name for o in d2.external_origins] == ["Sky News"]
        assert d2.external_origins[0].date == "2016-05-03"
        lin = ws.lineage.trace(c2.id)
        assert lin.summary == "2 appearances, 1 independent origin"
        lin1 = ws.lineage.trace(c1.id)
        assert lin1.earliest is not None and lin1.earliest.published == "2016-02-14"
    finally:
        ws.close()
