"""Checks specific to SourceTrace bundles, run by the verifier after the BagIt checks.

- each document's original matches the SHA-256 recorded at import (``documents.json``);
- every excerpt quote (in ``claims.json`` and in ``annotations.jsonld``) is found exactly at
  its recorded code-point position in the stored text file;
- references between the files resolve (claims to documents, annotations to text files);
- ``report.html`` holds no script, no remote resource and no active content, and ``report.pdf``
  no action, script, link or embedded file (``app.bundles.pdfcheck``).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from app.bundles.pdfcheck import pdf_active_content
from app.bundles.sources import BagSource, BundleReadError

JSON_MAX = 512 * 1024 * 1024
ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "base", "form",
               "input", "button", "audio", "video", "source", "track", "portal", "svg", "math"}
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_CSS_REMOTE = re.compile(r"@import|url\(\s*[\"']?\s*(?!data:)[^)\s]", re.IGNORECASE)


class _ActiveContent(HTMLParser):
    """Finds what could run or fetch something: scripts, embeds, event handlers, remote URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            v = value or ""
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            elif name == "http-equiv" and v.lower() == "refresh":
                self.found.append("<meta http-equiv=refresh>")
            elif name in ("src", "srcset", "action", "formaction", "poster", "background", "data", "xlink:href") \
                    and v and not v.lower().startswith("data:"):
                self.found.append(f"{name}={v[:40]!r} on <{tag}>")
            elif name == "href" and v.strip().lower().startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"href={v[:40]!r}")
            elif name == "style" and _CSS_REMOTE.search(v):
                self.found.append(f"remote style on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_REMOTE.search(data):
            self.found.append("@import or url() in a <style> block")


def active_content(html: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def load_json(src: BagSource, report: Any, path: str) -> Any:
    if path not in src.files:
        report.error(path, "missing from the bundle")
        return None
    try:
        return json.loads(src.read(path, JSON_MAX).decode("utf-8"))
    except (BundleReadError, UnicodeDecodeError, ValueError) as exc:
        report.error(path, f"not readable JSON ({exc})")
        return None


def _texts(src: BagSource, report: Any, docs: list[Any]) -> dict[str, tuple[str, str]]:
    """sha256 -> (text path, text) for every document whose files check out."""
    out: dict[str, tuple[str, str]] = {}
    cache: dict[str, str] = {}
    for d in docs:
        if not isinstance(d, dict) or not isinstance(d.get("sha256"), str):
            report.error("data/documents.json", "a document entry without a sha256")
            continue
        sha, original, text_path = d["sha256"], d.get("original"), d.get("text")
        for key, path in (("original", original), ("text", text_path)):
            if not isinstance(path, str) or path not in src.files:
                report.error("data/documents.json", f"document {sha[:12]}: its {key} file {path!r} is not in the bag")
        if isinstance(original, str) and original in report.digests:
            found = report.digests[original].get("sha256")
            if found != sha:
                report.error(original, f"does not match the SHA-256 recorded at import in documents.json "
                                       f"(recorded {sha[:16]}…, found {str(found)[:16]}…)")
        if isinstance(text_path, str) and text_path in cache:
            out[sha] = (text_path, cache[text_path])
        elif isinstance(text_path, str) and text_path in src.files:
            try:
                cache[text_path] = src.read(text_path, JSON_MAX).decode("utf-8")
                out[sha] = (text_path, cache[text_path])
            except UnicodeDecodeError:
                report.error(text_path, "extracted text is not valid UTF-8")
            except BundleReadError as exc:
                report.error(text_path, str(exc))
    return out


def _check_quote(report: Any, where: str, text_path: str, text: str, start: Any, end: Any, exact: Any,
                 orphaned: bool = False) -> None:
    report.excerpts_checked += 1
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(exact, str)):
        report.error(where, "excerpt without integer start/end and an exact quote")
        return
    found = text[start:end] if 0 <= start <= end <= len(text) else None
    if found == exact:
        return
    if orphaned:
        report.warn(where, f"excerpt at {start}-{end} was already orphaned in the workspace "
                           "(its quote was lost when the document changed)")
        return
    shown = "outside the text" if found is None else repr(found[:60])
    report.error(where, f"quote {exact[:60]!r} is not at {start}-{end} of {text_path} (found {shown})")


def check_bundle_contents(src: BagSource, report: Any) -> None:
    docs_doc = load_json(src, report, "data/documents.json")
    docs = docs_doc.get("documents") if isinstance(docs_doc, dict) else None
    if not isinstance(docs, list):
        if docs_doc is not None:
            report.error("data/documents.json", "no 'documents' list")
        docs = []
    texts = _texts(src, report, docs)
    by_text_path = {p.removeprefix("data/"): (p, t) for p, t in texts.values()}

    claims_doc = load_json(src, report, "data/claims.json")
    claims = claims_doc.get("claims") if isinstance(claims_doc, dict) else None
    if claims_doc is not None and not isinstance(claims, list):
        report.error("data/claims.json", "no 'claims' list")
    for i, c in enumerate(claims or [], 1):
        if not isinstance(c, dict):
            report.error("data/claims.json", f"claim #{i} is not an object")
            continue
        for kind in ("appearances", "rejected"):
            for a in c.get(kind) or []:
                ex = a.get("excerpt") if isinstance(a, dict) else None
                if not isinstance(ex, dict):
                    report.error("data/claims.json", f"claim {c.get('id')}: an appearance without an excerpt")
                    continue
                sha = ex.get("document")
                if sha not in texts:
                    report.error("data/claims.json", f"claim {c.get('id')}: excerpt {ex.get('id')} refers to a "
                                                     f"document not in the bundle ({str(sha)[:12]})")
                    continue
                path, text = texts[sha]
                _check_quote(report, "data/claims.json", path, text, ex.get("start"), ex.get("end"),
                             ex.get("exact"), bool(ex.get("orphaned")))

    ann = load_json(src, report, "data/annotations.jsonld")
    items = ((ann or {}).get("first") or {}).get("items") if isinstance(ann, dict) else None
    if ann is not None and not isinstance(items, list):
        report.error("data/annotations.jsonld", "no annotation page with items")
    for item in items or []:
        target = item.get("target") if isinstance(item, dict) else None
        source = (target or {}).get("source") if isinstance(target, dict) else None
        rel = source.get("id") if isinstance(source, dict) else source
        if rel not in by_text_path:
            report.error("data/annotations.jsonld", f"annotation {item.get('id') if isinstance(item, dict) else '?'}"
                                                    f" targets {rel!r}, which is not a text file of the bundle")
            continue
        sel = {s.get("type"): s for s in (target.get("selector") or []) if isinstance(s, dict)}  # type: ignore[union-attr]
        quote, pos = sel.get("TextQuoteSelector"), sel.get("TextPositionSelector")
        if quote is None or pos is None:
            report.error("data/annotations.jsonld", f"annotation {item.get('id')}: needs a TextQuoteSelector "
                                                    "and a TextPositionSelector")
            continue
        path, text = by_text_path[rel]
        _check_quote(report, "data/annotations.jsonld", path, text, pos.get("start"), pos.get("end"),
                     quote.get("exact"), bool(item.get("sourcetrace:orphaned")))

    _check_reports(src, report)


def _check_reports(src: BagSource, report: Any) -> None:
    for path, viewer in (("data/report.html", "a browser"), ("data/report.pdf", "a PDF reader")):
        if path not in src.files:
            continue
        try:
            data = src.read(path, JSON_MAX)
        except BundleReadError as exc:
            report.error(path, str(exc))
            continue
        found = active_content(data.decode("utf-8", "replace")) if path.endswith(".html") \
            else pdf_active_content(data)
        if found:
            report.error(path, f"contains active or remote content ({'; '.join(found[:3])}); "
                               f"SourceTrace reports never do. Do not open it in {viewer}.")
