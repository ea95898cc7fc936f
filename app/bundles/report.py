"""The human-readable case report (``report.html``): self-contained, no scripts, no remote
resources, every value HTML-escaped. Also rendered to ``report.pdf`` by the registered renderer.

It deliberately holds nothing about the export itself (date, exporter): those live in
``bag-info.txt``, so the same case always yields the same report.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from importlib import resources
from string import Template
from typing import Any

from app.bundles.case import Case, CaseDocument

CONTEXT = 260
_WS = re.compile(r"\s+")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _e(text: object) -> str:
    return escape(_CTRL.sub("", str(text)), quote=True)


def _flat(text: str) -> str:
    return _WS.sub(" ", text)


def human_date(value: str | None) -> str:
    if not value:
        return "Date unknown"
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
        if len(value) == 7:
            return f"{MONTHS[int(value[5:7]) - 1]} {value[:4]}"
    except (ValueError, IndexError):
        pass
    return value


def passage_html(text: str, start: int, end: int, context: int = CONTEXT) -> str:
    """The quoted passage with its surrounding text, the quote in ``<mark>``."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    a, b = max(0, start - context), min(len(text), end + context)
    if a > 0:
        cut = text.find(" ", a, start)
        a = cut + 1 if cut != -1 else a
    if b < len(text):
        cut = text.rfind(" ", end, b)
        b = cut if cut != -1 else b
    before, quote, after = _flat(text[a:start]), _flat(text[start:end]), _flat(text[end:b])
    return (("… " if a > 0 else "") + _e(before.lstrip()) + f'<mark class="mark">{_e(quote)}</mark>'
            + _e(after.rstrip()) + (" …" if b < len(text) else ""))


def _verdict_badge(verdict: str | None) -> str:
    if not verdict:
        return '<span class="badge">&nbsp;NO VERDICT YET&nbsp;</span>'
    css = "v-" + re.sub(r"[^a-z]+", "-", verdict.lower()).strip("-")
    return f'<span class="badge {css}">&nbsp;{_e(verdict.upper())}&nbsp;</span>'


def _source_line(doc: CaseDocument) -> str:
    parts = [f"<b>{_e(doc.outlet)}</b>"] if doc.outlet else []
    parts.append(f"“{_e(doc.title)}”" if doc.title else f'<span class="path">{_e(doc.filename)}</span>')
    if doc.author:
        parts.append(f"by {_e(doc.author)}")
    return " — ".join(parts)


def _claim_html(case: Case, n: int, c: dict[str, Any]) -> str:
    out = [f'<h2 id="{_e(c["id"])}">Claim {n}</h2>',
           f'<table class="claimbox"><tr><td>{_e(c["text"])}</td></tr></table>']
    facts = [("Verdict", _verdict_badge(c["verdict"]))]
    if c["verdict_note"]:
        facts.append(("Why", _e(c["verdict_note"])))
    facts.append(("Status", _e(c["status"])))
    if c["tags"]:
        facts.append(("Tags", _e(", ".join(map(str, c["tags"])))))
    if c["notes"]:
        facts.append(("Notes", _e(c["notes"]).replace("\n", "<br>")))
    facts.append(("Opened", f"{_e(human_date((c['created_at'] or '')[:10]))} by {_e(c['created_by'])}"))
    facts.append(("Claim id", f'<span class="path">{_e(c["id"])}</span>'))
    out.append('<table class="facts">' + "".join(
        f'<tr><td class="label">{k}</td><td>{v}</td></tr>' for k, v in facts) + "</table>")

    lin = c["lineage"]
    apps = {a["id"]: (i, a) for i, a in enumerate(c["appearances"], 1)}
    summary = _e(lin["summary"]) + "."
    if lin["earliest"] in apps:
        i, a = apps[lin["earliest"]]
        d = case.doc(a["document"])
        summary += (f" Earliest known appearance: <b>#{i}</b>, {_e(d.outlet or d.label)}, "
                    f"{_e(human_date(d.published))}.")
    elif c["appearances"]:
        summary += " No appearance has a known publication date."
    out.append(f'<table class="summary"><tr><td>{summary}</td></tr></table>')

    origins = lin.get("origins") or [dict(o, cited_by=[]) for o in c["external_origins"]]
    if origins:
        out.append("<h3>Origins outside the case file</h3><table>"
                   "<tr><th>Source</th><th>Date</th><th>Evidence</th><th>Cited by</th></tr>")
        for o in origins:
            cited = ", ".join(f"#{apps[k][0]}" for k in o.get("cited_by", []) if k in apps) or "—"
            out.append(f"<tr><td><b>{_e(o['name'])}</b> <span class='small'>({_e(o['kind'])})</span></td>"
                       f"<td>{_e(human_date(o['date']))}</td><td>{_e(_flat(o['evidence'] or ''))}</td>"
                       f"<td>{cited}</td></tr>")
        out.append("</table>")

    out.append("<h3>Timeline of appearances</h3>")
    if not c["appearances"]:
        out.append('<p class="small">No accepted appearances.</p>')
    else:
        out.append('<table class="timeline">')
        for i, a in enumerate(c["appearances"], 1):
            d = case.doc(a["document"])
            ex = a["excerpt"]
            tags = [f'<span class="rel">&nbsp;{_e(a["relation"])}&nbsp;</span>'] if a["relation"] else []
            if a["id"] == lin["earliest"]:
                tags.append('<span class="first">&nbsp;EARLIEST KNOWN&nbsp;</span>')
            cell = [f'<p class="source">#{i} · {_source_line(d)} {" ".join(tags)}</p>',
                    f'<p class="passage">{passage_html(d.text, ex["start"], ex["end"])}</p>']
            if ex["orphaned"]:
                cell.append('<p class="attr warn">This excerpt is orphaned: its quote was not found again '
                            "after the document changed.</p>")
            if a["attributed_to"]:
                who = "; ".join(
                    f"<b>{_e(x.get('name'))}</b>" + (f" ({_e(x.get('kind'))})" if x.get("kind") else "")
                    + (f" — “{_e(_flat(str(x.get('evidence'))))}”" if x.get("evidence") else "")
                    for x in a["attributed_to"] if x.get("name"))
                cell.append(f'<p class="attr">Attributed to: {who}</p>')
            links = []
            for ref in (lin.get("derived_from") or {}).get(a["id"], []):
                if ref.get("appearance") in apps:
                    j, src = apps[ref["appearance"]]
                    sd = case.doc(src["document"])
                    links.append(f"#{j} ({_e(sd.outlet or sd.label)}, {_e(human_date(sd.published))})")
                elif ref.get("origin"):
                    links.append(f"{_e(ref['origin'])} (outside the case file)")
            if links:
                cell.append(f'<p class="attr">Derived from: {"; ".join(links)}</p>')
            cell.append(f'<p class="small">File: <span class="path">{_e(d.original_path.removeprefix("data/"))}'
                        f"</span> · characters {ex['start']}–{ex['end']}</p>")
            out.append(f'<tr><td class="when">{_e(human_date(d.published))}</td><td>{"".join(cell)}</td></tr>')
        out.append("</table>")
    return "\n".join(out)


