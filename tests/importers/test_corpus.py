"""The importers against real files nobody on the project wrote (../shared/corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers import PDF, TEXT, Extracted, ImportFailure, PasswordRequired, extract

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
SAMPLES = CORPUS / "pdfminer-samples"
SEEDS = CORPUS / "seeds"
ABSENT = pytest.mark.skip(reason=f"real-world corpus not found at {CORPUS} (expected ../shared/corpus)")

pytestmark = pytest.mark.corpus


def _params(folder: Path, pattern: str) -> list[object]:
    if not folder.is_dir():
        return [pytest.param(None, marks=ABSENT, id="corpus-absent")]
    return [pytest.param(p, id=str(p.relative_to(folder))) for p in sorted(folder.glob(pattern))]


# Files the cpdf tool encrypted with user password "foo" and owner password "baz".
ENCRYPTED = {"aes-128-m.pdf", "aes-128.pdf", "aes-256-m.pdf", "aes-256.pdf", "rc4-128.pdf", "rc4-40.pdf"}


def _check_invariants(result: Extracted) -> None:
    text = result.text
    assert "(cid:" not in text
    assert not any(ch in text for ch in "\r\x0c\x00\ufb01\ufb02")
    previous_end = 0
    for start, end in result.pages:
        assert previous_end <= start <= end <= len(text)
        previous_end = end
    meta = result.metadata
    assert meta.published_precision in ("day", "month", "year", "unknown")
    if meta.published is not None:
        assert len(meta.published) == {"day": 10, "month": 7, "year": 4}[meta.published_precision]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", _params(SAMPLES, "**/*.pdf"))
def test_every_sample_imports_or_fails_clearly(path: Path) -> None:
    data = path.read_bytes()
    password = "foo" if path.parent.name == "encryption" and path.name in ENCRYPTED else None
    try:
        result = extract(data, path.name, password=password)
    except ImportFailure as err:
        message = str(err)
        assert message and not message.startswith("could not read"), message
        assert path.name == "aes-256-r6.pdf" or "damaged" in message, message
        return
    assert result.media_type == PDF
    assert len(result.pages) >= 1
    _check_invariants(result)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", _params(SAMPLES / "encryption", "*.pdf"))
def test_encrypted_samples(path: Path) -> None:
    data = path.read_bytes()
    if path.name in ENCRYPTED:
        with pytest.raises(PasswordRequired, match=r"^password required"):
            extract(data, path.name)
        with pytest.raises(PasswordRequired, match=r"^wrong password"):
            extract(data, path.name, password="not-it")
        for password in ("foo", "baz"):
            assert extract(data, path.name, password=password).text == "Secret!"
    elif path.name == "aes-256-r6.pdf":  # made by another tool, with other passwords
        with pytest.raises(PasswordRequired, match=r"^wrong password"):
            extract(data, path.name, password="foo")
        for password in ("usersecret", "ownersecret"):
            assert extract(data, path.name, password=password).text == "Hello World"
    else:  # not encrypted, or openable with the empty user password
        extract(data, path.name)
        extract(data, path.name, password="foo")


def _sample(relative: str) -> bytes:
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"real-world corpus not found at {CORPUS} (expected ../shared/corpus)")
    return path.read_bytes()


@pytest.mark.timeout(60)
def test_specific_samples() -> None:
    zen = extract(_sample("zen_of_python_corrupted.pdf"), "zen.pdf")
    assert "Beautiful is better than ugly." in zen.text
    assert any("damaged" in w for w in zen.warnings)
    assert "Page 1/1" not in zen.text  # running page number dropped

    evil = extract(_sample("contrib/issue-1113-evil-xobjects.pdf"), "evil.pdf")
    assert "Hello world" in evil.text

    cid = extract(_sample("contrib/issue_495_pdfobjref.pdf"), "cid.pdf")
    assert any("without a Unicode map" in w for w in cid.warnings)

    jo = extract(_sample("jo.pdf"), "jo.pdf")
    assert jo.metadata.language == "ja"
    assert "\u307f\u3093\u306a" in jo.text  # みんな

    chinese = extract(_sample("contrib/issue_566_test_2.pdf"), "zh.pdf")
    assert "\u4e2d\u56fd\u996e\u6599" in chinese.text

    czech = extract(_sample("contrib/issue-791-non-unicode-cmap.pdf"), "cs.pdf")
    assert czech.text == "Peněžní prostředky na účtech"

    scanned = extract(_sample("contrib/pdf-with-jbig2.pdf"), "scan.pdf")
    assert scanned.text == ""
    assert any(w.startswith("no text layer (scanned PDF?)") for w in scanned.warnings)


@pytest.mark.parametrize("path", _params(SEEDS, "*.txt"))
def test_seeds_import_as_text(path: Path) -> None:
    result = extract(path.read_bytes(), path.name)
    assert result.media_type == TEXT
    assert result.warnings == []
    assert result.metadata.language == "en"
    assert result.metadata.title
    _check_invariants(result)


def _seed(prefix: str) -> Extracted:
    if not SEEDS.is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS} (expected ../shared/corpus)")
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return extract(path.read_bytes(), path.name)


def test_seed_datelines_and_titles() -> None:
    s000 = _seed("000").metadata
    assert (s000.published, s000.published_precision) == ("2016-02-14", "day")
    assert s000.title == "Ex-Syria official tells of collusion between Assad, Russia, Daesh"
    s001 = _seed("001").metadata
    assert (s001.published, s001.published_precision) == ("2016-05-06", "day")
    assert s001.title == "Leaked docs reveal: Assad & ISIS played us on Palmyra"
    s003 = _seed("003").metadata
    assert s003.published is None  # the photo caption's "July 24, 2024" is not a dateline
    assert s003.title == "Syria: US Easing Aid Restrictions, But Sanctions Remain"
