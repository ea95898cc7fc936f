"""Active content in ``report.pdf``: what could run, launch, submit or fetch something when the
report is opened or clicked.

SourceTrace's reports are written by Qt's ``QPdfWriter`` from ``report.html``, which holds no
links and no scripts: a classic PDF 1.4 file (one cross-reference table, no object streams, no
encryption) with text, fonts and empty ``/Annots`` arrays. Anything else in a bundle's report
was put there by someone else, so it is reported (the verifier never renders the PDF).

The file is read with a small PDF lexer (strings, comments and stream data skipped; names
decoded from ``#xx`` escapes, so ``/J#61vaScript`` is ``/JavaScript``). Reported:

- action and content names: ``/JavaScript``, ``/JS``, ``/Launch``, ``/AA`` (actions run on
  open, close or page view), ``/SubmitForm``, ``/ImportData``, ``/RichMedia``, ``/EmbeddedFile(s)``,
  ``/URI`` (a remote address opened on click), ``/GoToR``/``/GoToE`` (other files), ``/XFA``,
  ``/Sound``, ``/Movie``, ``/Rendition``, ``/Encrypt`` (content that cannot be checked);
- ``/OpenAction`` whose value is an action (a dictionary), not a plain destination;
- places where content can hide from this lexer but not from a PDF reader: compressed object
  streams with a filter other than Flate (Flate ones are decompressed and checked), cross-reference
  streams, an object header (``N G obj``) inside a string, comment or stream data, a stream whose
  ``/Length`` does not end at its ``endstream``, and a cross-reference entry or ``startxref``
  that points anywhere but at an object or table this lexer found.
"""

from __future__ import annotations

import bisect
import re
import zlib
from dataclasses import dataclass, field

