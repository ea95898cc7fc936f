"""Checks specific to SourceTrace bundles, run by the verifier after the BagIt checks.

- each document's original matches the SHA-256 recorded at import (``documents.json``);
- every excerpt quote (in ``claims.json`` and in ``annotations.jsonld``) is found exactly at
  its recorded code-point position in the stored text file;
- references between the files resolve (claims to documents, annotations to text files);
- every JSON member (``documents.json``, ``claims.json``, ``annotations.jsonld``,
  ``claimreview.jsonld``, each line of ``audit.jsonl``) is readable JSON of the expected shape;
  anything else (a wrong type, a missing key, JSON nested too deeply) is a finding naming the
  file and the entry, never an exception;
- ``report.html`` holds no script, no remote resource and no active content, and ``report.pdf``
  no action, script, link or embedded file (``app.bundles.pdfcheck``).

Field values (verdicts, statuses, dates) are checked by the importer, which refuses a bundle
whose values SourceTrace would not accept.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from app.bundles.pdfcheck import pdf_active_content
from app.bundles.sources import BagSource, BundleReadError

JSON_MAX = 512 * 1024 * 1024
MAX_DEPTH = 64  # SourceTrace's files nest about 8 levels deep
MAX_LINE_FINDINGS = 5
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


class JsonProblem(ValueError):
    """A member is not JSON of the expected shape; the message says what is wrong."""


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values() if isinstance(x, dict | list))
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v if isinstance(x, dict | list))
    return False


def parse_json(data: bytes) -> Any:
    """Parse a member's JSON; raises ``JsonProblem`` (never ``RecursionError``) saying what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonProblem(f"not UTF-8 text (invalid byte at {exc.start})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonProblem("JSON nested too deeply") from None
    except ValueError as exc:
        raise JsonProblem(f"not readable JSON ({exc})") from None
    if _too_deep(value, MAX_DEPTH):
        raise JsonProblem(f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
    return value


def load_json(src: BagSource, report: Any, path: str) -> Any:
    if path not in src.files:
        report.error(path, "missing from the bundle")
        return None
    try:
        return parse_json(src.read(path, JSON_MAX))
    except JsonProblem as exc:
        report.error(path, str(exc))
    except BundleReadError as exc:
        report.error(path, f"cannot read: {exc}")
    return None


def _list_in(src: BagSource, report: Any, path: str, key: str) -> list[Any]:
    """``doc[key]`` of a JSON object member, or [] after a finding saying why not."""
    doc = load_json(src, report, path)
    if doc is None:
        return []
    if not isinstance(doc, dict):
        report.error(path, f"expected an object holding a '{key}' list, found {kind_of(doc)}")
        return []
    items = doc.get(key)
    if not isinstance(items, list):
        report.error(path, f"no '{key}' list" if items is None else f"'{key}' must be a list, found {kind_of(items)}")
        return []
    return items


def _texts(src: BagSource, report: Any, docs: list[Any]) -> dict[str, tuple[str, str]]:
    """sha256 -> (text path, text) for every document whose files check out."""
    out: dict[str, tuple[str, str]] = {}
    cache: dict[str, str] = {}
    where = "data/documents.json"
    for i, d in enumerate(docs, 1):
        if not isinstance(d, dict):
            report.error(where, f"document #{i}: expected an object, found {kind_of(d)}")
            continue
        sha = d.get("sha256")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            found = "missing" if sha is None else f"{kind_of(sha)}, not a SHA-256 (64 hex digits)"
            report.error(where, f"document #{i}: 'sha256' is {found}")
            continue
        original, text_path = d.get("original"), d.get("text")
        for key, path in (("original", original), ("text", text_path)):
            if not isinstance(path, str):
                report.error(where, f"document {sha[:12]}: '{key}' must be the path of a file in the bag, "
                                    f"found {kind_of(path)}")
            elif path not in src.files:
                report.error(where, f"document {sha[:12]}: its {key} file {path!r} is not in the bag")
        if isinstance(original, str) and original in report.digests:
            found_sha = report.digests[original].get("sha256")
            if found_sha != sha:
                report.error(original, f"does not match the SHA-256 recorded at import in documents.json "
                                       f"(recorded {sha[:16]}…, found {str(found_sha)[:16]}…)")
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
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(exact, str)) \
            or isinstance(start, bool) or isinstance(end, bool):
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


def _label(item: dict[str, Any], fallback: str) -> str:
    ident = item.get("id")
    return ident if isinstance(ident, str) and ident else fallback


