"""The Library of Congress BagIt conformance suite: valid bags verify, invalid ones are rejected
with a reason, warning bags verify with warnings; nothing is read or written outside a bag."""

from __future__ import annotations

import builtins
import io
import os
import zipfile
from pathlib import Path

import pytest

from app.bundles.verify import verify_path
from tests.conftest import CORPUS, corpus_path

SUITE = CORPUS / "bagit-conformance"


def _bags(*groups: str) -> list[str]:
    out = []
    for group in groups:
        for version in ("v0.97", "v1.0"):
            folder = SUITE / version / group
            if folder.is_dir():
                out += [f"{version}/{group}/{d.name}" for d in sorted(folder.iterdir()) if d.is_dir()]
    return out or [f"(suite missing)/{groups[0]}/none"]


def _bag(rel: str) -> Path:
    return corpus_path("bagit-conformance", *rel.split("/"))


@pytest.fixture
def no_outside_access(monkeypatch: pytest.MonkeyPatch):
    """Fail the test if anything is opened (or written) outside the bag being checked."""
    allowed: list[Path] = []
    real_open, real_os_open = builtins.open, os.open

    def check(path: object, write: bool) -> None:
        if isinstance(path, int):
            return
        p = Path(os.fsdecode(path)).resolve() if not isinstance(path, Path) else path.resolve()
        if write or not any(p == a or a in p.parents for a in allowed):
            raise AssertionError(f"verifier touched {p} ({'write' if write else 'read'})")

    def guarded_open(file, mode="r", *a, **k):  # type: ignore[no-untyped-def]
        check(file, any(c in mode for c in "wax+"))
        return real_open(file, mode, *a, **k)

    def guarded_os_open(path, flags, *a, dir_fd=None, **k):  # type: ignore[no-untyped-def]
        if dir_fd is None:
            check(path, bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)))
        elif flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise AssertionError("verifier opened a file for writing")
        return real_os_open(path, flags, *a, dir_fd=dir_fd, **k)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    return allowed


@pytest.mark.corpus
@pytest.mark.parametrize("rel", _bags("valid"))
def test_valid_bags_verify(rel: str, no_outside_access: list[Path]) -> None:
    path = _bag(rel)
    no_outside_access.append(path.resolve())
    report = verify_path(path)
    assert report.ok, report.format_text()


@pytest.mark.corpus
@pytest.mark.parametrize("rel", _bags("invalid", "linux-only", "windows-only"))
def test_invalid_bags_are_rejected_with_a_reason(rel: str, no_outside_access: list[Path]) -> None:
    path = _bag(rel)
    no_outside_access.append(path.resolve())
    report = verify_path(path)
    assert not report.ok
    assert all(f.message for f in report.errors)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", _bags("warning"))
def test_warning_bags_verify_with_warnings(rel: str, no_outside_access: list[Path]) -> None:
    path = _bag(rel)
    no_outside_access.append(path.resolve())
    report = verify_path(path)
    assert report.ok, report.format_text()
    assert report.warnings


@pytest.mark.corpus
@pytest.mark.parametrize("rel", _bags("valid", "invalid", "warning"))
def test_same_verdict_when_zipped(rel: str, tmp_path: Path) -> None:
    """Every suite bag zipped (as one top-level folder) gets the verdict it gets as a folder."""
    path = _bag(rel)
    folder = verify_path(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for root, _dirs, files in os.walk(path):
            for name in files:
                full = Path(root) / name
                zf.write(full, f"{path.name}/{full.relative_to(path).as_posix()}")
    target = tmp_path / "bag.zip"
    target.write_bytes(buf.getvalue())
    zipped = verify_path(target)
    assert zipped.ok == folder.ok, zipped.format_text()
    if not (path / "bagit.txt").exists():  # a zip without bagit.txt is "no bag in this zip"
        return
    assert sorted((f.severity, f.path) for f in zipped.findings) == sorted(
        (f.severity, f.path) for f in folder.findings
    )
