"""The importer contract: bytes + file name in, text + metadata + warnings out.

Importers are pure: no database, no network, no files other than the bytes given.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ImportFailure(Exception):
    """A file that cannot be imported. ``str(err)`` is the reason, written for a person."""


class PasswordRequired(ImportFailure):
    """An encrypted file and no (or the wrong) password."""


@dataclass
class Metadata:
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    # ISO date: "YYYY-MM-DD", "YYYY-MM" or "YYYY"; precision says which (or "unknown").
    published: str | None = None
    published_precision: str = "unknown"
    language: str | None = None
    # When the file itself was made (PDF CreationDate, DOCX core "created"), ISO date; kept apart
    # from ``published`` because a printed-to-PDF article is created long after it was published.
    created: str | None = None
    # field name -> where it came from, e.g. {"title": "html:og:title", "published": "text:dateline"}
    sources: dict[str, str] = field(default_factory=dict)


@dataclass
class Extracted:
    text: str
    media_type: str
    metadata: Metadata = field(default_factory=Metadata)
    warnings: list[str] = field(default_factory=list)
    # [(start, end)] code-point spans of each page inside ``text`` (PDFs), else empty.
    pages: list[tuple[int, int]] = field(default_factory=list)
