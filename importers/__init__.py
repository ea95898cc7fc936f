"""Importers: bytes + file name in, text + metadata + warnings out. No database access."""

from importers.base import Extracted, ImportFailure, Metadata, PasswordRequired


def extract(data: bytes, filename: str, *, password: str | None = None) -> Extracted:
    """Temporary plain-text reader until the registry lands."""
    if not data:
        raise ImportFailure("the file is empty")
    return Extracted(text=data.decode("utf-8", "replace"), media_type="text/plain")


def sniff(data: bytes, filename: str) -> str:
    return "text/plain"


__all__ = ["Extracted", "ImportFailure", "Metadata", "PasswordRequired", "extract", "sniff"]
