"""Who does the text say a claim comes from? Rule-based attribution extraction.

The document is analysed once (cached): every *reporting event* is found, in reading order, with
the named source it binds to. An event is one of

- a reporting verb (``said``, ``told``, ``alleges``, ``wrote``, ``can reveal``, ...) with its
  subject on the left (``Qasim alleges``, ``IS defectors have told``) or, after a comma or a
  quotation, on the right (``," said Mohamed Qassim``, ``, says Sky News``); ``told``/``wrote``
  also name the outlet told or written in (``told Sky News``, ``wrote in Informed Comment``) as a
  *channel*;
- a prepositional source: ``according to X``, ``documents obtained by / handed to X``,
  ``a report by X``, ``writing for X``;
- a colon introduction whose subject is a name (``Mikhail Bogdanov seized on ...: “...”``).

Pronoun subjects (``he said``) resolve to the most recent named person that was a speaker or a
sentence subject (outside quotations), within ~1,500 characters; role descriptions (``the
ministry said``, ``the former attorney-general went on to``) resolve to the latest source whose
name contains the noun, or, for person roles, to the latest person. An unnamed subject
(``residents said``, ``one regime insider told me``) is an event with no named source: it stops
the search for an earlier named source.

For a claim span the answer is, in order: the speaker of the quotation that contains it; the
events of its own sentence(s); else the nearest event up to three sentences back in the same
line (crossing into the previous line only from a list item, into an introducing line that ends
with a colon, or past a pronoun-led introduction such as "They show:").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.attribution.lexicon import (
    ANAPHORS,
    CHANNEL_PREP,
    FUNCTION,
    INVERTIBLE,
    NOUNISH_TAIL,
    PERSON_ROLES,
    PREP_SOURCES,
    PRONOUN,
    ROLE,
    SKIP_TAIL,
    VERB_LIKE,
    VERB_RE,
    VERBS,
)
from app.attribution.names import (
    COMMON_CAPS,
    Mention,
    _tok_same,
    canonical_name,
    find_mentions,
    fold,
    same_source,
)
from app.attribution.segment import Layout

MAX_BACK = 3
PRONOUN_RANGE = 1500


@dataclass(frozen=True)
class Attribution:
    """A source the text names for a claim. ``text[start:end] == evidence``.

    ``basis`` says where it was found: ``quote`` (speaker of the quotation holding the claim),
    ``sentence`` (the claim's own sentence), ``block`` (a line introducing a quoted block, such
    as "RT reported:"), ``context`` (a preceding sentence). ``role`` is ``speaker`` or
    ``channel`` (the outlet a speaker told or wrote in).
    """

    name: str
    kind: str
    evidence: str
    start: int
    end: int
    basis: str = "sentence"
    role: str = "speaker"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "evidence": self.evidence, "start": self.start,
                "end": self.end, "basis": self.basis, "role": self.role}


@dataclass
class _Event:
    start: int
    end: int
    sent: int
    sources: list[Attribution] = field(default_factory=list)
    after_quote: int | None = None
    before_quote: int | None = None


class _Analysis:
    def __init__(self, text: str, known: tuple[str, ...]) -> None:
        self.text = text
        self.layout = Layout(text)
        lay = self.layout
        title_lines = [ln for ln in lay.lines if _title_case(text[ln.start:ln.end])]
        self.mentions = [
            m for m in find_mentions(text)
            if not self._in_quote(m.start)
            and (m.kind == "outlet" or not any(ln.start <= m.start < ln.end for ln in title_lines))
        ]
        multi = [m.name for m in self.mentions if m.kind == "person" and not m.single]
        self.pool: list[str] = [*multi, *(k for k in known if k)]
        self._pool_tokens = {t for n in self.pool for t in fold(n).replace("-", " ").split()}
        self.mentions = [m for m in self.mentions if not m.single or self._known_single(m)]
        self._by_end = {m.end: m for m in self.mentions}
        self._starts = [m.start for m in self.mentions]
        # (position, person name or None for an unnamed person) for resolving "he"/"she"
        self.refs: list[tuple[int, str | None]] = []
        self._unnamed_channels: dict[int, list[Attribution]] = {}  # ref position -> outlets told
        self._subject_refs()
        self.events: list[_Event] = []
        self.sent_events: dict[int, list[_Event]] = {}
        for si in range(len(lay.sentences)):
            evs = self._events_in(si)
            self.sent_events[si] = evs
            self.events.extend(evs)

    # ------------------------------------------------------------ names
    def _in_quote(self, pos: int) -> bool:
        return self.layout.quote_at(pos) is not None

    def _known_single(self, m: Mention) -> bool:
        tok = fold(m.name)
        if tok in {fold(c) for c in COMMON_CAPS}:
            return False
        return any(_tok_same(tok, t) for t in self._pool_tokens)

    def canonical(self, m: Mention) -> str:
        return m.name if m.kind == "outlet" else canonical_name(m.name, self.pool)

    def _subject_refs(self) -> None:
        lay = self.layout
        starts = {s.start for s in lay.sentences}
        for m in self.mentions:
            if m.kind != "person" or m.possessive:
                continue
            sent = lay.sentences[lay.sentence_at(m.start)]
            if VERB_RE.search(lay.masked, sent.start, m.start) or " that " in lay.masked[sent.start:m.start]:
                continue  # inside reported content ("Qassim said Gaber used to ...")
            nxt = re.match(r"\s+([a-z][\w’'\-]*)(?:\s+([a-z][\w’'\-]*))?", self.text[m.end:m.end + 40])
            verbish = False
            if nxt:
                w = nxt.group(1)
                if w.endswith("ly") and nxt.group(2):
                    w = nxt.group(2)
                verbish = (w in VERB_LIKE or w in VERBS or w.endswith("ed")
                           or (w.endswith("s") and not w.endswith("ss")))
            at_start = any((m.start - st <= 12 and not self.text[st:m.start].strip(" \"“‘'").strip())
                           or self.text[st:m.start].strip() in ("But", "And", "So", "Even", "Then")
                           for st in starts if 0 <= m.start - st <= 12)
            if verbish or at_start:
                self.refs.append((m.start, self.canonical(m)))

    def _add_ref(self, pos: int, name: str | None) -> None:
        self.refs.append((pos, name))
        self.refs.sort(key=lambda r: r[0])

    def _latest_ref(self, pos: int) -> tuple[int, str | None] | None:
        best: tuple[int, str | None] | None = None
        for p, n in self.refs:
            if p < pos and pos - p <= PRONOUN_RANGE:
                best = (p, n)
        return best

    def _latest_person(self, pos: int) -> tuple[int, str] | None:
        best = self._latest_ref(pos)
        if best is None or best[1] is None:
            return None
        return best[0], best[1]

    def _mention_at_end(self, pos: int) -> Mention | None:
        return self._by_end.get(pos)

    def _mention_after(self, pos: int, limit: int) -> Mention | None:
        """The first name starting after ``pos`` past up to four descriptor words, same clause."""
        seg = self.layout.masked[pos:limit]
        for n, m in enumerate(re.finditer(r"[^\s]+", seg)):
            a = pos + m.start()
            k = bisect.bisect_right(self._starts, a) - 1
            mm = self.mentions[k] if k >= 0 and self.mentions[k].start <= a < self.mentions[k].end else None
            if mm is not None:
                return None if mm.possessive else mm
            w = m.group(0)
            if re.search(r"[,.;:!?()\"“”\x00–—]", w[-1:]) or w.lower() in FUNCTION - {"the", "a", "an"}:
                return None
            if re.search(r"[,.;:!?()\"“”\x00]", w):
                return None
            if n >= 4:
                return None
        return None

    # ------------------------------------------------------------ events
    def _source(self, m: Mention, ev_start: int, ev_end: int, basis: str = "sentence",
                role: str = "speaker") -> Attribution:
        name = self.canonical(m)
        return Attribution(name, m.kind, self.text[ev_start:ev_end], ev_start, ev_end, basis, role)

    def _bind_left(self, sent_start: int, vs: int) -> tuple[str, Any, int] | None:
        """What the verb at ``vs`` reports for: ("mention", m, start) | ("person", name, start) |
        ("unnamed", None, start) | None."""
        masked = self.layout.masked
        pos = vs
        while True:
            seg = masked[sent_start:pos]
            m = SKIP_TAIL.search(seg)
            if not m or m.start() == len(seg):
                break
            pos = sent_start + m.start()
        seg = masked[sent_start:pos].rstrip()
        end = sent_start + len(seg)
        mention = self._mention_at_end(end)
        if mention is not None and not mention.possessive:
            return ("mention", mention, mention.start)
        pm = PRONOUN.search(seg)
        if pm:
            a = sent_start + pm.start("p")
            if pm.group("p").lower() in ("he", "she"):
                ref = self._latest_ref(a)
                if ref is not None and ref[1] is not None:
                    return ("person", ref[1], a)
                if ref is not None and self._unnamed_channels.get(ref[0]):
                    return ("channels", self._unnamed_channels[ref[0]], a)
            return ("unnamed", None, a)
        rm = ROLE.search(seg)
        if rm:
            a = sent_start + rm.start()
            head = rm.group("head").lower()
            for ev in reversed(self.events):
                for src in ev.sources:
                    if head in fold(src.name) and ev.end <= a:
                        return ("named", src, a)
            if head in PERSON_ROLES:
                ref = self._latest_person(a)
                if ref and a - ref[0] <= PRONOUN_RANGE:
                    return ("person", ref[1], a)
            return ("unnamed", None, a)
        if seg.endswith(","):
            listed = self._mention_at_end(end - 1)
            if listed is not None and not listed.possessive and re.search(
                r"\b(?:such as|including|like)\s+$", self.layout.masked[max(sent_start, listed.start - 12):listed.start]
            ):
                return ("mention", listed, listed.start)  # "Others, such as Vanessa Beeley, reject it"
            app = self._appositive(sent_start, end)
            if app is not None:
                return ("mention", app, app.start)
        nm = NOUNISH_TAIL.search(seg)
        if nm and nm.group(0).strip().lower() not in FUNCTION:
            return ("unnamed", None, sent_start + nm.start())
        return None

    def _appositive(self, sent_start: int, end: int) -> Mention | None:
        """``Alexey Pushkov, the head of the ... committee,`` -> Alexey Pushkov."""
        for m in reversed(self.mentions):
            if m.end >= end or m.start < sent_start:
                continue
            tail = self.layout.masked[m.end:end]
            if tail.startswith(", ") and len(tail) < 140 and re.match(r",\s+(?:the|a|an|who|which|[a-z])", tail):
                return None if m.possessive or (m.kind != "person" and m.kind != "outlet") else m
            if "," in tail[1:-1] or len(tail) > 140:
                return None
        return None

    def _events_in(self, si: int) -> list[_Event]:
        lay = self.layout
        s = lay.sentences[si]
        masked = lay.masked
        events: list[_Event] = []
        for vm in VERB_RE.finditer(masked, s.start, s.end):
            vs, ve = vm.start(), vm.end()
            verb = vm.group("verb")
            ev = _Event(vs, ve, si)
            passive = re.match(r"\s+by\b", masked[ve:ve + 5]) is not None
            bound = None if passive else self._bind_left(s.start, vs)
            unnamed_at = vs
            if (bound is None or bound[0] == "unnamed") and verb in INVERTIBLE and self._inverted(s.start, vs):
                right = self._mention_after(ve, s.end)
                if right is not None:
                    ev.end = right.end
                    ev.sources.append(self._source(right, vs, right.end))
                    bound = ("done", None, vs)
            if bound is not None and bound[0] != "done":
                kind, val, a = bound
                ev.start = a
                if kind == "mention":
                    ev.sources.append(self._source(val, a, ve))
                elif kind == "person":
                    ev.sources.append(Attribution(val, "person", self.text[a:ve], a, ve))
                elif kind == "named":
                    ev.sources.append(Attribution(val.name, val.kind, self.text[a:ve], a, ve))
                elif kind == "channels":
                    ev.sources.extend(Attribution(c.name, c.kind, self.text[a:ve], a, ve, role="channel")
                                      for c in val)
                elif kind == "unnamed":
                    ev.start = vs
                    unnamed_at = a
            if verb in ("told", "tells", "tell", "wrote", "writes", "said", "says") and not passive:
                obj = self._mention_after(ve, s.end)
                if obj is not None and obj.kind == "outlet" and (
                    verb.startswith("t") or CHANNEL_PREP.search(masked[ve:obj.start])
                ):
                    ev.sources.append(self._source(obj, ev.start, obj.end, role="channel"))
                    ev.end = max(ev.end, obj.end)
            if bound is None and not ev.sources:
                continue
            for src in ev.sources:
                if src.kind == "person" and src.role == "speaker":
                    self._add_ref(ev.start, src.name)  # "he said" later in this sentence is this person
            if bound is not None and bound[0] == "unnamed":
                last = re.findall(r"[A-Za-z]+", self.text[unnamed_at:vs])
                if last and (not last[-1].endswith("s") or last[-1].endswith("ss")):
                    # "one regime insider told me ... he said": "he" is the unnamed insider
                    self._add_ref(unnamed_at, None)
                    if ev.sources:
                        self._unnamed_channels[unnamed_at] = list(ev.sources)
            events.append(ev)
        for pattern, role in PREP_SOURCES:
            for pm in pattern.finditer(masked, s.start, s.end):
                m = self._mention_after(pm.end(), s.end)
                if m is None:
                    continue
                if any(m.start < e.end and e.start < m.end for e in events for _ in e.sources if
                       any(x.start <= m.start < x.end for x in e.sources)):
                    continue
                events.append(_Event(pm.start(), m.end, si, [self._source(m, pm.start(), m.end, role=role)]))
        if events:
            for om in re.finditer(r"\b(?:in|on|for)\s+", masked[s.start:s.end]):
                m = self._mention_after(s.start + om.end(), s.end)
                if m is not None and m.kind == "outlet" and m.start == s.start + om.end():
                    a = s.start + om.start()
                    events.append(_Event(a, m.end, si, [self._source(m, a, m.end, role="channel")]))
        if not any(a.kind == "person" and a.role == "speaker" for e in events for a in e.sources):
            subj = self._colon_subject(si)
            if subj is not None and not any(e.start <= subj.start < e.end for e in events):
                events.append(subj)
        events.sort(key=lambda e: e.start)
        for ev in events:
            self._attach_quotes(ev)
            for src in ev.sources:
                if src.kind == "person" and src.role == "speaker":
                    self._add_ref(ev.start, src.name)
        return events

    def _inverted(self, sent_start: int, vs: int) -> bool:
        before = self.layout.masked[sent_start:vs].rstrip()
        return not before or before[-1] in ",\"”–—-:" or before.endswith("\x00")

    def _colon_subject(self, si: int) -> _Event | None:
        s = self.layout.sentences[si]
        masked = self.layout.masked
        q = masked.find("\x00", s.start, s.end)
        head = masked[s.start:q if q >= 0 else s.end].rstrip(" “\"")
        if not head.endswith(":"):
            return None
        for m in self.mentions:
            if m.start < s.start or m.start >= s.start + len(head):
                continue
            if m.possessive or m.kind != "person":
                continue
            nxt = re.match(r"\s+(?:[a-z]+ly\s+)?([a-z][\w’'\-]*)", self.text[m.end:m.end + 40])
            if nxt and (nxt.group(1).endswith("ed") or nxt.group(1) in VERB_LIKE
                        or nxt.group(1).endswith("s")):
                end = m.end + nxt.end()
                return _Event(m.start, end, si, [self._source(m, m.start, end)])
        return None

    def _attach_quotes(self, ev: _Event) -> None:
        masked = self.layout.masked
        for qi, q in enumerate(self.layout.quotes):
            if (q.close < ev.start and re.fullmatch(r"[\s,.;:—–\-]*", masked[q.close + 1:ev.start])
                    and self.layout.sentence_at(q.close) == ev.sent):
                ev.after_quote = qi
            if q.open >= ev.end and re.fullmatch(r"[\s,:]*", masked[ev.end:q.open]):
                ev.before_quote = qi
            if q.open > ev.end + 5:
                break

    # ------------------------------------------------------------ queries
    def quote_speakers(self, qi: int) -> list[Attribution]:
        tagged = [e for e in self.events if e.after_quote == qi and e.sources]
        if not tagged:
            tagged = [e for e in self.events if e.before_quote == qi and e.sources]
        if not tagged:
            q = self.layout.quotes[qi]
            si = self.layout.sentence_at(q.open)
            tagged = [e for e in self.sent_events.get(si, []) if e.end <= q.open and e.sources]
        return [_rebase(a, "quote") for e in tagged[:1] for a in e.sources]

    def block_sources(self, si: int) -> list[Attribution]:
        """Sources of the line introducing the quoted block that sentence ``si`` opens or continues
        ("RT reported:" / "Even Robert Fisk repeated that charge in The Independent:")."""
        lay = self.layout
        li = lay.sentences[si].line
        if li == 0 or lay.lines[li].is_list or not lay.lines[li - 1].is_intro:
            return []
        intro = lay.lines[li - 1]
        isents = [k for k, s in enumerate(lay.sentences) if s.line == li - 1]
        if not isents:
            return []
        last = lay.sentences[isents[-1]]
        evs = [e for e in self.sent_events.get(isents[-1], []) if e.sources]
        head = lay.masked[last.start:intro.end]
        cut = max((m.end() for m in re.finditer(r",\s+and\s+|;\s+|,\s+while\s+", head)), default=0)
        tail = [e for e in evs if e.start >= last.start + cut]
        return [_rebase(a, "block") for e in (tail or evs) for a in e.sources]

    def continues(self, si: int) -> bool:
        """Whether sentence ``si`` reads as a continuation of what came before: a quotation, a
        list item, or an anaphor (he, they, this, these, ...) among its first four words."""
        lay = self.layout
        s = lay.sentences[si]
        head = self.text[s.start:s.end].lstrip(" '‘")
        if head[:1] in "\"“" or lay.lines[s.line].is_list:
            return True
        words = re.findall(r"[A-Za-z’']+", head)[:4]
        return any(w.lower() in ANAPHORS for w in words)

    def lookback(self, first_sent: int) -> list[Attribution]:
        lay = self.layout
        cur = lay.sentences[first_sent]
        start_line = lay.lines[cur.line]
        if not self.continues(first_sent):
            return []
        count = 0
        i = first_sent - 1
        leaving = cur.line
        basis = "context"
        while i >= 0 and count < MAX_BACK:
            s = lay.sentences[i]
            if s.line != leaving:
                L, P = lay.lines[leaving], lay.lines[s.line]
                if s.line != leaving - 1 or (P.para != L.para and not P.is_intro):
                    break
                starts_pronoun = re.match(r"(?:They|These|This|It|Those)\b", self.text[L.start:L.end])
                if not (L.is_list or P.is_intro or (L.is_intro and starts_pronoun)):
                    break
                basis = "block" if P.is_intro and not L.is_list and leaving == cur.line else "context"
                leaving = s.line
            if start_line.is_list and lay.lines[s.line].is_list:
                i -= 1
                continue
            count += 1
            evs = self.sent_events.get(i, [])
            if evs:
                return _dedupe([_rebase(a, basis) for e in evs for a in e.sources])
            i -= 1
        return []


def _title_case(line: str) -> bool:
    """A headline: most words capitalised."""
    words = re.findall(r"[^\W\d_][\w’'\-]*", line)
    if len(words) < 4 or (line.rstrip().endswith((".", ",")) and len(words) > 14):
        return False
    caps = sum(1 for w in words if w[0].isupper())
    small = sum(1 for w in words if w.lower() in ("a", "an", "the", "of", "in", "on", "to", "for", "and",
                                                      "with", "by", "at", "as", "or", "from"))
    return caps >= 0.8 * (len(words) - small) and caps >= 3


def _rebase(a: Attribution, basis: str) -> Attribution:
    return Attribution(a.name, a.kind, a.evidence, a.start, a.end, basis, a.role)


def _dedupe(items: list[Attribution]) -> list[Attribution]:
    out: list[Attribution] = []
    for a in items:
        if not any(same_source(a.name, b.name) for b in out):
            out.append(a)
    return out


@lru_cache(maxsize=16)
def _analyse(text: str, known: tuple[str, ...]) -> _Analysis:
    return _Analysis(text, known)


def extract_attribution(text: str, start: int, end: int, *, known_names: Iterable[str] = ()) -> list[Attribution]:
    """Who ``text`` says the claim at ``text[start:end]`` comes from (named people and outlets).

    ``known_names`` (names seen elsewhere in the workspace) are used to recognise one-word
    names and to give each source its fullest known spelling.
    """
    if not text or end <= start:
        return []
    start, end = max(0, start), min(len(text), end)
    an = _analyse(text, tuple(sorted(set(known_names))))
    lay = an.layout
    qi, frac = lay.quoted_fraction(start, end)
    if qi is not None and frac >= 0.5:
        found = an.quote_speakers(qi)
        if found:
            return _dedupe(found)
    sents = lay.sentences_over(start, end)
    if not sents:
        return []
    evs = [e for si in sents for e in an.sent_events.get(si, [])]
    named = [a for e in evs for a in e.sources] + an.block_sources(sents[0])
    if named:
        return _dedupe(named)
    if evs:
        return []  # an unnamed source ("residents said"): no named attribution
    return an.lookback(sents[0])


def document_sources(text: str, *, known_names: Iterable[str] = ()) -> list[Attribution]:
    """Every named source the document reports, in reading order (for indexes and reviews)."""
    an = _analyse(text, tuple(sorted(set(known_names))))
    return _dedupe([a for e in an.events for a in e.sources])
