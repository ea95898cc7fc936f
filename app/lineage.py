"""Lineage: where a claim started and how it travelled.

``LineageService`` (``ws.lineage``): ``trace(claim_id)`` uses the claim's accepted appearances;
``trace_text(text)`` uses the matcher's candidates at or above its default threshold without
creating a claim.

* **Order.** Appearances are ordered by their document's publication date; documents without a
  known date come last and are shown as unknown, never guessed; ties by document id, then start.
  ``earliest`` is the earliest *dated* appearance.
* **Derived-from rule.** For each appearance A, after dropping attributions to A's own document
  (its outlet or author):
  1. if A credits a source: the speakers it names (people first), reached through the outlet they
     spoke to or wrote in when A names one ("X told Sky News": A -> Sky News -> X). A source that
     is a workspace document (its outlet or author is the same source), or an external origin the
     user linked to a document, is that document's appearance of the claim when it has one;
     otherwise it is an **external origin** ("Sky News, 3 May 2016");
  2. otherwise, A derives from the earlier-dated appearance (strictly earlier, whatever the date
     precision) it quotes (verbatim / near-verbatim wording) or closely paraphrases
     (``matcher.compare >= DERIVE_THRESHOLD``), the most similar one; undated appearances get
     no text-based link (the direction is unknown). With free text, only candidates scoring at
     least ``STRONG_SCORE`` against the query take part (weak same-topic candidates are listed,
     not linked). A source that is a document is reached at its appearance closest in wording
     to A; links never form a cycle. Source names match across spellings and the workspace's
     alias groups.
* **Independent origins**: the roots of that derived-from forest (cited origins with nothing they
  derive from, and documents whose appearances derive from nothing: several root sentences in one
  document are one origin). "7 appearances, 1 independent origin".
* **Earliest**: among the appearances on the earliest known date, the one that states the claim
  best; with free text, candidates below ``STRONG_SCORE`` only when no stronger one is dated.
* **External-origin dates** come from the dateline of the source's own quoted report in the
  citing document (a date-only line just after a line naming the source that introduces a quoted
  block, e.g. "3 May 2016" under "Sky News came out with:"), else a date in the line of the
  citation, else the nearest date-only line within the whole lines up to 2,000 characters before
  it; never the host
  document's own publication date.

``trace(claim_id)`` stores new external origins (``origin.add``, idempotent by source name) and
appearance-to-appearance links (``Appearance.derived_from_id``, audited as ``appearance.edit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from app import audit
from app.attribution import extract_attribution, find_mentions, same_source
from app.attribution.names import fold
from app.attribution.relation import derive_relation, wording_relation
from app.claims import AppearanceInfo, ClaimService, OriginInfo
from db.models import Appearance, Document, ExternalOrigin

DATE_WINDOW = 2000
# A text-based "derived from" link needs a close paraphrase at least: same-topic sentences
# (40-55 by the matcher) are not copies of each other.
DERIVE_THRESHOLD = 60.0
# Free-text trace: candidates at or above this score (or the best one, when none is) date the claim.
STRONG_SCORE = 60.0


@dataclass
class LineageAppearance:
    key: str
    appearance_id: int | None
    document_id: int
    filename: str
    title: str | None
    outlet: str | None
    author: str | None
    published: str | None
    published_precision: str
    start: int
    end: int
    text: str
    score: float | None
    relation: str | None
    attributed_to: list[dict[str, Any]]
    derived_from: list[dict[str, Any]] = field(default_factory=list)
    orphaned: bool = False

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["attributed_to"] = [{k: a.get(k) for k in ("name", "kind", "evidence", "basis", "role")}
                              for a in self.attributed_to]
        return d


@dataclass
class LineageOrigin:
    key: str
    id: int | None
    name: str
    kind: str
    date: str | None
    date_precision: str
    evidence: str
    document_id: int | None
    derived_from: list[dict[str, Any]] = field(default_factory=list)
    cited_by: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Lineage:
    claim: dict[str, Any] | None
    appearances: list[LineageAppearance]
    external_origins: list[LineageOrigin]
    independent_origins: int
    query: str | None = None
    # free text: the score an appearance needs to count as the claim's earliest (a weak,
    # same-topic candidate is listed but does not date the claim when stronger ones exist)
    strong_score: float | None = None

    @property
    def earliest(self) -> LineageAppearance | None:
        dated = [a for a in self.appearances if a.published]
        if self.strong_score is not None:
            dated = [a for a in dated if (a.score or 0) >= self.strong_score] or dated
        if not dated:
            return None
        first = dated[0].published  # appearances are kept in date order
        # of several on that date, the one that states the claim best
        return max((a for a in dated if a.published == first),
                   key=lambda a: (a.score if a.score is not None else 100.0, -a.document_id, -a.start))

    @property
    def summary(self) -> str:
        n, k = len(self.appearances), self.independent_origins
        return f"{n} appearance{'s' if n != 1 else ''}, {k} independent origin{'s' if k != 1 else ''}"

    def to_json(self) -> dict[str, Any]:
        e = self.earliest
        return {
            "claim": self.claim,
            "query": self.query,
            "appearances": [a.to_json() for a in self.appearances],
            "earliest": e.to_json() if e else None,
            "external_origins": [o.to_json() for o in self.external_origins if o.cited_by or o.id is not None],
            "independent_origins": self.independent_origins,
            "summary": self.summary,
        }


# ------------------------------------------------------------------ helpers
def _range(date: str | None) -> tuple[str, str] | None:
    if not date:
        return None
    return date + "-00" * ((10 - len(date)) // 3), date + "-99" * ((10 - len(date)) // 3)


def strictly_before(a: str | None, b: str | None) -> bool:
    """Whether date ``a`` ends before date ``b`` begins (``"2016-05"`` is not before ``"2016-05-06"``)."""
    ra, rb = _range(a), _range(b)
    return bool(ra and rb and ra[1] < rb[0])


def _dateline(line: str) -> tuple[str, str] | None:
    """The date of a line that is essentially a date ("3 May 2016", "Friday, May 6, 2016")."""
    from importers.dates import iter_dates

    for d in iter_dates(line):
        if len(line.strip()) <= (d.end - d.start) + 25:
            return d.iso, d.precision
    return None


def origin_date(text: str, pos: int, own: str | None, name: str | None = None) -> tuple[str | None, str, int]:
    """The date of the report cited at ``pos``, with how it was found (``strength``):

    2. the dateline of that source's own quoted report: the first date-only line within 8 lines
       after a line that names ``name`` and introduces a quoted block ("Sky News came out with:");
    1. a date in the same line as the citation ("Juan Cole wrote in Informed Comment, 28 March 2016:");
    0. the nearest date-only line up to ``DATE_WINDOW`` characters before it.

    Never ``own`` (the host document's own date). ``(None, "unknown", -1)`` when nothing is found.
    """
    from importers.dates import iter_dates

    lines = text.split("\n")
    if name:
        for k, line in enumerate(lines):
            if not line.rstrip().endswith(":") or not any(
                same_source(name, m.name) for m in find_mentions(line)
            ):
                continue
            for follow in lines[k + 1:k + 9]:
                if follow.rstrip().endswith(":"):
                    break
                got = _dateline(follow)
                if got and got[0] != own:
                    return got[0], got[1], 2
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    same = [d for d in iter_dates(text[line_start:line_end]) if d.iso != own]
    if same:
        best = min(same, key=lambda d: abs(line_start + d.start - pos))
        return best.iso, best.precision, 1
    found: tuple[str | None, str, int] = (None, "unknown", -1)
    lo = max(0, line_start - DATE_WINDOW)
    lo = text.rfind("\n", 0, lo) + 1 if lo else 0  # whole lines only: never "4 February" of "14 February"
    for line in text[lo:line_start].split("\n"):
        got = _dateline(line)
        if got and got[0] != own:
            found = (got[0], got[1], 0)  # keep the last (nearest) one
    return found


def default_threshold(ws: Any) -> float:
    """The matcher's threshold (``app.matching.service.DEFAULT_THRESHOLD`` unless the workspace's
    matcher was configured otherwise)."""
    from app.matching.service import DEFAULT_THRESHOLD

    return float(getattr(ws.matcher, "threshold", DEFAULT_THRESHOLD))


class LineageService:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def _threshold(self) -> float:
        return default_threshold(self.ws)

    def _same_source(self) -> Callable[[str, str], bool]:
        """``same_source`` that also honours the workspace's alias groups ("Abu Omar" = "Mohamed
        Qassim" when the user declared it), for person and outlet names alike."""
        groups = [{fold(t) for t in g.terms} for g in self.ws.matcher.aliases()]

        def same(a: str, b: str) -> bool:
            if same_source(a, b):
                return True
            fa, fb = fold(a), fold(b)
            return any(fa in g and fb in g for g in groups) or any(
                any(same_source(a, t) for t in g) and any(same_source(b, t) for t in g)
                for g in groups if len(g) < 12 and (fa in g or fb in g))

        return same

    # ------------------------------------------------------------ entry points
    def trace(self, claim_id: int, *, persist: bool = True) -> Lineage:
        detail = ClaimService(self.ws).get(claim_id)
        apps = [self._from_info(a) for a in detail.appearances]
        claim = {"id": detail.id, "text": detail.text, "status": detail.status, "verdict": detail.verdict,
                 "verdict_note": detail.verdict_note}
        lineage = self._compute(apps, detail.external_origins, claim=claim)
        if persist and not self.ws.readonly:
            self._persist(claim_id, lineage, detail.appearances)
        return lineage

    def trace_text(self, text: str, *, min_score: float | None = None, limit: int = 50) -> Lineage:
        text = " ".join(text.split())
        results = self.ws.matcher.search(text, limit=limit, min_score=min_score)
        chosen: list[Any] = []
        for r in results:
            if any(c.document_id == r.document_id and min(c.end, r.end) - max(c.start, r.start) > 0 for c in chosen):
                continue
            chosen.append(r)
        known = ClaimService(self.ws).known_names()
        apps: list[LineageAppearance] = []
        with self.ws.db.reading() as s:
            docs = {d.id: d for d in s.scalars(select(Document).where(
                Document.id.in_({r.document_id for r in chosen})))}
            for r in chosen:
                doc = docs.get(r.document_id)
                if doc is None:
                    continue
                attrs = [a.to_dict() for a in extract_attribution(doc.text, r.start, r.end, known_names=known)]
                apps.append(LineageAppearance(
                    key=f"{doc.id}:{r.start}:{r.end}", appearance_id=None, document_id=doc.id, filename=doc.filename,
                    title=doc.title, outlet=doc.outlet, author=doc.author, published=doc.published,
                    published_precision=doc.published_precision, start=r.start, end=r.end, text=r.text,
                    score=float(r.score), relation=derive_relation(text, r.text, attrs, (doc.outlet, doc.author)),
                    attributed_to=attrs))
        return self._compute(apps, [], claim=None, query=text)

    @staticmethod
    def _from_info(a: AppearanceInfo) -> LineageAppearance:
        return LineageAppearance(
            key=a.key, appearance_id=a.id, document_id=a.document_id, filename=a.filename, title=a.title,
            outlet=a.outlet, author=a.author, published=a.published, published_precision=a.published_precision,
            start=a.start, end=a.end, text=a.text, score=a.score, relation=a.relation,
            attributed_to=list(a.attributed_to), orphaned=a.orphaned)

    # ------------------------------------------------------------ the computation
    def _compute(self, apps: list[LineageAppearance], stored: list[OriginInfo], *, claim: dict[str, Any] | None,
                 query: str | None = None) -> Lineage:
        apps.sort(key=lambda a: (a.published is None, a.published or "", a.document_id, a.start))
        with self.ws.db.reading() as s:
            # sources that are workspace documents: any document with an outlet or author
            docs = {i: (o, au) for i, o, au in s.execute(select(Document.id, Document.outlet, Document.author).where(
                (Document.outlet.is_not(None)) | (Document.author.is_not(None)) | Document.id.in_(
                    {a.document_id for a in apps})))}
            texts: dict[int, str] = {i: t for i, t in s.execute(select(Document.id, Document.text).where(
                Document.id.in_({a.document_id for a in apps})))}
        origins: list[LineageOrigin] = [
            LineageOrigin(f"origin:{o.id}", o.id, o.name, o.kind, o.date, o.date_precision, o.evidence, o.document_id)
            for o in stored
        ]

        strength: dict[str, int] = {}  # how each new origin's date was found (see origin_date)
        same = self._same_source()
        nodes: dict[str, LineageAppearance | LineageOrigin] = {x.key: x for x in apps}  # by key, for reaches
        nodes.update((o.key, o) for o in origins)

        def app_in(doc_id: int, host: LineageAppearance) -> LineageAppearance | None:
            """The appearance in document ``doc_id`` that ``host`` draws on: the closest in wording."""
            inside = [x for x in apps if x.document_id == doc_id and x is not host]
            if len(inside) <= 1:
                return inside[0] if inside else None
            return max(inside, key=lambda x: (similarity(x.text, host.text), -x.start))

        pair_scores: dict[tuple[str, str], float] = {}

        def similarity(a: str, b: str) -> float:
            key = (a, b)
            if key not in pair_scores:
                pair_scores[key] = 100.0 if wording_relation(a, b) else float(self.ws.matcher.compare(a, b)[0])
            return pair_scores[key]

        def node_for(att: dict[str, Any], host: LineageAppearance) -> dict[str, Any] | None:
            name = att["name"]
            for did, (outlet, author) in docs.items():
                if did != host.document_id and any(v and same(name, v) for v in (outlet, author)):
                    b = app_in(did, host)
                    if b is not None:
                        return {"type": "appearance", "key": b.key, "appearance_id": b.appearance_id,
                                "document_id": b.document_id}
            o = next((x for x in origins if same(x.name, name)), None)
            found = (origin_date(texts[host.document_id], int(att["start"]), host.published, name)
                     if isinstance(att.get("start"), int) and host.document_id in texts else (None, "unknown", -1))
            if o is None:
                o = LineageOrigin(f"origin:{name}", None, name, att.get("kind") or "person", found[0], found[1],
                                  f"{host.filename}: {att.get('evidence') or ''}".strip(), None)
                origins.append(o)
                nodes[o.key] = o
                strength[o.key] = found[2]
            elif o.id is None and found[2] > strength.get(o.key, -1):
                o.date, o.date_precision, strength[o.key] = found
            if o.document_id is not None and o.document_id != host.document_id:
                b = app_in(o.document_id, host)
                if b is not None:
                    return {"type": "appearance", "key": b.key, "appearance_id": b.appearance_id,
                            "document_id": b.document_id}
            if host.key not in o.cited_by:
                o.cited_by.append(host.key)
            return {"type": "origin", "key": o.key, "origin_id": o.id, "name": o.name}

        def reaches(start: str, goal: str) -> bool:
            """Whether ``goal`` is already among the sources ``start`` derives from (no cycles)."""
            seen: set[str] = set()
            todo = [start]
            while todo:
                k = todo.pop()
                if k == goal:
                    return True
                if k in seen or k not in nodes:
                    continue
                seen.add(k)
                todo.extend(r["key"] for r in nodes[k].derived_from if r.get("key"))
            return False

        def add_edge(child: LineageAppearance | LineageOrigin, ref: dict[str, Any] | None) -> None:
            if (ref and ref not in child.derived_from and ref.get("key") != child.key
                    and not reaches(str(ref.get("key")), child.key)):
                child.derived_from.append(ref)

        threshold = max(self._threshold(), DERIVE_THRESHOLD)
        # free text: only candidates that state the claim strongly take part in wording links (two
        # same-topic sentences that each weakly resemble the query are not copies of each other);
        # a claim's appearances were all accepted by the user
        strong = STRONG_SCORE if claim is None else None

        def is_strong(x: LineageAppearance) -> bool:
            return strong is None or (x.score or 0) >= strong
        for i, a in enumerate(apps):
            outlet, author = docs.get(a.document_id, (None, None))
            atts = [x for x in a.attributed_to if x.get("name")
                    and not any(v and same(x["name"], v) for v in (outlet, author))]
            speakers = [x for x in atts if x.get("role", "speaker") == "speaker"]
            speakers.sort(key=lambda x: x.get("kind") != "person")
            channels = [x for x in atts if x.get("role") == "channel"]
            if speakers or channels:
                sp_refs = [node_for(x, a) for x in speakers]
                if channels:
                    for ch in channels:
                        ref = node_for(ch, a)
                        add_edge(a, ref)
                        target = next((o for o in origins if ref and o.key == ref.get("key")), None)
                        for sr in sp_refs:
                            if target is not None and sr is not None and sr.get("key") != target.key:
                                add_edge(target, sr)
                else:
                    for sr in sp_refs:
                        add_edge(a, sr)
                continue
            if not a.published or not is_strong(a):
                continue
            best: tuple[float, int] | None = None
            for j, b in enumerate(apps[:i]):
                if not strictly_before(b.published, a.published) or not is_strong(b):
                    continue
                score = similarity(b.text, a.text)
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, j)
            if best is not None:
                b = apps[best[1]]
                add_edge(a, {"type": "appearance", "key": b.key, "appearance_id": b.appearance_id,
                             "document_id": b.document_id})
        cited = [o for o in origins if o.cited_by or any(
            r.get("key") == o.key for x in origins for r in x.derived_from)]
        # one source, one origin: several root appearances in the same document count once
        roots = len({a.document_id for a in apps if not a.derived_from}) + sum(1 for o in cited if not o.derived_from)
        return Lineage(claim=claim, appearances=apps, external_origins=origins, independent_origins=roots,
                       query=query, strong_score=strong)

    # ------------------------------------------------------------ persistence
    def _persist(self, claim_id: int, lineage: Lineage, infos: list[AppearanceInfo]) -> None:
        new = [o for o in lineage.external_origins if o.id is None and o.cited_by]
        links: dict[int, int | None] = {}
        for a in lineage.appearances:
            if a.appearance_id is None:
                continue
            parent = next((r.get("appearance_id") for r in a.derived_from if r["type"] == "appearance"), None)
            links[a.appearance_id] = parent
        current = {i.id: i.derived_from_id for i in infos}
        changed = {k: v for k, v in links.items() if current.get(k) != v}
        if not new and not changed:
            return
        user = self.ws.user
        with self.ws.db.writing() as s:
            existing = list(s.scalars(select(ExternalOrigin).where(ExternalOrigin.claim_id == claim_id)))
            for o in new:
                row = next((e for e in existing if same_source(e.name, o.name)), None)
                if row is None:
                    row = ExternalOrigin(claim_id=claim_id, name=o.name, kind=o.kind, date=o.date,
                                         date_precision=o.date_precision, evidence=o.evidence, created_by=user)
                    s.add(row)
                    s.flush()
                    existing.append(row)
                    audit.record(s, user, "origin.add", "origin", row.id, claim_id=claim_id,
                                 after={"name": row.name, "kind": row.kind, "date": row.date,
                                        "evidence": row.evidence, "by": "trace"})
                old_key = o.key
                o.id, o.key = row.id, f"origin:{row.id}"
                nodes: list[LineageAppearance | LineageOrigin] = [*lineage.appearances, *lineage.external_origins]
                for x in nodes:
                    for r in x.derived_from:
                        if r.get("key") == old_key:
                            r["key"], r["origin_id"] = o.key, o.id
            for app_id, parent in changed.items():
                app = s.get(Appearance, app_id)
                if app is None or app.claim_id != claim_id:
                    continue
                before = {"derived_from_id": app.derived_from_id}
                app.derived_from_id = parent
                audit.record(s, user, "appearance.edit", "appearance", app.id, claim_id=claim_id,
                             before=before, after={"derived_from_id": parent, "by": "trace"})
