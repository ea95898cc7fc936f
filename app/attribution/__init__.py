"""Attribution: who a text says a claim comes from, and whether two source names are one source.

``extract_attribution(text, start, end, known_names=())`` returns the named people and outlets the
text credits for the claim at ``text[start:end]``; ``same_source(a, b)`` compares names across
spellings and aliases; ``canonical_name(name, pool)`` picks the fullest spelling seen.
"""

from app.attribution.extract import Attribution, document_sources, extract_attribution
from app.attribution.names import (
    OUTLETS,
    canonical_name,
    find_mentions,
    kind_of,
    outlet_canonical,
    same_source,
)

__all__ = [
    "OUTLETS",
    "Attribution",
    "canonical_name",
    "document_sources",
    "extract_attribution",
    "find_mentions",
    "kind_of",
    "outlet_canonical",
    "same_source",
]
