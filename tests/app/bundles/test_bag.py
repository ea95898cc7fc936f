"""The BagIt writer and verifier on bags of plain files: validity, determinism, tampering."""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import bagit
import pytest

from app.bundles import bag as B
from app.bundles.verify import verify_path
from tests.app.bundles.helpers import flip_byte, make_plain_bag, rewrite_zip

FILES = {
    "documents/article one.txt": b"Assad ordered forces to leave Tadmur.\n",
    "documents/notes 100%.txt": b"percent sign in the name\n",
    "claims.json": b'{"claims": []}\n',
}


def _extract(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)  # our own, trusted test archive
    (bag_dir,) = [p for p in dest.iterdir() if p.is_dir()]
    return bag_dir


def test_written_bag_is_valid_for_bagit_python_and_for_us(plain_bag: Path, tmp_path: Path) -> None:
    report = verify_path(plain_bag)
    assert report.ok and not report.warnings, report.format_text()
    assert report.version == "1.0" and report.algorithms == ["sha256"]
    assert report.payload_files == 3
    folder = _extract(plain_bag, tmp_path / "x")
    assert verify_path(folder).ok
    assert verify_path(folder.parent).ok  # a folder holding the bag folder
    manifest = (folder / "manifest-sha256.txt").read_text()
    assert "data/documents/notes 100%25.txt" in manifest
    assert "Payload-Oxum: " in (folder / "bag-info.txt").read_text()


def test_bagit_python_agrees(tmp_path: Path) -> None:
    """Cross-check with the Library of Congress's bagit-python (names without '%', which
    bagit-python does not percent-encode as BagIt 1.0 requires)."""
    files = {k.replace("%", ""): v for k, v in FILES.items()}
    folder = _extract(make_plain_bag(tmp_path / "a.zip", files), tmp_path / "x")
    logging.disable(logging.CRITICAL)
    try:
        bagit.Bag(str(folder)).validate()
    finally:
        logging.disable(logging.NOTSET)


def test_writer_is_deterministic(tmp_path: Path) -> None:
    a = make_plain_bag(tmp_path / "a.zip", FILES).read_bytes()
    b = make_plain_bag(tmp_path / "b.zip", FILES).read_bytes()
    assert a == b
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert {i.date_time for i in zf.infolist()} == {(2024, 5, 1, 0, 0, 0)}


def test_writer_refuses_unsafe_paths(tmp_path: Path) -> None:
    with (tmp_path / "x.zip").open("wb") as fh:
        w = B.BagZipWriter(fh, "bag", __import__("datetime").date(2024, 1, 1))
        for bad in ("../x", "a//b", "/abs", "a\\b"):
            with pytest.raises(ValueError):
                w.add_payload(bad, b"")
        w.abort()


def _errors(path: Path) -> list[tuple[str, str]]:
    report = verify_path(path)
    assert not report.ok
    return [(f.path, f.message) for f in report.errors]


