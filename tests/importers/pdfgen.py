"""A tiny PDF writer for test fixtures: text lines on pages with a correct xref, an info
dictionary, an optional /Lang, a ligature-capable Helvetica, a CID font without a Unicode map,
image-only pages, and RC4 40-bit (Standard security handler, revision 2) encryption.

Not a general PDF library: just enough to build the inputs the importer tests need.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field

PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
# Glyphs reached through the /Differences of the text font: code -> glyph name.
LIGATURES = {"ﬁ": (0x80, "fi"), "ﬂ": (0x81, "fl"), "ﬀ": (0x82, "ff"), "ﬃ": (0x83, "ffi"), "ﬄ": (0x84, "ffl")}


@dataclass
class Text:
    x: float
    y: float
    text: str
    size: float = 11.0
    cid: bool = False  # draw with the CID font that has no ToUnicode map


@dataclass
class Page:
    items: list[Text] = field(default_factory=list)
    image: bool = False  # paint a small grey image (a "scanned" page)
    width: float = 612.0
    height: float = 792.0


def lines(
    texts: list[str], *, x: float = 72.0, top: float = 720.0, leading: float = 14.0, size: float = 11.0
) -> list[Text]:
    """Lines stacked down the page from ``top``; an empty string leaves a paragraph gap."""
    out: list[Text] = []
    y = top
    for text in texts:
        if text:
            out.append(Text(x, y, text, size))
        y -= leading if text else leading * 1.5
    return out


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _pad(password: str) -> bytes:
    return (password.encode("latin-1") + PAD)[:32]


class _Crypt:
    """Standard security handler, V1 R2 (RC4, 40-bit key)."""

    def __init__(self, user: str, owner: str, doc_id: bytes) -> None:
        self.p = -44
        okey = hashlib.md5(_pad(owner or user)).digest()[:5]
        self.o = rc4(okey, _pad(user))
        h = hashlib.md5(_pad(user) + self.o + self.p.to_bytes(4, "little", signed=True) + doc_id)
        self.key = h.digest()[:5]
        self.u = rc4(self.key, PAD)

    def encrypt(self, objnum: int, data: bytes) -> bytes:
        k = hashlib.md5(self.key + objnum.to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]
        return rc4(k, data)

    def dict(self) -> bytes:
        return (
            b"<< /Filter /Standard /V 1 /R 2 /O <"
            + self.o.hex().encode()
            + b"> /U <"
            + self.u.hex().encode()
            + b"> /P -44 >>"
        )


def _pdf_string(text: str | bytes) -> bytes:
    raw = text if isinstance(text, bytes) else text.encode("latin-1")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _encode_text(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        if ch in LIGATURES:
            out.append(LIGATURES[ch][0])
        else:
            out.extend(ch.encode("cp1252"))
    return bytes(out)


def _content(page: Page) -> bytes:
    ops: list[bytes] = []
    if page.image:
        ops.append(b"q 200 0 0 200 100 400 cm /Im1 Do Q")
    for item in page.items:
        if item.cid:
            hexcodes = "".join(f"{ord(ch):04x}" for ch in item.text)
            shown = f"<{hexcodes}>".encode()
            font = b"/F2"
        else:
            shown = _pdf_string(_encode_text(item.text))
            font = b"/F1"
        ops.append(
            b"BT "
            + font
            + b" %.1f Tf 1 0 0 1 %.2f %.2f Tm " % (item.size, item.x, item.y)
            + shown
            + b" Tj ET"
        )
    return b"\n".join(ops)


def info_string(value: str) -> bytes:
    """A PDF text string: PDFDocEncoding when it fits Latin-1, else UTF-16BE with a BOM."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return b"\xfe\xff" + value.encode("utf-16-be")


def build_pdf(
    pages: list[Page],
    *,
    info: dict[str, str | bytes] | None = None,
    lang: str | None = None,
    user_password: str | None = None,
    owner_password: str | None = None,
    compress: bool = True,
) -> bytes:
    """Serialize ``pages`` into PDF bytes (objects, xref table, trailer)."""
    doc_id = hashlib.md5(repr((pages, info)).encode()).digest()
    crypt = (
        _Crypt(user_password, owner_password or user_password, doc_id) if user_password is not None else None
    )
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(num_hint: int, data: bytes, extra: bytes = b"") -> bytes:
        if compress:
            data = zlib.compress(data)
            extra += b" /Filter /FlateDecode"
        if crypt is not None:
            data = crypt.encrypt(num_hint, data)
        return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"

    catalog = add(b"")  # 1, filled in below
    pages_obj = add(b"")  # 2
    diffs = b" ".join(b"%d /%s" % (code, name.encode()) for code, name in LIGATURES.values())
    font1 = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [" + diffs + b"] >> >>"
    )
    cid_desc = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMapSans /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /DW 600 >>"
    )
    font2 = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMapSans /Encoding /Identity-H /DescendantFonts [%d 0 R] >>"
        % cid_desc
    )
    image_num = len(objects) + 1
    image = add(
        stream(
            image_num,
            bytes([128]) * 64,
            b" /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8",
        )
    )
    kids: list[int] = []
    for page in pages:
        content_num = len(objects) + 1
        content = add(stream(content_num, _content(page)))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.0f %.0f] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
                % (pages_obj, page.width, page.height, content, font1, font2, image)
            )
        )
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    lang_entry = b" /Lang " + _pdf_string(lang) if lang else b""
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_obj, lang_entry)
    info_num = None
    if info:
        info_num = len(objects) + 1
        entries = []
        for key, value in info.items():
            raw = value if isinstance(value, bytes) else info_string(value)
            if crypt is not None:
                raw = crypt.encrypt(info_num, raw)
            entries.append(b"/" + key.encode() + b" <" + raw.hex().encode() + b">")
        add(b"<< " + b" ".join(entries) + b" >>")
    encrypt_num = add(crypt.dict()) if crypt is not None else None

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info_num:
        trailer += b" /Info %d 0 R" % info_num
    if encrypt_num:
        trailer += b" /Encrypt %d 0 R" % encrypt_num
    trailer += b" /ID [<" + doc_id.hex().encode() + b"> <" + doc_id.hex().encode() + b">] >>"
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
