from __future__ import annotations

import pytest

from importers import MARKDOWN, TEXT, ImportFailure, extract
from importers.encoding import decode_bytes
from importers.language import guess_language, normalize_language
from importers.markdown import markdown_to_text
from importers.plaintext import unwrap_hard_wrapped

ARTICLE = (
    "Sunday, 14 February 2016\n\n"
    "Ex-Syria official tells of collusion\n\n"
    "\u201cA month before the city fell, we had received information,\u201d said Mohamed Qassim, "
    "the former attorney-general of Tadmur. The r\u00e9gime\u2019s answer was swift \u2013 and silent.\n"
)


def test_windows_1252_without_charset() -> None:
    data = ARTICLE.encode("cp1252")
    assert b"\x93" in data and b"\x94" in data and b"\xe9" in data
    result = extract(data, "article.txt")
    assert result.media_type == TEXT
    assert "\u201cA month before" in result.text
    assert "r\u00e9gime\u2019s" in result.text
    assert "\u2013" in result.text
    assert result.warnings == []


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_unicode_encodings(codec: str) -> None:
    text = ARTICLE + "Arabic: \u062a\u062f\u0645\u0631 \u2014 Chinese: \u5df4\u5c14\u7c73\u62c9\n"
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):
        pass  # no BOM: found from where the NUL bytes fall
    result = extract(data, "a.txt")
    assert "\u062a\u062f\u0645\u0631" in result.text
    assert "\u5df4\u5c14\u7c73\u62c9" in result.text
    assert not result.text.startswith("\ufeff")


def test_short_latin1_word() -> None:
    # charset-normalizer alone calls this UTF-16; it is Windows-1252 "Café".
    assert decode_bytes("Caf\u00e9".encode("cp1252")).text == "Caf\u00e9"


def test_other_single_byte_encodings_detected() -> None:
    russian = (
        "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u042d\u0442\u043e \u0442\u0435\u0441\u0442. "
        * 4
    ).encode("cp1251")
    assert decode_bytes(russian).text.startswith("\u041f\u0440\u0438\u0432\u0435\u0442")


def test_newlines_and_whitespace_normalized() -> None:
    data = b"Title line\r\n\r\n\r\n\r\nFirst paragraph.\rSecond line\xc2\xa0with\xe2\x80\x89odd spaces.   \r\n\x0cNext page\x07.\n\n"
    result = extract(data, "a.txt")
    assert result.text == "Title line\n\nFirst paragraph.\nSecond line with odd spaces.\n\nNext page."
    assert "\r" not in result.text


def test_plain_text_metadata_from_the_text() -> None:
    result = extract(ARTICLE.encode(), "a.txt")
    md = result.metadata
    assert (md.published, md.published_precision) == ("2016-02-14", "day")
    assert md.title == "Ex-Syria official tells of collusion"
    assert md.language == "en"
    assert md.sources == {"published": "text:dateline", "title": "text:first-line", "language": "text:guess"}


def test_whitespace_only_text_fails() -> None:
    with pytest.raises(ImportFailure, match=r"contains no text"):
        extract(b"  \n\n\t \r\n", "blank.txt")


def test_hard_wrapped_text_is_unwrapped() -> None:
    para1 = (
        "The ministry said on Tuesday that the water supply in the northern district had been\n"
        "restored after three days of repairs, and that residents could drink tap water again\n"
        "without boiling it first, according to a statement posted on its website.\n"
    )
    para2 = (
        "Officials did not say what had caused the contamination, which left thousands of\n"
        "households without safe drinking water and forced two schools to close for the rest\n"
        "of the week while inspectors took samples from the network.\n"
    )
    text = "Water restored\n\n" + para1 + "\n" + para2 + "\n- first item\n- second item\n"
    out = unwrap_hard_wrapped(text)
    assert "district had been restored after" in out
    assert "thousands of households" in out
    assert out.count("\n\n") == 3
    assert "\n- first item\n- second item" in out
    # articles with long lines are left alone
    assert unwrap_hard_wrapped(ARTICLE) == ARTICLE