def test_tamper_one_byte_in_a_document(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", edit={"bag/data/documents/article one.txt": flip_byte(5)})
    errors = _errors(bad)
    assert [p for p, _ in errors] == ["data/documents/article one.txt"]
    assert "sha256 checksum does not match manifest-sha256.txt" in errors[0][1]


def test_tamper_claims_json_keeping_its_size(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", edit={"bag/data/claims.json": flip_byte(-3)})
    assert [p for p, _ in _errors(bad)] == ["data/claims.json"]


def test_tamper_a_manifest(plain_bag: Path, tmp_path: Path) -> None:
    def one_digit(data: bytes) -> bytes:  # still a well-formed line, with a wrong checksum
        return (b"1" if data[:1] != b"1" else b"2") + data[1:]

    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", edit={"bag/manifest-sha256.txt": one_digit})
    errors = _errors(bad)
    assert {p for p, _ in errors} == {"manifest-sha256.txt"}  # claims.json itself is intact
    assert any("does not match tagmanifest-sha256.txt" in m for _, m in errors)  # its tag-manifest checksum fails
    assert any(m.startswith("the sha256 checksum listed for data/claims.json does not match the file")
               and m.endswith("(the manifest was changed, or the file)") for _, m in errors)


def test_a_changed_file_with_an_intact_manifest_is_the_file(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", edit={"bag/data/claims.json": flip_byte(2)})
    ((path, message),) = _errors(bad)
    assert path == "data/claims.json" and message.endswith(": the file was changed")


def test_without_a_tag_manifest_either_side_may_have_changed(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", drop=("bag/tagmanifest-sha256.txt",),
                      edit={"bag/data/claims.json": flip_byte(2)})
    ((path, message),) = _errors(bad)
    assert path == "data/claims.json" and message.endswith("the file was changed, or its line in manifest-sha256.txt")


def test_tamper_bag_info(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", edit={"bag/bag-info.txt": lambda d: d.replace(b"Test", b"Fake")})
    assert [p for p, _ in _errors(bad)] == ["bag-info.txt"]


def test_delete_a_file(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", drop=("bag/data/claims.json",))
    errors = _errors(bad)
    assert ("data/claims.json", "missing (listed in manifest-sha256.txt)") in errors
    assert any(p == "bag-info.txt" and "Payload-Oxum" in m for p, m in errors)


def test_add_a_payload_file(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", add={"bag/data/extra.txt": b"planted"})
    errors = _errors(bad)
    assert errors[0][0] == "data/extra.txt" and "not listed in manifest-sha256.txt" in errors[0][1]


def test_add_a_tag_file_is_a_warning_for_plain_bags(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", add={"bag/notes.txt": b"unprotected"})
    report = verify_path(bad)
    assert report.ok and [f.path for f in report.warnings] == ["notes.txt"]


def test_remove_tag_manifest(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", drop=("bag/tagmanifest-sha256.txt",))
    report = verify_path(bad)
    assert any("no tag manifest" in f.message for f in report.findings)


def test_bagit_txt_damaged(plain_bag: Path, tmp_path: Path) -> None:
    bad = rewrite_zip(plain_bag, tmp_path / "t.zip", replace={"bag/bagit.txt": b"BagIt-Version: 1.0\n"})
    paths = [p for p, _ in _errors(bad)]
    assert paths.count("bagit.txt") == 2  # malformed, and its checksum changed


def test_folder_with_symlinks_is_not_followed(plain_bag: Path, tmp_path: Path) -> None:
    folder = _extract(plain_bag, tmp_path / "x")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the bag")
    os.symlink(secret, folder / "data" / "link.txt")
    os.symlink(tmp_path, folder / "data" / "linkdir")
    report = verify_path(folder)
    errors = {f.path: f.message for f in report.errors}
    assert "symbolic link" in errors["data/link.txt"]
    assert "symbolic link" in errors["data/linkdir"]
    assert "data/link.txt" not in report.digests


def test_manifest_entry_through_symlinked_folder_is_never_read(plain_bag: Path, tmp_path: Path) -> None:
    """A manifest naming a file behind a symlinked folder: reported missing, never opened."""
    folder = _extract(plain_bag, tmp_path / "x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f.txt").write_text("x")
    os.symlink(outside, folder / "data" / "sub")
    with (folder / "manifest-sha256.txt").open("a") as fh:
        fh.write("0" * 64 + "  data/sub/f.txt\n")
    report = verify_path(folder)
    assert ("data/sub/f.txt", "missing (listed in manifest-sha256.txt)") in [(f.path, f.message) for f in report.errors]


def test_a_symlink_to_the_bag_is_followed_but_not_links_inside(plain_bag: Path, tmp_path: Path) -> None:
    folder = _extract(plain_bag, tmp_path / "x")
    (tmp_path / "to-folder").symlink_to(folder)
    (tmp_path / "to-parent").symlink_to(tmp_path / "x")  # the folder holding the bag folder
    (tmp_path / "to-zip").symlink_to(plain_bag)
    (tmp_path / "link-to-link").symlink_to(tmp_path / "to-zip")
    for link in ("to-folder", "to-parent", "to-zip", "link-to-link"):
        report = verify_path(tmp_path / link)
        assert report.ok and report.files_hashed > 0, report.format_text()
        assert report.source.startswith(str(tmp_path / link))  # named as the user named it
    os.symlink(tmp_path / "secret", folder / "data" / "inside.txt")
    (tmp_path / "secret").write_text("outside the bag")
    report = verify_path(tmp_path / "to-folder")
    assert "symbolic link" in {f.path: f.message for f in report.errors}["data/inside.txt"]
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert [f.message for f in verify_path(tmp_path / "dangling").errors] == [
        f"{tmp_path / 'dangling'}: a symbolic link to nothing"]
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    assert "symbolic links" in verify_path(tmp_path / "loop-a").errors[0].message


def test_bag_at_the_zip_root(plain_bag: Path, tmp_path: Path) -> None:
    root = tmp_path / "root.zip"
    with zipfile.ZipFile(plain_bag) as zin, zipfile.ZipFile(root, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename.removeprefix("bag/"), zin.read(info))
    assert verify_path(root).ok


def test_macos_rezip_folder_is_ignored(plain_bag: Path, tmp_path: Path) -> None:
    rezipped = rewrite_zip(plain_bag, tmp_path / "mac.zip", add={"__MACOSX/bag/._bagit.txt": b"\x00\x05\x16\x07"})
    report = verify_path(rezipped)
    assert report.ok and "__MACOSX" in report.warnings[0].message
    other = rewrite_zip(plain_bag, tmp_path / "two.zip", add={"other/readme.txt": b"x"})
    assert "no bag in this zip" in verify_path(other).errors[0].message
