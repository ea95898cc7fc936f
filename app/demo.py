"""The demo workspace behind ``sourcetrace --demo``: the seed articles, the Palmyra aliases and two
traced example claims, so a new user sees the point of the tool in the first minute.

``build_demo(path)`` writes a fresh workspace file at ``path`` (replacing one that is there) from
``resources/demo/*.txt`` and returns the path. It takes a second or two.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parents[1] / "resources" / "demo"
DEMO_USER = "demo"
ALIASES = (("Daesh", "ISIS", "IS", "ISIL", "Islamic State"), ("Tadmur", "Palmyra"))

CLAIM_1 = "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum"
CLAIM_1_LATER = "Assad withdrew his forces to let ISIS take Palmyra"
CLAIM_1_NOTE = (
    "One first-hand source: Mohamed Qassim, Tadmur's former attorney-general, interviewed in February 2016. "
    "The later summary repeats the withdrawal story citing documents obtained by Sky News; neither shows "
    "the order itself."
)
CLAIM_2 = "A deal between IS and Syria to trade oil for fertiliser"
CLAIM_2_LATER = "both sides were trading oil for fertiliser"
CLAIM_2_NOTE = "Both documents rest on the IS files Sky News obtained (report of 3 May 2016); import it to link the origin."
# dates printed in the articles' own datelines, used only if the importer could not read them
KNOWN_DATES = {"000": "2016-02-14", "001": "2016-05-06"}


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.txt"))


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
              path.with_name(path.name + "-shm")):
        if p.exists():
            p.unlink()


def _span(text: str, phrase: str) -> tuple[int, int]:
    i = text.find(phrase)
    if i < 0:
        raise RuntimeError(f"demo data changed: {phrase!r} not found")
    return i, i + len(phrase)


def _accept_later(ws: Any, claim_id: int, doc_id: int, text: str, phrase: str) -> None:
    """Accept the matcher's candidate for ``phrase`` in ``doc_id`` (the passage as found by the
    matcher), or the phrase itself when the matcher does not propose it."""
    a, b = _span(text, phrase)
    for cand in ws.claims.candidates(claim_id, limit=30, min_score=0):
        if cand.document_id == doc_id and cand.start <= a and b <= cand.end:
            ws.claims.accept(claim_id, cand.key)
            return
    ws.claims.accept(claim_id, (doc_id, a, b))


def build_demo(path: str | os.PathLike[str]) -> Path:
    """Create a fresh demo workspace at ``path`` and return its path."""
    from app.workspace import Workspace

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove(target)
    ws = Workspace.open(target, user=DEMO_USER, backup_before_migrate=False)
    try:
        outcomes = ws.documents.import_paths(demo_files(), workers=0)
        ids = {Path(o.path or o.filename).name[:3]: int(o.id) for o in outcomes if o.id is not None}
        for prefix, date in KNOWN_DATES.items():
            if prefix in ids and ws.documents.info(ids[prefix]).published is None:
                ws.documents.update_metadata(ids[prefix], published=date)
        for group in ALIASES:
            ws.matcher.add_aliases(list(group))

        interview, blog, summary = ids["000"], ids["001"], ids["004"]
        summary_text = ws.documents.get(summary).text
        c1 = ws.claims.create(CLAIM_1, source=(interview, *_span(ws.documents.get(interview).text, CLAIM_1)),
                              tags=["Palmyra", "demo"])
        _accept_later(ws, c1.id, summary, summary_text, CLAIM_1_LATER)
        ws.claims.set_verdict(c1.id, "unproven", CLAIM_1_NOTE)
        ws.claims.update(c1.id, status="done")

        c2 = ws.claims.create(CLAIM_2, source=(blog, *_span(ws.documents.get(blog).text, CLAIM_2)),
                              tags=["Palmyra", "demo"], notes=CLAIM_2_NOTE)
        _accept_later(ws, c2.id, summary, summary_text, CLAIM_2_LATER)
        ws.claims.update(c2.id, status="in review")

        ws.lineage.trace(c1.id)
        ws.lineage.trace(c2.id)
    finally:
        ws.close()
    return target
