"""How an appearance relates to the claim it asserts: verbatim, near-verbatim, paraphrase or
mention-with-citation.

The rule, in order of precedence (wording first, then citation):

1. ``verbatim``: after normalization (Unicode NFKC, case, quote and dash styles, punctuation,
   white space) the claim equals the span or is contained in it whole.
2. ``near-verbatim``: the wording nearly matches: rapidfuzz ``ratio >= 85`` on the normalized
   texts, or ``partial_ratio >= 90`` when the shorter side is at least 60% of the claim's length
   (the span quotes the claim with small edits, or a trimmed part of it).
3. ``mention-with-citation``: reworded, and the span's own sentence (or the quotation holding it,
   or the line introducing the quoted block it is in) credits a source other than the document
   itself: "according to", "told Sky News", "documents handed to Sky News", a quotation with its
   speaker, "RT reported:". A source found only in the preceding sentences does not count.
4. ``paraphrase``: everything else the matcher proposed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz

from app.attribution.names import same_source

RELATIONS = ("verbatim", "near-verbatim", "paraphrase", "mention-with-citation")
CITING_BASES = frozenset({"sentence", "quote", "block"})
NEAR_RATIO = 85.0
NEAR_PARTIAL = 90.0

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
                         "―": "-", "\u00a0": " "})
_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Wording-only form: NFKC, casefold, no punctuation, single spaces."""
    t = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    t = _PUNCT.sub(" ", t)
    return _SPACE.sub(" ", t).strip()


def wording_relation(claim: str, span: str) -> str | None:
    """``verbatim`` / ``near-verbatim`` from wording alone, or None."""
    c, s = normalize_text(claim), normalize_text(span)
    if not c or not s:
        return None
    if c == s or f" {c} " in f" {s} ":
        return "verbatim"
    if fuzz.ratio(c, s) >= NEAR_RATIO:
        return "near-verbatim"
    shorter = min(len(c), len(s))
    if shorter >= 0.6 * len(c) and fuzz.partial_ratio(c, s) >= NEAR_PARTIAL:
        return "near-verbatim"
    return None


def cites_source(attributions: Iterable[dict[str, Any] | Any], own: Iterable[str | None] = ()) -> bool:
    """Whether any attribution found in the span's own sentence/quotation/block names a source
    other than the document's own outlet or author (``own``)."""
    mine = [o for o in own if o]
    for a in attributions:
        basis = a.get("basis") if isinstance(a, dict) else getattr(a, "basis", None)
        name = a.get("name") if isinstance(a, dict) else getattr(a, "name", None)
        if basis in CITING_BASES and name and not any(same_source(name, o) for o in mine):
            return True
    return False


def derive_relation(claim: str, span: str, attributions: Iterable[dict[str, Any] | Any] = (),
                    own: Iterable[str | None] = ()) -> str:
    """The relation of ``span`` to ``claim`` by the rule in the module docs."""
    return wording_relation(claim, span) or ("mention-with-citation" if cites_source(attributions, own)
                                             else "paraphrase")
