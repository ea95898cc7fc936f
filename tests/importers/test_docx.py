from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from importers import DOCX, ImportFailure, extract


def _save(document: object) -> bytes:
    buf = io.BytesIO()
    document.save(buf)  # type: ignore[attr-defined]
    return buf.getvalue()


def _memo(*, title: str | None = "Leaked documents memo", created: dt.datetime | None = None) -> bytes:
    document = docx.Document()
    document.add_heading("Leaked documents reveal collusion", 0)
    document.add_paragraph("Daesh has been working with the regime for a long time, the documents show.")
    document.add_heading("The Palmyra deal", level=1)
    para = document.add_paragraph("The city was handed over ")
    para.add_run("in an orderly manner").bold = True
    para.add_run(", a colonel said.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Date"
    table.cell(0, 1).text = "Event"
    table.cell(1, 0).text = "May 2015"
    table.cell(1, 1).text = "Palmyra falls"
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Merged cell"
    merged.cell(0, 2).text = "Last"
    document.add_paragraph("")
    document.add_paragraph("Line one\tand a tab").add_run().add_break()
    document.add_paragraph("Café crème – “quoted”.")
    core = document.core_properties
    core.title = title or ""
    core.author = "Jane Doe"
    core.language = ""
    core.created = created or dt.datetime(2016, 5, 6, 10, 0, 0)
    return _save(document)


def test_docx_text_in_order() -> None:
    result = extract(_memo(), "memo.docx")
    assert result.media_type == DOCX
    assert result.text == (
        "Leaked documents reveal collusion\n\n"
        "Daesh has been working with the regime for a long time, the documents show.\n\n"
        "The Palmyra deal\n\n"
        "The city was handed over in an orderly manner, a colonel said.\n\n"
        "Date | Event\nMay 2015 | Palmyra falls\n\n"
        "Merged cell | Last\n\n"
        "Line one and a tab\n\n"
        "Café crème – “quoted”."
    )
    assert result.warnings == []


def test_docx_metadata() -> None:
    md = extract(_memo(), "memo.docx").metadata
    assert md.title == "Leaked documents memo"
    assert md.author == "Jane Doe"
    assert (md.published, md.published_precision, md.created) == ("2016-05-06", "day", "2016-05-06")
    assert md.language == "en"
    assert md.sources["title"] == "docx:core.title"
    assert md.sources["published"] == "docx:core.created"
    assert md.sources["language"] == "text:guess"


def test_docx_title_from_heading_and_dateline_from_text() -> None:
    document = docx.Document()
    document.add_heading("Ministry statement", 0)
    document.add_paragraph("Sunday, 14 February 2016")
    document.add_paragraph("The ministry said the water was safe to drink.")
    document.core_properties.title = ""
    document.core_properties.created = dt.datetime(2023, 1, 1)
    md = extract(_save(document), "statement.docx").metadata
    assert (md.title, md.sources["title"]) == ("Ministry statement", "docx:heading")
    assert (md.published, md.sources["published"], md.created) == (
        "2016-02-14",
        "text:dateline",
        "2023-01-01",
    )


def test_tracked_changes_text_boxes_and_fields() -> None:
    document = docx.Document()
    para = document.add_paragraph("Kept ")
    body = para._p
    body.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="1" w:author="x"><w:r><w:t xml:space="preserve">inserted </w:t></w:r></w:ins>'
        )
    )
    body.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="2" w:author="x"><w:r><w:delText>deleted </w:delText></w:r></w:del>'
        )
    )
    body.append(parse_xml(f'<w:r {nsdecls("w")}><w:instrText>HYPERLINK "http://x"</w:instrText></w:r>'))
    body.append(parse_xml(f"<w:r {nsdecls('w')}><w:t>end.</w:t></w:r>"))
    result = extract(_save(document), "tracked.docx")
    assert result.text == "Kept inserted end."


def test_footnotes_are_included() -> None:
    document = docx.Document()
    document.add_paragraph("Body text.")
    data = _save(document)
    # add a footnotes part by hand: python-docx cannot write one
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    footnotes = (
        f"<w:footnotes {nsdecls('w')}>"
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>Source: Sky News, 2 May 2016.</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            payload = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                payload = payload.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            if item.filename == "word/_rels/document.xml.rels":
                payload = payload.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            dst.writestr(item, payload)
        dst.writestr("word/footnotes.xml", footnotes)
    result = extract(out.getvalue(), "notes.docx")
    assert result.text == "Body text.\n\nSource: Sky News, 2 May 2016."


def test_docx_language_from_core_properties() -> None:
    document = docx.Document()
    document.add_paragraph("Texte court.")
    document.core_properties.language = "fr-FR"
    md = extract(_save(document), "fr.docx").metadata
    assert (md.language, md.sources["language"]) == ("fr", "docx:core.language")


def test_empty_docx_imports_with_warning() -> None:
    document = docx.Document()
    document.add_paragraph("   ")
    result = extract(_save(document), "empty.docx")
    assert result.text == ""
    assert result.warnings == ["no text found in the document (images only?)"]


def test_damaged_docx() -> None:
    data = _memo()
    with pytest.raises(ImportFailure, match=r"^the DOCX file is damaged"):
        extract(data[: len(data) // 2], "cut.docx")
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            payload = src.read(item.filename)
            if item.filename == "word/document.xml":
                payload = payload[: len(payload) // 2]
            dst.writestr(item, payload)
    with pytest.raises(ImportFailure, match=r"^the DOCX file is damaged"):
        extract(broken.getvalue(), "broken.docx")


def test_sdt_content_controls_are_read() -> None:
    document = docx.Document()
    document.add_paragraph("Before.")
    sdt = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>Inside a content control.</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    document.element.body.insert(1, sdt)
    assert qn("w:sdt") == sdt.tag
    assert extract(_save(document), "sdt.docx").text == "Before.\n\nInside a content control."
