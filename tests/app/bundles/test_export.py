"""Export of a traced case: bag layout, contents, determinism, atomic writes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app import plugins
from app.bundles.export import ExportCancelled, ExportError, export_claims
from app.bundles.verify import verify_path
from db.models import Document

pytestmark = pytest.mark.usefixtures("no_renderer")  # report.pdf is tested on its own


def test_export_writes_a_valid_bundle(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    steps = []
    rep = export_claims(ws, ids, tmp_path / "case.zip", progress=lambda d, t, m: steps.append((d, t, m)))
    assert rep.claims == 2 and rep.documents == 3 and rep.appearances == 4
    assert steps[-1][0] == steps[-1][1]
    assert any("report.pdf" in w for w in rep.warnings)
    with zipfile.ZipFile(rep.path) as zf:
        names = zf.namelist()
    assert all(n.startswith("case/") for n in names)
    for tag in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"):
        assert f"case/{tag}" in names
    for f in ("claims.json", "documents.json", "annotations.jsonld", "claimreview.jsonld", "audit.jsonl",
              "appearances.csv", "report.html"):
        assert f"case/data/{f}" in names
    report = verify_path(rep.path)
    assert report.ok and report.is_bundle, report.format_text()
    print(report.format_text())


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


class _CancelAfter:
    def __init__(self, calls: int) -> None:
        self.calls = calls

    def is_set(self) -> bool:
        self.calls -= 1
        return self.calls < 0


def test_cancel_leaves_nothing(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    with pytest.raises(ExportCancelled):
        export_claims(ws, ids, tmp_path / "case.zip", cancel=_CancelAfter(3))
    assert not (tmp_path / "case.zip").exists() and not _leftovers(tmp_path)


def test_failed_export_keeps_the_previous_file(palmyra, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, ids = palmyra
    out = tmp_path / "case.zip"
    out.write_bytes(b"previous bundle")
    from app.bundles import bag

    real = bag.BagZipWriter.add_payload
    calls = {"n": 0}

    def full_disk(self, relpath, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        return real(self, relpath, data)

    monkeypatch.setattr(bag.BagZipWriter, "add_payload", full_disk)
    with pytest.raises(ExportError, match="not enough disk space"):
        export_claims(ws, ids, out)
    assert out.read_bytes() == b"previous bundle" and not _leftovers(tmp_path)


def test_unknown_claim_and_bad_target(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    with pytest.raises(KeyError):
        export_claims(ws, [*ids, 999], tmp_path / "case.zip")
    with pytest.raises(ExportError, match="does not exist"):
        export_claims(ws, ids, tmp_path / "nowhere" / "case.zip")
    assert not list(tmp_path.glob("*.zip"))


def test_payload_is_deterministic_and_export_facts_stay_in_bag_info(palmyra, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    ws, ids = palmyra
    a = export_claims(ws, ids, tmp_path / "a.zip", organization="Org A", now=datetime(2024, 1, 2, tzinfo=UTC))
    b = export_claims(ws, list(reversed(ids)), tmp_path / "b.zip", organization="Org A", contact="Zed")
    assert [(f.path, f.sha256) for f in a.files] == [(f.path, f.sha256) for f in b.files]
    # the organisation is the ClaimReview's author: the one payload file that depends on it
    # (and the report, which lists every file's hash)
    c = export_claims(ws, ids, tmp_path / "c.zip", organization="Org B")
    differ = {f.path for f, g in zip(a.files, c.files, strict=True) if f.sha256 != g.sha256}
    assert differ == {"data/claimreview.jsonld", "data/report.html"}
    with zipfile.ZipFile(a.path) as zf:
        info = zf.read("a/bag-info.txt").decode()
        assert {i.date_time[:3] for i in zf.infolist()} == {(2024, 1, 2)}
    assert "Source-Organization: Org A" in info and "Bagging-Date: 2024-01-02" in info
    assert f"SourceTrace-Payload-Fingerprint: {a.fingerprint}" in info


def test_fake_pdf_renderer_is_used(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    seen = []

    def fake(html: str, out: Path) -> None:
        seen.append(html)
        out.write_bytes(b"%PDF-1.4\n% fake\n")

    plugins.set_pdf_renderer(fake)
    rep = export_claims(ws, ids, tmp_path / "case.zip")
    assert "data/report.pdf" in [f.path for f in rep.files]
    assert not [w for w in rep.warnings if "report.pdf" in w]
    assert seen and "<mark" in seen[0]
    assert verify_path(rep.path).ok


def test_failing_pdf_renderer_is_a_warning(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra

    def broken(html: str, out: Path) -> None:
        raise RuntimeError("no fonts")

    plugins.set_pdf_renderer(broken)
    rep = export_claims(ws, ids, tmp_path / "case.zip")
    assert any("no fonts" in w for w in rep.warnings) and verify_path(rep.path).ok


def test_report_html_is_self_contained(palmyra, tmp_path: Path) -> None:
    from app.bundles.contents import active_content

    ws, ids = palmyra
    rep = export_claims(ws, ids, tmp_path / "case.zip")
    with zipfile.ZipFile(rep.path) as zf:
        html = zf.read("case/data/report.html").decode()
        names = [n.removeprefix("case/") for n in zf.namelist()]
    assert active_content(html) == []
    assert "http://" not in html.replace('"http://www.w3.org', "") and "https://" not in html
    assert '<mark class="mark">Assad ordered military forces to vacate Tadmur' in html
    assert "Mohamed Qassim" in html and "EARLIEST KNOWN" in html
    for f in rep.files:
        if f.path not in ("data/report.html", "data/report.pdf"):
            assert f.sha256 in html, f.path
    assert "data/report.html" in names


def test_qt_pdf_is_reproducible(palmyra, tmp_path: Path) -> None:
    """With the real Qt renderer, two exports give byte-identical report.pdf files."""
    services = pytest.importorskip("ui.services")
    ws, ids = palmyra
    plugins.set_pdf_renderer(services.render_html_to_pdf)
    a = export_claims(ws, ids, tmp_path / "a.zip")
    b = export_claims(ws, ids, tmp_path / "b.zip")
    pdf_a = {f.path: f.sha256 for f in a.files}["data/report.pdf"]
    assert pdf_a == {f.path: f.sha256 for f in b.files}["data/report.pdf"]
    assert a.fingerprint == b.fingerprint and not [w for w in a.warnings if "report.pdf" in w]


def test_bagit_python_validates_an_exported_bundle(palmyra, tmp_path: Path) -> None:
    import logging

    bagit = pytest.importorskip("bagit")
    ws, ids = palmyra
    rep = export_claims(ws, ids, tmp_path / "case.zip")
    with zipfile.ZipFile(rep.path) as zf:
        zf.extractall(tmp_path / "x")  # our own archive
    logging.disable(logging.CRITICAL)
    try:
        bag = bagit.Bag(str(tmp_path / "x" / "case"))
        bag.validate()
    finally:
        logging.disable(logging.NOTSET)
    assert bag.info["Payload-Oxum"] == rep.payload_oxum
    assert verify_path(tmp_path / "x" / "case").ok and verify_path(tmp_path / "x").ok


def test_export_does_not_change_the_workspace(palmyra, tmp_path: Path) -> None:
    from app import audit
    from db.models import Appearance, ExternalOrigin

    ws, ids = palmyra

    def state():  # type: ignore[no-untyped-def]
        with ws.db.reading() as s:
            return (audit.last_id(s), s.query(ExternalOrigin).count(),
                    sorted((a.id, a.derived_from_id, a.version_id) for a in s.query(Appearance)))

    before = state()
    export_claims(ws, ids, tmp_path / "case.zip")
    assert state() == before


def _reviews(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(f"{path.stem}/data/claimreview.jsonld"))["@graph"]


def test_claimreview_author_is_the_organisation_when_one_is_given(palmyra, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ws, ids = palmyra
    monkeypatch.delenv("SOURCETRACE_ORGANIZATION", raising=False)
    with_org = export_claims(ws, ids, tmp_path / "org.zip", organization="Test Desk").path
    assert {json.dumps(r["author"]) for r in _reviews(with_org)} == {
        json.dumps({"@type": "Organization", "name": "Test Desk"})}
    person = export_claims(ws, ids, tmp_path / "person.zip").path
    assert {json.dumps(r["author"]) for r in _reviews(person)} == {json.dumps({"@type": "Person", "name": "tester"})}
    monkeypatch.setenv("SOURCETRACE_ORGANIZATION", "Env Desk")  # what Source-Organization falls back to
    env = export_claims(ws, ids, tmp_path / "env.zip").path
    assert {r["author"]["name"] for r in _reviews(env)} == {"Env Desk"}
    with zipfile.ZipFile(env) as zf:
        assert "Source-Organization: Env Desk" in zf.read("env/bag-info.txt").decode()


def test_an_undated_only_appearance_is_still_the_first_appearance(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    with ws.db.writing() as s:
        for d in s.query(Document):
            d.published, d.published_precision = None, "unknown"
    reviews = _reviews(export_claims(ws, ids, tmp_path / "undated.zip").path)
    assert len(reviews) == 2
    for r in reviews:
        first = r["itemReviewed"].get("firstAppearance")
        assert first is not None, r
        assert first == r["itemReviewed"]["appearance"][0]  # the first in lineage order
        assert "datePublished" not in first


def test_dated_appearances_come_before_undated_for_the_first_appearance(palmyra, tmp_path: Path) -> None:
    """Each Palmyra claim appears in one dated article and in 004_ (undated)."""
    ws, ids = palmyra
    for r in _reviews(export_claims(ws, ids, tmp_path / "mixed.zip").path):
        item = r["itemReviewed"]
        assert [a.get("datePublished") is not None for a in item["appearance"]] == [True, False]
        assert item["firstAppearance"] == item["appearance"][0]
