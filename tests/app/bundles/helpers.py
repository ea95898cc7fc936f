"""Helpers for bundle tests: plain-file bags, zip rewriting (tampering), hand-made raw zips,
consistent forgeries, and the traced Palmyra case."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.bundles.bag import BagZipWriter


def make_plain_bag(path: Path, files: dict[str, bytes], bag_name: str = "bag") -> Path:
    """A BagIt zip of plain payload files (``files`` keyed by path under ``data/``)."""
    with path.open("wb") as fh:
        w = BagZipWriter(fh, bag_name, date(2024, 5, 1))
        for rel, data in files.items():
            w.add_payload(rel, data)
        w.finish([("Source-Organization", "Test Newsroom"), ("Bagging-Date", "2024-05-01")])
    return path


def rewrite_zip(
    src: Path, dst: Path, *, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
    add: dict[str, bytes] | None = None, edit: dict[str, Callable[[bytes], bytes]] | None = None,
) -> Path:
    """Copy a zip, changing members (names are full archive names)."""
    replace, add, edit = replace or {}, add or {}, edit or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if info.filename in replace:
                data = replace[info.filename]
            if info.filename in edit:
                data = edit[info.filename](data)
            zout.writestr(info, data)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def flip_byte(offset: int = 0) -> Callable[[bytes], bytes]:
    def f(data: bytes) -> bytes:
        i = offset if offset >= 0 else len(data) + offset
        return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
    return f


def raw_zip(entries: list[dict]) -> bytes:
    """Build a zip byte by byte, with whatever (lying) header values a test needs.

    Each entry: name (text, stored as UTF-8, or raw bytes), data (already compressed), method (0/8),
    crc, size (declared uncompressed), mode (Unix mode for external attributes, default regular
    0o644), flag, utf8 (set the UTF-8 name flag, default True), offset (override).
    """
    out = bytearray()
    central = bytearray()
    for e in entries:
        name = e["name"] if isinstance(e["name"], bytes) else e["name"].encode("utf-8")
        data = e.get("data", b"")
        offset = len(out)
        flag = e.get("flag", 0) | (0x800 if e.get("utf8", True) else 0)
        local = struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, flag, e.get("method", 0), 0, 0x21, e.get("crc", 0),
            len(data), e.get("size", len(data)), len(name), 0,
        )
        out += local + name + data
        mode = e.get("mode", 0o100644)
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", (3 << 8) | 20, 20, flag, e.get("method", 0), 0, 0x21,
            e.get("crc", 0), len(data), e.get("size", len(data)), len(name), 0, 0, 0, 0,
            (mode & 0xFFFF) << 16, e.get("offset", offset),
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


def stored(name: str | bytes, data: bytes, **kw: object) -> dict:
    return {"name": name, "data": data, "crc": zlib.crc32(data), **kw}


def zeros_deflated(total: int, chunk: int = 1 << 20) -> bytes:
    """Raw deflate of ``total`` zero bytes, built fast by repeating one fully flushed block."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    return block * (total // chunk) + c.flush()


# ------------------------------------------------------------------ a traced case from the seeds
PALMYRA = [
    {
        "text": "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum",
        "verdict": "unproven", "note": "Single defector's account; no documents seen.",
        "appearances": [
            ("000_", "Assad ordered military forces to vacate Tadmur in hopes of tempting Daesh to fill the vacuum",
             "verbatim", [{"name": "Mohamed Qassim", "kind": "person", "evidence": "he said"}]),
            ("004_", "Assad withdrew his forces to let ISIS take Palmyra", "paraphrase",
             [{"name": "Sky News", "kind": "outlet", "evidence": "Sky News obtained documents"}]),
        ],
        "origins": [],
    },
    {
        "text": "A deal between IS and Syria to trade oil for fertiliser",
        "verdict": "misleading", "note": "The leaked files describe trades, not a deal between governments.",
        "appearances": [
            ("001_", "trading oil and fertilisers", "paraphrase",
             [{"name": "Sky News", "kind": "outlet", "evidence": "says Sky News"}]),
            ("004_", "both sides were trading oil for fertiliser", "paraphrase", []),
        ],
        "origins": [("Sky News", "outlet", "2016-05-03", "documents handed to Sky News")],
    },
]


