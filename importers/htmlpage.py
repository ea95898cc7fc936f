"""HTML importer: the article text of a saved web page, paragraphs and headings kept, boilerplate
(navigation, headers/footers, asides, scripts, forms, comments, ads, share bars...) dropped."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from importers.base import Extracted, ImportFailure
from importers.encoding import bom_encoding, decode_bytes
from importers.htmlmeta import html_metadata
from importers.sniff import HTML
from importers.textutil import clean_text, has_words

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:+-]+)["']""")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses these

_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
    "form", "button", "input", "select", "textarea", "label", "nav", "aside", "dialog", "menu",
    "footer", "figure", "picture", "video", "audio", "map", "head", "link", "meta",
)  # fmt: skip
_DROP_ROLES = {
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
}
# Class/id tokens that mark boilerplate whatever else the element says.
_STRONG = re.compile(
    r"^(?:ads?|adv|advert\w*|adsbygoogle|adslot|adunit|adcontainer|dfp|sponsor\w*|promo\w*|share\w*|social\w*"
    r"|related|recommend\w*|comments?|commentlist|disqus|respond|replies|cookie\w*|consent|gdpr|newsletter\w*"
    r"|subscribe\w*|subscription|signup|paywall|outbrain|taboola|popup|modal|overlay|skip|jump)$"
)
# Tokens that mark boilerplate unless the same element also looks like content.
_WEAK = re.compile(
    r"^(?:sidebar|side|widget\w*|nav\w*|menu\w*|footer|header|masthead|banner|breadcrumbs?|toolbar|pagination"
    r"|pager|tags?|tagcloud|topics|more|trending|popular|most\w*|rail|aside|hidden|hide|author-?bio|bio)$"
)
_POSITIVE = re.compile(r"^(?:article\w*|body|content|entry|main|post|story|text|prose|blog|news)$")
_WHOLE_CLASS = re.compile(r"sr-only|visually-hidden|screen-reader|a11y-hidden|visuallyhidden")
_STATE_PREFIX = (
    "has-",
    "has_",
    "with-",
    "no-",
    "is-",
    "show-",
    "js-",
    "hide-on",
    "page-",
    "single-",
    "template-",
)
_TOKEN_SPLIT = re.compile(r"[-_\s]+")

_BLOCK = {
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "li", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "caption",
    "figcaption", "address", "hr", "center", "details", "summary", "fieldset", "body", "html", "hgroup",
}  # fmt: skip
_CELL = {"td", "th"}
_WS = re.compile(r"\s+")
_PROTECTED = {"html", "body", "article", "main"}


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def _tokens(el: etree._Element) -> tuple[list[str], str]:
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    tokens: list[str] = []
    for name in names.lower().split():
        if name.startswith(_STATE_PREFIX):
            continue
        tokens.append(name)
        tokens.extend(t for t in _TOKEN_SPLIT.split(name) if t)
    return tokens, names.lower()


def _hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _is_boilerplate(el: etree._Element) -> bool:
    role = (el.get("role") or "").lower()
    if role in _DROP_ROLES or _hidden(el):
        return True
    tokens, whole = _tokens(el)
    if not tokens:
        return False
    if _WHOLE_CLASS.search(whole) or any(_STRONG.match(t) for t in tokens):
        return True
    return any(_WEAK.match(t) for t in tokens) and not any(_POSITIVE.match(t) for t in tokens)


def _holds_article(el: etree._Element) -> bool:
    return bool(el.xpath('boolean(.//article | .//main | .//*[@itemprop="articleBody"])'))


def _clean(doc: lxml_html.HtmlElement) -> None:
    for bad in doc.xpath("//comment() | //processing-instruction()"):
        _remove(bad)
    etree.strip_elements(doc, *_DROP_TAGS, with_tail=False)
    for header in doc.xpath(
        '//header[not(ancestor::article or ancestor::main or ancestor::*[@itemprop="articleBody"])]'
    ):
        if not header.xpath("boolean(.//h1)"):
            _remove(header)
    body_len = max(len(doc.text_content()), 1)
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or el.tag in _PROTECTED:
            continue
        if el.get("itemprop") == "articleBody" or not _is_boilerplate(el):
            continue
        if _holds_article(el) or (len(el.text_content()) > 0.5 * body_len and el.tag != "header"):
            continue
        _remove(el)