def _check_claims(report: Any, claims: list[Any], texts: dict[str, tuple[str, str]]) -> None:
    where = "data/claims.json"
    for i, c in enumerate(claims, 1):
        if not isinstance(c, dict):
            report.error(where, f"claim #{i}: expected an object, found {kind_of(c)}")
            continue
        cid = _label(c, f"#{i}")
        for kind, one in (("appearances", "appearance"), ("rejected", "rejected candidate")):
            apps = c.get(kind)
            if apps is None:
                continue
            if not isinstance(apps, list):
                report.error(where, f"claim {cid}: '{kind}' must be a list, found {kind_of(apps)}")
                continue
            for j, a in enumerate(apps, 1):
                ex = a.get("excerpt") if isinstance(a, dict) else None
                if not isinstance(ex, dict):
                    what = f"found {kind_of(a)}" if not isinstance(a, dict) else "it has no 'excerpt' object"
                    report.error(where, f"claim {cid}: {one} #{j} is not an appearance with an excerpt ({what})")
                    continue
                sha, ex_id = ex.get("document"), _label(ex, f"#{j}")
                if not isinstance(sha, str):
                    report.error(where, f"claim {cid}: excerpt {ex_id}: 'document' must be a document's SHA-256, "
                                        f"found {kind_of(sha)}")
                    continue
                if sha not in texts:
                    report.error(where, f"claim {cid}: excerpt {ex_id} refers to a "
                                        f"document not in the bundle ({sha[:12]})")
                    continue
                path, text = texts[sha]
                _check_quote(report, where, path, text, ex.get("start"), ex.get("end"),
                             ex.get("exact"), bool(ex.get("orphaned")))


def _check_annotations(src: BagSource, report: Any, by_text_path: dict[str, tuple[str, str]]) -> None:
    where = "data/annotations.jsonld"
    ann = load_json(src, report, where)
    if ann is None:
        return
    page = ann.get("first") if isinstance(ann, dict) else None
    items = page.get("items") if isinstance(page, dict) else None
    if not isinstance(items, list):
        report.error(where, "no annotation page with items" if isinstance(ann, dict)
                     else f"expected an annotation collection (an object), found {kind_of(ann)}")
        return
    for k, item in enumerate(items, 1):
        if not isinstance(item, dict):
            report.error(where, f"annotation #{k}: expected an object, found {kind_of(item)}")
            continue
        aid = _label(item, f"#{k}")
        target = item.get("target")
        source = target.get("source") if isinstance(target, dict) else None
        rel = source.get("id") if isinstance(source, dict) else source
        if not isinstance(target, dict) or not isinstance(rel, str):
            report.error(where, f"annotation {aid}: needs a target whose source names a text file of the bundle")
            continue
        if rel not in by_text_path:
            report.error(where, f"annotation {aid} targets {rel!r}, which is not a text file of the bundle")
            continue
        selectors = target.get("selector")
        selectors = [selectors] if isinstance(selectors, dict) else selectors if isinstance(selectors, list) else []
        sel = {s["type"]: s for s in selectors if isinstance(s, dict) and isinstance(s.get("type"), str)}
        quote, pos = sel.get("TextQuoteSelector"), sel.get("TextPositionSelector")
        if quote is None or pos is None:
            report.error(where, f"annotation {aid}: needs a TextQuoteSelector and a TextPositionSelector")
            continue
        path, text = by_text_path[rel]
        _check_quote(report, where, path, text, pos.get("start"), pos.get("end"),
                     quote.get("exact"), bool(item.get("sourcetrace:orphaned")))


def _check_claimreview(src: BagSource, report: Any) -> None:
    where = "data/claimreview.jsonld"
    doc = load_json(src, report, where)
    if doc is None:
        return
    graph = doc.get("@graph") if isinstance(doc, dict) else None
    if not isinstance(graph, list):
        report.error(where, "no '@graph' list of reviews" if isinstance(doc, dict)
                     else f"expected a JSON-LD object with an '@graph' list, found {kind_of(doc)}")
        return
    for k, review in enumerate(graph, 1):
        if not isinstance(review, dict) or review.get("@type") != "ClaimReview":
            report.error(where, f"entry #{k} of '@graph' is not a ClaimReview object")


def _check_audit(src: BagSource, report: Any) -> None:
    where = "data/audit.jsonl"
    if where not in src.files:
        report.error(where, "missing from the bundle")
        return
    try:
        lines = src.read(where, JSON_MAX).split(b"\n")
    except BundleReadError as exc:
        report.error(where, f"cannot read: {exc}")
        return
    bad = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = parse_json(line)
            problem = None if isinstance(entry, dict) else f"expected a JSON object, found {kind_of(entry)}"
        except JsonProblem as exc:
            problem = str(exc)
        if problem is not None:
            bad += 1
            if bad <= MAX_LINE_FINDINGS:
                report.error(where, f"line {n}: {problem}")
    if bad > MAX_LINE_FINDINGS:
        report.error(where, f"{bad - MAX_LINE_FINDINGS} more lines are not JSON objects")


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


def check_bundle_contents(src: BagSource, report: Any) -> None:
    docs = _list_in(src, report, "data/documents.json", "documents")
    texts = _texts(src, report, docs)
    by_text_path = {p.removeprefix("data/"): (p, t) for p, t in texts.values()}
    _check_claims(report, _list_in(src, report, "data/claims.json", "claims"), texts)
    _check_annotations(src, report, by_text_path)
    _check_claimreview(src, report)
    _check_audit(src, report)
    _check_reports(src, report)
