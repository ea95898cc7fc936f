"""The machine-readable files of a bundle, built deterministically from a ``Case``.

- ``documents.json``: every document with the SHA-256 recorded at import and where its
  original and extracted text are in the bag;
- ``claims.json``: claims with verdict, notes, appearances (excerpt anchors, relation,
  attribution, derived-from), rejected candidates, external origins and lineage;
- ``annotations.jsonld``: each excerpt as a W3C Web Annotation (TextQuoteSelector and
  TextPositionSelector on the extracted text);
- ``claimreview.jsonld``: a schema.org ClaimReview per claim that has a verdict (its author is
  the organisation named at export, else the person who gave the verdict);
- ``audit.jsonl``: the history of these claims and documents, one JSON object per line;
- ``appearances.csv``: one row per appearance, for spreadsheets.
"""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace
from typing import Any

from app.bundles.case import Case, CaseDocument
from app.excerpts import ANNO_CONTEXT, to_web_annotation

FORMAT = "sourcetrace-bundle/1"
RATINGS = {"true": 5, "mostly true": 4, "half true": 3, "mixed": 3, "misleading": 2, "mostly false": 2,
           "false": 1, "pants on fire": 1}


def dumps(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def documents_json(case: Case) -> bytes:
    docs = []
    for d in case.sorted_documents():
        docs.append({
            "sha256": d.sha256, "filename": d.filename, "media_type": d.media_type, "size": d.size,
            "title": d.title, "author": d.author, "outlet": d.outlet, "url": d.url,
            "published": d.published, "published_precision": d.published_precision, "language": d.language,
            "imported_at": d.imported_at, "imported_by": d.imported_by,
            "original": d.original_path, "text": d.text_path, "text_length": len(d.text),
            "pages": d.pages, "warnings": d.warnings, "meta_sources": d.meta_sources,
        })
    return dumps({"format": FORMAT, "documents": docs})


def claims_json(case: Case) -> bytes:
    return dumps({"format": FORMAT, "claims": case.claims})


def annotations_jsonld(case: Case) -> bytes:
    """One annotation per excerpt; its bodies name the claims it is an appearance of.

    Targets point at the extracted text in the bag (``text/...``, relative to this file),
    whose code-point positions the selectors use; ``dcterms:source`` is the original file."""
    by_excerpt: dict[str, dict[str, Any]] = {}
    for c in case.claims:
        for a in c["appearances"]:
            ex = a["excerpt"]
            doc = case.doc(a["document"])
            if ex["id"] not in by_excerpt:
                ann = to_web_annotation(
                    SimpleNamespace(**{k: ex[k] for k in ("id", "exact", "prefix", "suffix", "start", "end",
                                                          "created_by", "created_at")}),
                    SimpleNamespace(id=doc.sha256, sha256=doc.sha256, url=doc.url, filename=doc.filename),
                    source=doc.text_path.removeprefix("data/"), body=[], id_prefix="urn:sourcetrace:",
                )
                ann.pop("@context", None)  # the collection carries it
                ann["target"]["dcterms:source"] = doc.original_path.removeprefix("data/")
                ann["target"]["dcterms:identifier"] = f"urn:sha256:{doc.sha256}"
                if ex["orphaned"]:
                    ann["sourcetrace:orphaned"] = True  # its quote was not found again after the text changed
                by_excerpt[ex["id"]] = ann
            by_excerpt[ex["id"]]["body"].append({
                "type": "TextualBody", "purpose": "describing", "format": "text/plain",
                "value": f"Appearance of the claim: {c['text']}",
                "dcterms:relation": f"urn:sourcetrace:{c['id']}",
                "sourcetrace:relation": a["relation"],
            })
    items = [by_excerpt[k] for k in sorted(by_excerpt)]
    return dumps({
        "@context": [ANNO_CONTEXT, {"dcterms": "http://purl.org/dc/terms/", "sourcetrace": "urn:sourcetrace:vocab:"}],
        "id": "urn:sourcetrace:annotations", "type": "AnnotationCollection",
        "label": "Excerpts of the claims in this bundle", "total": len(items),
        "first": {"type": "AnnotationPage", "items": items},
    })


def _creative_work(doc: CaseDocument, quote: str | None = None) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "name": doc.label}
    if doc.url:
        work["url"] = doc.url
    if doc.published:
        work["datePublished"] = doc.published
    if doc.outlet:
        work["publisher"] = {"@type": "Organization", "name": doc.outlet}
    if doc.author:
        work["author"] = {"@type": "Person", "name": doc.author}
    work["identifier"] = f"urn:sha256:{doc.sha256}"
    if quote:
        work["text"] = quote
    return work


