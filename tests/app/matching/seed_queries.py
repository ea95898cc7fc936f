"""Queries on the seed articles shared by the matcher's acceptance tests."""

ALIASES = (["Daesh", "ISIS", "IS", "ISIL", "Islamic State"], ["Tadmur", "Palmyra"])

# About de Mistura and Aleppo: must not score above the threshold against the Palmyra documents
MISTURA = [
    "UN envoy Staffan de Mistura has warned against Russian-regime devastation of Aleppo, while calling on "
    "jihadists to leave opposition areas.",
    "Staffan de Mistura said the city of eastern Aleppo may be totally destroyed within two months",
    "UN envoy Staffan de Mistura offered to escort jihadist fighters out of eastern Aleppo",
    "Mr de Mistura said about 900 of the 8,000 fighters in eastern Aleppo were members of Jabhat Fateh al-Sham",
]
