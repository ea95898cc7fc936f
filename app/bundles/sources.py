"""Where a bag's files come from: a folder on disk or a zip file, both read defensively.

Both sources first take an inventory (every regular file with its size) and afterwards only
ever open names from that inventory, so a manifest can never make the verifier read a path of
its choosing. Folders are walked without following symlinks (a symlink is reported, not
read); files are opened component by component relative to the bag folder with
``O_NOFOLLOW``, so even a folder swapped for a symlink mid-run cannot lead outside. Zips are
read through ``SafeZip`` (no extraction, bounded decompression).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.bundles.safezip import SafeZip, UnsafeZipError, ZipLimits

CHUNK = 1024 * 1024


class BundleReadError(Exception):
    """The bag cannot be read at all (not a zip, no bag inside, unsafe archive)."""


class BagSource(Protocol):
    label: str
    files: dict[str, int]
    dirs: set[str]
    problems: list[tuple[str, str]]
    ignored: list[str]

    def chunks(self, path: str) -> Iterator[bytes]: ...

    def read(self, path: str, max_bytes: int) -> bytes: ...

    def close(self) -> None: ...


@dataclass
class DirSource:
    root: Path
    limits: ZipLimits = field(default_factory=ZipLimits)
    label: str = ""
    files: dict[str, int] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.label = self.label or str(self.root)
        self._walk(self.root, "", 0)

    def _walk(self, folder: Path, prefix: str, depth: int) -> None:
        if depth > self.limits.max_depth:
            self.problems.append((prefix.rstrip("/"), "folders nested too deeply"))
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.problems.append((prefix.rstrip("/") or ".", f"cannot list folder: {exc.strerror}"))
            return
        for entry in entries:
            rel = prefix + entry.name
            if len(self.files) + len(self.dirs) >= self.limits.max_entries:
                self.problems.append((rel, f"more than {self.limits.max_entries} entries; stopped listing"))
                return
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                self.problems.append((rel, f"cannot inspect: {exc.strerror}"))
                continue
            if stat.S_ISLNK(st.st_mode):
                self.problems.append((rel, "symbolic link (not followed; bags must not contain links)"))
            elif stat.S_ISDIR(st.st_mode):
                self.dirs.add(rel)
                self._walk(Path(entry.path), rel + "/", depth + 1)
            elif stat.S_ISREG(st.st_mode):
                self.files[rel] = st.st_size
            else:
                self.problems.append((rel, "special file (device, pipe or socket) is not allowed in a bag"))

    def _open(self, path: str) -> int:
        if path not in self.files:
            raise BundleReadError(f"{path}: not a file of this bag")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        dflags = flags | getattr(os, "O_DIRECTORY", 0)
        fd = os.open(self.root, dflags)
        try:
            parts = path.split("/")
            for part in parts[:-1]:
                nfd = os.open(part, dflags, dir_fd=fd)
                os.close(fd)
                fd = nfd
            ffd = os.open(parts[-1], flags, dir_fd=fd)
        finally:
            os.close(fd)
        if not stat.S_ISREG(os.fstat(ffd).st_mode):
            os.close(ffd)
            raise BundleReadError(f"{path}: no longer a regular file")
        return ffd

    def chunks(self, path: str) -> Iterator[bytes]:
        fd = self._open(path)
        with os.fdopen(fd, "rb") as fh:
            while True:
                data = fh.read(CHUNK)
                if not data:
                    return
                yield data

    def read(self, path: str, max_bytes: int) -> bytes:
        if self.files.get(path, 0) > max_bytes:
            raise BundleReadError(f"{path}: larger than the {max_bytes} bytes allowed")
        fd = self._open(path)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise BundleReadError(f"{path}: larger than the {max_bytes} bytes allowed")
        return data

    def close(self) -> None:
        pass


class ZipSource:
    """A bag inside a zip: either at the archive root or as its single top-level folder."""

    def __init__(self, path: Path, limits: ZipLimits | None = None) -> None:
        self.label = str(path)
        self.problems: list[tuple[str, str]] = []
        try:
            self._zip = SafeZip(path, limits)
        except UnsafeZipError as exc:
            raise BundleReadError(str(exc)) from exc
        junk = ("__MACOSX/", "__MACOSX")  # macOS "Compress" adds resource forks beside the folder
        names = {n: m for n, m in self._zip.files().items() if not n.startswith(junk[0])}
        all_dirs = {d for d in self._zip.dirs() if d not in junk and not d.startswith(junk[0])}
        self.ignored = sorted(n for n in self._zip.files() if n.startswith(junk[0]))
        if "bagit.txt" in names:
            self.prefix = ""
        else:
            tops = {n.split("/", 1)[0] for n in names} | {d.split("/", 1)[0] for d in all_dirs}
            if len(tops) == 1 and f"{next(iter(tops))}/bagit.txt" in names:
                self.prefix = next(iter(tops)) + "/"
            else:
                self._zip.close()
                raise BundleReadError(
                    "no bag in this zip: expected bagit.txt at the top or inside a single top-level folder"
                )
        self.bag_name = self.prefix.rstrip("/")
        p = self.prefix
        self.files = {n[len(p):]: m.size for n, m in names.items() if n.startswith(p)}
        self.dirs = {d[len(p):] for d in all_dirs if d.startswith(p) and d != p.rstrip("/")}

    def chunks(self, path: str) -> Iterator[bytes]:
        if path not in self.files:
            raise BundleReadError(f"{path}: not a file of this bag")
        try:
            with self._zip.open(self.prefix + path) as fh:
                yield from fh.chunks()
        except UnsafeZipError as exc:
            raise BundleReadError(str(exc)) from exc

    def read(self, path: str, max_bytes: int) -> bytes:
        if path not in self.files:
            raise BundleReadError(f"{path}: not a file of this bag")
        try:
            return self._zip.read(self.prefix + path, max_bytes)
        except UnsafeZipError as exc:
            raise BundleReadError(str(exc)) from exc

    def close(self) -> None:
        self._zip.close()


def open_source(path: str | os.PathLike[str], limits: ZipLimits | None = None) -> BagSource:
    """A zip file or a bag folder (the folder itself, or its single sub-folder holding bagit.txt).

    The path the user gives may be a symbolic link (to the zip or to the bag folder): it is
    resolved once, here. Links inside the bag are never followed (``DirSource``)."""
    given = Path(path)
    p = given
    try:
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode):
            p = p.resolve(strict=True)
            st = p.stat()
    except FileNotFoundError:
        what = "a symbolic link to nothing" if p.is_symlink() else "no such file or folder"
        raise BundleReadError(f"{given}: {what}") from None
    except RuntimeError:  # a loop of symbolic links
        raise BundleReadError(f"{given}: a loop of symbolic links") from None
    except OSError as exc:
        raise BundleReadError(f"{given}: cannot read ({exc.strerror})") from exc
    if stat.S_ISDIR(st.st_mode):
        label = given
        if not (p / "bagit.txt").exists():
            subs = [c for c in p.iterdir() if c.is_dir() and not c.is_symlink() and (c / "bagit.txt").exists()]
            if len(subs) == 1:
                p, label = subs[0], given / subs[0].name
        return DirSource(p, limits or ZipLimits(), label=str(label))
    if stat.S_ISREG(st.st_mode):
        src = ZipSource(p, limits)
        src.label = str(given)
        return src
    raise BundleReadError(f"{given}: neither a zip file nor a folder")
