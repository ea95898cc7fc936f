"""Deterministic synthetic news corpus with planted near-duplicates, for the matching benchmarks.

``generate(n, seed)`` returns ``n`` sentences of war-reporting prose (8-40 words) built from
templates and vocabularies of real-ish names, places, organisations and outlets, grouped into
documents of about 30 sentences. A share of them are *planted families*: one source sentence
repeated in 2-8 other documents, each copy verbatim (syndication) or altered the way copies are
in practice: typos, synonym swaps, clause reordering, alias swaps (ISIS/Daesh, Palmyra/Tadmur),
transliteration variants (Mohamed/Mohammed, Qassim/Qasim), trims, clause extraction, inserted
hedges, and combinations. It also plants same-document repeats (headline repeated in the body)
and outlet boilerplate ("Share this article", "Reporting by ...; Editing by ...").

Everything comes from one ``random.Random(seed)``: the same ``(n, seed)`` gives the same corpus on
any machine. The planted structure is only a hint: benchmarks score against brute force.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Islamic State", "ISIS", "ISIL", "Daesh", "IS"),
    ("Palmyra", "Tadmur", "Tadmor"),
    ("Aleppo", "Halab"),
    ("Kyiv", "Kiev"),
    ("United Nations", "UN"),
    ("Syrian Arab Army", "SAA"),
)

# Transliteration variants: deliberately *not* aliases (the matcher must cope by fuzzy scoring).
VARIANTS: dict[str, tuple[str, ...]] = {
    "Mohamed": ("Mohammed", "Muhammad", "Mohammad"), "Qassim": ("Qasim", "Kassem"),
    "Hussein": ("Husayn", "Hussain"), "Abdul": ("Abdel", "Abd al"), "Ahmed": ("Ahmad",),
    "Mahmoud": ("Mahmud",), "Yusuf": ("Youssef", "Yousef"), "Omar": ("Umar",), "Khaled": ("Khalid",),
    "Assad": ("Asad", "al-Assad"), "Qaddafi": ("Gaddafi", "Kadhafi"), "Sergei": ("Sergey",),
    "Shoigu": ("Shoygu",), "Zelensky": ("Zelenskyy", "Zelenskiy"), "Kharkiv": ("Kharkov",),
    "Odesa": ("Odessa",), "Mykolaiv": ("Mykolayiv",), "Deir ez-Zor": ("Deir el-Zour", "Dayr al-Zawr"),
    "Raqqa": ("Raqqah", "Rakka"), "Daraa": ("Deraa", "Dara'a"), "Idlib": ("Idleb",),
    "Homs": ("Hims",), "Qamishli": ("Kamishli", "Qamishlo"), "Hezbollah": ("Hizbollah", "Hizballah"),
    "al-Qaeda": ("al-Qaida", "al Qaeda"), "Houthi": ("Huthi",), "Sanaa": ("Sana'a",),
    "Hodeidah": ("Hudaydah",), "Fallujah": ("Falluja",), "Mosul": ("Mossul",),
    "Khan Younis": ("Khan Yunis",), "Erdogan": ("Erdoğan",), "Dmitry": ("Dmitri",),
}

FIRST = ["Mohamed", "Qassim", "Hussein", "Abdul", "Ahmed", "Mahmoud", "Yusuf", "Omar", "Khaled", "Ali", "Hassan", "Ibrahim", "Karim", "Samir", "Rami", "Walid", "Bashar", "Maher", "Fadi", "Nabil", "Tariq", "Ziad", "Salim", "Mustafa", "Hamza", "Bilal", "Jamal", "Faisal", "Rania", "Layla", "Nour", "Huda", "Amal", "Salma", "Dima", "Hana", "Sergei", "Dmitry", "Vladimir", "Oleksandr", "Andriy", "Yulia", "Olena", "Natalia", "Ivan", "Mikhail", "Viktor", "Pavel", "John", "David", "Michael", "Sarah", "Emma", "James", "Robert", "Laura", "Anna", "Thomas", "Peter", "Mark", "Paul", "Claire", "Julia", "Daniel", "Martin", "Stefan", "Pierre", "Marie", "Luca", "Elena", "Recep", "Mevlut", "Hakan", "Kemal", "Staffan", "Antonio", "Ban", "Kofi", "Lakhdar", "Geir", "Martin"]
LAST = ["Qassim", "Assad", "Makhlouf", "Shoigu", "Lavrov", "Zelensky", "Erdogan", "Qaddafi", "Hariri", "Nasrallah", "Jaafari", "Mualem", "Shaaban", "Tlass", "Haddad", "Khoury", "Mansour", "Saleh", "Hamdan", "Darwish", "Haddad", "Nassar", "Khalil", "Suleiman", "Karimi", "Rahman", "Farouk", "Aziz", "Jaber", "Qureshi", "Baghdadi", "Zarqawi", "Julani", "Alloush", "Mustafa", "Hijab", "Kilo", "Sabra", "Barakat", "Hamid", "Ismail", "Yassin", "Awad", "Bakr", "Othman", "Ramadan", "Obeid", "Fares", "Ghanem", "Petrov", "Ivanov", "Smirnov", "Volkov", "Sokolov", "Kuznetsov", "Popov", "Morozov", "Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk", "Boyko", "Kravchenko", "Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Green", "Baker", "Hill", "Clarke", "Hughes", "Turner", "Martin", "Dubois", "Moreau", "Laurent", "Rossi", "Bianchi", "Weber", "Schmidt", "Fischer", "Becker", "Cavusoglu", "Fidan", "Kalin", "Mistura", "Pedersen", "Guterres", "Annan", "Brahimi", "Ki-moon"]
ROLES = ("spokesman", "spokeswoman", "commander", "governor", "minister", "deputy minister",
         "ambassador", "envoy", "director", "mayor", "attorney-general", "chief of staff", "analyst",
         "researcher", "official", "senior official", "doctor", "activist", "lawyer", "judge", "colonel",
         "general", "head", "representative", "founder")
PLACES = ["Aleppo", "Palmyra", "Homs", "Hama", "Idlib", "Raqqa", "Daraa", "Damascus", "Latakia", "Tartus", "Qamishli", "Kobani", "Manbij", "Afrin", "Douma", "Ghouta", "Sukhna", "Qaryatayn", "Suwayda", "Quneitra", "Jarablus", "Azaz", "Ariha", "Saraqib", "Maarat", "Mosul", "Baghdad", "Fallujah", "Ramadi", "Tikrit", "Kirkuk", "Erbil", "Basra", "Beirut", "Tripoli", "Sidon", "Amman", "Ankara", "Istanbul", "Gaziantep", "Kilis", "Moscow", "Sochi", "Geneva", "Vienna", "Astana", "Brussels", "Paris", "London", "Washington", "Kyiv", "Kharkiv", "Odesa", "Mykolaiv", "Kherson", "Mariupol", "Donetsk", "Luhansk", "Bakhmut", "Avdiivka", "Zaporizhzhia", "Sanaa", "Aden", "Hodeidah", "Marib", "Taiz", "Gaza", "Rafah", "Khan-Younis", "Jenin", "Nablus", "Cairo", "Tehran", "Riyadh", "Doha"]
PLACES += ["Deir ez-Zor", "Khan Younis", "Tadmur", "al-Bab", "Ras al-Ain", "Tal Abyad", "Abu Kamal"]
VILLAGE_HEAD = ("Kafr", "Tell", "Ain", "Deir", "Khirbet", "Beit", "Jabal", "Wadi", "Tal", "Umm", "Bir")
SYLL = ["ba", "bar", "da", "dar", "fa", "ha", "ham", "ja", "jan", "ka", "kar", "la", "lat", "ma", "man", "mar", "na", "nab", "qa", "ra", "rab", "sa", "sal", "ta", "tar", "wa", "za", "zab", "ya", "ash", "ar", "al", "ab", "an", "ib", "is", "um", "ur", "id"]
ORGS = ["the United Nations", "Hezbollah", "Islamic State", "the Syrian Observatory for Human Rights",
        "the Red Crescent", "al-Qaeda", "the Syrian Arab Army", "ISIS", "Amnesty International",
        "Human Rights Watch", "the Kremlin", "Daesh", "the Pentagon", "NATO", "the UN", "the European Union",
        "the World Health Organization", "the White Helmets", "the Free Syrian Army", "ISIL",
        "the Syrian Democratic Forces", "the Kurdish YPG", "Hayat Tahrir al-Sham", "the SAA",
        "the Houthi movement", "the Wagner Group", "the Russian defence ministry", "the State Department",
        "the Turkish foreign ministry", "the International Committee of the Red Cross", "UNICEF",
        "the OPCW", "the Arab League", "Jaish al-Islam", "Ahrar al-Sham", "the Syrian Network for Human Rights"]
ORG_NOUNS = ("Military Council", "Revolutionary Brigade", "Local Council", "Liberation Front", "Martyrs Brigade",
             "Tribal Council", "Medical Committee", "Relief Committee", "Police Command", "Shura Council",
             "Operations Room", "Border Guard", "Governorate Council", "Chamber of Commerce")
OUTLETS = ("Reuters", "AFP", "Sky News", "al-Araby al-Jadeed", "Al Jazeera", "the BBC", "TASS",
           "RIA Novosti", "Anadolu Agency", "SANA", "the Guardian", "the New York Times", "Le Monde",
           "Der Spiegel", "Associated Press", "Asharq al-Awsat", "Enab Baladi", "Kyiv Independent")
GROUPS = ("government forces", "rebel fighters", "Kurdish militias", "Russian warplanes", "Turkish troops",
          "Iranian-backed militias", "opposition factions", "jihadist fighters", "US-led coalition aircraft",
          "Ukrainian forces", "Russian troops", "local residents", "civil defence teams", "aid workers",
          "security forces", "pro-government militias", "tribal fighters", "special forces units")
NOUNS = ["city", "town", "village", "road", "convoy", "checkpoint", "hospital", "school", "bridge", "airport", "base", "district", "neighbourhood", "market", "mosque", "church", "border", "crossing", "oil", "field", "refinery", "pipeline", "factory", "warehouse", "prison", "camp", "supply", "route", "power", "station", "water", "plant", "bakery", "shelter", "outskirts", "countryside", "highway", "front", "line", "stronghold", "headquarters", "compound", "arms", "depot", "museum", "ruins", "monuments", "archive", "hillside", "plain", "valley", "garrison", "port", "harbour", "corridor", "airstrip", "dam"]
PLURAL_PEOPLE = ("civilians", "fighters", "soldiers", "children", "women", "detainees", "prisoners",
                 "refugees", "families", "militants", "journalists", "doctors", "volunteers", "residents")
VERB_T = ["captured", "shelled", "attacked", "seized", "bombed", "encircled", "evacuated", "recaptured", "destroyed", "besieged", "stormed", "targeted", "abandoned", "surrendered", "controlled", "raided", "looted", "blockaded", "defended", "struck", "occupied", "vacated", "fortified", "mined", "reopened", "liberated", "reinforced"]
VERB_I = ["withdrew", "retreated", "advanced", "regrouped", "surrendered", "pulled", "out", "clashed", "fled", "returned", "gathered", "negotiated", "protested"]
PASSIVE = ("killed", "wounded", "arrested", "detained", "executed", "displaced", "evacuated", "abducted",
           "released", "injured", "tortured", "rescued")
SAY = ("said", "told reporters", "announced", "claimed", "confirmed", "denied", "stated", "reported",
       "alleged", "insisted", "warned", "added")
ADJ = ("ancient", "strategic", "northern", "southern", "eastern", "western", "main", "besieged",
       "rebel-held", "government-held", "nearby", "key", "remote", "central", "abandoned", "heavily fortified",
       "oil-rich", "historic", "contested", "devastated", "isolated", "coastal")
NOUN_ABSTRACT = ("fighting", "clashes", "negotiations", "air strikes", "shelling", "talks", "siege",
                 "bombardment", "ceasefire violations", "heavy fighting", "mediation", "sanctions",
                 "ground assault", "truce", "trade", "smuggling", "cooperation")
TIME_UNIT = ("days", "weeks", "months", "hours")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
CONNECT = ("while", "after", "as", "because", "although", "before", "but", "and")
SYNONYMS = {"killed": "slain", "said": "stated", "attacked": "assaulted", "captured": "seized",
            "seized": "took", "city": "town", "town": "city", "fighters": "militants",
            "militants": "fighters", "withdrew": "pulled back", "destroyed": "demolished",
            "told reporters": "told journalists", "civilians": "people", "wounded": "injured",
            "injured": "hurt", "hospital": "clinic", "negotiations": "talks", "talks": "negotiations",
            "announced": "declared", "shelled": "bombarded", "troops": "soldiers", "ruins": "remains"}
GOODS = ("oil", "fertiliser", "wheat", "fuel", "weapons", "ammunition", "electricity", "cash", "medicine",
         "cement", "cigarettes", "antiquities", "gold", "cotton", "flour", "diesel", "prisoners", "cars")
ACCUSE = ("accused", "blamed", "condemned", "criticised", "praised", "thanked", "warned", "sanctioned")
DEEDS = ("supplying weapons to", "trading oil with", "colluding with", "secretly funding", "shelling positions of",
         "negotiating with", "releasing prisoners held by", "sharing intelligence with", "smuggling fuel to")
DEMANDS = ("a ceasefire", "an independent investigation", "humanitarian access", "new talks",
           "the release of detainees", "a no-fly zone", "fresh sanctions", "an emergency session",
           "the withdrawal of foreign troops", "safe passage for civilians")
QUANT = ("at least", "at least", "as many as", "more than", "some", "nearly", "up to")
NEAR = ("near", "near", "in", "outside", "on the outskirts of", "north of", "south of")
ADVERBS = ("reportedly", "also", "later", "briefly", "again", "quickly", "finally", "secretly", "repeatedly",
           "heavily", "partially", "deliberately", "openly", "largely", "suddenly", "officially")
HEDGES = ("reportedly", "allegedly", "on Tuesday", "according to local sources", "it emerged",
          "last week", "again", "apparently", "once more", "officials say")
BOILERPLATE = ("No comments:", "Share this article", "Follow us on Twitter for the latest updates.",
               "All rights reserved.", "Sign up for our daily newsletter to get the latest news.",
               "This article was originally published by {outlet} and is republished with permission.",
               "Reporting by {first} {last} in {place}; Editing by {first} {last}")

KINDS = ("verbatim", "typo", "synonym", "reorder", "alias", "translit", "trim", "extract", "hedge", "combo")
KIND_WEIGHTS = (14, 12, 10, 10, 8, 8, 12, 10, 6, 10)


@dataclass
class Corpus:
    """Sentences in document order; ``unit_ids[i] == i + 1``."""

    texts: list[str]
    doc_ids: list[int]
    family: list[int]  # planted family id, -1 outside families
    kind: list[str]  # "base", a transform name, "self-repeat", "boilerplate" or "" (plain)
    aliases: tuple[tuple[str, ...], ...] = ALIAS_GROUPS
    families: dict[int, list[int]] = field(default_factory=dict)  # family id -> unit indexes

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def n_documents(self) -> int:
        return len(set(self.doc_ids))


_ONSET = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "cr", "dr", "fr", "gr", "pl", "pr", "st", "tr", "sh", "ch", "th", "sl", "sp"]
_NUCLEUS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ou", "io"]
_CODA = ("", "", "n", "r", "l", "s", "t", "nd", "st", "rt", "ct", "m", "ll", "rn", "x")
_SUFFIX = {
    "noun": ("ment", "tion", "ance", "ity", "er", "ism", "age", "ure", "ship", "ness", "ing", "ery"),
    "adj": ("al", "ive", "ous", "ic", "ful", "less", "ary", "ible", "ish", "ent"),
    "verb": ("ed", "ized", "ated", "ified", "ened"),
    "name": ("i", "ov", "enko", "an", "ani", "awi", "ouri", "ski", "son", "er", "eddin", "yan"),
}


def tail_lexicon(kind: str, n: int) -> list[str]:
    """``n`` pronounceable pseudo-words: the long tail of rare words real news has (Heaps' law)."""
    rng = random.Random(f"tail-{kind}")
    out: dict[str, None] = {}
    while len(out) < n:
        root = "".join(rng.choice(_ONSET) + rng.choice(_NUCLEUS) for _ in range(rng.choice((1, 2, 2, 3))))
        word = root + rng.choice(_CODA) + rng.choice(_SUFFIX[kind])
        out[word.capitalize() if kind == "name" else word] = None
    return list(out)


def _zipf_picker(rng: random.Random, items: tuple[str, ...] | list[str], s: float = 1.0) -> Callable[[], str]:
    weights = [1.0 / (r + 1) ** s for r in range(len(items))]
    cum: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    seq = list(items)
    return lambda: rng.choices(seq, cum_weights=cum, k=1)[0]


class _Grammar:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        z = _zipf_picker
        self.first = z(rng, FIRST, 0.6)
        self.last = z(rng, LAST + tail_lexicon("name", 20000), 0.9)
        self.role, self.place_common = z(rng, ROLES), z(rng, PLACES, 0.8)
        self.org_known, self.outlet, self.group = z(rng, ORGS, 0.7), z(rng, OUTLETS), z(rng, GROUPS)
        self.noun, self.people = z(rng, NOUNS + tail_lexicon("noun", 30000), 0.85), z(rng, PLURAL_PEOPLE)
        self.verb_t = z(rng, VERB_T + tail_lexicon("verb", 10000), 0.85)
        self.verb_i, self.passive = z(rng, VERB_I), z(rng, PASSIVE)
        self.say, self.adj = z(rng, SAY), z(rng, list(ADJ) + tail_lexicon("adj", 20000), 0.85)
        self.abstract = z(rng, list(NOUN_ABSTRACT) + tail_lexicon("noun", 40000)[30000:])

    # ----------------------------------------------------------- noun phrases
    def village(self) -> str:
        r = self.r
        name = "".join(r.choice(SYLL) for _ in range(r.randint(2, 3))).capitalize()
        return f"{r.choice(VILLAGE_HEAD)} {name}" if r.random() < 0.5 else name + r.choice(("iyeh", "a", ""))

    def org(self) -> str:
        r = self.r
        if r.random() < 0.7:
            return self.org_known()
        return f"the {self.place()} {r.choice(ORG_NOUNS)}"

    def place(self) -> str:
        return self.village() if self.r.random() < 0.45 else self.place_common()

    def number(self) -> str:
        r = self.r
        x = r.random()
        if x < 0.5:
            return str(r.randint(2, 60))
        if x < 0.8:
            return str(r.randint(61, 999))
        return f"{r.randint(1, 40)},{r.randint(0, 999):03d}"

    def date(self) -> str:
        r = self.r
        return f"{r.randint(1, 28)} {r.choice(MONTHS)} {r.randint(2011, 2024)}"

    def person(self) -> str:
        r = self.r
        x = r.random()
        name = f"{self.first()} {self.last()}"
        if x < 0.45:
            owner = self.org() if r.random() < 0.5 else self.place()
            return f"{name}, the {self.role()} of {owner},"
        if x < 0.75:
            return name
        return f"{self.role().capitalize()} {self.last()}" if x < 0.9 else f"the {self.role()} of {self.place()}"

    def subject(self) -> str:
        x = self.r.random()
        return self.person() if x < 0.35 else self.org() if x < 0.6 else self.group()

    def obj(self) -> str:
        r = self.r
        adj = f" {self.adj()}" if r.random() < 0.6 else ""
        adj += f" {self.noun()}" if r.random() < 0.3 else ""
        det = "the" if adj[1:2] in tuple("aeiou") or r.random() < 0.7 else "a"
        tail = f" of {self.place()}" if r.random() < 0.6 else f" near {self.place()}"
        return f"{det}{adj} {self.noun()}{tail}"

    def pp(self) -> str:
        r = self.r
        x = r.random()
        if x < 0.2:
            return f"on {r.choice(WEEKDAYS)}"
        if x < 0.35:
            return f"on {self.date()}"
        if x < 0.55:
            return f"after {r.randint(2, 60)} {r.choice(TIME_UNIT)} of {self.abstract()}"
        if x < 0.7:
            return f"in {self.place()}"
        if x < 0.82:
            return f"during {self.abstract()} with {self.org()}"
        if x < 0.92:
            return f"in exchange for {r.choice(GOODS)} and {r.choice(GOODS)}"
        return f"last {r.choice(('week', 'month', 'year'))}"

    # ---------------------------------------------------------------- clauses
    def clause(self) -> str:
        r = self.r
        x = r.random()
        pps = " ".join(dict.fromkeys(self.pp() for _ in range(r.choice((0, 1, 1, 2)))))
        c_ = r.choice
        if x < 0.40:
            c = f"{self.subject()} {self.verb_t()} {self.obj()}"
        elif x < 0.52:
            c = f"{self.subject()} {self.verb_i()} from {self.obj()}"
        elif x < 0.63:
            c = (f"{c_(QUANT)} {self.number()} {self.people()} were {self.passive()} "
                 f"{c_(('in', 'during', 'amid', 'after'))} {self.abstract()} {c_(NEAR)} {self.place()}")
        elif x < 0.67:
            c = f"{self.org()} and {self.org()} agreed to {c_(('end', 'halt', 'resume', 'discuss'))} {self.abstract()} over {self.obj()}"
        elif x < 0.73:
            c = f"{self.org()} {c_(ACCUSE)} {self.org()} of {c_(DEEDS)} the {self.noun()} of {self.org()} {self.pp()}"
        elif x < 0.79:
            c = (f"{self.subject()} {c_(('called for', 'demanded', 'rejected', 'welcomed'))} {c_(DEMANDS)} "
                 f"into the {self.adj()} {self.noun()} in {self.place()}")
        elif x < 0.82:
            c = (f"the {c_(('price', 'cost', 'supply', 'export'))} of {self.adj()} {c_(GOODS)} "
                 f"{c_(('rose', 'fell', 'jumped', 'dropped'))} by {self.number()} percent in {self.place()}")
        elif x < 0.85:
            c = (f"{self.place()} was {c_(('handed over', 'surrendered', 'transferred', 'given'))} to {self.org()} "
                 f"as part of {c_(('a deal', 'an agreement', 'a secret arrangement', 'an understanding'))} "
                 f"to {c_(('trade', 'exchange', 'swap', 'sell'))} {c_(GOODS)} for {self.noun()} {self.pp()}")
        elif x < 0.9:
            c = f"{self.number()} {self.people()} had been {self.passive()} in {self.place()} since {self.date()}"
        else:
            c = f"{self.subject()} {self.verb_t()} {self.obj()} and {self.verb_t()} {self.obj()}"
        if r.random() < 0.25:
            words = c.split()
            words.insert(r.randrange(1, len(words)), c_(ADVERBS))
            c = " ".join(words)
        return f"{c} {pps}".strip()

    def sentence(self) -> list[str]:
        """A sentence as clauses (joined with ", " when rendered); 8-40 words."""
        r = self.r
        while True:
            x = r.random()
            if x < 0.3:
                parts = [self.clause()]
            elif x < 0.55:
                parts = [self.clause(), f"{self.person().rstrip(',')} {self.say()}"]
            elif x < 0.7:
                parts = [f"according to {self.outlet() if r.random() < 0.5 else self.org()}", self.clause()]
            elif x < 0.9:
                parts = [self.clause(), f"{r.choice(CONNECT)} {self.clause()}"]
            else:
                parts = [f"{self.subject().rstrip(',')} {self.say()} that {self.clause()}"]
            n = sum(len(p.split()) for p in parts)
            if 8 <= n <= 40:
                return parts


def render(parts: list[str]) -> str:
    text = ", ".join(p.strip().rstrip(",") for p in parts if p.strip())
    text = text.replace(",,", ",")
    return text[:1].upper() + text[1:] + "."


# ------------------------------------------------------------------------- transforms
def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 1:
        return word[:i] + word[i + 1:]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiou") + word[i + 1:]


def _typos(rng: random.Random, words: list[str], k: int) -> list[str]:
    out = list(words)
    slots = [i for i, w in enumerate(out) if len(w) >= 4]
    for i in rng.sample(slots, min(k, len(slots))):
        out[i] = _typo(rng, out[i])
    return out


def _words_op(rng: random.Random, parts: list[str], fn: Callable[[list[str]], list[str]]) -> list[str]:
    out = list(parts)
    k = rng.randrange(len(out))
    out[k] = " ".join(fn(out[k].split()))
    return out


def _replace_any(rng: random.Random, parts: list[str], table: dict[str, tuple[str, ...]]) -> list[str] | None:
    text = " | ".join(parts)
    hits = [k for k in table if k in text]
    if not hits:
        return None
    key = rng.choice(sorted(hits))
    return text.replace(key, rng.choice(table[key]), 1).split(" | ")


def transform(rng: random.Random, parts: list[str], kind: str) -> list[str]:
    """One altered copy of a sentence (as clauses); falls back to a typo when ``kind`` cannot apply."""
    if kind == "verbatim":
        return list(parts)
    if kind == "combo":
        a, b = rng.sample(KINDS[1:-1], 2)
        return transform(rng, transform(rng, parts, a), b)
    out: list[str] | None = None
    if kind == "synonym":
        out = _replace_any(rng, parts, {k: (v,) for k, v in SYNONYMS.items()})
    elif kind == "alias":
        table = {t: tuple(x for x in g if x != t) for g in ALIAS_GROUPS for t in g if len(t) > 2}
        out = _replace_any(rng, parts, table)
    elif kind == "translit":
        out = _replace_any(rng, parts, VARIANTS)
    elif kind == "reorder" and len(parts) > 1:
        out = [parts[1], parts[0], *parts[2:]]
        out[0] = out[0].removeprefix("while ").removeprefix("and ").removeprefix("but ")
    elif kind == "reorder":
        words = parts[0].split()
        cut = next((i for i in range(len(words) - 2, 2, -1) if words[i] in ("on", "after", "in", "last")), 0)
        out = [" ".join(words[cut:]), " ".join(words[:cut])] if cut else None
    elif kind == "trim" and sum(len(p.split()) for p in parts) >= 12:
        words = " , ".join(parts).split()
        cut = max(2, int(len(words) * rng.uniform(0.15, 0.35)))
        kept = words[cut:] if rng.random() < 0.5 else words[:-cut]
        out = [p.strip() for p in " ".join(kept).split(" , ") if p.strip(" ,")]
    elif kind == "extract" and len(parts) > 1:
        best = max(parts, key=lambda p: len(p.split()))
        out = [best.removeprefix("while ").removeprefix("because ")] if len(best.split()) >= 6 else None
    elif kind == "typo":
        out = _words_op(rng, parts, lambda ws: _typos(rng, ws, rng.choice((1, 1, 2))))
    elif kind == "hedge":
        words = parts[0].split()
        words.insert(rng.randrange(1, len(words) + 1), rng.choice(HEDGES))
        out = [" ".join(words), *parts[1:]]
    if out is None or not any(p.strip() for p in out):
        out = _words_op(rng, parts, lambda ws: _typos(rng, ws, 1))
    return out


# ------------------------------------------------------------------------- the corpus
def generate(n: int, seed: int = 1, *, family_rate: float = 0.04, doc_size: int = 30) -> Corpus:
    """A corpus of exactly ``n`` sentences (see module docstring)."""
    rng = random.Random(seed)
    g = _Grammar(rng)
    n_docs = max(2, n // doc_size)
    items: list[tuple[int, str, int, str]] = []  # (doc, text, family, kind)
    families: dict[int, list[int]] = {}
    fam_id = 0
    while len(items) < n:
        x = rng.random()
        if x < family_rate:
            parts = g.sentence()
            size = min(8, 2 + int(rng.expovariate(0.8)))
            docs = rng.sample(range(n_docs), size)
            items.append((docs[0], render(parts), fam_id, "base"))
            for d in docs[1:]:
                kind = rng.choices(KINDS, weights=KIND_WEIGHTS, k=1)[0]
                items.append((d, render(transform(rng, parts, kind)), fam_id, kind))
            fam_id += 1
        elif x < family_rate + 0.002:  # the headline repeated in the body of the same document
            d, text = rng.randrange(n_docs), render(g.sentence())
            items.append((d, text, -1, "self-repeat"))
            items.append((d, text, -1, "self-repeat"))
        elif x < family_rate + 0.008:
            tpl = rng.choice(BOILERPLATE)
            text = tpl.format(outlet=g.outlet(), first=g.first(), last=g.last(), place=g.place_common())
            items.append((rng.randrange(n_docs), text, -1, "boilerplate"))
        else:
            items.append((rng.randrange(n_docs), render(g.sentence()), -1, ""))
    items = items[:n]
    order = sorted(range(len(items)), key=lambda i: (items[i][0], i))
    corpus = Corpus(texts=[], doc_ids=[], family=[], kind=[])
    for pos, i in enumerate(order):
        doc, text, fam, kind = items[i]
        corpus.texts.append(text)
        corpus.doc_ids.append(doc + 1)
        corpus.family.append(fam)
        corpus.kind.append(kind)
        if fam >= 0:
            families.setdefault(fam, []).append(pos)
    corpus.families = {f: m for f, m in families.items() if len(m) > 1}
    return corpus


def perturb(text: str, seed: int) -> str:
    """A query-like variant of a sentence (for lookup benchmarks): one random transform."""
    rng = random.Random(seed)
    parts = [p.strip() for p in text.rstrip(".").split(", ") if p.strip()]
    kind = rng.choices(KINDS[1:], weights=KIND_WEIGHTS[1:], k=1)[0]
    return render(transform(rng, parts, kind))


def fresh_sentences(n: int, seed: int) -> list[str]:
    """Sentences drawn from the same grammar but a different seed: lookups that should mostly miss."""
    g = _Grammar(random.Random(seed))
    return [render(g.sentence()) for _ in range(n)]