def build_palmyra_case(ws) -> list[int]:  # type: ignore[no-untyped-def]
    """The two traced Palmyra claims, made through ``ws.claims`` as a fact-checker would:
    create, accept spans (attribution and relation are derived), add an origin, give a
    verdict, and trace (which records derived-from links and cited origins). While the
    matcher is not available, the same case is written through the models."""
    try:
        import app.matching.service  # noqa: F401
    except ImportError:
        return _build_with_models(ws)
    docs = {d.filename[:4]: d.id for d in ws.documents.list()}
    texts = {k: ws.documents.get(v).text for k, v in docs.items()}
    ids = []
    for spec in PALMYRA:
        claim = ws.claims.create(spec["text"])
        for prefix, quote, _relation, _attribution in spec["appearances"]:
            start = texts[prefix].index(quote)
            ws.claims.accept(claim.id, f"{docs[prefix]}:{start}:{start + len(quote)}")
        for name, kind, date_, evidence in spec["origins"]:
            ws.claims.add_origin(claim.id, name, kind=kind, date=date_, evidence=evidence)
        ws.claims.set_verdict(claim.id, spec["verdict"], spec["note"])
        ws.lineage.trace(claim.id)
        ids.append(claim.id)
    return ids


def _build_with_models(ws) -> list[int]:  # type: ignore[no-untyped-def]
    from app import audit
    from db.models import Appearance, Claim, Document, Excerpt, ExternalOrigin

    ids = []
    with ws.db.writing() as s:
        docs = {d.filename[:4]: d for d in s.query(Document)}
        for spec in PALMYRA:
            claim = Claim(text=spec["text"], created_by=ws.user, status="in review")
            s.add(claim)
            s.flush()
            audit.record(s, ws.user, "claim.create", "claim", claim.id, claim_id=claim.id, after={"text": claim.text})
            prev = None
            for prefix, quote, relation, attribution in spec["appearances"]:
                doc = docs[prefix]
                start = doc.text.index(quote)
                ex = Excerpt(document_id=doc.id, start=start, end=start + len(quote), exact=quote,
                             prefix=doc.text[max(0, start - 32):start], suffix=doc.text[start + len(quote):][:32],
                             created_by=ws.user)
                s.add(ex)
                s.flush()
                app = Appearance(claim_id=claim.id, excerpt_id=ex.id, relation=relation, attribution=attribution,
                                 score=0.9, created_by=ws.user, derived_from_id=prev.id if prev else None)
                s.add(app)
                s.flush()
                audit.record(s, ws.user, "appearance.accept", "appearance", app.id, claim_id=claim.id,
                             document_id=doc.id, after={"excerpt": [ex.start, ex.end]})
                prev = app
            for name, kind, date_, evidence in spec["origins"]:
                s.add(ExternalOrigin(claim_id=claim.id, name=name, kind=kind, date=date_, date_precision="day",
                                     evidence=evidence, created_by=ws.user))
            claim.verdict, claim.verdict_note, claim.updated_by = spec["verdict"], spec["note"], ws.user
            audit.record(s, ws.user, "claim.verdict", "claim", claim.id, claim_id=claim.id,
                         after={"verdict": spec["verdict"], "note": spec["note"]})
            ids.append(claim.id)
    return ids


def reseal(src: Path, dst: Path, edit: dict[str, Callable[[bytes], bytes]]) -> Path:
    """A consistent forgery: change payload files (or add one: its function gets ``b""``), then
    recompute both manifests so every checksum matches again (what a careful tamperer would do)."""
    import hashlib

    with zipfile.ZipFile(src) as zin:
        members = {i.filename: zin.read(i) for i in zin.infolist()}
    root = next(iter(members)).split("/", 1)[0] + "/"
    for name, fn in edit.items():
        members[root + name] = fn(members.get(root + name, b""))
    digests = {n[len(root):]: hashlib.sha256(d).hexdigest() for n, d in members.items()
               if n.startswith(root + "data/")}
    oxum = f"{sum(len(d) for n, d in members.items() if n.startswith(root + 'data/'))}.{len(digests)}"
    info = members[root + "bag-info.txt"].decode()
    members[root + "bag-info.txt"] = re.sub(r"Payload-Oxum: \S+", f"Payload-Oxum: {oxum}", info).encode()
    members[root + "manifest-sha256.txt"] = "".join(f"{digests[p]}  {p}\n" for p in sorted(digests)).encode()
    tags = {t: hashlib.sha256(members[root + t]).hexdigest()
            for t in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")}
    members[root + "tagmanifest-sha256.txt"] = "".join(f"{tags[p]}  {p}\n" for p in sorted(tags)).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return dst
