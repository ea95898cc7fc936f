"""Text normalization for claim matching: one function from raw text to comparable tokens.

Pipeline (per token, spans always point into the ORIGINAL text):

1. **Aliases first.** Alias terms are found in the original text before anything else, so
   multi-word aliases ("Islamic State") are replaced before tokenizing and short all-caps
   aliases ("IS") are matched case-sensitively before lower-casing (otherwise they would
   swallow the verb "is"). A case-sensitive alias inside an all-caps run ("THIS IS A TEST")
   is ignored. Every alias group becomes ONE canonical token (see ``canonical_token``) that
   is never stemmed and never a stopword.
2. **Words.** Letters/digits runs; hyphens, dashes, quotes and other punctuation separate
   words; apostrophes inside words are dropped ("don't" -> "dont"), a possessive "'s" is
   removed ("Assad's" -> "assad"). Dotted acronyms are joined ("U.S." -> "us"); the all-caps
   country "US"/"U.S." becomes "usa" so it does not collide with the pronoun.
3. **Characters.** Unicode NFKC, case folding, accents stripped ("Hamā" -> "hama").
4. **Numbers.** Thousands separators removed ("22,000" == "22000"), "%" and "per cent" ->
   "percent".
5. **Stemming** with the Snowball English stemmer (``snowballstemmer``).
6. **Stopwords** (English) are marked; ``tokens`` keeps them, ``content_tokens`` drops them.
   Retrieval uses content tokens; rapidfuzz scoring uses all tokens.

``skeleton(token)`` gives a cheap transliteration key (doubled consonants collapsed, vowel runs
-> ``*``: "qassim"/"qasim" -> "q*s*m") that the index uses to find spelling variants of query
words; ``variant_similarity`` decides whether two tokens really are variants.

Normalizers are immutable after construction and safe to share between threads.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import snowballstemmer
from rapidfuzz import fuzz

__all__ = [
    "STOPWORDS",
    "Normalizer",
    "Token",
    "canonical_token",
    "clean_social",
    "is_alias_token",
    "skeleton",
    "variant_similarity",
]

# Snowball's English stopword list, plus the apostrophe-less forms our tokenizer produces.
STOPWORDS: frozenset[str] = frozenset(
    ["i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "would", "should", "could", "ought", "im", "youre", "hes", "shes", "its", "were", "theyre", "ive", "youve", "weve", "theyve", "id", "youd", "hed", "shed", "wed", "theyd", "ill", "youll", "hell", "shell", "well", "theyll", "isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt", "doesnt", "dont", "didnt", "wont", "wouldnt", "shant", "shouldnt", "cant", "cannot", "couldnt", "mustnt", "lets", "thats", "whos", "whats", "heres", "theres", "whens", "wheres", "whys", "hows", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don", "should", "now", "d", "ll", "m", "o", "re", "ve", "y", "ain", "aren", "couldn", "didn", "doesn", "hadn", "hasn", "haven", "isn", "ma", "mightn", "mustn", "needn", "shan", "shouldn", "wasn", "weren", "won", "wouldn", "also", "would", "via", "us"]
)

_APOS = "'’ʼ`´‘"
_WORD_RE = re.compile(
    r"(?P<acr>(?:[^\W\d_]\.){2,})"  # U.S., U.N.
    r"|(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[^\W_]*)"  # 22,000  3.5  2015  19th
    rf"|(?P<word>[^\W_]+(?:[{_APOS}][^\W_]+)*)"  # words, with inner apostrophes
    r"|(?P<pct>%)"
)
# the same alternatives without groups: ``findall`` gives the raw words (the fast path)
_RAW_RE = re.compile(re.sub(r"\(\?P<\w+>", "(?:", _WORD_RE.pattern))
_AFTER_ALIAS_POSSESSIVE = re.compile(r"['’ʼ`´‘]s(?![^\W_])")
_POSSESSIVE = re.compile(rf"[{_APOS}]s$", re.IGNORECASE)
_APOS_RE = re.compile(f"[{_APOS}]")
_ALIAS_PREFIX = "_"  # real words never contain "_": canonical alias tokens cannot collide


class Token(NamedTuple):
    """One normalized token: ``text`` (stemmed / canonical), ``start``/``end`` in the
    original text, ``stop`` whether it is a stopword, ``alias`` whether it is an alias group."""

    text: str
    start: int
    end: int
    stop: bool
    alias: bool


def _fold(word: str) -> str:
    """NFKC + casefold + accents stripped."""
    if word.isascii():
        return word.lower()
    w = unicodedata.normalize("NFKC", word).casefold()
    if not w.isascii():
        d = unicodedata.normalize("NFKD", w)
        w = unicodedata.normalize("NFC", "".join(c for c in d if not unicodedata.combining(c)))
    return w


def canonical_token(terms: Sequence[tuple[str, bool]]) -> str:
    """The one token an alias group is replaced by: ``_`` + its longest term, folded,
    words joined by ``_`` ("Islamic State" -> "_islamic_state"). The leading underscore keeps
    it apart from every ordinary token (the tokenizer never produces ``_``)."""
    if not terms:
        raise ValueError("empty alias group")
    best = sorted(terms, key=lambda t: (-len(t[0].strip()), _fold(t[0].strip())))[0][0]
    words = [_fold(w) for w in re.findall(r"[^\W_]+", best)]
    return _ALIAS_PREFIX + "_".join(words)


def content_words(tokens: Sequence[str]) -> list[str]:
    """The tokens that are not stopwords, in order."""
    return [t for t in tokens if t not in STOPWORDS]


def is_alias_token(token: str) -> bool:
    return token.startswith(_ALIAS_PREFIX)


_DOUBLE_CONSONANT = re.compile(r"([b-df-hj-np-tv-z])\1+")
_VOWEL_RUN = re.compile(r"[aeiouy]+")


def _fuzzable(token: str) -> bool:
    return len(token) >= 4 and token.isalpha() and token.isascii()


@functools.lru_cache(maxsize=262_144)
def skeleton(token: str) -> str | None:
    """Transliteration key of a (stemmed) token of >= 4 ASCII letters, else None: doubled
    consonants collapsed, every vowel run replaced by ``*``; "qassim" and "qasim" -> "q*s*m",
    "hussein"/"hussain" -> "h*s*n". Spelling variants share a key (the converse is not true:
    ``variant_similarity`` decides)."""
    if not _fuzzable(token):
        return None
    return _VOWEL_RUN.sub("*", _DOUBLE_CONSONANT.sub(r"\1", token))


@functools.lru_cache(maxsize=262_144)
def variant_similarity(a: str, b: str, *, name: bool = False) -> float:
    """How alike two different tokens are as spellings of one word (0.8-1.0), else 0.0.

    Measured on the Snowball stems. Tokens are variants when they differ only by doubled
    consonants ("qassim"/"qasim", "mohammed"/"mohamed"), or, when ``name`` is true (the query
    word was capitalized: a name), also by vowels with rapidfuzz ``ratio >= 80`` and 5+
    letters ("hussein"/"hussain"). Vowel changes are not accepted for ordinary words: they
    are how English words differ ("letter"/"latter", "farmer"/"former")."""
    if a == b or not (_fuzzable(a) and _fuzzable(b)):
        return 0.0
    if _DOUBLE_CONSONANT.sub(r"\1", a) == _DOUBLE_CONSONANT.sub(r"\1", b):
        return max(0.8, fuzz.ratio(a, b) / 100.0)
    if name and min(len(a), len(b)) >= 5 and skeleton(a) == skeleton(b):
        r = fuzz.ratio(a, b)
        if r >= 80.0:
            return r / 100.0
    return 0.0


class _Stemmer(threading.local):
    def __init__(self) -> None:
        self.stemmer = snowballstemmer.stemmer("english")


_STEMMER = _Stemmer()
_CACHE_MAX = 400_000


def _term_pattern(term: str) -> str:
    """A regex for an alias term: words separated by any run of spaces/hyphens/dashes."""
    words = re.findall(rf"[^\W_]+(?:[{_APOS}][^\W_]+)*|[^\s\w]", term.strip())
    parts = [_APOS_RE.sub(f"[{_APOS}]", re.escape(w).replace("\\'", "'")) for w in words]
    return r"[\s\-‐‑‒–—―]+".join(parts)


class Normalizer:
    """Text -> tokens, with the workspace's alias groups.

    ``alias_groups``: each group a sequence of ``(term, case_sensitive)``. A group's terms all
    become the group's ``canonical_token``.
    """

    def __init__(self, alias_groups: Sequence[Sequence[tuple[str, bool]]] = ()) -> None:
        self.alias_groups: tuple[tuple[tuple[str, bool], ...], ...] = tuple(
            tuple((str(t).strip(), bool(cs)) for t, cs in g) for g in alias_groups if g
        )
        self._alias_of: dict[str, str] = {}  # folded term / exact term -> canonical token
        self._exact: dict[str, str] = {}
        ci_terms: list[str] = []
        cs_terms: list[str] = []
        for group in self.alias_groups:
            canon = canonical_token(group)
            for term, cs in group:
                if not term:
                    continue
                if cs:
                    self._exact[" ".join(term.split())] = canon
                    cs_terms.append(term)
                else:
                    self._alias_of[self._alias_key(term)] = canon
                    ci_terms.append(term)
        self._ci_re = self._compile(ci_terms, re.IGNORECASE)
        self._cs_re = self._compile(cs_terms, 0)
        self.canonical_tokens: frozenset[str] = frozenset(
            canonical_token(g) for g in self.alias_groups
        )
        # surface word -> tuple of (token, stop); a word may give 0..2 tokens
        self._cache: dict[str, tuple[tuple[str, bool], ...]] = {}
        h = hashlib.sha1(repr(sorted(sorted(g) for g in self.alias_groups)).encode())
        h.update(b"normalizer-v1")
        self.fingerprint: str = h.hexdigest()[:16]

    # ------------------------------------------------------------------ aliases
    @staticmethod
    def _alias_key(term: str) -> str:
        words = re.findall(r"[^\W_]+", _APOS_RE.sub("", term))
        return " ".join(_fold(w) for w in words)

    @staticmethod
    def _compile(terms: list[str], flags: int) -> re.Pattern[str] | None:
        if not terms:
            return None
        pats = sorted({_term_pattern(t) for t in terms if t.strip()}, key=len, reverse=True)
        return re.compile(r"(?<![^\W_])(?:" + "|".join(pats) + r")(?![^\W_])", flags)

    def _alias_spans(self, text: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        if self._cs_re is not None:
            for m in self._cs_re.finditer(text):
                if self._inside_caps_run(text, m.start(), m.end()):
                    continue
                canon = self._exact.get(" ".join(re.split(r"[\s\-‐‑‒–—―]+", m.group())))
                if canon is None:
                    canon = self._exact.get(m.group())
                if canon is not None:
                    found.append((m.start(), m.end(), canon))
        if self._ci_re is not None:
            for m in self._ci_re.finditer(text):
                canon = self._alias_of.get(self._alias_key(m.group()))
                if canon is not None:
                    found.append((m.start(), m.end(), canon))
        if len(found) > 1:
            found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
            kept: list[tuple[int, int, str]] = []
            for f in found:
                if not kept or f[0] >= kept[-1][1]:
                    kept.append(f)
            found = kept
        return found

    @staticmethod
    def _inside_caps_run(text: str, start: int, end: int) -> bool:
        """True when a neighbouring word is also all-caps (>= 3 letters): a shouted headline
        ("THIS IS A TEST"), where a short all-caps alias is most likely an ordinary word."""
        before = re.search(r"([^\W\d_]+)[^\w]{1,3}$", text[max(0, start - 40):start])
        after = re.match(r"[^\w]{1,3}([^\W\d_]+)", text[end:end + 40])
        for m in (before, after):
            if m is not None:
                w = m.group(1)
                if len(w) >= 3 and w.isupper():
                    return True
        return False

    # ------------------------------------------------------------------ words
    def _word(self, kind: str, raw: str) -> tuple[tuple[str, bool], ...]:
        key = kind[0] + raw
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        out: tuple[tuple[str, bool], ...]
        if kind == "acr":
            letters = raw.replace(".", "")
            w = _fold(letters)
            out = (("usa", False),) if w in ("us", "usa") and letters.isupper() else ((w, w in STOPWORDS),)
        elif kind == "num":
            m = re.match(r"[\d,]+(?:\.\d+)?", raw)
            assert m is not None
            num = m.group().replace(",", "")
            if num.endswith(".0"):
                num = num[:-2]
            out = ((num + _fold(raw[m.end():]), False),)
        elif kind == "pct":
            out = (("percent", False),)
        else:
            w = raw
            if "'" in w or "’" in w or any(a in w for a in _APOS):
                w = _APOS_RE.sub("", _POSSESSIVE.sub("", w))
            if w in ("US", "USA"):
                out = (("usa", False),)
            else:
                f = _fold(w)
                if not f:
                    out = ()
                elif f in STOPWORDS:
                    out = ((f, True),)
                elif f.isdigit():
                    out = ((f, False),)
                else:
                    out = ((self._stem(f), False),)
        if len(self._cache) > _CACHE_MAX:
            self._cache.clear()
        self._cache[key] = out
        return out

    @staticmethod
    def _stem(word: str) -> str:
        if len(word) <= 2:
            return word
        return str(_STEMMER.stemmer.stemWord(word))

    def _words(self, text: str, start: int, end: int, out: list[Token]) -> None:
        prev_end = -1
        prev_text = ""
        for m in _WORD_RE.finditer(text, start, end):
            kind = m.lastgroup or "word"
            for tok, stop in self._word(kind, m.group()):
                # "per cent" -> percent
                if tok == "cent" and prev_text == "per" and out and out[-1].end == prev_end:
                    last = out.pop()
                    out.append(Token("percent", last.start, m.end(), False, False))
                    prev_text = "percent"
                    continue
                out.append(Token(tok, m.start(), m.end(), stop, False))
                prev_text = tok
            prev_end = m.end()

    # ------------------------------------------------------------------ public
    def analyze(self, text: str) -> list[Token]:
        """All tokens with spans into ``text`` and stopword/alias flags."""
        out: list[Token] = []
        spans = self._alias_spans(text) if (self._ci_re is not None or self._cs_re is not None) else []
        pos = 0
        for a, b, canon in spans:
            if a > pos:
                self._words(text, pos, a, out)
            out.append(Token(canon, a, b, False, True))
            pos = b
            # a possessive right after an alias ("Islamic State's") is not a word
            m = re.match(rf"[{_APOS}]s(?![^\W_])", text[pos:pos + 3])
            if m is not None:
                pos += m.end()
        if pos < len(text):
            self._words(text, pos, len(text), out)
        return out

    def tokens(self, text: str, *, drop_stopwords: bool = False, stopwords: bool | None = None) -> list[str]:
        """Normalized, alias-canonicalized, stemmed tokens, stopwords INCLUDED by default
        (what rapidfuzz scoring wants). ``drop_stopwords=True`` (or, equivalently, the
        older spelling ``stopwords=True``) removes them; see also ``content_tokens``.
        Same tokens as ``analyze`` (without spans), several times faster."""
        drop = drop_stopwords or bool(stopwords)
        out: list[str] = []
        spans = self._alias_spans(text) if (self._ci_re is not None or self._cs_re is not None) else []
        pos = 0
        for a, b, canon in spans:
            if a > pos:
                self._fast(text, pos, a, out, drop)
            out.append(canon)
            pos = b
            m = _AFTER_ALIAS_POSSESSIVE.match(text, pos, pos + 3)
            if m is not None:
                pos = m.end()
        if pos < len(text):
            self._fast(text, pos, len(text), out, drop)
        return out

    def _fast(self, text: str, start: int, end: int, out: list[str], drop: bool) -> None:
        cache = self._cache
        prev = ""
        for raw in _RAW_RE.findall(text, start, end):
            key = "w" + raw
            hit = cache.get(key)
            if hit is None:
                if raw == "%":
                    kind = "pct"
                elif raw[0].isdigit():
                    kind = "num"
                elif "." in raw:
                    kind = "acr"
                else:
                    kind = "word"
                hit = self._word(kind, raw)
                cache[key] = hit
            for tok, stop in hit:
                if tok == "cent" and prev == "per":
                    if out and out[-1] == "per":
                        out.pop()
                    out.append("percent")
                    prev = "percent"
                    continue
                prev = tok
                if not (drop and stop):
                    out.append(tok)

    def content_tokens(self, text: str) -> list[str]:
        """Tokens without stopwords: what retrieval (the inverted index) uses."""
        return self.tokens(text, drop_stopwords=True)

    def tokens_with_spans(self, text: str) -> list[tuple[str, int, int]]:
        """``(token, start, end)`` for every token (stopwords included); ``text[start:end]``
        is the original word (or the whole alias phrase)."""
        return [(t.text, t.start, t.end) for t in self.analyze(text)]

    def is_stopword(self, token: str) -> bool:
        return token in STOPWORDS

    def normalized_text(self, text: str, *, drop_stopwords: bool = False) -> str:
        return " ".join(self.tokens(text, drop_stopwords=drop_stopwords))


_PIC = re.compile(r"pic\.twitter\.com/\w+", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|ly|co)/\S*", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"\s*[—–-]\s*([^—–\n]{0,80}?)\s*\(@\w+\)\s*(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?\s*$"
)
_HANDLE = re.compile(r"(?<![\w@])@(\w+)")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SYMBOLS = re.compile(r"[^\w\s.,;:!?'’\"“”()\[\]%$£€&/–—-]")


def split_camel(word: str) -> str:
    """``AustralianFires`` -> ``Australian Fires``; ``COVID19`` -> ``COVID 19``."""
    return _CAMEL.sub(" ", word)


def clean_social(text: str) -> str:
    """Strip what social-media posts add around a claim: URLs and ``pic.twitter.com`` links,
    the handle and date of the trailing "— Name (@handle) Date" signature (the author's
    NAME is kept: claims are often about what that person said), emoji and symbols; hashtags
    and handles become words ("#AustralianFires" -> "Australian Fires"). Harmless on plain
    text."""
    t = _URL.sub(" ", _PIC.sub(" ", text))
    t = _SIGNATURE.sub(lambda m: " . " + m.group(1), t)
    t = _HASHTAG.sub(lambda m: " " + split_camel(m.group(1)) + " ", t)
    t = _HANDLE.sub(lambda m: " " + split_camel(m.group(1).replace("_", " ")) + " ", t)
    t = _SYMBOLS.sub(" ", t)
    return re.sub(r"[ \t]+", " ", t).strip()


def alias_groups_from_terms(groups: Iterable[Iterable[str]]) -> list[list[tuple[str, bool]]]:
    """Plain term lists -> alias groups, case-sensitive for short all-caps terms ("IS")."""
    return [[(t, is_short_caps(t)) for t in g] for g in groups]


def is_short_caps(term: str) -> bool:
    """Short all-caps terms ("IS", "US", "ISIL"? no: up to 3 letters) match case-sensitively."""
    t = term.strip()
    letters = [c for c in t if c.isalpha()]
    return 0 < len(letters) <= 3 and t.upper() == t and " " not in t
