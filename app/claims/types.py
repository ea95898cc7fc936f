"""Constants and the plain dataclasses ``ClaimService`` returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

RATINGS = ("true", "mostly true", "half true", "misleading", "mostly false", "false", "unproven")
STATUSES = ("open", "in review", "done")
KINDS = ("person", "outlet")
OVERLAP = 0.5

Span = tuple[int, int, int]


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def _jsonable(obj: Any) -> dict[str, Any]:
    d = asdict(obj)
    for k, v in list(d.items()):
        if isinstance(v, datetime):
            d[k] = v.isoformat()
    return d


@dataclass(frozen=True)
class AppearanceInfo:
    id: int
    excerpt_id: int
    document_id: int
    filename: str
    title: str | None
    outlet: str | None
    published: str | None
    published_precision: str
    start: int
    end: int
    text: str
    score: float | None
    relation: str | None
    relation_source: str
    attributed_to: list[dict[str, Any]]
    derived_from_id: int | None
    orphaned: bool
    created_by: str
    created_at: datetime
    state: str = "accepted"
    version: int = 1
    author: str | None = None

    @property
    def key(self) -> str:
        return f"{self.document_id}:{self.start}:{self.end}"

    def to_json(self) -> dict[str, Any]:
        return {**_jsonable(self), "key": self.key}


@dataclass(frozen=True)
class OriginInfo:
    id: int
    claim_id: int
    name: str
    kind: str
    date: str | None
    date_precision: str
    document_id: int | None
    evidence: str
    created_by: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class ClaimSummary:
    id: int
    text: str
    status: str
    verdict: str | None
    appearances: int
    documents: int
    updated_at: datetime
    version: int

    def to_json(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class ClaimDetail:
    id: int
    text: str
    notes: str
    tags: list[str]
    status: str
    verdict: str | None
    verdict_note: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    appearances: list[AppearanceInfo] = field(default_factory=list)
    rejected: list[AppearanceInfo] = field(default_factory=list)
    external_origins: list[OriginInfo] = field(default_factory=list)
    updated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in _jsonable(self).items() if k not in ("appearances", "rejected", "external_origins")}
        d["appearances"] = [a.to_json() for a in self.appearances]
        d["rejected"] = [a.to_json() for a in self.rejected]
        d["external_origins"] = [o.to_json() for o in self.external_origins]
        return d


@dataclass(frozen=True)
class Candidate:
    key: str
    document_id: int
    filename: str
    title: str | None
    published: str | None
    start: int
    end: int
    text: str
    score: float
    explanation: dict[str, Any]
    relation: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
