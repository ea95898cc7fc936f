"""Names of sources (people and outlets): recognised in running text, compared across spellings.

Pure Python, no NLP library. A *name run* is a sequence of capitalised tokens joined by single
spaces, with Arabic/European particles (``al-Assad``, ``Staffan de Mistura``, ``bin``); runs are
classified as an outlet (a known outlet, or an organisation-like name ending in News, Times,
Agency, TV, ...), an institution (Ministry, Council, ...; reported with kind ``outlet``), a
person, or ignored (places, armed groups, months, sentence-initial function words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz


def words(text: str) -> frozenset[str]:
    """A set of white-space separated words (keeps the long word lists below readable)."""
    return frozenset(text.split())


# canonical outlet name -> spellings seen in running text (case-sensitive)
OUTLETS: dict[str, tuple[str, ...]] = {
    "Sky News": ("Sky News",),
    "al-Araby": ("al-Araby al-Jadeed", "Al-Araby al-Jadeed", "al-Araby", "Al-Araby", "Al Araby", "The New Arab"),
    "RT": ("RT", "Russia Today"),
    "Reuters": ("Reuters",),
    "The Independent": ("The Independent", "the Independent"),
    "CNN": ("CNN",),
    "Time magazine": ("Time magazine", "Time Magazine", "TIME magazine"),
    "The Daily Beast": ("The Daily Beast", "the Daily Beast", "Daily Beast"),
    "Democracy Now": ("Democracy Now!", "Democracy Now"),
    "The New York Times": ("The New York Times", "the New York Times", "New York Times", "NYT"),
    "The Washington Post": ("The Washington Post", "the Washington Post", "Washington Post"),
    "The Guardian": ("The Guardian", "the Guardian"),
    "The Telegraph": ("The Telegraph", "the Telegraph", "Daily Telegraph"),
    "The Times": ("The Times of London",),
    "Financial Times": ("Financial Times",),
    "The Wall Street Journal": ("The Wall Street Journal", "the Wall Street Journal", "Wall Street Journal"),
    "The Economist": ("The Economist", "the Economist"),
    "SANA": ("SANA", "Syrian Arab News Agency"),
    "Global Research": ("Global Research",),
    "Informed Comment": ("Informed Comment",),
    "EA WorldView": ("EAWorldView", "EA WorldView"),
    "BBC": ("BBC",),
    "Al Jazeera": ("Al Jazeera", "Al-Jazeera", "al-Jazeera", "Aljazeera"),
    "Al Arabiya": ("Al Arabiya", "Al-Arabiya", "al-Arabiya"),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "AP": ("AP", "Associated Press"),
    "Middle East Eye": ("Middle East Eye",),
    "Anadolu Agency": ("Anadolu Agency", "Anadolu"),
    "Syria Direct": ("Syria Direct",),
    "The Cradle": ("The Cradle",),
    "Sunday Express": ("Sunday Express",),
    "Sputnik": ("Sputnik",),
    "TASS": ("TASS",),
    "Newsweek": ("Newsweek",),
    "Foreign Policy": ("Foreign Policy",),
    "NPR": ("NPR",),
    "France 24": ("France 24",),
    "Deutsche Welle": ("Deutsche Welle",),
    "Asharq Al-Awsat": ("Asharq Al-Awsat", "Asharq al-Awsat"),
    "Enab Baladi": ("Enab Baladi",),
    "Syrian TV": ("Syrian TV", "Syrian state TV", "State TV"),
    "Amnesty International": ("Amnesty International", "Amnesty"),
    "Human Rights Watch": ("Human Rights Watch",),
    "Syrian Observatory for Human Rights": ("Syrian Observatory for Human Rights",),
}

OUTLET_SUFFIXES = words(
    "News Times Post Agency TV Television Radio Press Herald Journal Magazine Gazette Telegraph "
    "Tribune Observer Daily Weekly Monitor Network Channel Broadcasting Media Express Mail "
    "Chronicle Wire"
)
# Institutions: reported with kind "outlet" (a body that publishes statements).
ORG_HEADS = words(
    "Ministry Department Office Council Government Committee Commission Court Union Organization "
    "Organisation Party Command Coalition Observatory Institute University Center Centre "
    "Foundation Fund Parliament Assembly Congress Senate Authority Administration Presidency "
    "Embassy Mission Nations Helmets Crescent Cross Brigade Brigades Battalion Corps Front Directorate "
    "Units Guards Mobilization Movement Group Network Alliance Federation Association Society"
)
# Armed groups and other organisations named by a leading word (Jabhat ..., Jaish ...).
ORG_LEADS = words("Jabhat Jaish Liwa Harakat Faylaq Ahrar Suqour Suqur Hayat Hay'at Jund Ansar Kataib")
PLACE_HEADS = words(
    "Province City Hospital Camp Commune District Square Street Airbase Base Mosque Church Museum Prison "
    "Road River Valley Mountains Desert Village Town Governorate Region Sea Ocean Gulf Coast Airport "
    "Temple Ruins"
)
PARTICLES = words("al el ad as ash at ar an az bin ibn bint abu de del della di du da van von der la le")
TITLES = words(
    "Mr Mrs Ms Dr Prof Professor Sir Lord Lady Sheikh King Queen Prince President Vice Premier Prime "
    "Minister Deputy Foreign Defence Defense Interior Secretary General Gen Colonel Col Lieutenant Lt "
    "Major Maj Captain Capt Sergeant Brigadier Commander Admiral Marshal Chief Correspondent Envoy "
    "Special Ambassador Senator Sen Rep Representative Judge Justice Attorney Former Ex Mayor Governor "
    "Spokesman Spokeswoman Editor Reporter Analyst Expert Officer Official Pope Bishop Imam Father "
    "UN US U.S. UK EU State Department Grand Mufti Supreme Leader Emir"
)
DEMONYMS = words(
    "Syrian Russian Iranian Iraqi Turkish Israeli Lebanese Jordanian Egyptian Libyan Saudi Qatari Kurdish "
    "French British English German American Chinese Ukrainian European Arab Western Eastern Palestinian "
    "Emirati Yemeni Afghan Pakistani Indian Italian Spanish Dutch Belgian Swiss Austrian"
)
PLACES = words(
    "Syria Russia Iran Iraq Turkey Israel Lebanon Jordan Egypt Libya Yemen Qatar Saudi Arabia America "
    "Britain England France Germany Europe China Ukraine Moscow Damascus Washington Tehran Ankara Beirut "
    "Baghdad Cairo London Paris Brussels Geneva Aleppo Homs Hama Idlib Raqqa Palmyra Tadmur Sukhna Mosul "
    "Nimrud Deir Ezzor Latakia Tartus Hmeimim Kremlin Pentagon West East Middle North South US USA UK "
    "EU UN NATO Daesh ISIS ISIL IS Isis Nusra Front Qaeda Al-Qaeda al-Qaeda Hezbollah Hizbollah JFS "
    "Jabhat Fatah Sham Islamic State Caliphate Sunni Sunnis Shia Alawite Alawites Christian Christians "
    "Muslim Muslims Arab Arabs Kurds Kurdish Roman Romans Assyrian Internet God Allah Twitter Facebook "
    "YouTube Google Sunday Monday Tuesday Wednesday Thursday Friday Saturday January February March "
    "April May June July August September October November December Army Air Force Forces Regime "
    "Revolution Left Right Heritage World Site Post Scripts United States Soviet Kingdom Emirates"
)
# Capitalised words that begin sentences or headlines but never name a source on their own.
COMMON_CAPS = words(
    "The A An And But Or So Yet For Nor Of In On At To By From With Without As When While After Before "
    "Since Until If Though Although Because Instead Meanwhile However Moreover Still Even Now Then Here "
    "There This That These Those It Its He She They We I You His Her Their Our Your My Me Him Us Them "
    "What Why How Who Whom Whose Where Which Both All Most Many Some Few One Two Three Each Every Any No "
    "Not Never Also Asked According Providing Considering Writing Fortunately Unfortunately Actually "
    "Basically Worse Better Over Under Upon Into Onto About Against Among Between Through During "
    "Despite Like Unlike Yes Thank Thanks Click Featured Comment Comments Leaked Files Reveal Reveals "
    "Syrians Russians Iranians Americans Analysts Witnesses Officials Observers Residents Sources "
    "Experts Critics Activists Supporters Opponents Colleagues Defectors Rebels Militants Terrorism "
    "Food Photographs Three Update Original Entry Editor Note Photo Report Reports State Ph.D. "
    "Al Hand Many Everyone Nobody Someone Anyone Is Are Was Were Do Does Did Will Can Could Should Would "
    "Has Have Had Shall May Must Might Let Please Lol Another Related Posts War Military Leave"
)

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_](?:[\w’'\-]*\w)?(?:[’']s)?|\d+")
_GAP = re.compile(r"[ \t\u00a0]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent-free casefolded text with unified apostrophes and dashes."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").casefold()


@lru_cache(maxsize=1)
def _outlet_folded() -> dict[str, str]:
    _, variants = _outlet_index()
    return {fold(sp).removeprefix("the ").strip(): canonical for sp, canonical in variants.items()}


@lru_cache(maxsize=1)
def _outlet_index() -> tuple[re.Pattern[str], dict[str, str]]:
    variants: dict[str, str] = {}
    for canonical, spellings in OUTLETS.items():
        for sp in (canonical, *spellings):
            variants.setdefault(sp, canonical)
    alts = sorted(variants, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w\-])(?:" + "|".join(re.escape(a) for a in alts) + r")(?![\w\-])")
    return pattern, variants


def outlet_canonical(name: str) -> str | None:
    """The canonical name of a known outlet, or None."""
    _, variants = _outlet_index()
    if name in variants:
        return variants[name]
    return _outlet_folded().get(fold(name).removeprefix("the ").strip())


@dataclass(frozen=True)
class Mention:
    """A name in the text: ``text[start:end]`` is the raw run; ``name`` is the cleaned name."""

    start: int
    end: int
    name: str
    kind: str  # person | outlet
    single: bool = False  # a one-token person name (needs support elsewhere to count)
    possessive: bool = False


def _is_cap(tok: str) -> bool:
    if tok[0].isupper():
        return True
    return bool(re.match(r"^(?:al|el|ad|as|ash|at|ar|an|az)-[A-Z]", tok))


def _classify(tokens: list[str]) -> tuple[str, str] | None:
    """(cleaned name, kind) for a run of capitalised tokens, or None when it names no source."""
    toks = list(tokens)
    while toks and toks[0] in COMMON_CAPS:
        toks = toks[1:]
    if not toks:
        return None
    name = " ".join(toks)
    if len(toks) >= 2 and (toks[-1] in OUTLET_SUFFIXES or toks[-1] in ORG_HEADS or toks[0] in ORG_LEADS):
        return name, "outlet"
    if toks[-1] in PLACE_HEADS:
        return None
    while len(toks) > 1 and (toks[0].rstrip(".") in TITLES or toks[0] in DEMONYMS):
        toks = toks[1:]
    # the name is the trailing part of the run free of place names and common words
    k = len(toks)
    while k > 0 and _nameish(toks[k - 1]):
        k -= 1
    toks = toks[k:]
    while toks and toks[0] in PARTICLES:
        toks = toks[1:]
    if not toks:
        return None
    return " ".join(toks), "person"


def _nameish(tok: str) -> bool:
    return not (tok in PLACES or tok in COMMON_CAPS or tok in DEMONYMS or tok.rstrip(".") in TITLES)


def find_mentions(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Outlet and person mentions in ``text[start:end]``, in order."""
    end = len(text) if end is None else end
    pattern, variants = _outlet_index()
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in pattern.finditer(text, start, end):
        out.append(Mention(m.start(), m.end(), variants[m.group(0)], "outlet"))
        taken.append((m.start(), m.end()))

    def in_taken(a: int, b: int) -> bool:
        return any(a < tb and ta < b for ta, tb in taken)

    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text, start, end)]
    i = 0
    while i < len(tokens):
        a, b, tok = tokens[i]
        if not _is_cap(tok) or in_taken(a, b):
            i += 1
            continue
        run = [(a, b, tok)]
        j = i + 1
        while j < len(tokens):
            _, pb, ptok = run[-1]
            na, nb, ntok = tokens[j]
            if ptok.endswith(("’s", "'s")) or not _GAP.fullmatch(text[pb:na]) or in_taken(na, nb):
                break
            if _is_cap(ntok) and not ntok.isdigit():
                run.append(tokens[j])
                j += 1
                continue
            if ntok in PARTICLES and j + 1 < len(tokens):
                xa, _, xtok = tokens[j + 1]
                if _GAP.fullmatch(text[nb:xa]) and _is_cap(xtok):
                    run.append(tokens[j])
                    run.append(tokens[j + 1])
                    j += 2
                    continue
            break
        i = j
        possessive = run[-1][2].endswith(("’s", "'s"))
        words = [t for _, _, t in run]
        if possessive:
            words[-1] = words[-1][:-2]
        cls = _classify(words)
        if cls is None:
            continue
        name, kind = cls
        rs, re_ = run[0][0], run[-1][1]
        # the mention's span covers the cleaned name only (titles and leading "The" dropped)
        offset = text.find(name.split(" ")[0], rs, re_)
        ms = offset if offset >= 0 else rs
        me = re_ - (2 if possessive else 0)
        out.append(Mention(ms, me, name, kind, single=(kind == "person" and " " not in name), possessive=possessive))
    out.sort(key=lambda m: m.start)
    return out


