"""Export claims as an evidence bundle: one zip holding one BagIt 1.0 bag.

Layout (inside the zip, one top-level folder named after the output file)::

    <name>/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    <name>/data/documents/<sha256[:12]>-<original file name>   original bytes, as imported
    <name>/data/text/<sha256[:12]>-<name>.txt                  extracted text (excerpt positions)
    <name>/data/documents.json, claims.json, annotations.jsonld, claimreview.jsonld,
                audit.jsonl, appearances.csv, report.html, report.pdf

The payload is deterministic (no export date, user or local ids in it), so the same case
gives the same payload checksums from any workspace; export facts go to ``bag-info.txt``. The
one exception is the organisation named at export (``organization=``, else
``SOURCETRACE_ORGANIZATION``): it is the ClaimReview's author in ``claimreview.jsonld``, so
exports naming different organisations differ in that file (and in the report, which lists
every file's hash).
The zip is written to a temporary file next to the target and renamed into place only when
complete: a failed or cancelled export leaves no partial file behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from app import __version__, plugins
from app.bundles import formats
from app.bundles.bag import BagZipWriter
from app.bundles.case import Case, collect_case
from app.bundles.pdfnorm import normalize_pdf
from app.bundles.report import render_report_html

ProgressFn = Callable[[int, int, str], None]
AGENT = f"SourceTrace {__version__}"


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class ExportError(Exception):
    """The export failed; nothing was written at the target path."""


class ExportCancelled(ExportError):
    pass


@dataclass(frozen=True)
class ExportedFile:
    path: str
    size: int
    sha256: str


@dataclass
class ExportReport:
    path: Path
    bag_name: str
    claims: int
    documents: int
    appearances: int
    files: list[ExportedFile]
    payload_oxum: str
    fingerprint: str
    size: int
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "bag": self.bag_name, "claims": self.claims, "documents": self.documents,
            "appearances": self.appearances, "payload_oxum": self.payload_oxum, "fingerprint": self.fingerprint,
            "size": self.size, "warnings": self.warnings,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }


def payload_fingerprint(digests: dict[str, str]) -> str:
    """One SHA-256 over the sorted payload manifest: equal for equal payloads."""
    lines = "".join(f"{digests[p]}  {p}\n" for p in sorted(digests))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _bag_name(out: Path) -> str:
    stem = out.name[:-4] if out.name.lower().endswith(".zip") else out.name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-") or "bundle"


def _case_stamp(case: Case) -> datetime:
    """The latest moment recorded in the case: used as the PDF's date so it is reproducible."""
    stamps = [c["updated_at"] for c in case.claims if c["updated_at"]] + [e["at"] for e in case.audit if e["at"]]
    latest = max(stamps) if stamps else "2000-01-01T00:00:00Z"
    return datetime.fromisoformat(latest.replace("Z", "+00:00"))


def export_claims(
    ws: Any,
    claim_ids: list[int],
    out_path: str | os.PathLike[str],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    organization: str | None = None,
    contact: str | None = None,
    now: datetime | None = None,
) -> ExportReport:
    """Write the bundle for ``claim_ids`` to ``out_path`` (replacing it atomically).

    ``progress(done, total, message)`` is called after each step; ``cancel.is_set()`` is
    checked between steps (raises ``ExportCancelled``). Raises ``KeyError`` for an unknown
    claim and ``ExportError`` for anything else; either way no file is left at ``out_path``."""
    out = Path(out_path)
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name such as case.zip")
    if not out.parent.is_dir():
        raise ExportError(f"the folder {out.parent} does not exist")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    case = collect_case(ws, list(claim_ids))
    docs = case.sorted_documents()
    total = 2 * len(docs) + 9
    step = 0

    def tick(message: str) -> None:
        nonlocal step
        if cancel is not None and cancel.is_set():
            raise ExportCancelled("export cancelled; nothing was written")
        step += 1
        if progress is not None:
            progress(min(step, total), total, message)

    if progress is not None:
        progress(0, total, "collecting the case")
    warnings = list(case.warnings)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.part"
    bag_name = _bag_name(out)
    try:
        with tmp.open("wb") as fh:
            writer = BagZipWriter(fh, bag_name, now.date())
            try:
                org = organization or os.environ.get("SOURCETRACE_ORGANIZATION") or None
                _write_payload(ws, case, writer, tick, warnings, org)
                tick("writing the manifests")
                info = _bag_info(ws, case, writer, now, org, contact)
                writer.finish(info)
            except BaseException:
                writer.abort()
                raise
            fh.flush()
            os.fsync(fh.fileno())
        if cancel is not None and cancel.is_set():
            raise ExportCancelled("export cancelled; nothing was written")
        os.replace(tmp, out)
    except ExportError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        reason = "not enough disk space" if exc.errno == 28 else (exc.strerror or str(exc))
        raise ExportError(f"could not write {out}: {reason}; nothing was written") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    files = [ExportedFile(p, writer.sizes[p], writer.payload[p]) for p in sorted(writer.payload)]
    if progress is not None:
        progress(total, total, "done")
    return ExportReport(
        path=out, bag_name=bag_name, claims=len(case.claims), documents=len(case.documents),
        appearances=sum(len(c["appearances"]) for c in case.claims), files=files,
        payload_oxum=writer.oxum(), fingerprint=payload_fingerprint(writer.payload),
        size=out.stat().st_size, warnings=warnings,
    )


