from __future__ import annotations

import pytest

from importers.dates import find_dateline, iter_dates, parse_date, parse_pdf_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sunday, 14 February 2016", ("2016-02-14", "day")),
        ("Friday, May 6, 2016", ("2016-05-06", "day")),
        ("14 Feb 2016", ("2016-02-14", "day")),
        ("Feb. 14, 2016", ("2016-02-14", "day")),
        ("February 14th, 2016", ("2016-02-14", "day")),
        ("14th of February 2016", ("2016-02-14", "day")),
        ("3 May 2016", ("2016-05-03", "day")),
        ("May 2016", ("2016-05", "month")),
        ("February, 2016", ("2016-02", "month")),
        ("2016-02-14", ("2016-02-14", "day")),
        ("2016-02-14T10:30:00+03:00", ("2016-02-14", "day")),
        ("2016/02/14", ("2016-02-14", "day")),
        ("2016-02", ("2016-02", "month")),
        ("2016", ("2016", "year")),
        ("14.02.2016", ("2016-02-14", "day")),
        ("14/02/2016", ("2016-02-14", "day")),
        ("02/14/2016", ("2016-02-14", "day")),
        ("3 mai 2016", ("2016-05-03", "day")),
        ("14. Februar 2016", ("2016-02-14", "day")),
        ("12 de marzo de 2016", ("2016-03-12", "day")),
        ("D:20160214103000+01'00'", ("2016-02-14", "day")),
        ("Published on 3 May 2016 by the agency", ("2016-05-03", "day")),
    ],
)
def test_parse_date(text: str, expected: tuple[str, str]) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no date here",
        "05/06/2016",
        "31 February 2016",
        "2016-13-01",
        "we may 2016 differently",
        "Page 12",
        "1234",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text) == (None, "unknown")


def test_pdf_dates_with_partial_precision() -> None:
    assert parse_pdf_date("D:2016") == ("2016", "year")
    assert parse_pdf_date("D:201602") == ("2016-02", "month")
    assert parse_pdf_date("D:20160214") == ("2016-02-14", "day")
    assert parse_pdf_date("D:20161399") == ("2016", "year")
    assert parse_pdf_date("") == (None, "unknown")
    assert parse_pdf_date("garbage") == (None, "unknown")


def test_iter_dates_gives_offsets() -> None:
    text = "The files were leaked on 2 May 2016 and reported on May 6, 2016."
    found = list(iter_dates(text))
    assert [(m.iso, text[m.start : m.end]) for m in found] == [
        ("2016-05-02", "2 May 2016"),
        ("2016-05-06", "May 6, 2016"),
    ]


@pytest.mark.parametrize(
    ("text", "iso", "line"),
    [
        ("Sunday, 14 February 2016\n\nEx-Syria official tells of collusion", "2016-02-14", 0),
        ("Featured Post\n\nThe white-Left\n\nFriday, May 6, 2016\n\nLeaked docs", "2016-05-06", 4),
        ("Headline\nBy Jane Doe | May 6, 2016\n\nBody text.", "2016-05-06", 1),
        ("Headline\nPublished: 3 May 2016 10:32 GMT\nBody.", "2016-05-03", 1),
        ("Headline\nUpdated 5 May 2016\nPublished 3 May 2016\nBody.", "2016-05-03", 2),
        ("Headline\nUpdated 5 May 2016\nBody.", "2016-05-05", 1),
        ("Headline\n14 Feb 2016\nBody.", "2016-02-14", 1),
        ("Headline\nMay 2016\nBody.", "2016-05", 1),
    ],
)
def test_find_dateline(text: str, iso: str, line: int) -> None:
    found = find_dateline(text)
    assert found is not None
    assert (found.iso, found.line) == (iso, line)
    assert parse_date(text[found.start : found.end])[0] == iso


@pytest.mark.parametrize(
    "text",
    [
        # a photo caption that mentions a date is not a dateline
        "Bashar al-Assad and Vladimir Putin at the Kremlin in Moscow, Russia, July 24, 2024 (Valeriy Sharifulin/Reuters)\nTitle",
        # a sentence that starts with a date is not a dateline
        "Headline\n3 May 2016 was the day the city fell to the group after weeks of fighting.",
        # too far down
        "\n".join(f"line {i}" for i in range(20)) + "\n14 February 2016",
    ],
)
def test_find_dateline_ignores_dates_in_prose(text: str) -> None:
    assert find_dateline(text) is None