# ------------------------------------------------------------------ comparing names
@lru_cache(maxsize=16384)
def _person_tokens(name: str) -> tuple[str, ...]:
    toks = [t for t in re.split(r"[\s\-]+", fold(name)) if t]
    toks = [t.strip(".'") for t in toks]
    while len(toks) > 1 and toks[0].capitalize().rstrip(".") in TITLES:
        toks = toks[1:]
    return tuple(t for t in toks if t and t not in PARTICLES)


@lru_cache(maxsize=65536)
def _skeleton(tok: str) -> str:
    """Transliteration-insensitive form: doubled letters collapsed, vowels o/u and e/i merged."""
    tok = re.sub(r"(.)\1+", r"\1", tok)
    tok = tok.replace("ou", "u").replace("o", "u").replace("ee", "i").replace("e", "i")
    tok = tok.replace("kh", "k").replace("q", "k").replace("dh", "d").replace("th", "t")
    return tok


@lru_cache(maxsize=65536)
def _tok_same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) <= 3:
        return False
    sa, sb = _skeleton(a), _skeleton(b)
    return sa == sb or fuzz.ratio(sa, sb) >= 85


@lru_cache(maxsize=16384)
def same_source(a: str, b: str) -> bool:
    """Whether two names refer to the same source, across spellings and aliases.

    Outlets compare by canonical name (``Russia Today`` = ``RT``). People compare by surname
    (fuzzy, transliteration-insensitive: ``Qasim`` = ``Qassim``) and then by token containment:
    every other token of the shorter name must match one of the longer name's
    (``Qasim`` = ``Mohamed Qassim`` = ``Mohammed Qassim``, but ``Khaled Assad`` != ``Bashar al-Assad``).
    """
    if not a or not b:
        return False
    oa, ob = outlet_canonical(a), outlet_canonical(b)
    if oa or ob:
        return oa == ob or fold(a).removeprefix("the ") == fold(b).removeprefix("the ")
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    ta, tb = _person_tokens(a), _person_tokens(b)
    if not ta or not tb:
        return False
    if not _tok_same(ta[-1], tb[-1]):
        return False
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    rest = long_[:-1]
    return all(any(_tok_same(t, r) for r in rest) for t in short[:-1])


def canonical_name(name: str, pool: Iterable[str] = ()) -> str:
    """The fullest spelling of ``name`` among ``pool`` (names seen in the document/workspace)."""
    outlet = outlet_canonical(name)
    if outlet:
        return outlet
    best = name
    for cand in pool:
        if outlet_canonical(cand):
            continue
        if same_source(name, cand):
            key = (len(_person_tokens(cand)), len(cand))
            if key > (len(_person_tokens(best)), len(best)):
                best = cand
    return best


def kind_of(name: str) -> str:
    """``outlet`` for known outlets and organisation-like names, else ``person``."""
    if outlet_canonical(name):
        return "outlet"
    toks = name.split()
    if toks and (toks[-1] in OUTLET_SUFFIXES or toks[-1] in ORG_HEADS) and len(toks) >= 2:
        return "outlet"
    return "person"
