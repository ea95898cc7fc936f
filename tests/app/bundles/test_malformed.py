"""Malformed but checksum-valid members (resealed with new manifests): verify reports each
problem once, clearly, naming the file and the entry; import refuses the bundle with a message.
Neither ever ends in a traceback (RecursionError, TypeError, KeyError...)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.bundles.importer import BundleFormatError, BundleRejected, import_bundle
from app.bundles.verify import verify_path
from app.workspace import Workspace
from db.models import Claim, Document
from tests.app.bundles.helpers import reseal

DEEP = b"[" * 200_000


pytestmark = pytest.mark.usefixtures("no_renderer")  # report.pdf is tested on its own


def _json_edit(fn: Callable[[Any], Any]) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        doc = json.loads(data)
        return json.dumps(fn(doc) or doc).encode()
    return edit


def _refused(bundle: Path, tmp_path: Path) -> BundleRejected:
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        with pytest.raises(BundleRejected) as info:
            import_bundle(other, bundle)
        with other.db.reading() as s:
            assert s.query(Claim).count() == 0 and s.query(Document).count() == 0
    return info.value


@pytest.mark.parametrize("member", ["data/claims.json", "data/annotations.jsonld", "data/claimreview.jsonld",
                                    "data/documents.json", "data/audit.jsonl"])
def test_json_nested_too_deeply_is_a_finding(bundle: Path, tmp_path: Path, member: str) -> None:
    forged = reseal(bundle, tmp_path / "deep.zip", {member: lambda _d: DEEP})
    report = verify_path(forged)
    assert not report.ok
    mine = [f for f in report.errors if f.path == member]
    assert mine and "JSON nested too deeply" in mine[0].message, report.format_text()
    assert "JSON nested too deeply" in report.format_text()
    assert "failed verification" in str(_refused(forged, tmp_path))


def test_nesting_within_pythons_limit_is_refused_too(bundle: Path, tmp_path: Path) -> None:
    """Not deep enough to break the parser, but deeper than any SourceTrace file (later code
    walking it must not hit the recursion limit either)."""
    forged = reseal(bundle, tmp_path / "deep.zip", {"data/claims.json": _json_edit(
        lambda d: d["claims"][0].__setitem__("notes", json.loads("[" * 500 + "]" * 500)))})
    errors = [f.message for f in verify_path(forged).errors]
    assert errors == ["JSON nested too deeply (more than 64 levels)"]


def test_wrong_types_get_one_clear_message_each(bundle: Path, tmp_path: Path) -> None:
    def docs(d: Any) -> None:
        d["documents"] = [5, "x", None, {"sha256": ["not", "text"]}]

    def claims(d: Any) -> None:
        c = d["claims"][0]
        c["appearances"] = [{"excerpt": {"document": ["x"], "start": 1}}, 5, {"excerpt": 3}]
        c["rejected"] = 7
        d["claims"].append("a claim as text")

    def annotations(d: Any) -> None:
        items = d["first"]["items"]
        items[0]["target"]["source"] = ["a"]
        items[1]["target"]["selector"] = 5
        items.append(3)

    forged_docs = reseal(bundle, tmp_path / "docs.zip", {"data/documents.json": _json_edit(docs)})
    forged = reseal(bundle, tmp_path / "types.zip", {
        "data/claims.json": _json_edit(claims), "data/annotations.jsonld": _json_edit(annotations),
        "data/claimreview.jsonld": lambda _d: b'{"@graph": {"a": 1}}',
        "data/audit.jsonl": lambda d: d + b"[1, 2]\n",
    })
    for path, expected_messages in ((forged_docs, (
        "data/documents.json: document #1: expected an object, found a number",
        "data/documents.json: document #2: expected an object, found text",
        "data/documents.json: document #3: expected an object, found null",
        "data/documents.json: document #4: 'sha256' is a list, not a SHA-256 (64 hex digits)",
    )), (forged, (
        "excerpt #1: 'document' must be a document's SHA-256, found a list",
        "appearance #2 is not an appearance with an excerpt (found a number)",
        "appearance #3 is not an appearance with an excerpt (it has no 'excerpt' object)",
        "'rejected' must be a list, found a number",
        "data/claims.json: claim #3: expected an object, found text",
        "needs a target whose source names a text file of the bundle",
        "needs a TextQuoteSelector and a TextPositionSelector",
        "data/annotations.jsonld: annotation #5: expected an object, found a number",
        "data/claimreview.jsonld: no '@graph' list of reviews",
        "data/audit.jsonl: line 19: expected a JSON object, found a list",
    ))):
        report = verify_path(path)
        messages = [f"{f.path}: {f.message}" for f in report.errors]
        text = "\n".join(messages)
        assert len(messages) == len(set(messages)), text  # no message repeated
        for expected in expected_messages:
            assert expected in text, f"{expected!r} not in\n{text}"
        assert not any(f.path == "" for f in report.errors), text  # not the "could not be checked" fallback
        _refused(path, tmp_path)


def test_import_names_a_malformed_audit_entry(bundle: Path, tmp_path: Path) -> None:
    """Things verify does not look into are still refused by the importer with a message."""
    def audit(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        entry = json.loads(lines[0])
        entry["claim"] = ["not", "an", "id"]
        return ("\n".join([json.dumps(entry), *lines[1:]]) + "\n").encode()

    forged = reseal(bundle, tmp_path / "audit.zip", {"data/audit.jsonl": audit})
    assert verify_path(forged).ok
    exc = _refused(forged, tmp_path)
    assert isinstance(exc, BundleFormatError)
    assert "audit.jsonl line 1: 'claim' must be a claim id, found a list" in str(exc)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("verdict", "totally-bogus", "'verdict': unknown rating 'totally-bogus'"),
    ("verdict", 3, "'verdict' must be text, found a number"),
    ("status", "archived", "'status' is 'archived', which SourceTrace does not know"),
    ("text", "  ", "'text' is empty"),
    ("tags", "tag", "'tags' must be a list of texts, found text"),
    ("created_at", "2024-05-01T10:00:00", "'created_at' has no time zone"),
    ("updated_at", "yesterday", "'updated_at' is not an ISO 8601 date-time"),
])
def test_claim_values_the_app_would_not_accept_are_refused(bundle: Path, tmp_path: Path, field: str, value: Any,
                                                           message: str) -> None:
    forged = reseal(bundle, tmp_path / "bad.zip", {"data/claims.json": _json_edit(
        lambda d: d["claims"][0].__setitem__(field, value))})
    assert verify_path(forged).ok  # checksums and structure are fine: values are the importer's business
    exc = _refused(forged, tmp_path)
    assert isinstance(exc, BundleFormatError) and message in str(exc), str(exc)
    assert "nothing was imported" in str(exc)


@pytest.mark.parametrize(("where", "field", "value", "message"), [
    ("appearance", "relation", "rumour", "'relation' is 'rumour'"),
    ("appearance", "relation_source", "ai", "'relation_source' is 'ai'"),
    ("appearance", "score", "high", "'score' must be a number"),
    ("appearance", "attributed_to", [{"kind": "person"}], "every entry needs a 'name'"),
    ("origin", "kind", "agency", "'kind' is 'agency'"),
    ("origin", "date", "3 May 2016", "'date' must be YYYY-MM-DD, YYYY-MM or YYYY"),
    ("origin", "date_precision", "week", "'date_precision' is 'week'"),
    ("document", "published", "2016-13-01", "'published' must be YYYY-MM-DD, YYYY-MM or YYYY"),
    ("document", "published_precision", "hour", "'published_precision' is 'hour'"),
])
def test_other_values_are_checked(bundle: Path, tmp_path: Path, where: str, field: str, value: Any,
                                  message: str) -> None:
    def claims(d: Any) -> None:
        c = d["claims"][1]
        target = c["appearances"][0] if where == "appearance" else c["external_origins"][0]
        target[field] = value

    member = "data/documents.json" if where == "document" else "data/claims.json"
    edit = _json_edit(lambda d: d["documents"][0].__setitem__(field, value)) if where == "document" \
        else _json_edit(claims)
    forged = reseal(bundle, tmp_path / "bad.zip", {member: edit})
    exc = _refused(forged, tmp_path)
    assert isinstance(exc, BundleFormatError) and message in str(exc), str(exc)


def test_accepted_spellings_of_a_verdict_are_stored_normalized(bundle: Path, tmp_path: Path) -> None:
    forged = reseal(bundle, tmp_path / "spelled.zip", {"data/claims.json": _json_edit(
        lambda d: d["claims"][0].__setitem__("verdict", "Mostly-True"))})
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        rep = import_bundle(other, forged)
        with other.db.reading() as s:
            assert s.get(Claim, rep.claims_created[0]["id"]).verdict == "mostly true"