ACTIVE_NAMES = {
    "JavaScript": "JavaScript", "JS": "JavaScript", "Launch": "an action that launches a program",
    "AA": "additional actions (run when the document or a page is opened, closed or viewed)",
    "SubmitForm": "a form submission", "ImportData": "a data import action", "RichMedia": "rich media (Flash, video)",
    "EmbeddedFile": "an embedded file", "EmbeddedFiles": "embedded files",
    "URI": "a link that opens a remote address", "GoToR": "a link to another file", "GoToE": "a link into an embedded file",
    "XFA": "an XFA form (scriptable)", "Sound": "a sound action", "Movie": "a movie action", "Rendition": "a media rendition",
    "Encrypt": "encryption (its content cannot be checked)",
}
MAX_INFLATE = 64 * 1024 * 1024
_WS = b"\x00\t\n\x0c\r "
_DELIMS = b"()<>[]{}/%"
_REGULAR = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]+")
_HEX = re.compile(rb"<[0-9A-Fa-f\x00\t\n\x0c\r ]*>")
_NAME_ESC = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJ_HEADER = re.compile(rb"(?<![0-9])(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_EOL = re.compile(rb"\r\n|\n|\r")


@dataclass
class _Tok:
    kind: str  # name | str | kw | delim
    value: bytes
    pos: int


@dataclass
class _Scan:
    tokens: list[_Tok] = field(default_factory=list)
    headers: dict[int, int] = field(default_factory=dict)  # offset of "N G obj" -> object number
    objects: dict[int, int] = field(default_factory=dict)  # object number -> index of its first token
    xrefs: set[int] = field(default_factory=set)
    streams: list[tuple[int, int, int]] = field(default_factory=list)  # (token index of "stream", start, end)
    problems: list[str] = field(default_factory=list)
    # "N G obj <integer> endobj" objects (indirect /Length values), found in one pass when first needed
    integers: dict[tuple[bytes, bytes], int] | None = None


_INT_OBJECT = re.compile(rb"(?<![0-9])(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj[\x00\t\n\x0c\r ]*(\d+)"
                         rb"[\x00\t\n\x0c\r ]*endobj")


def _literal_end(data: bytes, i: int) -> int:
    """Index just past the literal string starting at ``data[i] == '('``."""
    depth, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C:  # backslash: skip the escaped byte
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _stream_length(data: bytes, scan: _Scan, obj_start: int) -> int | None:
    """The ``/Length`` of the stream dictionary whose object starts at token ``obj_start``."""
    toks = scan.tokens
    for k in range(len(toks) - 1, obj_start - 1, -1):
        if toks[k].kind == "name" and toks[k].value == b"Length" and k + 1 < len(toks):
            a = toks[k + 1:k + 4]
            if len(a) == 3 and a[2].value == b"R" and a[0].value.isdigit() and a[1].value.isdigit():
                if scan.integers is None:  # one pass over the file, not one search per stream
                    scan.integers = {}
                    for m in _INT_OBJECT.finditer(data):
                        scan.integers.setdefault((m.group(1), m.group(2)), int(m.group(3)))
                return scan.integers.get((a[0].value, a[1].value))
            return int(a[0].value) if a and a[0].value.isdigit() else None
    return None


def _lex(data: bytes, scan: _Scan, *, top: bool) -> None:
    i, n = 0, len(data)
    obj_start = 0
    toks = scan.tokens
    while i < n:
        c = data[i]
        if c in _WS:
            i += 1
        elif c == 0x25:  # % comment
            m = _EOL.search(data, i)
            i = m.end() if m else n
        elif c == 0x28:
            end = _literal_end(data, i)
            toks.append(_Tok("str", data[i + 1:min(end - 1, i + 201)], i))
            i = end
        elif data.startswith(b"<<", i) or data.startswith(b">>", i):
            toks.append(_Tok("delim", data[i:i + 2], i))
            i += 2
        elif c == 0x3C:
            m = _HEX.match(data, i)
            end = m.end() if m else n
            toks.append(_Tok("str", data[i:min(end, i + 200)], i))
            i = end
        elif c == 0x2F:
            m = _REGULAR.match(data, i + 1)
            raw = m.group(0) if m else b""
            toks.append(_Tok("name", _NAME_ESC.sub(lambda x: bytes([int(x.group(1), 16)]), raw), i))
            i += 1 + len(raw)
        elif c in b"[]{})>":
            toks.append(_Tok("delim", bytes([c]), i))
            i += 1
        else:
            m = _REGULAR.match(data, i)
            word = m.group(0) if m else data[i:i + 1]
            toks.append(_Tok("kw", word, i))
            i += len(word)
            if not top:
                continue
            if word == b"obj" and len(toks) >= 3 and toks[-2].value.isdigit() and toks[-3].value.isdigit():
                scan.headers[toks[-3].pos] = int(toks[-3].value)
                scan.objects[int(toks[-3].value)] = len(toks)
                obj_start = len(toks)
            elif word == b"xref":
                scan.xrefs.add(toks[-1].pos)
            elif word == b"stream":
                i = _skip_stream(data, i, scan, obj_start)


def _skip_stream(data: bytes, i: int, scan: _Scan, obj_start: int) -> int:
    """Skip the data of the stream whose keyword ends at ``i``; return where lexing resumes."""
    start = i + 2 if data.startswith(b"\r\n", i) else i + 1 if data[i:i + 1] in (b"\n", b"\r") else i
    length = _stream_length(data, scan, obj_start)
    end = start + length if length is not None else -1
    after = re.compile(rb"[\x00\t\n\x0c\r ]*endstream").match(data, end) if 0 <= end <= len(data) else None
    if after is None:
        scan.problems.append("a stream's /Length does not end at its 'endstream' (malformed, or content "
                             "hidden from simple readers)")
        found = data.find(b"endstream", start)
        end = found if found != -1 else len(data)
        scan.streams.append((len(scan.tokens) - 1, start, end))
        return end
    scan.streams.append((len(scan.tokens) - 1, start, end))
    return after.end()


def _dict_names(scan: _Scan, obj_index: int, stream_index: int) -> set[bytes]:
    return {t.value for t in scan.tokens[obj_index:stream_index] if t.kind == "name"}


def _check_streams(data: bytes, scan: _Scan, found: list[str]) -> None:
    starts = sorted(scan.objects.values())
    for idx, start, end in scan.streams:
        at = bisect.bisect_right(starts, idx)
        obj_index = starts[at - 1] if at else 0
        names = _dict_names(scan, obj_index, idx)
        if b"XRef" in names:
            found.append("a cross-reference stream (PDF 1.5 and later; SourceTrace's reports never use one)")
        if b"ObjStm" not in names:
            continue
        if names & {b"ASCIIHexDecode", b"ASCII85Decode", b"LZWDecode", b"RunLengthDecode", b"Crypt",
                    b"DecodeParms", b"AHx", b"A85", b"LZW", b"RL"}:
            found.append("a compressed object stream with a filter this check does not read")
            continue
        try:
            d = zlib.decompressobj()
            inner = d.decompress(data[start:end], MAX_INFLATE) if b"FlateDecode" in names or b"Fl" in names \
                else data[start:end]
        except zlib.error:
            found.append("a compressed object stream that cannot be decompressed")
            continue
        sub = _Scan()
        _lex(inner, sub, top=False)
        _check_names(sub, found)


def _check_names(scan: _Scan, found: list[str]) -> None:
    toks = scan.tokens
    for k, t in enumerate(toks):
        if t.kind != "name":
            continue
        name = t.value.decode("latin-1")
        if name in ACTIVE_NAMES:
            what = ACTIVE_NAMES[name]
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if name == "URI" and nxt is not None and nxt.kind == "str":
                what += f" ({nxt.value[:60].decode('latin-1')!r})"
            found.append(f"/{name}: {what}")
        elif name == "OpenAction":
            value = toks[k + 1:k + 4]
            if value and value[0].value == b"<<":
                found.append("/OpenAction: an action run when the document is opened")
            elif len(value) == 3 and value[2].value == b"R" and value[0].value.isdigit():
                first = scan.objects.get(int(value[0].value))
                if first is None or first >= len(toks) or toks[first].value != b"[":
                    found.append("/OpenAction: an action run when the document is opened")


def _check_xref(data: bytes, scan: _Scan, found: list[str]) -> None:
    for m in _OBJ_HEADER.finditer(data):
        if m.start() not in scan.headers:
            found.append(f"an object header ({m.group(0)[:20].decode('latin-1')!r}) inside a string, comment or "
                         "stream data (hidden from simple readers)")
            break
    for pos in sorted(scan.xrefs):
        i = pos + 4
        while True:
            sub = re.compile(rb"[\x00\t\n\x0c\r ]*(\d+)[ ]+(\d+)[ \t]*(?:\r\n|\n|\r)").match(data, i)
            if sub is None:
                break
            first, count = int(sub.group(1)), int(sub.group(2))
            i = sub.end()
            for k in range(count):
                entry = re.compile(rb"(\d{10}) (\d{5}) ([nf])").match(data, i)
                if entry is None:
                    found.append("a cross-reference table that cannot be read")
                    return
                i = entry.end()
                i += len(re.compile(rb"[ \r\n]*").match(data, i).group(0))  # type: ignore[union-attr]
                offset = int(entry.group(1))
                if entry.group(3) == b"n" and scan.headers.get(offset) != first + k:
                    found.append(f"the cross-reference table sends object {first + k} to offset {offset}, "
                                 "where there is no such object (content hidden from this check?)")
                    return
    for m in re.finditer(rb"(?:startxref|/Prev)[\x00\t\n\x0c\r ]+(\d+)", data):
        if int(m.group(1)) not in scan.xrefs:
            found.append("startxref or /Prev points at something other than a cross-reference table")
            return


def pdf_active_content(data: bytes) -> list[str]:
    """What in this PDF could run, launch, submit or fetch something (empty when nothing)."""
    if not data.startswith(b"%PDF-"):
        return ["not a PDF file"]
    scan = _Scan()
    _lex(data, scan, top=True)
    found = list(dict.fromkeys(scan.problems))
    _check_names(scan, found)
    _check_streams(data, scan, found)
    _check_xref(data, scan, found)
    return list(dict.fromkeys(found))
