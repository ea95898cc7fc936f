"""Edge cases: empty claims, orphaned excerpts, re-anchoring on import, malformed bundles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.bundles.export import export_claims
from app.bundles.importer import BundleFormatError, import_bundle
from app.bundles.verify import verify_path
from app.workspace import Workspace
from db.models import Claim, Document, Excerpt
from tests.app.bundles.helpers import reseal

pytestmark = pytest.mark.usefixtures("no_renderer")  # report.pdf is tested on its own


def test_claim_without_appearances(workspace: Workspace, tmp_path: Path) -> None:
    with workspace.db.writing() as s:
        c = Claim(text="Nobody has said this yet", created_by="tester")
        s.add(c)
        s.flush()
        cid = c.id
    rep = export_claims(workspace, [cid], tmp_path / "empty.zip")
    assert rep.documents == 0 and rep.appearances == 0
    assert verify_path(rep.path).ok
    with Workspace.open(tmp_path / "b.sourcetrace", user="carol") as other:
        out = import_bundle(other, rep.path)
        assert [c["text"] for c in out.claims_created] == ["Nobody has said this yet"]


def test_orphaned_excerpt_is_exported_with_a_warning(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    with ws.db.writing() as s:
        ex = s.query(Excerpt).order_by(Excerpt.id).first()
        ex.orphaned = True
        ex.start, ex.end = ex.start + 3, ex.end + 3  # where a failed re-anchor may leave it
    rep = export_claims(ws, ids, tmp_path / "case.zip")
    assert any("orphaned" in w for w in rep.warnings)
    report = verify_path(rep.path)
    assert report.ok, report.format_text()
    assert any("orphaned" in f.message for f in report.warnings)


def test_import_reanchors_on_a_differently_extracted_text(palmyra, tmp_path: Path, seeds_dir: Path) -> None:
    """Same original bytes, but this workspace's extracted text differs (another importer
    version): excerpts are found again by quote and context."""
    ws, ids = palmyra
    bundle = export_claims(ws, ids, tmp_path / "case.zip").path
    with Workspace.open(tmp_path / "b.sourcetrace", user="carol") as other:
        other.documents.import_paths([seeds_dir], workers=0)
        with other.db.writing() as s:
            for d in s.query(Document):
                d.text = "[re-extracted]\n" + d.text
        out = import_bundle(other, bundle)
        assert out.documents_reused == 3 and out.excerpts_moved == 4 and out.excerpts_orphaned == 0
        with other.db.reading() as s:
            for ex in s.query(Excerpt):
                assert ex.document.text[ex.start:ex.end] == ex.exact


def test_malformed_but_resealed_bundle_imports_nothing(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    bundle = export_claims(ws, ids, tmp_path / "case.zip").path

    def bad_date(data: bytes) -> bytes:
        doc = json.loads(data)
        doc["claims"][1]["created_at"] = "last Tuesday"
        return json.dumps(doc).encode()

    forged = reseal(bundle, tmp_path / "forged.zip", {"data/claims.json": bad_date})
    assert verify_path(forged).ok  # structurally a fine bag: the importer must still refuse it
    with Workspace.open(tmp_path / "b.sourcetrace", user="carol") as other:
        with pytest.raises(BundleFormatError, match="created_at"):
            import_bundle(other, forged)
        with other.db.reading() as s:
            assert s.query(Claim).count() == 0 and s.query(Document).count() == 0


def test_newer_bundle_format_is_refused(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    bundle = export_claims(ws, ids, tmp_path / "case.zip").path

    def newer(data: bytes) -> bytes:
        return data.replace(b'"sourcetrace-bundle/1"', b'"sourcetrace-bundle/2"')

    forged = reseal(bundle, tmp_path / "v2.zip", {"data/claims.json": newer, "data/documents.json": newer})
    with Workspace.open(tmp_path / "b.sourcetrace", user="carol") as other, \
            pytest.raises(BundleFormatError, match="newer SourceTrace"):
        import_bundle(other, forged)
