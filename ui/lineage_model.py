"""The lineage of a claim, reduced to what the timeline draws (independent of the core's shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


@dataclass
class Node:
    key: str  # "a<appearance id>" or "o<origin index>"
    kind: str  # appearance | origin
    title: str
    outlet: str
    date: str | None  # YYYY[-MM[-DD]] or None when unknown
    relation: str = ""
    attributed: list[str] = field(default_factory=list)
    text: str = ""
    document_id: int | None = None
    start: int = 0
    end: int = 0
    earliest: bool = False
    derived_from: list[str] = field(default_factory=list)  # keys of the nodes this one derives from
    evidence: str = ""


@dataclass
class LineageData:
    claim_id: int
    claim_text: str
    nodes: list[Node]
    appearances: int
    independent_origins: int | None
    summary: str

    def header(self) -> str:
        n, m = self.appearances, self.independent_origins
        text = f"{n} appearance{'s' if n != 1 else ''}"
        if m is not None:
            text += f", {m} independent origin{'s' if m != 1 else ''}"
        return text


def _names(attributed: Any) -> list[str]:
    out = []
    for a in attributed or []:
        name = get(a, "name") if not isinstance(a, str) else a
        if name and name not in out:
            out.append(str(name))
    return out


def from_core(claim_id: int, lineage: Any) -> LineageData:
    """Convert ``ws.lineage.trace(claim_id)`` (``app.lineage.Lineage``) into ``LineageData``."""
    claim = get(lineage, "claim")
    claim_text = get(claim, "text", "") or ""
    earliest = get(lineage, "earliest")
    earliest_key = get(earliest, "key") if earliest is not None else None
    nodes: list[Node] = []
    for a in get(lineage, "appearances", []) or []:
        nodes.append(Node(
            key=str(get(a, "key")), kind="appearance",
            title=(get(a, "title") or get(a, "filename") or "").strip(),
            outlet=get(a, "outlet") or "", date=get(a, "published"),
            relation=(get(a, "relation") or "").replace("-", " ").replace("_", " "),
            attributed=_names(get(a, "attributed_to")), text=get(a, "text") or "",
            document_id=get(a, "document_id"), start=get(a, "start", 0) or 0, end=get(a, "end", 0) or 0,
            earliest=earliest_key is not None and get(a, "key") == earliest_key,
            derived_from=[str(get(r, "key")) for r in get(a, "derived_from", []) or [] if get(r, "key")],
        ))
    origins = list(get(lineage, "external_origins", []) or [])
    referenced = {k for n in nodes for k in n.derived_from}
    referenced |= {str(get(r, "key")) for o in origins for r in get(o, "derived_from", []) or []}
    for o in origins:
        key = str(get(o, "key"))
        if not (get(o, "cited_by") or get(o, "id") is not None or key in referenced):
            continue  # a name seen but not cited by any appearance of this claim
        nodes.append(Node(
            key=key, kind="origin", title=get(o, "name") or "unknown source", outlet=get(o, "kind") or "",
            date=get(o, "date"), evidence=get(o, "evidence") or "", document_id=get(o, "document_id"),
            derived_from=[str(get(r, "key")) for r in get(o, "derived_from", []) or [] if get(r, "key")],
        ))
    n_app = sum(1 for n in nodes if n.kind == "appearance")
    independent = get(lineage, "independent_origins")
    summary = get(lineage, "summary") or ""
    return LineageData(claim_id, claim_text, nodes, n_app, independent, str(summary))