MARKDOWN_DOC = """---
title: "Front matter title"
date: 2016-05-06
author: Jane Doe
lang: en-GB
---

# Leaked docs reveal: Assad & ISIS played us

Daesh has been working with the *regime* for a
**very long** time, [documents](https://example.org/docs "Docs") released this week
by `Sky News` revealed.

## The documents

- first point with a [link][ref]
- second point
1. numbered item

> A quoted paragraph
> that wraps.

| Name | Role |
|------|------|
| Qassim | attorney-general |

```
code_block(x)   # kept verbatim
```

![a chart](chart.png)

Setext heading
--------------

snake_case_word and 2*3*4 stay; \\*escaped\\* too.

[ref]: https://example.org/ref
"""


def test_markdown_to_text() -> None:
    converted = markdown_to_text(MARKDOWN_DOC)
    assert converted.title == "Leaked docs reveal: Assad & ISIS played us"
    assert converted.front_matter["author"] == "Jane Doe"
    text = converted.text
    assert text.startswith(
        "Leaked docs reveal: Assad & ISIS played us\n\nDaesh has been working with the regime for a very long time, documents released this week by Sky News revealed."
    )
    assert "\n\nThe documents\n\n" in text
    assert "first point with a link\nsecond point\n1. numbered item" in text
    assert "A quoted paragraph that wraps." in text
    assert "Name | Role\nQassim | attorney-general" in text
    assert "code_block(x)   # kept verbatim" in text
    assert "a chart" in text
    assert "\n\nSetext heading\n\n" in text
    assert "snake_case_word and 2*3*4 stay; *escaped* too." in text
    for markup in ("# ", "**", "](", "[ref]", "```", "> ", "---", "|---", "!["):
        assert markup not in text.replace("x)   # kept", ""), markup


def test_markdown_import_metadata() -> None:
    result = extract(MARKDOWN_DOC.encode(), "post.md")
    assert result.media_type == MARKDOWN
    md = result.metadata
    assert md.title == "Leaked docs reveal: Assad & ISIS played us"
    assert md.sources["title"] == "markdown:heading"
    assert (md.author, md.published, md.published_precision, md.language) == (
        "Jane Doe",
        "2016-05-06",
        "day",
        "en",
    )


def test_markdown_without_heading_uses_front_matter_title() -> None:
    result = extract(b"---\ntitle: Notes on Palmyra\n---\nSome text here.\n", "notes.md")
    assert result.metadata.title == "Notes on Palmyra"
    assert result.text == "Some text here."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The ministry said that the water in the district was safe and that it had been tested by the agency.",
            "en",
        ),
        (
            "Le ministre a déclaré que les habitants de la ville sont en sécurité et que la situation est sous contrôle.",
            "fr",
        ),
        (
            "Der Minister sagte, dass die Lage in der Stadt unter Kontrolle ist und die Bewohner nicht in Gefahr sind.",
            "de",
        ),
        (
            "El ministro dijo que la situación en la ciudad está bajo control y que los habitantes no están en peligro.",
            "es",
        ),
        ("قال الوزير إن الوضع في المدينة تحت السيطرة وإن السكان ليسوا في خطر", "ar"),
        ("部长表示，该市局势已得到控制，居民没有危险。", "zh"),
        ("大臣は、市内の状況は管理下にあり、住民に危険はないと述べた。", "ja"),
        ("Министр заявил, что ситуация в городе под контролем.", "ru"),
        ("Hello", None),
        ("12345 67890 !!! ???", None),
    ],
)
def test_guess_language(text: str, expected: str | None) -> None:
    assert guess_language(text) == expected


def test_normalize_language() -> None:
    assert normalize_language("en-GB") == "en"
    assert normalize_language("pt_BR") == "pt"
    assert normalize_language(" FR ") == "fr"
    assert normalize_language("und") is None
    assert normalize_language("") is None
    assert normalize_language(None) is None


def test_wrong_declared_charset_warns() -> None:
    decoded = decode_bytes("Caf\u00e9 cr\u00e8me".encode("cp1252"), declared="utf-8")
    assert decoded.text == "Caf\u00e9 cr\u00e8me"
    assert decoded.warnings == [
        "the file declares a character set that does not fit its bytes (utf-8); decoded as cp1252 instead"
    ]
    decoded = decode_bytes(b"plain ascii", declared="no-such-charset")
    assert decoded.text == "plain ascii"
    assert "unknown character set" in decoded.warnings[0]
