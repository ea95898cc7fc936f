"""BagIt (RFC 8493) file formats: tag files, manifests, path rules, and a deterministic zip writer.

Reading is lenient where the RFC and the Library of Congress conformance suite are (tag-file
encodings, folded ``bag-info.txt`` lines, ``./`` or ``*`` before manifest paths) and strict
where safety is at stake (paths that leave the bag, ``bagit.txt`` syntax).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
DIGEST_HEX = {a: hashlib.new(a).digest_size * 2 for a in ALGORITHMS}
BOM = "\ufeff"
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini", ".directory"}
_MANIFEST_RE = re.compile(r"^(tag)?manifest-([A-Za-z0-9]+)\.txt$")
_VERSION_RE = re.compile(r"^BagIt-Version: (\d+)\.(\d+)$")
_ENCODING_RE = re.compile(r"^Tag-File-Character-Encoding: (\S+)$")
_MANIFEST_LINE = re.compile(r"^([0-9A-Fa-f]+)[ \t]+(.+)$")
_LINES = re.compile(r"\r\n|\r|\n")
_DRIVE = re.compile(r"^[A-Za-z]:")


class BagFormatError(ValueError):
    pass


def split_lines(text: str) -> list[str]:
    lines = _LINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def manifest_kind(name: str) -> tuple[str, str] | None:
    """``("payload"|"tag", algorithm)`` for a manifest file name at the bag root, else None."""
    m = _MANIFEST_RE.match(name)
    if not m:
        return None
    return ("tag" if m.group(1) else "payload", m.group(2).lower())


def is_system_file(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base.lower() in SYSTEM_FILES or base.startswith("._")


def path_key(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


# ---------------------------------------------------------------------- bagit.txt
@dataclass(frozen=True)
class Declaration:
    version: tuple[int, int]
    encoding: str

    @property
    def version_text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def parse_bagit_txt(raw: bytes) -> Declaration:
    """The bag declaration; raises ``BagFormatError`` saying precisely what is wrong."""
    if raw.startswith(codecs.BOM_UTF8) or raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        raise BagFormatError("bagit.txt must not start with a byte-order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BagFormatError("bagit.txt is not UTF-8") from exc
    lines = [ln for ln in split_lines(text) if ln != ""]
    if len(lines) != 2:
        raise BagFormatError(
            f"bagit.txt must hold exactly two lines (BagIt-Version, Tag-File-Character-Encoding), found {len(lines)}"
        )
    m = _VERSION_RE.match(lines[0])
    if not m:
        raise BagFormatError(f"bagit.txt: first line must be 'BagIt-Version: M.N', found {lines[0]!r}")
    e = _ENCODING_RE.match(lines[1])
    if not e:
        raise BagFormatError(f"bagit.txt: second line must be 'Tag-File-Character-Encoding: ENC', found {lines[1]!r}")
    try:
        codecs.lookup(e.group(1))
    except LookupError:
        raise BagFormatError(f"bagit.txt: unknown tag-file character encoding {e.group(1)!r}") from None
    return Declaration((int(m.group(1)), int(m.group(2))), e.group(1))


def decode_tag_file(raw: bytes, encoding: str) -> tuple[str, list[str]]:
    """Text of a tag file in the bag's declared encoding, and warnings (a stray BOM)."""
    warnings: list[str] = []
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BagFormatError(f"not valid {encoding} ({exc.reason} at byte {exc.start})") from exc
    if text.startswith(BOM):
        text = text[1:]
        if codecs.lookup(encoding).name == "utf-8":
            warnings.append("starts with a byte-order mark")
    return text, warnings


# ---------------------------------------------------------------------- bag-info.txt
def parse_bag_info(text: str) -> list[tuple[str, str]]:
    """Labels and values in order (labels may repeat); folded lines are joined."""
    out: list[tuple[str, str]] = []
    for num, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not out:
                raise BagFormatError(f"line {num}: continuation line before any label")
            label, value = out[-1]
            out[-1] = (label, f"{value} {line.strip()}".strip())
            continue
        if ":" not in line:
            raise BagFormatError(f"line {num}: expected 'Label: value', found {line[:80]!r}")
        label, value = line.split(":", 1)
        if not label.strip():
            raise BagFormatError(f"line {num}: empty label")
        out.append((label.strip(), value.strip()))
    return out


def info_values(info: list[tuple[str, str]], label: str) -> list[str]:
    low = label.lower()
    return [v for k, v in info if k.lower() == low]


def format_bag_info(info: Iterable[tuple[str, str]]) -> bytes:
    lines = []
    for label, value in info:
        clean = " ".join(str(value).split())
        lines.append(f"{label}: {clean}\n")
    return "".join(lines).encode("utf-8")


