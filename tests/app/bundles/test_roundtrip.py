"""Round trip (export, verify, import elsewhere, export again: same payload), tampering of
real bundles, and refusal to import anything that does not verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.bundles.export import export_claims
from app.bundles.importer import BundleRejected, import_bundle
from app.bundles.verify import verify_path
from app.workspace import Workspace
from db.models import Appearance, Claim, Document, Excerpt
from tests.app.bundles.helpers import flip_byte, reseal, rewrite_zip
from tests.team.helpers import REPO

pytestmark = pytest.mark.usefixtures("no_renderer")  # report.pdf is tested on its own


def _payload_manifest(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith("/manifest-sha256.txt")]
        return zf.read(name).decode()


def _member(path: Path, rel: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"{path.stem}/{rel}")


def test_round_trip_gives_the_same_payload(palmyra, tmp_path: Path) -> None:
    ws, ids = palmyra
    first = export_claims(ws, ids, tmp_path / "first.zip")
    assert verify_path(first.path).ok
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        rep = import_bundle(other, first.path)
        assert len(rep.claims_created) == 2 and rep.documents_created == 3 and rep.excerpts_created == 4
        assert rep.history_entries > 0 and not rep.warnings
        new_ids = [c["id"] for c in rep.claims_created]
        second = export_claims(other, new_ids, tmp_path / "second.zip")
        with other.db.reading() as s:
            claims = s.query(Claim).order_by(Claim.id).all()
            assert {c.created_by for c in claims} == {"tester"}  # the original authors
            assert {a.created_by for a in s.query(Appearance)} == {"tester"}
            assert {d.imported_by for d in s.query(Document)} == {"tester"}  # the original importer
    assert _payload_manifest(first.path) == _payload_manifest(second.path)
    assert first.fingerprint == second.fingerprint
    assert verify_path(second.path).ok


def _launcher(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``sourcetrace`` entry point (with the Qt PDF renderer), in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ui.launcher", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env=env)


def test_round_trip_with_the_pdf_report_across_processes(palmyra, workspace_path: Path, tmp_path: Path) -> None:
    """The command-line round trip, every step in its own process and report.pdf rendered by
    Qt each time: every payload checksum of the second bundle equals the first's (Qt's
    per-process hash seed once reordered the PDF's fonts)."""
    pytest.importorskip("PySide6")
    ws, ids = palmyra
    ws.close()
    first, second, other = tmp_path / "first.zip", tmp_path / "second.zip", tmp_path / "other.sourcetrace"
    done = _launcher("--db", str(workspace_path), "export", *map(str, ids), "--out", str(first))
    assert done.returncode == 0, done.stderr
    done = _launcher("--db", str(other), "--user", "carol", "import-bundle", str(first), "--json")
    assert done.returncode == 0, done.stderr
    new_ids = [str(c["id"]) for c in json.loads(done.stdout)["claims_created"]]
    done = _launcher("--db", str(other), "export", *new_ids, "--out", str(second))
    assert done.returncode == 0, done.stderr
    assert "data/report.pdf" in _payload_manifest(first)
    assert _payload_manifest(first) == _payload_manifest(second)
    assert _launcher("verify", str(second)).returncode == 0


def test_import_records_provenance_and_keeps_history(bundle: Path, tmp_path: Path) -> None:
    from app import audit

    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        rep = import_bundle(other, bundle)
        cid = rep.claims_created[0]["id"]
        with other.db.reading() as s:
            hist = audit.history(s, claim_id=cid)
            everything = audit.history(s)
        actions = [(h.user, h.action) for h in hist]
        assert ("tester", "claim.create") in actions and ("tester", "claim.verdict") in actions
        assert any(h.user == "carol" and h.action == "claim.create" and "imported_from" in (h.after or {})
                   for h in hist)
        imports = [h for h in everything if h.action == "bundle.import"]
        assert len(imports) == 1 and imports[0].user == "carol"
        assert imports[0].after["fingerprint"] == rep.fingerprint


