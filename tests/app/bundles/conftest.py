"""Fixtures for bundle tests (helpers live in tests/app/bundles/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import plugins
from app.bundles.export import export_claims
from tests.app.bundles.helpers import build_palmyra_case, make_plain_bag


@pytest.fixture
def no_renderer():  # type: ignore[no-untyped-def]
    """Exports without report.pdf (fast, and independent of Qt)."""
    old = plugins.get_pdf_renderer()
    plugins.set_pdf_renderer(None)
    yield
    plugins.set_pdf_renderer(old)


@pytest.fixture
def plain_bag(tmp_path: Path) -> Path:
    return make_plain_bag(
        tmp_path / "plain.zip",
        {
            "documents/article one.txt": b"Assad ordered forces to leave Tadmur.\n",
            "documents/notes 100%.txt": b"percent sign in the name\n",
            "claims.json": b'{"claims": []}\n',
        },
    )


@pytest.fixture
def palmyra(seeded_workspace):  # type: ignore[no-untyped-def]
    """(workspace, [claim ids]) with the two traced Palmyra claims."""
    return seeded_workspace, build_palmyra_case(seeded_workspace)


@pytest.fixture
def bundle(palmyra, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The two Palmyra claims exported as a bundle."""
    ws, ids = palmyra
    return export_claims(ws, ids, tmp_path / "case.zip").path
