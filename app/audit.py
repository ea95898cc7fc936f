"""The append-only audit trail, written in the same transaction as the change it records.

The trail's increasing ids are also the workspace's change feed (see ``changes_since``):
the match index and other processes' windows catch up by reading what came after the last
id they saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import AuditEntry


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    user: str
    action: str
    entity: str
    entity_id: int | None
    claim_id: int | None
    document_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "user": self.user,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "claim_id": self.claim_id,
            "document_id": self.document_id,
            "before": self.before,
            "after": self.after,
        }


def record(
    session: Session,
    user: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    claim_id: int | None = None,
    document_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        user=user,
        action=action,
        entity=entity,
        entity_id=entity_id,
        claim_id=claim_id,
        document_id=document_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def _to_entry(row: AuditEntry) -> HistoryEntry:
    return HistoryEntry(
        row.id, row.at, row.user, row.action, row.entity, row.entity_id,
        row.claim_id, row.document_id, row.before, row.after,
    )


def history(
    session: Session, *, claim_id: int | None = None, document_id: int | None = None, limit: int | None = None
) -> list[HistoryEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id)
    if claim_id is not None:
        q = q.where(AuditEntry.claim_id == claim_id)
    if document_id is not None:
        q = q.where(AuditEntry.document_id == document_id)
    if limit is not None:
        q = q.limit(limit)
    return [_to_entry(r) for r in session.scalars(q)]


def changes_since(session: Session, after_id: int, actions: tuple[str, ...] = ()) -> list[HistoryEntry]:
    q = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
    if actions:
        q = q.where(or_(*[AuditEntry.action.like(a.replace("*", "%")) for a in actions]))
    return [_to_entry(r) for r in session.scalars(q)]


def last_id(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditEntry.id))) or 0)