def _verdict_entry(case: Case, claim: dict[str, Any]) -> dict[str, Any] | None:
    for e in reversed(case.audit):
        if e["claim"] == claim["id"] and e["action"] == "claim.verdict":
            return e
    return None


def _first_appearance(c: dict[str, Any]) -> dict[str, Any] | None:
    """The earliest appearance in lineage order: the earliest dated one, else the first undated
    one (the timeline lists dated appearances by date, then undated ones)."""
    apps = {a["id"]: a for a in c["appearances"]}
    lineage = c["lineage"]
    first = lineage.get("earliest") or next(iter(lineage.get("timeline") or []), None)
    if first is None and c["appearances"]:
        first = c["appearances"][0]["id"]
    return apps.get(first or "")


def claimreview_jsonld(case: Case, organization: str | None = None) -> bytes:
    """A schema.org ClaimReview per claim with a verdict. Its ``author`` is the fact-checking
    organisation when one is given (``--organization``, the bag's Source-Organization), else the
    person who gave the verdict; so this file, unlike the rest of the payload, depends on the
    organisation named at export."""
    graph = []
    for c in case.claims:
        if not c["verdict"]:
            continue
        verdict = str(c["verdict"])
        rating: dict[str, Any] = {"@type": "Rating", "alternateName": verdict[:1].upper() + verdict[1:]}
        value = RATINGS.get(verdict.lower())
        if value is not None:
            rating.update({"ratingValue": value, "bestRating": 5, "worstRating": 1})
        if c["verdict_note"]:
            rating["ratingExplanation"] = c["verdict_note"]
        item: dict[str, Any] = {
            "@type": "Claim",
            "appearance": [_creative_work(case.doc(a["document"]), a["excerpt"]["exact"]) for a in c["appearances"]],
        }
        earliest = _first_appearance(c)
        if earliest is not None:
            item["firstAppearance"] = _creative_work(case.doc(earliest["document"]), earliest["excerpt"]["exact"])
        roots = [o for o in c["lineage"].get("origins", []) if not o["derived_from"]] or c["external_origins"]
        if roots:
            o = roots[0]
            item["author"] = {"@type": "Person" if o["kind"] == "person" else "Organization", "name": o["name"]}
        entry = _verdict_entry(case, c)
        reviewer = entry["user"] if entry else (c["updated_by"] or c["created_by"])
        when = (entry["at"] if entry else c["updated_at"] or c["created_at"] or "")[:10]
        author = {"@type": "Organization", "name": organization} if organization else \
            {"@type": "Person", "name": reviewer}
        graph.append({
            "@type": "ClaimReview", "@id": f"urn:sourcetrace:review:{c['id']}",
            "claimReviewed": c["text"], "reviewRating": rating, "itemReviewed": item,
            "author": author, "datePublished": when,
        })
    return dumps({"@context": "https://schema.org", "@graph": graph})


def audit_jsonl(case: Case) -> bytes:
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in case.audit).encode("utf-8")


def attribution_text(attributed: list[dict[str, Any]]) -> str:
    return "; ".join(f"{a.get('name')} ({a.get('kind')})" if a.get("kind") else str(a.get("name"))
                     for a in attributed if a.get("name"))


def appearances_csv(case: Case) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["claim_id", "claim", "verdict", "document", "outlet", "published", "relation",
                "quoted_text", "attributed_to", "start", "end", "derived_from", "document_sha256", "file"])
    for c in case.claims:
        for a in c["appearances"]:
            doc = case.doc(a["document"])
            w.writerow([c["id"], c["text"], c["verdict"] or "", doc.label, doc.outlet or "", doc.published or "",
                        a["relation"] or "", a["excerpt"]["exact"], attribution_text(a["attributed_to"]),
                        a["excerpt"]["start"], a["excerpt"]["end"], a["derived_from"] or "", doc.sha256,
                        doc.original_path.removeprefix("data/")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
