"""The command line, entered the way users do (ui.launcher registers the Qt PDF renderer)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from app import plugins
from tests.app.bundles.helpers import flip_byte, rewrite_zip


@pytest.fixture
def launcher():  # type: ignore[no-untyped-def]
    old = plugins.get_pdf_renderer()
    mod = pytest.importorskip("ui.launcher")
    yield mod.main
    plugins.set_pdf_renderer(old)


def test_export_verify_import_through_the_cli(palmyra, launcher, workspace_path: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _ws, ids = palmyra
    out = tmp_path / "case.zip"
    args = ["--db", str(workspace_path), "export", *map(str, ids), "--out", str(out), "--organization", "Test Desk"]
    assert launcher(args) == 0
    printed = capsys.readouterr().out
    assert "2 claim(s), 3 document(s)" in printed and "payload fingerprint" in printed
    with zipfile.ZipFile(out) as zf:
        assert "case/data/report.pdf" in zf.namelist()  # the launcher installed the Qt renderer
        assert zf.read("case/data/report.pdf").startswith(b"%PDF")
    assert launcher(args) == 2  # exists: refuses without --force
    assert "--force" in capsys.readouterr().err
    assert launcher([*args, "--force"]) == 0
    capsys.readouterr()

    assert launcher(["verify", str(out)]) == 0
    assert "INTACT" in capsys.readouterr().out
    assert launcher(["verify", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["sourcetrace_bundle"] and data["excerpts_checked"] == 8

    other = tmp_path / "other.sourcetrace"
    assert launcher(["--db", str(other), "--user", "carol", "import-bundle", str(out)]) == 0
    assert "imported 2 claim(s), 3 new document(s)" in capsys.readouterr().out


def test_verify_reports_tampering_file_by_file(palmyra, launcher, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from app.bundles.export import export_claims

    ws, ids = palmyra
    good = export_claims(ws, ids, tmp_path / "case.zip").path
    bad = rewrite_zip(good, tmp_path / "bad.zip", edit={"case/data/claims.json": flip_byte(50)},
                      add={"case/data/extra.txt": b"x"})
    assert launcher(["verify", str(bad)]) == 1
    text = capsys.readouterr().out
    assert "data/claims.json:\n  ERROR: sha256 checksum does not match" in text
    assert "data/extra.txt:\n  ERROR: not listed in manifest-sha256.txt" in text
    assert "NOT INTACT" in text

    other = tmp_path / "other.sourcetrace"
    assert launcher(["--db", str(other), "import-bundle", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "failed verification" in err and "data/claims.json" in err


def test_verify_needs_no_workspace_and_handles_junk(launcher, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert launcher(["--db", str(tmp_path / "never-created.sourcetrace"), "verify", str(junk)]) == 1
    assert "not a readable zip" in capsys.readouterr().out
    assert not (tmp_path / "never-created.sourcetrace").exists()
    assert launcher(["verify", str(tmp_path / "missing.zip")]) == 1
    assert "no such file" in capsys.readouterr().out


def test_export_unknown_claim(seeded_workspace, launcher, workspace_path: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher(["--db", str(workspace_path), "export", "42", "--out", str(tmp_path / "x.zip")]) == 2
    assert "no claim 42" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