def test_import_twice_adds_nothing(bundle: Path, tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        import_bundle(other, bundle)
        again = import_bundle(other, bundle)
        assert not again.claims_created and len(again.claims_skipped) == 2
        assert again.documents_reused == 3 and again.documents_created == 0
        with other.db.reading() as s:
            assert s.query(Claim).count() == 2 and s.query(Excerpt).count() == 4


def test_import_reuses_documents_already_in_the_workspace(bundle: Path, tmp_path: Path, seeds_dir: Path) -> None:
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        other.documents.import_paths([seeds_dir], workers=0)
        rep = import_bundle(other, bundle)
        assert rep.documents_reused == 3 and rep.documents_created == 0
        with other.db.reading() as s:
            for ex in s.query(Excerpt):
                assert ex.document.text[ex.start:ex.end] == ex.exact and not ex.orphaned


# ------------------------------------------------------------------ tampering with a real bundle
def _errors(path: Path) -> list[tuple[str, str]]:
    report = verify_path(path)
    assert not report.ok, report.format_text()
    return [(f.path, f.message) for f in report.errors]


def _doc_name(bundle: Path) -> str:
    with zipfile.ZipFile(bundle) as zf:
        return sorted(n for n in zf.namelist() if "/data/documents/" in n)[0]


def test_one_byte_changed_in_a_document(bundle: Path, tmp_path: Path) -> None:
    name = _doc_name(bundle)
    bad = rewrite_zip(bundle, tmp_path / "t.zip", edit={name: flip_byte(100)})
    rel = name.split("/", 1)[1]
    errors = _errors(bad)
    assert {p for p, _ in errors} == {rel}
    assert "checksum does not match manifest-sha256.txt" in errors[0][1]
    assert any("SHA-256 recorded at import" in m for _, m in errors)


def test_one_byte_changed_in_claims_json(bundle: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(bundle, tmp_path / "t.zip", edit={"case/data/claims.json": flip_byte(40)})
    assert {p for p, _ in _errors(bad)} == {"data/claims.json"}


def test_one_byte_changed_in_the_manifest(bundle: Path, tmp_path: Path) -> None:
    """One hex digit changed: the manifest's wrong line is reported against the manifest (which
    fails its tag manifest), not against annotations.jsonld, whose bytes are intact."""
    def one_digit(data: bytes) -> bytes:
        return (b"1" if data[:1] != b"1" else b"2") + data[1:]

    bad = rewrite_zip(bundle, tmp_path / "t.zip", edit={"case/manifest-sha256.txt": one_digit})
    errors = _errors(bad)
    assert {p for p, _ in errors} == {"manifest-sha256.txt"}, errors
    assert any("checksum does not match tagmanifest-sha256.txt" in m for _, m in errors)
    assert ("the sha256 checksum listed for data/annotations.jsonld does not match the file" in m
            and "(the manifest was changed, or the file)" in m for _, m in errors)
    assert not any("the file was changed" in m for p, m in errors if p.startswith("data/"))


def test_a_file_deleted(bundle: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(bundle, tmp_path / "t.zip", drop=("case/data/report.html",))
    errors = _errors(bad)
    assert ("data/report.html", "missing (listed in manifest-sha256.txt)") in errors


def test_a_file_added(bundle: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(bundle, tmp_path / "t.zip", add={"case/data/documents/planted.txt": b"fake evidence"})
    errors = _errors(bad)
    assert errors[0][0] == "data/documents/planted.txt" and "not listed" in errors[0][1]
    tag = rewrite_zip(bundle, tmp_path / "t2.zip", add={"case/README.txt": b"unprotected note"})
    assert ("README.txt", "not listed in any tag manifest, so not protected by a checksum") in _errors(tag)


def test_consistent_forgery_of_a_quote_position_is_caught(bundle: Path, tmp_path: Path) -> None:
    """Checksums all recomputed, but an excerpt moved: the quote is no longer at its position."""
    def move(data: bytes) -> bytes:
        doc = json.loads(data)
        ex = doc["claims"][0]["appearances"][0]["excerpt"]
        ex["start"] += 1
        ex["end"] += 1
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()

    bad = reseal(bundle, tmp_path / "t.zip", {"data/claims.json": move})
    errors = _errors(bad)
    assert len(errors) == 1 and errors[0][0] == "data/claims.json"
    assert "is not at" in errors[0][1]


def test_consistent_forgery_of_a_document_is_caught(bundle: Path, tmp_path: Path) -> None:
    """Original replaced and manifests recomputed: documents.json's import-time SHA-256 disagrees."""
    name = _doc_name(bundle).split("/", 1)[1]
    bad = reseal(bundle, tmp_path / "t.zip", {name: lambda d: d.replace(b"Assad", b"Obama", 1)})
    assert [p for p, m in _errors(bad)] == [name]


def test_script_in_report_is_caught(bundle: Path, tmp_path: Path) -> None:
    bad = reseal(bundle, tmp_path / "t.zip", {
        "data/report.html": lambda d: d.replace(b"</body>", b"<script>fetch('https://x.example')</script></body>")})
    errors = _errors(bad)
    assert errors == [("data/report.html", errors[0][1])] and "<script>" in errors[0][1]


def test_tampered_bundle_is_not_imported(bundle: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(bundle, tmp_path / "t.zip", edit={"case/data/claims.json": flip_byte(40)})
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        with pytest.raises(BundleRejected) as err:
            import_bundle(other, bad)
        assert err.value.report is not None and "data/claims.json" in err.value.report.format_text()
        with other.db.reading() as s:
            assert s.query(Claim).count() == 0 and s.query(Document).count() == 0


def test_plain_bag_is_not_imported(plain_bag: Path, tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other, \
            pytest.raises(BundleRejected, match="not a SourceTrace bundle"):
        import_bundle(other, plain_bag)


@pytest.mark.parametrize("edit", [
    lambda d: d.replace(b"  ", b" \t", 1),  # spacing
    lambda d: d[:5] + d[5:6].upper() + d[6:] if d[5:6].isalpha() else d[:5] + b"F" + d[6:],  # hex case / digit
    lambda d: b"\n".join(reversed(d.rstrip(b"\n").split(b"\n"))) + b"\n",  # order
])
def test_any_byte_of_the_tag_manifest(bundle: Path, tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    """The tag manifest is covered by no checksum: every byte of it is still checked."""
    bad = rewrite_zip(bundle, tmp_path / "t.zip", edit={"case/tagmanifest-sha256.txt": edit})
    with zipfile.ZipFile(bad) as zf, zipfile.ZipFile(bundle) as zg:
        assert zf.read("case/tagmanifest-sha256.txt") != zg.read("case/tagmanifest-sha256.txt")
    assert "tagmanifest-sha256.txt" in {p for p, _ in _errors(bad)} | {
        p for p, m in _errors(bad) if "tagmanifest" in m}


def test_round_trip_through_each_back_end(any_workspace, tmp_path: Path, seeds_dir: Path) -> None:
    """Import into SQLite and PostgreSQL workspaces: the re-export has the same payload."""
    from tests.app.bundles.helpers import build_palmyra_case

    with Workspace.open(tmp_path / "source.sourcetrace", user="alice") as ws:
        ws.documents.import_paths([seeds_dir], workers=0)
        first = export_claims(ws, build_palmyra_case(ws), tmp_path / "first.zip")
    rep = import_bundle(any_workspace, first.path)
    second = export_claims(any_workspace, [c["id"] for c in rep.claims_created], tmp_path / "second.zip")
    assert _payload_manifest(first.path) == _payload_manifest(second.path)


def test_round_trip_of_the_demo_case(tmp_path: Path) -> None:
    """The demo's traced claims (with its aliases, which the receiving workspace lacks): the
    re-exported payload is identical, because lineage links travel as recorded."""
    try:
        import app.matching.service  # noqa: F401
        from app.demo import build_demo
    except ImportError as exc:
        pytest.skip(f"demo needs the matcher: {exc}")
    path = build_demo(tmp_path / "demo.sourcetrace")
    with Workspace.open(path, user="demo") as ws:
        ids = [c.id for c in ws.claims.list()]
        first = export_claims(ws, ids, tmp_path / "first.zip")
    assert verify_path(first.path).ok and first.claims == len(ids) >= 2
    with Workspace.open(tmp_path / "other.sourcetrace", user="carol") as other:
        rep = import_bundle(other, first.path)
        second = export_claims(other, [c["id"] for c in rep.claims_created], tmp_path / "second.zip")
    assert _payload_manifest(first.path) == _payload_manifest(second.path)