def _remove(el: etree._Element) -> None:
    """Remove ``el`` but keep its tail text in the parent."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _text_len(el: etree._Element) -> int:
    return len(_WS.sub(" ", el.text_content()).strip())


def _density_root(doc: lxml_html.HtmlElement) -> etree._Element | None:
    """Readability-style: paragraphs score their parent (and half their grandparent)."""
    scores: dict[etree._Element, float] = {}
    for p in doc.iter("p", "pre", "td", "blockquote"):
        text = _WS.sub(" ", p.text_content()).strip()
        if len(text) < 25:
            continue
        score = 1 + text.count(",") + min(len(text) / 100, 3)
        parent = p.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    if not scores:
        return None
    return max(scores.items(), key=lambda kv: kv[1])[0]


def _article_root(doc: lxml_html.HtmlElement) -> etree._Element:
    for xpath, minimum in (
        ('//*[@itemprop="articleBody"]', 1),
        ("//article", 140),
        ('//main | //*[@role="main"]', 140),
    ):
        found = doc.xpath(xpath)
        if found:
            best = max(found, key=_text_len)
            if _text_len(best) >= minimum:
                return best
    dense = _density_root(doc)
    if dense is not None:
        return dense
    body = doc.find("body")
    return body if body is not None else doc


class _Renderer:
    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        lines = [_WS.sub(" ", ln).strip() for ln in text.split("\n")]
        text = "\n".join(ln for ln in lines if ln)
        if text:
            self.paragraphs.append(text)

    def inline(self, text: str | None) -> None:
        if text:
            self.buf.append(_WS.sub(" ", text))

    def render(self, root: etree._Element) -> None:
        """Walk the tree without recursion (saved pages can be nested thousands deep)."""
        stack: list[tuple[str, etree._Element | str | None]] = [("el", root)]
        while stack:
            kind, item = stack.pop()
            if kind == "text":
                self.inline(item if isinstance(item, str) else None)
                continue
            if kind == "end":
                self.flush()
                continue
            el = item
            assert isinstance(el, etree._Element)
            tag = el.tag if isinstance(el.tag, str) else ""
            if tag == "br":
                self.buf.append("\n")
            elif tag == "pre":
                self.flush()
                text = el.text_content().strip("\n")
                if text.strip():
                    self.paragraphs.append("\n".join(ln.rstrip() for ln in text.split("\n")))
            elif tag in ("table", "tr"):
                self.flush()
                self.table(el, tag)
            elif tag != "img":
                if tag in _BLOCK:
                    self.flush()
                    stack.append(("end", None))
                for child in reversed(el):
                    if child.tail:
                        stack.append(("text", child.tail))
                    stack.append(("el", child))
                if el.text:
                    stack.append(("text", el.text))

    def table(self, el: etree._Element, tag: str) -> None:
        rows = (
            [el]
            if tag == "tr"
            else [tr for tr in el.iter("tr") if next(tr.iterancestors("table"), None) is el]
        )
        lines = []
        for tr in rows:
            cells = [
                _WS.sub(" ", c.text_content()).strip()
                for c in tr
                if isinstance(c.tag, str) and c.tag in _CELL
            ]
            row = " | ".join(c for c in cells if c)
            if row:
                lines.append(row)
        if lines:
            self.paragraphs.append("\n".join(lines))


def _render(root: etree._Element) -> str:
    renderer = _Renderer()
    renderer.render(root)
    renderer.flush()
    return "\n\n".join(renderer.paragraphs)


def parse_html(data: bytes) -> tuple[lxml_html.HtmlElement, list[str]]:
    if bom_encoding(data) is not None:
        decoded = decode_bytes(data)
    else:
        decoded = decode_bytes(data, _declared_charset(data))
    text = _XML_DECL.sub("", _CONTROL.sub("", decoded.text), count=1)
    if not text.strip():
        raise ImportFailure("no article text found in the HTML page")
    try:
        doc = lxml_html.document_fromstring(text, parser=lxml_html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError) as err:
        raise ImportFailure(f"the HTML page could not be parsed: {err}") from err
    return doc, list(decoded.warnings)


def extract_html(data: bytes, filename: str, password: str | None = None) -> Extracted:
    doc, warnings = parse_html(data)
    metadata = html_metadata(doc)
    _clean(doc)
    root = _article_root(doc)
    text = clean_text(_render(root))
    if not has_words(text) and root is not doc:
        text = clean_text(_render(doc))
    if not has_words(text):
        raise ImportFailure("no article text found in the HTML page")
    return Extracted(text=text, media_type=HTML, metadata=metadata, warnings=warnings)
