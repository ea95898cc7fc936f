"""Make a rendered PDF reproducible: the same report gives the same bytes.

PDF writers stamp the current time and a random document id (``/CreationDate``,
``/ModDate``, the trailer ``/ID``, XMP dates and ``uuid:`` ids). These are replaced by values
derived from the case (its latest recorded change) and the report's hash. Every replacement
keeps the exact byte length, so the cross-reference table's offsets stay valid.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

_PDF_DATE = re.compile(rb"\((D:)(\d{14})([^)]*)\)")
_XMP_DATE = re.compile(rb"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?((?:[+-]\d{2}:\d{2})|Z)?")
_UUID = re.compile(rb"uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def _zero_tz(tz: bytes) -> bytes:
    return re.sub(rb"\d", b"0", tz).replace(b"-", b"+")


def normalize_pdf(data: bytes, stamp: datetime, seed: str) -> bytes:
    digits = stamp.strftime("%Y%m%d%H%M%S").encode()
    xmp = stamp.strftime("%Y-%m-%dT%H:%M:%S").encode()
    fake = hashlib.sha256(seed.encode()).hexdigest()
    fake_uuid = f"uuid:{fake[:8]}-{fake[8:12]}-{fake[12:16]}-{fake[16:20]}-{fake[20:32]}".encode()

    def pdf_date(m: re.Match[bytes]) -> bytes:
        return b"(" + m.group(1) + digits + _zero_tz(m.group(3)) + b")"

    def xmp_date(m: re.Match[bytes]) -> bytes:
        frac = re.sub(rb"\d", b"0", m.group(2) or b"")
        return xmp + frac + _zero_tz(m.group(3) or b"")

    def uuid(m: re.Match[bytes]) -> bytes:
        return fake_uuid

    def trailer_id(m: re.Match[bytes]) -> bytes:
        new = []
        for raw in (m.group(1), m.group(2)):
            plain = fake_uuid[5:].hex().encode()  # Qt writes the document uuid's text as hex
            new.append(plain if len(raw) == len(plain) else (fake.encode() * (len(raw) // 64 + 1))[: len(raw)])
        whole = m.group(0)
        a, b = m.start(1) - m.start(0), m.start(2) - m.start(0)
        return whole[:a] + new[0] + whole[a + len(new[0]):b] + new[1] + whole[b + len(new[1]):]

    out = _PDF_DATE.sub(pdf_date, data)
    out = _XMP_DATE.sub(xmp_date, out)
    out = _UUID.sub(uuid, out)
    out = _ID.sub(trailer_id, out)
    return out if len(out) == len(data) else data