# ---------------------------------------------------------------------- paths
def encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def decode_path(path: str) -> str:
    return re.sub(r"%(0[AaDd]|25)", lambda m: {"0a": "\n", "0d": "\r", "25": "%"}[m.group(1).lower()], path)


def path_problem(path: str) -> str | None:
    """Why a manifest or fetch path is out of scope or unsafe, or None."""
    if not path:
        return "empty path"
    if path.startswith("/") or _DRIVE.match(path) or path.startswith("\\\\"):
        return "absolute path (outside the bag)"
    if path.startswith("~"):
        return "home-folder shortcut (outside the bag)"
    if "\\" in path:
        return "backslash in path (a Windows separator; may point outside the bag)"
    if "\x00" in path:
        return "NUL character in path"
    for part in path.split("/"):
        if part == "..":
            return "'..' in path (outside the bag)"
        if part in ("", "."):
            return "empty or '.' path segment"
    return None


@dataclass
class ManifestEntry:
    line: int
    checksum: str
    path: str


@dataclass
class ParsedManifest:
    entries: list[ManifestEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_manifest(text: str, algorithm: str, *, percent_decode: bool) -> ParsedManifest:
    out = ParsedManifest()
    want = DIGEST_HEX.get(algorithm)
    star = dotslash = False
    for num, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        m = _MANIFEST_LINE.match(line)
        if not m:
            out.errors.append(f"line {num}: expected 'CHECKSUM PATH', found {line[:80]!r}")
            continue
        checksum, path = m.group(1).lower(), m.group(2)
        if want is not None and len(checksum) != want:
            out.errors.append(f"line {num}: a {algorithm} checksum has {want} hex digits, not {len(checksum)}")
            continue
        if path.startswith("*"):
            path, star = path[1:], True
        if path.startswith("./"):
            path, dotslash = path[2:], True
        if percent_decode:
            path = decode_path(path)
        why = path_problem(path)
        if why:
            out.errors.append(f"line {num}: {path!r}: {why}")
            continue
        out.entries.append(ManifestEntry(num, checksum, path))
    if star:
        out.warnings.append("paths start with '*' (md5sum binary-mode marker), read without it")
    if dotslash:
        out.warnings.append("paths start with './', read without it")
    return out


def format_manifest(digests: dict[str, str]) -> bytes:
    return "".join(f"{digests[p]}  {encode_path(p)}\n" for p in sorted(digests)).encode("utf-8")


def parse_oxum(value: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d+)\.(\d+)", value.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


# ---------------------------------------------------------------------- writing
class BagZipWriter:
    """Write a BagIt 1.0 bag (SHA-256 manifests) as a zip holding one top-level folder.

    Deterministic: entries in a fixed order with the bagging date as their timestamp, fixed
    permissions, so the same content always yields the same archive bytes.
    """

    def __init__(self, fileobj: BinaryIO, bag_name: str, bagging_date: date) -> None:
        if "/" in bag_name or not bag_name or bag_name.startswith("."):
            raise ValueError(f"bad bag folder name {bag_name!r}")
        self.bag_name = bag_name
        self.bagging_date = bagging_date
        self._zf = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED)
        self.payload: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self._closed = False

    def _write(self, relpath: str, data: bytes) -> None:
        d = self.bagging_date
        info = zipfile.ZipInfo(f"{self.bag_name}/{relpath}", date_time=(d.year, d.month, d.day, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = (0o100644 & 0xFFFF) << 16
        self._zf.writestr(info, data, compresslevel=6)

    def add_payload(self, relpath: str, data: bytes) -> str:
        """Add ``data/<relpath>``; returns its SHA-256."""
        path = f"data/{relpath}"
        why = path_problem(path)
        if why or path in self.payload:
            raise ValueError(f"cannot add {path!r}: {why or 'already in the bag'}")
        digest = hashlib.sha256(data).hexdigest()
        self._write(path, data)
        self.payload[path] = digest
        self.sizes[path] = len(data)
        return digest

    def oxum(self) -> str:
        return f"{sum(self.sizes.values())}.{len(self.sizes)}"

    def finish(self, bag_info: list[tuple[str, str]]) -> dict[str, str]:
        """Write the tag files (``Payload-Oxum`` is added here) and close; returns tag digests."""
        info = [(k, v) for k, v in bag_info if k.lower() != "payload-oxum"]
        info.append(("Payload-Oxum", self.oxum()))
        tags = {
            "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "bag-info.txt": format_bag_info(info),
            "manifest-sha256.txt": format_manifest(self.payload),
        }
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in tags.items()}
        tags["tagmanifest-sha256.txt"] = format_manifest(digests)
        for name, data in tags.items():
            self._write(name, data)
        self._zf.close()
        self._closed = True
        return digests

    def abort(self) -> None:
        if not self._closed:
            try:
                self._zf.close()
            except Exception:
                pass
            self._closed = True
