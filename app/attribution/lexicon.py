"""Word lists and patterns for attribution extraction: reporting verbs, pronouns, roles."""

from __future__ import annotations

import re

from app.attribution.names import words

VERBS = sorted(words(
    "said says say saying told tells tell explains explained explaining alleges alleged alleging "
    "claims claimed asserts asserted asserting added adds confirmed confirms reported reports revealed "
    "reveals reveal wrote writes noted notes stressed stresses disclosed discloses declared declares "
    "warned warns argued argues suggested suggests insisted insists announced announces stated opined "
    "editorialized editorialised complained complains admitted admits acknowledged recalled described "
    "describes accused accuses asked quoted bragged boasted proclaimed maintained contended testified "
    "affirmed repeated believes recounted remarked replied responded commented observed estimated "
    "predicted concluded conceded denied denies insisted witnessed assured assures reject rejects rejected "
    "dismissed disputes disputed"
))
VERB_RE = re.compile(
    r"\b(?P<verb>came out with|ran the headline|is (?:sure|convinced|certain) that|"
    r"(?:gave|given|give|gives) (?:details|an account|a (?:detailed |first-hand )?account)|"
    r"(?:went|goes|go|going) on to (?:note|disclose|assert|say|name|add|claim|describe|explain|stress|accuse|"
    r"allege|reveal|tell|argue|insist|warn|suggest)|"
    r"(?:obtained|seen)(?= (?:the |new |secret |leaked )?(?:documents|files|letters|papers|records|evidence))|"
    + "|".join(sorted(set(VERBS), key=len, reverse=True))
    + r")\b"
)
INVERTIBLE = words(
    "said says added adds wrote writes explained explains asked continued stressed noted recalled declared "
    "insisted warned claimed claims alleged alleges reported reports"
)
SKIP_TAIL = re.compile(
    r"(?:,\s*)?\b(?:has|have|had|can|could|will|would|may|might|must|also|then|later|meanwhile|quickly|"
    r"previously|once|again|even|still|now|not|never|did|does|do|certainly|reportedly|allegedly|just|too|"
    r"further|first|repeatedly|publicly|privately|recently|earlier|been|is|was|are|were|himself|herself|"
    r"[a-z]+ly)\s*,?\s*$"
)
PRONOUN = re.compile(r"(?:^|(?<=[\s,;:—–\-\"”“(]))(?P<p>[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I)\s*$")
ROLE = re.compile(r"\b[Tt]he\s+(?:[A-Za-z’'\-]+\s+){0,3}?(?P<head>[A-Za-z][a-z\-]*)\s*$")
PERSON_ROLES = words(
    "envoy spokesman spokeswoman spokesperson minister official attorney-general general colonel officer "
    "correspondent president ambassador commander defector insider source witness expert analyst man "
    "woman director chief secretary leader"
)
NOUNISH_TAIL = re.compile(r"\b[a-z][a-z’'\-]+\s*$")
FUNCTION = words(
    "that which who whom whose and or but when while as because if than to of in on at by for from with "
    "about into over after before since until a an the this these those it its his her their our there "
    "what how why where"
)
PREP_SOURCES = [
    (re.compile(r"\b[Aa]ccording to\s+"), "speaker"),
    (re.compile(r"\b(?:obtained|released|examined|seen|published|reported|revealed|leaked|compiled|written|"
                r"told|suggested|quoted|cited|issued|given|claimed|alleged|provided|confirmed|made public)"
                r"\s+(?:[a-z]+\s+){0,2}?by\s+"), "speaker"),
    (re.compile(r"\b(?:handed|leaked|given|passed|shown|sent|provided|supplied)\s+(?:over\s+)?to\s+"), "speaker"),
    (re.compile(r"\b(?:[Rr]eport|[Rr]eports|investigation|article|interview|story|analysis|statement|"
                r"documents|files|letters|footage|survey|study|editorial|column|op-ed)\s+(?:by|from|in|with)\s+"),
     "speaker"),
    (re.compile(r"\b[Ww]riting (?:for|in|on)\s+"), "channel"),
]
CHANNEL_PREP = re.compile(r"\b(?:in|on|for|to)\s+$")
VERB_LIKE = words(
    "told saw went fled had has was is can will did didn’t didn't said says would could may might "
    "knows knew thinks thought wants wanted made makes took takes came comes got gets gave gives"
)

ANAPHORS = words("he she they this these those his her their him them")

__all__ = [
    "ANAPHORS",
    "CHANNEL_PREP",
    "FUNCTION",
    "INVERTIBLE",
    "NOUNISH_TAIL",
    "PERSON_ROLES",
    "PREP_SOURCES",
    "PRONOUN",
    "ROLE",
    "SKIP_TAIL",
    "VERBS",
    "VERB_LIKE",
    "VERB_RE",
]
