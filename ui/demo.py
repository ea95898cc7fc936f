"""A fresh demo workspace for ``sourcetrace --demo`` (built in a temporary folder, off the GUI thread).

Prefers the core's ``app.demo.build_demo(path)``; without it, imports the seed articles from
``resources/demo`` (or ``../shared/corpus/seeds``), adds the Palmyra aliases and traces the two
example claims with the services that exist.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SEED_DIRS = (REPO / "resources" / "demo", REPO.parent / "shared" / "corpus" / "seeds")
ALIASES = (["Daesh", "ISIS", "IS", "ISIL", "Islamic State"], ["Tadmur", "Palmyra"])
EXAMPLE_CLAIMS = (
    ("000", r"Assad ordered military forces to vacate Tadmur[^.\"”]*"),
    ("001", r"[^.]*oil for fertili[sz]er[^.]*"),
)


def demo_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="sourcetrace-demo-"))


def seed_files() -> list[Path]:
    for d in SEED_DIRS:
        files = sorted(p for p in d.glob("*.txt")) if d.is_dir() else []
        if files:
            return files
    return []


def build_demo_workspace(user: str | None = None, folder: Path | None = None) -> Any:
    """Build and open a new demo workspace; returns the open ``Workspace``."""
    from app.workspace import Workspace

    path = (folder or demo_folder()) / "demo.sourcetrace"
    try:
        from app.demo import build_demo  # type: ignore[import-not-found]
    except ImportError:
        build_demo = None
    if build_demo is not None:
        result = build_demo(path)
        if hasattr(result, "documents"):  # it returned the open workspace
            result.close()
        target = result if isinstance(result, str | Path) else path
        return Workspace.open(target, user=user)
    ws = Workspace.open(path, user=user)
    try:
        fallback_demo(ws)
    except Exception:
        ws.close()
        raise
    return ws


def fallback_demo(ws: Any) -> None:
    files = seed_files()
    if not files:
        return
    outcomes = ws.documents.import_paths(files, workers=0)
    ids_by_prefix = {Path(o.path or o.filename).name[:3]: o.id for o in outcomes if o.id is not None}
    matcher = _service(ws, "matcher")
    if matcher is not None and hasattr(matcher, "add_aliases"):
        for group in ALIASES:
            try:
                matcher.add_aliases(group)
            except Exception:
                pass
    claims = _service(ws, "claims")
    if claims is None or not hasattr(claims, "create"):
        return
    for prefix, pattern in EXAMPLE_CLAIMS:
        doc_id = ids_by_prefix.get(prefix)
        if doc_id is None:
            continue
        text = ws.documents.get(doc_id).text
        m = re.search(pattern, text)
        if m is None:
            continue
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in " ,;:":
            end -= 1
        claim = claims.create(" ".join(text[start:end].split()), source=(doc_id, start, end))
        threshold = getattr(matcher, "DEFAULT_THRESHOLD", 60) if matcher is not None else 60
        try:
            for cand in claims.candidates(claim.id, limit=10):
                if cand.score >= threshold and cand.document_id != doc_id:
                    claims.accept(claim.id, cand.key)
        except Exception:
            pass


def _service(ws: Any, name: str) -> Any:
    try:
        return getattr(ws, name)
    except (ImportError, AttributeError):
        return None
