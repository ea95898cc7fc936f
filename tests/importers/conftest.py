"""Fixtures for the importer tests: the PDF writer and the shared real-world corpus."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"sourcetrace_tests_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_PDFGEN = _load("pdfgen")


@pytest.fixture(scope="session")
def pdfgen() -> ModuleType:
    """The tiny PDF writer in ``pdfgen.py`` (build_pdf, Page, Text, lines)."""
    return _PDFGEN


@pytest.fixture(scope="session")
def corpus() -> Path:
    """``../shared/corpus`` beside the repository; skips the test when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS.resolve()} (expected ../shared/corpus)")
    return CORPUS.resolve()
