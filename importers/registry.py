"""Importers registered by media type; :func:`importers.extract` picks one from the sniffed type."""

from __future__ import annotations

from collections.abc import Callable

from importers.base import Extracted

# (data, filename, password) -> Extracted; raises ImportFailure.
Importer = Callable[[bytes, str, "str | None"], Extracted]

_REGISTRY: dict[str, Importer] = {}


def register(media_type: str, importer: Importer) -> None:
    """Register (or replace) the importer for ``media_type``."""
    _REGISTRY[media_type] = importer


def importer_for(media_type: str) -> Importer | None:
    return _REGISTRY.get(media_type)


def supported_types() -> list[str]:
    return sorted(_REGISTRY)
