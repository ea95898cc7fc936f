"""Metadata from an HTML page: <title>, Open Graph, article:*, author/date metas, canonical link,
<html lang>, JSON-LD (NewsArticle/Article...), <time datetime>. Nothing is fetched."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

from importers.base import Metadata
from importers.dates import parse_date
from importers.language import normalize_language
from importers.textutil import squash_ws

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "askpublicnewsarticle",
    "socialmediaposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "posting",
}
_DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "date",
    "citation_publication_date",
    "citation_date",
)
_AUTHOR_METAS = (
    "author",
    "article:author",
    "byl",
    "dc.creator",
    "dcterms.creator",
    "sailthru.author",
    "parsely-author",
    "citation_author",
)
_BY = re.compile(r"^\s*(?:by|von|par|por|di)\s+", re.I)


def _meta_values(doc: lxml_html.HtmlElement) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for meta in doc.iter("meta"):
        content = meta.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                values.setdefault(key.strip().lower(), []).append(content.strip())
    return values


def _walk_jsonld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk_jsonld(node["@graph"])
        main = node.get("mainEntity")
        if isinstance(main, dict | list):
            yield from _walk_jsonld(main)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {x.lower() for x in t if isinstance(x, str)}
    return set()


def _jsonld_article(doc: lxml_html.HtmlElement) -> dict[str, Any] | None:
    for script in doc.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|\]\]>\s*$", "", raw)
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for obj in _walk_jsonld(data):
            if _types(obj) & _ARTICLE_TYPES:
                return obj
    return None


def _names(value: Any) -> list[str]:
    """Person/organisation names from a JSON-LD author/publisher value."""
    if isinstance(value, str):
        return [value] if value.strip() and not value.startswith(("http://", "https://")) else []
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) and name.strip() else []
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(_names(item))
        return out
    return []


def _text(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    if isinstance(value, str) and value.strip():
        return squash_ws(value)
    return None


def _clean_author(value: str) -> str | None:
    value = _BY.sub("", squash_ws(value))
    if not value or value.startswith(("http://", "https://", "www.")) or len(value) > 200:
        return None
    return value


def _strip_site_suffix(title: str, outlet: str | None) -> str:
    if outlet:
        for sep in (" | ", " - ", " – ", " — ", " :: ", " · "):
            if title.lower().endswith((sep + outlet).lower()):
                return title[: -len(sep + outlet)].strip()
            if title.lower().startswith((outlet + sep).lower()):
                return title[len(outlet + sep) :].strip()
    return title


def _absolute_url(value: str | None) -> str | None:
    if value and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def html_metadata(doc: lxml_html.HtmlElement) -> Metadata:
    md = Metadata()
    metas = _meta_values(doc)
    ld = _jsonld_article(doc) or {}

    def meta(*keys: str) -> tuple[str, str] | None:
        for key in keys:
            for value in metas.get(key, []):
                return value, key
        return None

    # outlet first: it is used to clean the <title>
    outlet_src: list[tuple[str | None, str]] = [
        (_text(metas.get("og:site_name")), "html:og:site_name"),
        (next(iter(_names(ld.get("publisher"))), None), "html:json-ld:publisher"),
        (_text(metas.get("application-name")), "html:application-name"),
    ]
    for value, src in outlet_src:
        if value:
            md.outlet, md.sources["outlet"] = squash_ws(value), src
            break

    title_el = doc.find(".//title")
    h1 = doc.find(".//h1")
    title_src: list[tuple[str | None, str]] = [
        (_text(ld.get("headline")), "html:json-ld:headline"),
        (_text(metas.get("og:title")), "html:og:title"),
        (_text(metas.get("twitter:title")), "html:twitter:title"),
        (squash_ws(title_el.text_content()) if title_el is not None else None, "html:title"),
        (squash_ws(h1.text_content()) if h1 is not None else None, "html:h1"),
    ]
    for value, src in title_src:
        if value:
            md.title, md.sources["title"] = _strip_site_suffix(value, md.outlet), src
            break

    authors = [a for a in (_clean_author(n) for n in _names(ld.get("author"))) if a]
    if authors:
        md.author, md.sources["author"] = ", ".join(dict.fromkeys(authors)), "html:json-ld:author"
    else:
        for key in _AUTHOR_METAS:
            found = next((a for a in (_clean_author(v) for v in metas.get(key, [])) if a), None)
            if found:
                md.author, md.sources["author"] = found, f"html:meta:{key}"
                break
        else:
            for el in doc.xpath('//*[@rel="author" or @itemprop="author"]'):
                found = _clean_author(el.text_content())
                if found:
                    md.author, md.sources["author"] = found, "html:rel-author"
                    break

    url_src: list[tuple[str | None, str]] = [
        (_text(metas.get("og:url")), "html:og:url"),
        (next((ln.get("href") for ln in doc.xpath('//link[@rel="canonical"]')), None), "html:canonical"),
        (_text(ld.get("url")) or _text(ld.get("mainEntityOfPage")), "html:json-ld:url"),
    ]
    for value, src in url_src:
        url = _absolute_url(value)
        if url:
            md.url, md.sources["url"] = url, src
            break

    _published(doc, md, ld, meta)
    _language(doc, md, metas, ld)
    return md


def _published(doc: lxml_html.HtmlElement, md: Metadata, ld: dict[str, Any], meta: Any) -> None:
    candidates: list[tuple[str | None, str]] = [
        (_text(ld.get("datePublished")), "html:json-ld:datePublished"),
    ]
    for key in _DATE_METAS:
        found = meta(key)
        if found:
            candidates.append((found[0], f"html:meta:{found[1]}"))
    for el in doc.xpath('//*[@itemprop="datePublished"]'):
        candidates.append(
            (el.get("datetime") or el.get("content") or el.text_content(), "html:itemprop:datePublished")
        )
    candidates.append((_text(ld.get("dateCreated")), "html:json-ld:dateCreated"))
    scope = doc.xpath("//article | //main")
    times = scope[0].xpath(".//time[@datetime]") if scope else []
    times = doc.xpath("//time[@pubdate][@datetime]") + times + doc.xpath("//time[@datetime]")
    for el in times[:1]:
        candidates.append((el.get("datetime"), "html:time"))
    for value, src in candidates:
        if not value:
            continue
        iso, precision = parse_date(value)
        if iso:
            md.published, md.published_precision, md.sources["published"] = iso, precision, src
            return


def _language(
    doc: lxml_html.HtmlElement, md: Metadata, metas: dict[str, list[str]], ld: dict[str, Any]
) -> None:
    root = doc.getroottree().getroot()
    candidates: list[tuple[str | None, str]] = [
        (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang"), "html:lang"),
        (_text(metas.get("content-language")), "html:content-language"),
        (_text(metas.get("og:locale")), "html:og:locale"),
        (_text(ld.get("inLanguage")), "html:json-ld:inLanguage"),
    ]
    for value, src in candidates:
        lang = normalize_language(value)
        if lang:
            md.language, md.sources["language"] = lang, src
            return