def render_report_html(case: Case, files: list[tuple[str, int, str]], generator: str) -> str:
    """``files``: (path in the bag, size, SHA-256) of every other payload file."""
    n_apps = sum(len(c["appearances"]) for c in case.claims)
    title = "Evidence report: " + (case.claims[0]["text"] if len(case.claims) == 1 else f"{len(case.claims)} claims")
    body = ['<p class="kicker">SourceTrace · case file</p>', "<h1>Evidence report</h1>",
            f'<p class="meta">{len(case.claims)} claim{"s" * (len(case.claims) != 1)} · '
            f'{len(case.documents)} document{"s" * (len(case.documents) != 1)} · '
            f'{n_apps} appearance{"s" * (n_apps != 1)} · every file listed with its SHA-256 at the end</p>',
            '<table class="index">']
    for n, c in enumerate(case.claims, 1):
        body.append(f'<tr><td class="num">{n}</td><td>{_e(c["text"])}<br><span class="small">'
                    f'{_e(c["lineage"]["summary"])}</span></td><td class="verdict">{_verdict_badge(c["verdict"])}</td></tr>')
    body.append("</table>")
    for n, c in enumerate(case.claims, 1):
        body.append(_claim_html(case, n, c))

    body.append("<h2>Documents</h2><table><tr><th>Published</th><th>Source</th><th>Imported</th></tr>")
    for d in case.sorted_documents():
        body.append(
            f"<tr><td>{_e(human_date(d.published))}</td><td>{_source_line(d)}<br>"
            f'<span class="path">{_e(d.filename)}</span> <span class="small">· {d.size:,} bytes · '
            f'{_e(d.media_type)}</span><br><span class="small">SHA-256 at import:</span> '
            f'<span class="hash">{_e(d.sha256)}</span></td><td>{_e((d.imported_at or "")[:10])}<br>'
            f'<span class="small">by {_e(d.imported_by)}</span></td></tr>')
    body.append("</table>")

    body.append("<h2>Files in this bundle</h2><table><tr><th>File · size · SHA-256</th></tr>")
    for path, size, sha in files:
        body.append(f'<tr><td><span class="path">{_e(path.removeprefix("data/"))}</span> '
                    f'<span class="small">· {size:,} bytes</span><br><span class="hash">{_e(sha)}</span></td></tr>')
    body.append("</table>")
    body.append(
        '<p class="footer">This report is part of a BagIt bag (RFC 8493). The bag\'s '
        "<span class='path'>manifest-sha256.txt</span> lists the SHA-256 of every file, including this "
        "report; <span class='path'>sourcetrace verify</span> (or any BagIt validator) checks them all, "
        "and SourceTrace also checks that every quoted passage is still found at its recorded position.</p>")
    tpl = Template(resources.files("resources.report").joinpath("report.html").read_text("utf-8"))
    css = resources.files("resources.report").joinpath("report.css").read_text("utf-8")
    html = "\n".join(body)
    # Qt's rich-text engine (report.pdf) honours these attributes rather than CSS widths/padding
    html = re.sub(r'<table( class="[^"]*")?>', lambda m: f'<table{m.group(1) or ""} width="100%" cellspacing="0" '
                  'cellpadding="5">', html)
    return tpl.substitute(title=_e(title[:200]), css=css, body=html, generator=_e(generator))
