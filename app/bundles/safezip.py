"""Reading zip files from strangers without extracting them and without trusting their headers.

A bundle arrives from outside (a partner newsroom, a lawyer, e-mail). Before anything is read,
every entry is checked; members are then streamed straight into hash functions or memory,
never written to disk. Rejected outright:

Names: an entry without the UTF-8 flag (bit 11) is decoded by Python as code page 437, the
zip standard's default. Info-ZIP's ``zip`` on Linux and macOS's tools store UTF-8 names without
setting the flag, which turned ``Núñez`` into ``N├║├▒ez`` and made valid bags fail. As Info-ZIP's
``unzip`` does on Linux, such a name that is not plain ASCII is read from its raw bytes as UTF-8
when they are valid UTF-8 (otherwise it stays code page 437). Every check below applies to the
final name.

- names that are absolute (``/x``, ``C:x``), contain ``..`` or ``.`` or empty segments, use
  backslashes, contain control characters, or are longer than ``max_name_length``;
- symlinks and other special files (Unix mode bits in the external attributes), encrypted
  entries, compression methods other than stored/deflate/bzip2/lzma;
- duplicate names, names that collide on case-insensitive or Unicode-normalising file systems
  (``a.txt`` / ``A.txt``, NFC / NFD), and a file whose name is also used as a folder;
- overlapping entries (several names pointing at the same compressed bytes: a classic bomb);
- zip bombs: more than ``max_entries`` entries, a member larger than ``max_file_size``, more than
  ``max_total_size`` in all, or a compression ratio above ``max_ratio`` for members larger than
  ``ratio_min_size``. Sizes are first checked as declared, then again on the bytes actually
  decompressed while streaming: a member that inflates past what its header declares is
  refused, whatever the header says.

Defaults (``ZipLimits()``): 10,000 entries, 512 MiB per member, 2 GiB in all, ratio 200:1
(checked from 1 MiB on). A real evidence bundle is far below all of these.
"""

from __future__ import annotations

import itertools
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MiB = 1024 * 1024
ALLOWED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_LOCAL_HEADER = 30


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 10_000
    max_file_size: int = 512 * MiB
    max_total_size: int = 2048 * MiB
    max_ratio: float = 200.0
    ratio_min_size: int = 1 * MiB
    max_name_length: int = 1024
    max_depth: int = 32


class UnsafeZipError(Exception):
    """The archive (or one member of it) is refused; ``member`` names the entry when known."""

    def __init__(self, message: str, member: str | None = None) -> None:
        super().__init__(f"{member}: {message}" if member else message)
        self.member = member
        self.reason = message


def name_key(name: str) -> str:
    """What two names must not share: equal after Unicode normalisation and case folding."""
    return unicodedata.normalize("NFC", name).casefold()


def check_member_name(name: str, limits: ZipLimits = ZipLimits()) -> str | None:
    """Why ``name`` is unsafe as a relative path inside an archive, or None when it is fine."""
    if not name or name in ("/", "./"):
        return "empty name"
    if len(name.encode("utf-8", "surrogateescape")) > limits.max_name_length:
        return f"name longer than {limits.max_name_length} bytes"
    if _CONTROL.search(name):
        return "control character in name"
    if "\\" in name:
        return "backslash in name (a Windows path separator)"
    if name.startswith("/"):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive-letter path"
    parts = name.rstrip("/").split("/")
    if len(parts) > limits.max_depth:
        return f"nested deeper than {limits.max_depth} folders"
    for part in parts:
        if part == "..":
            return "'..' in path (escapes the archive)"
        if part in ("", "."):
            return "empty or '.' path segment"
    return None


UTF8_FLAG = 0x800


def raw_name(info: zipfile.ZipInfo) -> bytes:
    """The entry's name as stored in the archive (what Python decoded ``orig_filename`` from)."""
    if info.flag_bits & UTF8_FLAG:
        return info.orig_filename.encode("utf-8", "surrogateescape")
    try:
        return info.orig_filename.encode("cp437")
    except UnicodeEncodeError:  # decoded with another metadata_encoding
        return info.orig_filename.encode("utf-8", "surrogateescape")


def member_name(info: zipfile.ZipInfo) -> str:
    """The entry's name: UTF-8 when flagged, or when unflagged bytes are valid UTF-8 (Info-ZIP on
    Linux writes UTF-8 without the flag), else code page 437."""
    name = info.filename
    if info.flag_bits & UTF8_FLAG or name.isascii():
        return name
    try:
        return raw_name(info).decode("utf-8")
    except UnicodeDecodeError:
        return name


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    compressed: int


