"""Verify a BagIt bag (zip or folder) completely: structure, every checksum, and for SourceTrace
bundles that every quoted excerpt still sits at its recorded position in the stored text.

Nothing is fetched (``fetch.txt`` is only checked), executed, extracted or written; every
finding names the file it is about. ``ok`` is true only when there is no error; warnings
(e.g. an older BagIt version, ``./`` before manifest paths) do not fail a bag.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.bundles import bag as B
from app.bundles.safezip import ZipLimits
from app.bundles.sources import BagSource, BundleReadError, open_source

TAG_MAX = 64 * 1024 * 1024
ProgressFn = Callable[[int, int, str], None]


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class VerifyCancelled(Exception):
    pass


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning
    path: str  # the file concerned; "" for the bag as a whole
    message: str

    def to_json(self) -> dict[str, str]:
        return {"severity": self.severity, "path": self.path, "message": self.message}


@dataclass
class VerifyReport:
    source: str
    findings: list[Finding] = field(default_factory=list)
    version: str | None = None
    algorithms: list[str] = field(default_factory=list)
    payload_files: int = 0
    payload_bytes: int = 0
    files_hashed: int = 0
    bag_info: list[tuple[str, str]] = field(default_factory=list)
    is_bundle: bool = False
    excerpts_checked: int = 0
    digests: dict[str, dict[str, str]] = field(default_factory=dict)

    def error(self, path: str, message: str) -> None:
        self.findings.append(Finding("error", path, message))

    def warn(self, path: str, message: str) -> None:
        self.findings.append(Finding("warning", path, message))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "ok": self.ok, "bagit_version": self.version,
            "algorithms": self.algorithms, "payload_files": self.payload_files,
            "payload_bytes": self.payload_bytes, "files_hashed": self.files_hashed,
            "sourcetrace_bundle": self.is_bundle, "excerpts_checked": self.excerpts_checked,
            "errors": [f.to_json() for f in self.errors], "warnings": [f.to_json() for f in self.warnings],
        }

    def format_text(self) -> str:
        """Human-readable: one block per file, errors first."""
        lines: list[str] = []
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for f in self.findings:
            by_path[f.path].append(f)
        for path in sorted(by_path, key=lambda p: (p != "", p)):
            lines.append(f"{path or '(bag)'}:")
            for f in sorted(by_path[path], key=lambda f: f.severity != "error"):
                lines.append(f"  {f.severity.upper()}: {f.message}")
        kind = "SourceTrace bundle" if self.is_bundle else "BagIt bag"
        summary = (
            f"{self.source}: {kind}"
            + (f" (BagIt {self.version})" if self.version else "")
            + f", {self.payload_files} payload files, {self.files_hashed} files hashed"
            + (f", {self.excerpts_checked} excerpts checked" if self.is_bundle else "")
        )
        verdict = (
            "INTACT" if self.ok and not self.warnings else
            f"INTACT with {len(self.warnings)} warning(s)" if self.ok else
            f"NOT INTACT: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        )
        return "\n".join([*lines, summary, verdict])


@dataclass
class _Check:
    manifest: str
    algorithm: str
    expected: str
    listed_as: str


def verify_path(
    path: str | os.PathLike[str], *, limits: ZipLimits | None = None, progress: ProgressFn | None = None,
    cancel: CancelToken | None = None, check_contents: bool = True,
) -> VerifyReport:
    """Verify a bag given as a zip file or a folder. Never raises for a bad bag: reports it."""
    try:
        src = open_source(path, limits)
    except BundleReadError as exc:
        report = VerifyReport(os.fspath(path))
        report.error("", str(exc))
        return report
    try:
        return verify_bag(src, progress=progress, cancel=cancel, check_contents=check_contents)
    finally:
        src.close()


def _read_tag(src: BagSource, report: VerifyReport, name: str, encoding: str) -> str | None:
    try:
        raw = src.read(name, TAG_MAX)
        text, warnings = B.decode_tag_file(raw, encoding)
    except (BundleReadError, B.BagFormatError) as exc:
        report.error(name, str(exc))
        return None
    for w in warnings:
        report.warn(name, w)
    return text


def verify_bag(
    src: BagSource, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None,
    check_contents: bool = True,
) -> VerifyReport:
    report = VerifyReport(src.label)
    for path, msg in src.problems:
        report.error(path, msg)
    if src.ignored:
        report.warn("", f"ignored {len(src.ignored)} macOS __MACOSX/ entries beside the bag (added when re-zipping)")
    if "bagit.txt" not in src.files:
        report.error("bagit.txt", "missing: this is not a BagIt bag")
        return report
    try:
        decl = B.parse_bagit_txt(src.read("bagit.txt", 64 * 1024))
    except (B.BagFormatError, BundleReadError) as exc:
        report.error("bagit.txt", str(exc))
        decl = B.Declaration((1, 0), "utf-8")  # keep checking the rest with the 1.0 rules
    report.version = decl.version_text
    if decl.version > (1, 0):
        report.error("bagit.txt", f"BagIt version {decl.version_text} is newer than this verifier knows (1.0)")
    elif decl.version not in ((1, 0), (0, 97)):
        report.warn("bagit.txt", f"BagIt version {decl.version_text} is old; checked with the 0.97 rules")
    if "data" not in src.dirs:
        report.error("data/", "the payload folder data/ is missing")

    payload = {p: s for p, s in src.files.items() if p.startswith("data/")}
    report.payload_files, report.payload_bytes = len(payload), sum(payload.values())
    tag_files = {p for p in src.files if not p.startswith("data/")}
    keys: dict[str, list[str]] = defaultdict(list)
    for p in src.files:
        keys[B.path_key(p)].append(p)

    manifests: dict[str, tuple[str, str]] = {}
    for name in sorted(tag_files):
        found = B.manifest_kind(name)
        if found is None:
            continue
        if found[1] not in B.ALGORITHMS:
            report.warn(name, f"checksum algorithm {found[1]!r} is not supported; this manifest was not checked")
            continue
        manifests[name] = found
    payload_manifests = [n for n, k in manifests.items() if k[0] == "payload"]
    tag_manifests = [n for n, k in manifests.items() if k[0] == "tag"]
    report.algorithms = sorted({manifests[n][1] for n in payload_manifests})
    if not payload_manifests:
        report.error("", "no payload manifest (manifest-<algorithm>.txt) with a supported algorithm")

    info_text = _read_tag(src, report, "bag-info.txt", decl.encoding) if "bag-info.txt" in src.files else None
    if info_text is not None:
        try:
            report.bag_info = B.parse_bag_info(info_text)
        except B.BagFormatError as exc:
            report.error("bag-info.txt", str(exc))
    fetch = _parse_fetch(src, report, decl) if "fetch.txt" in src.files else set()
    is_bundle = report.is_bundle = any(k.lower().startswith("sourcetrace-") for k, _ in report.bag_info)

    checks: dict[str, list[_Check]] = defaultdict(list)
    missing_system = 0
    for name in payload_manifests + tag_manifests:
        kind, alg = manifests[name]
        text = _read_tag(src, report, name, decl.encoding)
        if text is None:
            continue
        parsed = B.parse_manifest(text, alg, percent_decode=decl.version >= (1, 0))
        for msg in parsed.errors:
            report.error(name, msg)
        for msg in parsed.warnings:
            report.warn(name, msg)
        if is_bundle and text.encode("utf-8") != B.format_manifest({e.path: e.checksum for e in parsed.entries}):
            # nothing protects the tag manifest itself: in a bundle, any byte that differs from the
            # exact form SourceTrace writes (order, spacing, letter case) is reported
            report.error(name, "not in the exact form SourceTrace writes (edited, or re-made by another tool)")
        seen: dict[str, str] = {}
        covered: set[str] = set()
        for entry in parsed.entries:
            where = f"line {entry.line}: {entry.path!r}"
            if kind == "payload" and not entry.path.startswith("data/"):
                report.error(name, f"{where}: a payload manifest may only list files under data/")
                continue
            if kind == "tag" and entry.path.startswith("data/"):
                report.error(name, f"{where}: a tag manifest must not list payload files")
                continue
            if entry.path in seen:
                if seen[entry.path] != entry.checksum:
                    report.error(name, f"{where}: listed twice with different checksums")
                elif decl.version >= (1, 0):
                    report.error(name, f"{where}: listed twice (BagIt 1.0 forbids duplicate entries)")
                else:
                    report.warn(name, f"{where}: listed twice with the same checksum")
                continue
            seen[entry.path] = entry.checksum
            target = entry.path if entry.path in src.files else None
            if target is None:
                candidates = keys.get(B.path_key(entry.path), [])
                if len(candidates) == 1:
                    target = candidates[0]
                    report.warn(name, f"{where}: the file is named {target!r} (names differ only in letter "
                                      "case or Unicode normalisation; not portable)")
            if target is None:
                if entry.path in fetch:
                    report.error(entry.path, f"missing (listed in {name} and fetch.txt; SourceTrace never "
                                             "downloads, so the bag is incomplete)")
                elif B.is_system_file(entry.path):
                    missing_system += 1
                    report.warn(entry.path, f"operating-system file listed in {name} is absent "
                                            "(often dropped when copying); not checked")
                else:
                    report.error(entry.path, f"missing (listed in {name})")
                continue
            covered.add(target)
            checks[target].append(_Check(name, alg, entry.checksum, entry.path))
        if kind == "payload":
            for p in sorted(set(payload) - covered):
                report.error(p, f"not listed in {name} (a file added to the bag, or a manifest entry removed)")

    listed_tags = {t for t in checks if not t.startswith("data/")}
    for p in sorted(tag_files - listed_tags):
        mk = B.manifest_kind(p)
        if mk is not None and mk[0] == "tag":
            continue
        if B.is_system_file(p):
            report.warn(p, "operating-system file beside the bag (not part of it; ignored)")
        elif tag_manifests:
            msg = "not listed in any tag manifest, so not protected by a checksum"
            report.error(p, msg) if is_bundle else report.warn(p, msg)
    if not tag_manifests:
        msg = "no tag manifest: bagit.txt, bag-info.txt and the manifests are not protected by checksums"
        report.error("", msg) if is_bundle else report.warn("", msg)
    for p in sorted(payload):
        if B.is_system_file(p):
            report.warn(p, "operating-system file (probably added to the bag by accident)")

    _hash_all(src, report, checks, progress, cancel)
    _check_oxum(report, payload, missing_system)
    if is_bundle and check_contents:
        from app.bundles.contents import check_bundle_contents

        try:
            check_bundle_contents(src, report)
        except Exception as exc:  # a last resort: malformed content is a finding, never a traceback
            report.error("", f"the bundle's contents could not be checked ({type(exc).__name__}: {exc})")
    return report


def _parse_fetch(src: BagSource, report: VerifyReport, decl: B.Declaration) -> set[str]:
    text = _read_tag(src, report, "fetch.txt", decl.encoding)
    out: set[str] = set()
    if text is None:
        return out
    for num, line in enumerate(B.split_lines(text), 1):
        if not line.strip():
            continue
        parts = line.split(None, 2)
        if len(parts) != 3 or not (parts[1] == "-" or parts[1].isdigit()):
            report.error("fetch.txt", f"line {num}: expected 'URL LENGTH PATH', found {line[:80]!r}")
            continue
        path = B.decode_path(parts[2]) if decl.version >= (1, 0) else parts[2]
        why = B.path_problem(path) or (None if path.startswith("data/") else "not under data/")
        if why:
            report.error("fetch.txt", f"line {num}: {path!r}: {why}")
            continue
        out.add(path)
    return out


def _hash_all(
    src: BagSource, report: VerifyReport, checks: dict[str, list[_Check]],
    progress: ProgressFn | None, cancel: CancelToken | None,
) -> None:
    total = len(checks)
    mismatches: list[tuple[str, _Check, str]] = []
    for i, path in enumerate(sorted(checks)):
        if cancel is not None and cancel.is_set():
            raise VerifyCancelled("verification cancelled")
        if progress is not None:
            progress(i, total, path)
        algs = sorted({c.algorithm for c in checks[path]} | {"sha256"})
        hashers = {a: hashlib.new(a) for a in algs}
        try:
            for chunk in src.chunks(path):
                for h in hashers.values():
                    h.update(chunk)
        except (BundleReadError, OSError) as exc:
            report.error(path, f"cannot read: {exc}")
            continue
        found = {a: h.hexdigest() for a, h in hashers.items()}
        report.digests[path] = found
        report.files_hashed += 1
        mismatches += [(path, c, found[c.algorithm]) for c in checks[path] if found[c.algorithm] != c.expected]
    _report_mismatches(report, checks, mismatches)
    if progress is not None:
        progress(total, total, "")


def _report_mismatches(report: VerifyReport, checks: dict[str, list[_Check]],
                       mismatches: list[tuple[str, _Check, str]]) -> None:
    """Say which side changed when it can be known: a manifest that fails its tag manifest was
    changed itself, so its wrong lines are reported against it, not against files that may be
    intact; a manifest that passes its tag manifest is intact, so the file was changed."""
    changed = {path for path, _c, _f in mismatches}
    protected = {p for p, cs in checks.items() if p not in changed and B.manifest_kind(p) is not None}
    for path, c, found in mismatches:
        shown = f"(expected {c.expected[:16]}…, found {found[:16]}…)"
        if c.manifest in changed:
            report.error(c.manifest, f"the {c.algorithm} checksum listed for {path} does not match the file {shown} "
                                     "(the manifest was changed, or the file)")
        elif c.manifest in protected:
            report.error(path, f"{c.algorithm} checksum does not match {c.manifest} {shown}: the file was changed")
        else:
            report.error(path, f"{c.algorithm} checksum does not match {c.manifest} {shown}: the file was changed, "
                               f"or its line in {c.manifest}")


def _check_oxum(report: VerifyReport, payload: dict[str, int], missing_system: int) -> None:
    values = {v for v in B.info_values(report.bag_info, "Payload-Oxum")}
    if not values:
        return
    if len(values) > 1:
        report.error("bag-info.txt", f"several different Payload-Oxum values: {', '.join(sorted(values))}")
        return
    value = values.pop()
    oxum = B.parse_oxum(value)
    if oxum is None:
        report.error("bag-info.txt", f"Payload-Oxum {value!r} is not OCTETS.COUNT")
        return
    octets, count = oxum
    have_octets, have_count = sum(payload.values()), len(payload)
    if (octets, count) == (have_octets, have_count):
        return
    if missing_system and count - missing_system == have_count and octets >= have_octets:
        report.warn("bag-info.txt", "Payload-Oxum counts operating-system files that are absent")
        return
    report.error("bag-info.txt", f"Payload-Oxum says {octets} bytes in {count} files; the payload holds "
                                 f"{have_octets} bytes in {have_count} files")
