"""Field values of an imported bundle, checked against the rules the app itself applies.

A bundle can be checksum-valid and still hold values SourceTrace never writes (a hand-edited
``claims.json`` resealed with new manifests, another tool's export). The importer refuses such a
bundle, naming the entry and the field, rather than storing a verdict no one can choose in the
app, or re-exporting it as a ClaimReview rating:

- verdicts are ratings ``app.claims.normalize_rating`` accepts (stored in its normal form);
- statuses are ``app.claims.STATUSES``; relations ``app.attribution.relation.RELATIONS``; the
  relation's source ``auto`` or ``user``; origin kinds ``app.claims.KINDS``;
- dates are ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (as the document editor accepts), their precision
  one of ``day``, ``month``, ``year``, ``unknown``; times are ISO 8601 with a time zone;
- texts are text, lists are lists, numbers numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.attribution.relation import RELATIONS
from app.bundles.contents import kind_of
from app.claims import KINDS, STATUSES, normalize_rating
from app.claims.helpers import norm_tags

PRECISIONS = ("day", "month", "year", "unknown")
RELATION_SOURCES = ("auto", "user")
_DATE_FORMATS = {10: "%Y-%m-%d", 7: "%Y-%m", 4: "%Y"}


class BadValue(ValueError):
    """A field's value is not one SourceTrace accepts; the message names the field."""


def text(d: dict[str, Any], key: str, *, optional: bool = False, limit: int = 1_000_000,
         nonempty: bool = False) -> Any:
    v = d.get(key)
    if v is None and optional:
        return None
    if v is None:
        raise BadValue(f"'{key}' is missing")
    if not isinstance(v, str):
        raise BadValue(f"'{key}' must be text, found {kind_of(v)}")
    if len(v) > limit:
        raise BadValue(f"'{key}' is longer than {limit} characters")
    if nonempty and not v.strip():
        raise BadValue(f"'{key}' is empty")
    return v


def whole(d: dict[str, Any], key: str) -> int:
    v = d.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise BadValue(f"'{key}' must be a whole number, found {kind_of(v)}")
    return v


def when(d: dict[str, Any], key: str, *, optional: bool = False) -> datetime | None:
    v = text(d, key, optional=optional, limit=64)
    if v is None:
        return None
    try:
        parsed = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(f"'{key}' is not an ISO 8601 date-time: {v!r}") from None
    if parsed.tzinfo is None:
        raise BadValue(f"'{key}' has no time zone: {v!r} (SourceTrace writes UTC times ending in Z)")
    return parsed.astimezone(UTC)  # as case.parse_iso gives it, without parsing twice


def one_of(d: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None) -> Any:
    v = d.get(key)
    if v is None:
        return default
    if v not in allowed:
        raise BadValue(f"'{key}' is {v!r}, which SourceTrace does not know (use one of: {', '.join(allowed)})")
    return v


def verdict(d: dict[str, Any]) -> str | None:
    v = text(d, "verdict", optional=True, limit=64)
    try:
        return normalize_rating(v)
    except ValueError as exc:
        raise BadValue(f"'verdict': {exc}") from None


def status(d: dict[str, Any]) -> str:
    return str(one_of(d, "status", STATUSES, "open"))


def relation(d: dict[str, Any]) -> str | None:
    return one_of(d, "relation", RELATIONS, None)  # type: ignore[no-any-return]


def relation_source(d: dict[str, Any]) -> str:
    return str(one_of(d, "relation_source", RELATION_SOURCES, "auto"))


def kind(d: dict[str, Any]) -> str:
    return str(one_of(d, "kind", KINDS, "outlet"))


def date(d: dict[str, Any], key: str, precision_key: str) -> tuple[str | None, str]:
    """A publication or origin date and its precision, as the app stores them."""
    v = text(d, key, optional=True, limit=10)
    precision = str(one_of(d, precision_key, PRECISIONS, "unknown"))
    if v is None or v == "":
        return None, "unknown" if v == "" else precision
    fmt = _DATE_FORMATS.get(len(v))
    try:
        if fmt is None:
            raise ValueError
        datetime.strptime(v, fmt)
    except ValueError:
        raise BadValue(f"'{key}' must be YYYY-MM-DD, YYYY-MM or YYYY, not {v!r}") from None
    return v, precision


def list_of(d: dict[str, Any], key: str, item: type, what: str) -> list[Any]:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, item) for x in v):
        raise BadValue(f"'{key}' must be a list of {what}, found {kind_of(v)}")
    return list(v)


def tags(d: dict[str, Any]) -> list[str]:
    """The claim's tags, cleaned as the app cleans tags it is given."""
    return norm_tags(list_of(d, "tags", str, "texts"))


def attribution(d: dict[str, Any]) -> list[dict[str, Any]]:
    items = list_of(d, "attributed_to", dict, "objects")
    for a in items:
        if not isinstance(a.get("name"), str) or not a["name"].strip():
            raise BadValue("'attributed_to': every entry needs a 'name' (text)")
        if a.get("kind") is not None and a["kind"] not in KINDS:
            raise BadValue(f"'attributed_to': kind {a['kind']!r} is not one of: {', '.join(KINDS)}")
    return items


def score(d: dict[str, Any]) -> float | None:
    v = d.get("score")
    if v is None:
        return None
    if not isinstance(v, int | float) or isinstance(v, bool):
        raise BadValue(f"'score' must be a number, found {kind_of(v)}")
    return v