def _write_payload(ws: Any, case: Case, writer: BagZipWriter, tick: Callable[[str], None],
                   warnings: list[str], organization: str | None) -> None:
    for doc in case.sorted_documents():
        _name, _media, data = ws.documents.original(doc.local_id)
        if hashlib.sha256(data).hexdigest() != doc.sha256:
            raise ExportError(f"document {doc.local_id} ({doc.filename}): the stored original no longer matches "
                              "the SHA-256 recorded at import; the workspace may be damaged")
        writer.add_payload(doc.original_path.removeprefix("data/"), data)
        tick(f"original: {doc.filename}")
        writer.add_payload(doc.text_path.removeprefix("data/"), doc.text.encode("utf-8"))
        tick(f"text: {doc.filename}")
    for name, build in (
        ("documents.json", formats.documents_json), ("claims.json", formats.claims_json),
        ("annotations.jsonld", formats.annotations_jsonld),
        ("claimreview.jsonld", lambda c: formats.claimreview_jsonld(c, organization)),
        ("audit.jsonl", formats.audit_jsonl), ("appearances.csv", formats.appearances_csv),
    ):
        writer.add_payload(name, build(case))
        tick(name)
    files = [(p, writer.sizes[p], writer.payload[p]) for p in sorted(writer.payload)]
    html = render_report_html(case, files, AGENT)
    writer.add_payload("report.html", html.encode("utf-8"))
    tick("report.html")
    pdf = _render_pdf(html, _case_stamp(case), warnings)
    if pdf is not None:
        writer.add_payload("report.pdf", pdf)
    tick("report.pdf")


def _render_pdf(html: str, stamp: datetime, warnings: list[str]) -> bytes | None:
    renderer = plugins.get_pdf_renderer()
    if renderer is None:
        warnings.append("report.pdf was not made: no PDF renderer is available (report.html is included)")
        return None
    with tempfile.TemporaryDirectory(prefix="sourcetrace-pdf-") as tmp:
        target = Path(tmp) / "report.pdf"
        try:
            renderer(html, target)
            data = target.read_bytes()
        except Exception as exc:
            warnings.append(f"report.pdf was not made: the renderer failed ({type(exc).__name__}: {exc})")
            return None
    if not data.startswith(b"%PDF"):
        warnings.append("report.pdf was not made: the renderer did not produce a PDF")
        return None
    return normalize_pdf(data, stamp, hashlib.sha256(html.encode("utf-8")).hexdigest())


def _bag_info(ws: Any, case: Case, writer: BagZipWriter, now: datetime, organization: str | None,
              contact: str | None) -> list[tuple[str, str]]:
    first = case.claims[0]["text"]
    desc = (f"SourceTrace evidence bundle: {len(case.claims)} claim(s), {len(case.documents)} document(s). "
            f"Claim: {first[:300]}" + (f" (and {len(case.claims) - 1} more)" if len(case.claims) > 1 else ""))
    size = sum(writer.sizes.values())
    info = [
        ("Source-Organization", organization or "not given"),
        ("Contact-Name", contact or ws.user),
        ("External-Description", desc),
        ("Bagging-Date", now.date().isoformat()),
        ("Bag-Size", f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{size / 1024:.1f} KB"),
        ("Bag-Software-Agent", AGENT),
        ("SourceTrace-Bundle-Format", formats.FORMAT),
        ("SourceTrace-Claims", str(len(case.claims))),
        ("SourceTrace-Documents", str(len(case.documents))),
        ("SourceTrace-Payload-Fingerprint", payload_fingerprint(writer.payload)),
        ("SourceTrace-Exported-By", ws.user),
        ("SourceTrace-Exported-At", now.isoformat(timespec="seconds").replace("+00:00", "Z")),
        ("SourceTrace-Workspace", getattr(ws, "workspace_id", "unknown")),
    ]
    return info