class SafeZip:
    """An untrusted zip, checked on open. Use ``files()``, ``open()`` and ``read()``."""

    def __init__(self, path: str | Path, limits: ZipLimits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or ZipLimits()
        try:
            self._zf = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as exc:
            raise UnsafeZipError(f"not a readable zip file ({exc})") from exc
        except OSError as exc:
            raise UnsafeZipError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        try:
            self._members, self._dirs = self._check()
        except Exception:
            self._zf.close()
            raise

    # ------------------------------------------------------------------ checks
    def _check(self) -> tuple[dict[str, tuple[zipfile.ZipInfo, Member]], set[str]]:
        lim = self.limits
        infos = self._zf.infolist()
        if len(infos) > lim.max_entries:
            raise UnsafeZipError(f"too many entries ({len(infos)}; the limit is {lim.max_entries})")
        members: dict[str, tuple[zipfile.ZipInfo, Member]] = {}
        dirs: set[str] = set()
        keys: dict[str, str] = {}
        total = 0
        for info in infos:
            name = member_name(info)
            if "\x00" in info.orig_filename:
                raise UnsafeZipError("NUL byte in name", name)
            why = check_member_name(name, lim)
            if why:
                raise UnsafeZipError(why, name)
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                raise UnsafeZipError("symbolic link entries are not allowed", name)
            if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeZipError("special file entries are not allowed", name)
            if info.flag_bits & 0x1:
                raise UnsafeZipError("encrypted entries are not supported", name)
            is_dir = name.endswith("/")
            bare = name.rstrip("/")
            key = name_key(bare)
            if key in keys:
                other = keys[key]
                if other == bare:
                    if is_dir and bare in dirs:
                        continue  # the same folder listed twice is harmless
                    raise UnsafeZipError("the same name appears twice in the archive", name)
                raise UnsafeZipError(f"name collides with {other!r} on case-insensitive systems", name)
            keys[key] = bare
            if is_dir:
                dirs.add(bare)
                continue
            if info.compress_type not in ALLOWED_METHODS:
                raise UnsafeZipError(f"unsupported compression method {info.compress_type}", name)
            if info.file_size > lim.max_file_size:
                raise UnsafeZipError(
                    f"expands to {info.file_size} bytes (the limit per file is {lim.max_file_size})", name
                )
            if info.file_size > lim.ratio_min_size and info.file_size > lim.max_ratio * max(info.compress_size, 1):
                raise UnsafeZipError(
                    f"compression ratio above {lim.max_ratio:.0f}:1 (a zip bomb?)", name
                )
            total += info.file_size
            if total > lim.max_total_size:
                raise UnsafeZipError(f"expands to more than {lim.max_total_size} bytes in all")
            members[bare] = (info, Member(bare, info.file_size, info.compress_size))
        for name in members:
            parts = name.split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d in members:
                    raise UnsafeZipError("a file has the same name as a folder", d)
                dirs.add(d)
        self._check_overlaps(infos, getattr(self._zf, "start_dir", None))
        return members, dirs

    @staticmethod
    def _check_overlaps(infos: list[zipfile.ZipInfo], central_start: int | None) -> None:
        """No two entries may share bytes, nor may an entry run into the central directory."""
        spans = sorted(
            (i.header_offset, i.header_offset + _LOCAL_HEADER + len(raw_name(i)) + i.compress_size, member_name(i))
            for i in infos
        )
        for (start, end, name), (nstart, _nend, nname) in itertools.pairwise(spans):
            if nstart == start or end > nstart:
                raise UnsafeZipError(f"entry overlaps {name!r} (several names share the same bytes)", nname)
        if spans and central_start is not None and spans[-1][1] > central_start:
            raise UnsafeZipError("entry data runs into the archive's directory", spans[-1][2])

    # ------------------------------------------------------------------ reading
    def files(self) -> dict[str, Member]:
        """Every regular file, by its (checked) name."""
        return {n: m for n, (_, m) in self._members.items()}

    def dirs(self) -> set[str]:
        """Every folder, listed or implied by a file name."""
        return set(self._dirs)

    def open(self, name: str) -> LimitedReader:
        try:
            info, member = self._members[name]
        except KeyError:
            raise UnsafeZipError("no such member", name) from None
        return LimitedReader(self._zf.open(info), member, self.limits)

    def read(self, name: str, max_bytes: int | None = None) -> bytes:
        member = self.files().get(name)
        if member is None:
            raise UnsafeZipError("no such member", name)
        if max_bytes is not None and member.size > max_bytes:
            raise UnsafeZipError(f"larger than the {max_bytes} bytes allowed for this file", name)
        with self.open(name) as fh:
            return b"".join(fh.chunks())

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LimitedReader:
    """A member's decompressed stream that counts what it really yields."""

    CHUNK = 1024 * 1024

    def __init__(self, raw: IO[bytes], member: Member, limits: ZipLimits) -> None:
        self._raw = raw
        self.member = member
        self.limits = limits
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        size = self.CHUNK if n is None or n < 0 else n
        try:
            data = self._raw.read(size)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise UnsafeZipError(f"damaged member data ({exc})", self.member.name) from exc
        except Exception as exc:  # zlib.error, lzma.LZMAError...
            raise UnsafeZipError(f"damaged member data ({type(exc).__name__}: {exc})", self.member.name) from exc
        self.count += len(data)
        m, lim = self.member, self.limits
        if self.count > m.size:
            raise UnsafeZipError("inflates past the size its header declares", m.name)
        if self.count > lim.max_file_size:
            raise UnsafeZipError(f"inflates past {lim.max_file_size} bytes", m.name)
        if self.count > lim.ratio_min_size and self.count > lim.max_ratio * max(m.compressed, 1):
            raise UnsafeZipError(f"compression ratio above {lim.max_ratio:.0f}:1 (a zip bomb?)", m.name)
        if not data and self.count < m.size:
            raise UnsafeZipError("member data is shorter than its header declares", m.name)
        return data

    def chunks(self) -> Iterator[bytes]:
        while True:
            data = self.read(self.CHUNK)
            if not data:
                return
            yield data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> LimitedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
