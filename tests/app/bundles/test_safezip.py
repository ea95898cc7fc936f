"""Untrusted zips: hand-made malicious archives are refused before (or while) anything is read."""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from pathlib import Path

import pytest

from app.bundles.safezip import SafeZip, UnsafeZipError, ZipLimits, check_member_name
from app.bundles.verify import verify_path
from tests.app.bundles.helpers import raw_zip, stored, zeros_deflated

GIB = 1 << 30


def _write(tmp_path: Path, data: bytes, name: str = "evil.zip") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _refused(path: Path, limits: ZipLimits | None = None) -> str:
    with pytest.raises(UnsafeZipError) as err, SafeZip(path, limits) as z:
        for name in z.files():
            z.read(name)
    return str(err.value)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("bag/../../etc/passwd", "'..'"),
        ("../outside.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/system.ini", "drive"),
        ("bag\\..\\x", "backslash"),
        ("bag/./x", "'.'"),
        ("bag//x", "empty"),
        ("bag/x\x01y", "control"),
    ],
)
def test_bad_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    path = _write(tmp_path, raw_zip([stored("bag/bagit.txt", b"x"), stored(name, b"secret")]))
    assert why in _refused(path)
    report = verify_path(path)
    assert not report.ok and why in report.errors[0].message


def test_check_member_name_accepts_ordinary_names() -> None:
    assert check_member_name("bag/data/documents/0123abcd-Le Monde – l’article (1).html") is None
    assert check_member_name("bag/data/~test.txt") is None


def test_symlink_entry_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, raw_zip([
        stored("bag/bagit.txt", b"BagIt-Version: 1.0\n"),
        stored("bag/data/link", b"/etc/passwd", mode=stat.S_IFLNK | 0o777),
    ]))
    assert "symbolic link" in _refused(path)


def test_device_entry_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, raw_zip([stored("bag/data/dev", b"", mode=stat.S_IFCHR | 0o600)]))
    assert "special file" in _refused(path)


def test_duplicate_and_colliding_names_are_refused(tmp_path: Path) -> None:
    dup = _write(tmp_path, raw_zip([stored("bag/data/a.txt", b"1"), stored("bag/data/a.txt", b"2")]), "dup.zip")
    assert "twice" in _refused(dup)
    case = _write(tmp_path, raw_zip([stored("bag/data/a.txt", b"1"), stored("bag/data/A.TXT", b"2")]), "case.zip")
    assert "collides" in _refused(case)
    nfc, nfd = "bag/data/N\u00fa\u00f1ez", "bag/data/Nu\u0301n\u0303ez"
    norm = _write(tmp_path, raw_zip([stored(nfc, b"1"), stored(nfd, b"2")]), "norm.zip")
    assert "collides" in _refused(norm)
    clash = _write(tmp_path, raw_zip([stored("bag/data/x", b"1"), stored("bag/data/x/y", b"2")]), "clash.zip")
    assert "same name as a folder" in _refused(clash)


def test_encrypted_entry_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, raw_zip([stored("bag/data/a", b"xx", flag=0x1)]))
    assert "encrypted" in _refused(path)


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    """Two names sharing one compressed body (the "non-recursive zip bomb" trick)."""
    path = _write(tmp_path, raw_zip([stored("bag/data/a", b"same"), stored("bag/data/b", b"same", offset=0)]))
    assert "overlaps" in _refused(path)


def test_bomb_declared_small_is_stopped_while_streaming(tmp_path: Path) -> None:
    """1 GiB of zeros whose headers claim 1000 bytes: the reader never yields more than declared
    and refuses the member, without inflating the gigabyte."""
    body = zeros_deflated(GIB)
    path = _write(tmp_path, raw_zip([
        stored("bag/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
        {"name": "bag/data/zeros.bin", "data": body, "method": 8, "crc": 0, "size": 1000},
    ]))
    assert len(body) < 2 * 1024 * 1024
    with SafeZip(path) as z:
        assert z.files()["bag/data/zeros.bin"].size == 1000
        with pytest.raises(UnsafeZipError) as err, z.open("bag/data/zeros.bin") as fh:
            for _ in fh.chunks():
                pass
        assert fh.count <= 1000
    assert "zeros.bin" in str(err.value)
    report = verify_path(path)
    assert not report.ok


def test_bomb_declared_honestly_is_refused_before_reading(tmp_path: Path) -> None:
    body = zeros_deflated(GIB)
    path = _write(tmp_path, raw_zip([
        {"name": "bag/data/zeros.bin", "data": body, "method": 8, "crc": 0, "size": GIB},
    ]))
    assert "limit per file" in _refused(path)
    smaller = _write(tmp_path, raw_zip([
        {"name": "bag/data/zeros.bin", "data": zeros_deflated(64 << 20), "method": 8, "crc": 0, "size": 64 << 20},
    ]), "ratio.zip")
    assert "ratio" in _refused(smaller)


def test_streaming_ratio_check_does_not_trust_headers(tmp_path: Path) -> None:
    """Headers within limits, actual data inflating far beyond the ratio: stopped while reading."""
    body = zeros_deflated(8 << 20)
    path = _write(tmp_path, raw_zip([
        {"name": "bag/data/z", "data": body, "method": 8, "crc": 0, "size": 8 << 20},
    ]))
    limits = ZipLimits(max_ratio=10_000, ratio_min_size=1 << 20)
    with SafeZip(path, limits) as z:
        z.limits = ZipLimits(max_ratio=50, ratio_min_size=1 << 20)  # headers passed; stream must still stop
        with pytest.raises(UnsafeZipError, match="ratio"), z.open("bag/data/z") as fh:
            for _ in fh.chunks():
                pass


def test_total_size_limit(tmp_path: Path) -> None:
    entries = [stored(f"bag/data/f{i}", b"x" * 1000) for i in range(5)]
    path = _write(tmp_path, raw_zip(entries))
    assert "in all" in _refused(path, ZipLimits(max_total_size=3000))


def test_too_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(ZipLimits().max_entries + 1):
            zf.writestr(f"bag/data/{i}", b"")
    assert "too many entries" in _refused(path)


def test_damaged_member_is_reported_not_raised(tmp_path: Path) -> None:
    good = b"hello world" * 10
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = comp.compress(good) + comp.flush()
    path = _write(tmp_path, raw_zip([
        stored("bag/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
        stored("bag/manifest-sha256.txt", f"{hashlib.sha256(good).hexdigest()}  data/a\n".encode()),
        {"name": "bag/data/a", "data": body[:-3] + b"\xff\xff\xff", "method": 8, "crc": zlib.crc32(good),
         "size": len(good)},
    ]))
    report = verify_path(path)
    assert not report.ok
    assert [f.path for f in report.errors] == ["data/a"]
    assert "damaged" in report.errors[0].message


def test_not_a_zip(tmp_path: Path) -> None:
    path = _write(tmp_path, b"this is not a zip at all")
    report = verify_path(path)
    assert not report.ok and "not a readable zip" in report.errors[0].message


def test_zip_without_a_bag(tmp_path: Path) -> None:
    path = _write(tmp_path, raw_zip([stored("a/bagit.txt", b"x"), stored("b/bagit.txt", b"y")]))
    report = verify_path(path)
    assert not report.ok and "no bag in this zip" in report.errors[0].message
