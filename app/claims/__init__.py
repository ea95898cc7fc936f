"""Claims: statements being checked, their appearances in documents, verdicts and origins.

``ClaimService`` (``ws.claims``) returns plain dataclasses. Every change is recorded in the audit
trail in the same transaction (``claim.create``, ``claim.edit``, ``claim.verdict``,
``claim.delete``, ``appearance.accept``, ``appearance.reject``, ``appearance.unreject``,
``appearance.edit``, ``appearance.remove``, ``excerpt.create``, ``origin.add``, ``origin.link``),
with the state before and after.

Candidates come from the matcher (``ws.matcher.search``) and never include a span that overlaps
an appearance of the claim, accepted or rejected, by half of the shorter span or more (so a
rejected sentence is not proposed again as one of its clauses), nor text equal to a rejected one.
Claim edits use optimistic concurrency (``version_id``): a stale ``expected_version`` raises
``db.errors.ConflictError`` carrying both versions.
"""

from app.claims.helpers import normalize_rating, overlaps, parse_span
from app.claims.service import ClaimService
from app.claims.types import (
    KINDS,
    OVERLAP,
    RATINGS,
    STATUSES,
    AppearanceInfo,
    Candidate,
    ClaimDetail,
    ClaimSummary,
    OriginInfo,
    Span,
)

__all__ = [
    "KINDS",
    "OVERLAP",
    "RATINGS",
    "STATUSES",
    "AppearanceInfo",
    "Candidate",
    "ClaimDetail",
    "ClaimService",
    "ClaimSummary",
    "OriginInfo",
    "Span",
    "normalize_rating",
    "overlaps",
    "parse_span",
]
