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


# ------------------------------------------------------------------ names without the UTF-8 flag
def _unflagged(src: Path, dst: Path) -> Path:
    """The same archive with every name stored as raw UTF-8 bytes without the UTF-8 flag, as
    Info-ZIP's ``zip -r`` writes on Linux (Python's zipfile then decodes the names as cp437)."""
    with zipfile.ZipFile(src) as zf:
        entries = [stored(i.filename.encode("utf-8"), zf.read(i), utf8=False) for i in zf.infolist()]
    return _write(dst.parent, raw_zip(entries), dst.name)


def test_unflagged_utf8_names_are_read_as_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path, raw_zip([stored("bag/data/Núñez".encode(), b"x", utf8=False),
                                     stored(b"bag/data/plain.txt", b"y", utf8=False)]))
    with zipfile.ZipFile(path) as zf:
        assert "bag/data/N├║├▒ez" in zf.namelist()  # what Python's zipfile makes of it
    with SafeZip(path) as z:
        assert sorted(z.files()) == ["bag/data/Núñez", "bag/data/plain.txt"]
        assert z.read("bag/data/Núñez") == b"x"


def test_unflagged_names_that_are_not_utf8_stay_cp437(tmp_path: Path) -> None:
    path = _write(tmp_path, raw_zip([stored(b"bag/caf\x82.txt", b"x", utf8=False)]))  # 0x82 is é in cp437
    with SafeZip(path) as z:
        assert list(z.files()) == ["bag/café.txt"]


@pytest.mark.parametrize(("entries", "why"), [
    ([stored("bag/Núñez".encode(), b"x", utf8=False), stored("bag/Núñez", b"y")], "twice"),
    ([stored("bag/NÚÑEZ".encode(), b"x", utf8=False), stored("bag/núñez", b"y")], "collides"),
    ([stored("bag/Nu\u0301n\u0303ez".encode(), b"x", utf8=False), stored("bag/Núñez", b"y")], "collides"),
    ([stored("bag/../Núñez".encode(), b"x", utf8=False)], "'..'"),
    ([stored("bag/\u00e9\\..\\x".encode(), b"x", utf8=False)], "backslash"),
])
def test_safety_checks_apply_to_the_recovered_name(tmp_path: Path, entries: list[dict], why: str) -> None:
    assert why in _refused(_write(tmp_path, raw_zip(entries)))


def test_a_bag_zipped_without_the_utf8_flag_verifies(tmp_path: Path) -> None:
    from tests.app.bundles.helpers import make_plain_bag

    good = make_plain_bag(tmp_path / "good.zip", {"documents/Núñez – entrevista.txt": b"testimony\n",
                                                 "documents/plain.txt": b"plain\n"})
    assert verify_path(good).ok
    unflagged = _unflagged(good, tmp_path / "unflagged.zip")
    report = verify_path(unflagged)
    assert report.ok and not report.warnings, report.format_text()


def test_info_zip_on_linux(tmp_path: Path) -> None:
    """The real tool: ``zip -r`` of a bag folder with a non-ASCII file name."""
    import shutil
    import subprocess

    if shutil.which("zip") is None:
        pytest.skip("Info-ZIP's zip is not installed")
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    payload = "Núñez".encode()
    (bag / "data" / "Núñez.txt").write_bytes(payload)
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "manifest-sha256.txt").write_text(f"{hashlib.sha256(payload).hexdigest()}  data/Núñez.txt\n",
                                             encoding="utf-8")
    subprocess.run(["zip", "-qr", "bag.zip", "bag"], cwd=tmp_path, check=True,
                   env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    with zipfile.ZipFile(tmp_path / "bag.zip") as zf:
        info = zf.getinfo(next(n for n in zf.namelist() if n.startswith("bag/data/N")))
        assert not info.flag_bits & 0x800
    report = verify_path(tmp_path / "bag.zip")
    assert report.ok, report.format_text()
