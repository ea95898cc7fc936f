"""Document import through the workspace: originals, duplicates, per-file transactions, metadata."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.cli.main import main
from app.workspace import Workspace

ARTICLE = (
    "Sunday, 14 February 2016\n\nOfficial tells of collusion\n\n"
    "Mr. Smith said the U.S. report was wrong. He left at 3.5 p.m. on Friday.\n\n"
    "\u201cIt was a deal,\u201d he said.\n"
)


@pytest.fixture
def workspace_path(any_workspace_target: str) -> str:
    """Every test of this module runs on SQLite and on a real PostgreSQL server."""
    return any_workspace_target


def test_import_bytes_stores_original_text_and_sentences(workspace: Workspace) -> None:
    data = ARTICLE.encode("utf-8")
    out = workspace.documents.import_bytes(data, "article.txt")
    assert out.status == "imported", out.error
    detail = workspace.documents.get(out.id)
    assert detail.info.sha256 == hashlib.sha256(data).hexdigest()
    assert detail.info.size == len(data)
    assert detail.info.imported_by == "tester"
    assert workspace.documents.original(out.id)[2] == data
    assert detail.sentences, "sentences were stored"
    for start, end in detail.sentences:
        piece = detail.text[start:end]
        assert piece and piece == piece.strip()


def test_reimport_identical_bytes_reports_duplicate(workspace: Workspace) -> None:
    first = workspace.documents.import_bytes(b"Some text here.", "a.txt")
    again = workspace.documents.import_bytes(b"Some text here.", "copy-of-a.txt")
    assert again.status == "duplicate"
    assert again.error == f"duplicate of document {first.id}"
    assert len(workspace.documents.list()) == 1


def test_failing_file_does_not_stop_batch(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A perfectly fine document. It has two sentences.")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also good.txt").write_text("Another fine document.")
    (tmp_path / "sub" / "junk.pdf").write_bytes(b"\x00\x01\x02 this is not a pdf \xff" * 10)
    outcomes = workspace.documents.import_paths([tmp_path], workers=0)
    by_name = {o.filename: o for o in outcomes}
    assert by_name["good.txt"].status == "imported"
    assert by_name["also good.txt"].status == "imported"
    assert by_name["empty.txt"].status == "failed" and "empty" in (by_name["empty.txt"].error or "")
    assert by_name["junk.pdf"].status == "failed" and by_name["junk.pdf"].error
    assert len(workspace.documents.list()) == 2


def test_too_large_file_is_refused_before_reading(workspace: Workspace, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCETRACE_MAX_IMPORT_MB", "1")
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:  # sparse: 200 MB on paper, nothing in memory
        fh.truncate(200 * 1024 * 1024)
    [out] = workspace.documents.import_paths([big], workers=0)
    assert out.status == "failed"
    assert "too large (200.0 MB" in (out.error or "")


def test_non_ascii_filename(workspace: Workspace, tmp_path: Path) -> None:
    p = tmp_path / "Ţadmur – déclaration ١.txt"
    p.write_text("Un texte en français. Deuxième phrase.", encoding="utf-8")
    [out] = workspace.documents.import_paths([p], workers=0)
    assert out.status == "imported"
    assert workspace.documents.info(out.id).filename == p.name


def test_parallel_folder_import_matches_serial(workspace: Workspace, tmp_path: Path) -> None:
    for i in range(6):
        (tmp_path / f"doc{i}.txt").write_text(f"Document number {i}. It says something about item {i}.")
    outcomes = workspace.documents.import_paths([tmp_path], workers=2)
    assert [o.status for o in outcomes] == ["imported"] * 6
    assert [o.filename for o in outcomes] == [f"doc{i}.txt" for i in range(6)]


def test_cancel_stops_before_next_file(workspace: Workspace, tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"d{i}.txt").write_text(f"Text {i}.")

    class Cancel:
        def __init__(self) -> None:
            self.calls = 0

        def is_set(self) -> bool:
            self.calls += 1
            return len(workspace.documents.ids()) >= 2

    outcomes = workspace.documents.import_paths([tmp_path], workers=0, cancel=Cancel())
    assert len(workspace.documents.ids()) == 2
    assert len([o for o in outcomes if o.status == "imported"]) == 2


def test_metadata_edit_validates_and_audits(workspace: Workspace) -> None:
    out = workspace.documents.import_bytes(b"Body text.", "x.txt")
    info = workspace.documents.update_metadata(out.id, title="New title", published="2016-05")
    assert info.title == "New title"
    assert (info.published, info.published_precision) == ("2016-05", "month")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        workspace.documents.update_metadata(out.id, published="May 2016")
    from app import audit

    with workspace.db.reading() as s:
        actions = [h.action for h in audit.history(s, document_id=out.id)]
    assert actions == ["document.import", "document.edit"]


def test_delete_removes_document_and_unreferenced_original(workspace: Workspace) -> None:
    out = workspace.documents.import_bytes(b"Gone soon.", "g.txt")
    workspace.documents.delete(out.id)
    assert workspace.documents.list() == []
    with pytest.raises(KeyError):
        workspace.documents.get(out.id)


def test_cli_import_docs_show_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "w.sourcetrace")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Friday, May 6, 2016\n\nA headline\n\nThe body says things.")
    (src / "bad.pdf").write_bytes(b"not a pdf at all")
    code = main(["--db", db, "import", str(src), "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {r["filename"]: r["status"] for r in rows} == {"a.txt": "imported", "bad.pdf": "failed"}
    for r in rows:
        assert set(r) >= {"id", "filename", "title", "published", "sha256", "status", "error"}
    assert main(["--db", db, "docs", "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert len(docs) == 1
    assert set(docs[0]) >= {"id", "filename", "title", "outlet", "published", "sha256", "sentences"}
    assert main(["--db", db, "show", str(docs[0]["id"])]) == 0
    assert "The body says things." in capsys.readouterr().out


def test_seed_articles_import(seeded_workspace: Workspace) -> None:
    docs = {d.filename[:3]: d for d in seeded_workspace.documents.list()}
    assert len(docs) == 5
    assert docs["000"].published == "2016-02-14"
    assert docs["001"].published == "2016-05-06"
    for d in docs.values():
        assert d.sentences > 5
        detail = seeded_workspace.documents.get(d.id)
        for a, b in detail.sentences:
            assert detail.text[a:b].strip() == detail.text[a:b] != ""


def _pool_run(job_name: str, names: list[str], timeout: float) -> dict[str, object]:
    import importlib

    from app.extraction import ExtractorPool, Pending

    job = getattr(importlib.import_module("tests.app._jobs"), job_name)
    pool = ExtractorPool(2, None, timeout=timeout, job=job)
    items = [Pending(Path(n), f"Text of {n}. It is fine.".encode(), n) for n in names]
    try:
        for it in items:
            pool.submit(it)
        results: dict[str, object] = {}
        pending = list(items)
        while pending:
            it = pending.pop(0)
            results[it.path.name] = pool.result(it, pending)
        return results
    finally:
        pool.close()


def test_hanging_file_times_out_alone() -> None:
    from importers.base import Extracted, ImportFailure

    res = _pool_run("sleepy_or_fine", ["a.txt", "hang.txt", "b.txt", "c.txt"], timeout=3)
    assert isinstance(res["hang.txt"], ImportFailure) and "longer than 3 s" in str(res["hang.txt"])
    assert all(isinstance(res[n], Extracted) for n in ("a.txt", "b.txt", "c.txt"))


def test_crashing_file_fails_alone() -> None:
    from importers.base import Extracted, ImportFailure

    res = _pool_run("crash_or_fine", ["a.txt", "crash.txt", "b.txt", "c.txt"], timeout=30)
    assert isinstance(res["crash.txt"], ImportFailure) and "crashed" in str(res["crash.txt"])
    assert all(isinstance(res[n], Extracted) for n in ("a.txt", "b.txt", "c.txt"))


def test_metadata_save_over_a_newer_change_is_refused(seeded_workspace) -> None:  # type: ignore[no-untyped-def]
    from db.errors import ConflictError

    ws = seeded_workspace
    v = ws.documents.info(1).version
    ws.documents.update_metadata(1, expected_version=v, title="Alice's title")
    with pytest.raises(ConflictError) as e:
        ws.documents.update_metadata(1, expected_version=v, title="Bob's title")
    assert e.value.theirs["title"] == "Alice's title" and e.value.mine["title"] == "Bob's title"
    assert ws.documents.info(1).title == "Alice's title"


def test_deleting_a_document_is_written_into_each_claims_history(seeded_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = seeded_workspace
    doc = next(d for d in ws.documents.list() if d.filename.startswith("001"))
    text = ws.documents.get(doc.id).text
    phrase = "A deal between IS and Syria to trade oil for fertiliser"
    i = text.index(phrase)
    claim = ws.claims.create(phrase)
    ws.claims.accept(claim.id, (doc.id, i, i + len(phrase)))
    origin = ws.claims.add_origin(claim.id, "Sky News", kind="outlet")
    ws.claims.link_origin(origin.id, doc.id)
    ws.documents.delete(doc.id)
    assert ws.claims.get(claim.id).appearances == []
    hist = ws.maintenance.history(claim_id=claim.id)
    removed = [h for h in hist if h.action == "appearance.remove"]
    assert len(removed) == 1 and removed[0].before["text"] == phrase
    assert removed[0].after["reason"] == "document deleted" and removed[0].user == "tester"
    unlinked = [h for h in hist if h.action == "origin.link" and h.after.get("document_id") is None]
    assert len(unlinked) == 1 and unlinked[0].before == {"document_id": doc.id}


def test_file_names_that_are_not_utf8_import_readably(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Old zips and Windows shares give names in Windows-1252: they neither crash the batch nor
    reach the database as undecodable text."""
    import os

    folder = tmp_path / "share"
    folder.mkdir()
    raw = os.fsencode(folder)
    for name, body in ((b"caf\xe9.txt", b"First text. More."), (b"r\xc3\xa9sum\xc3\xa9.txt", b"Second text. Fine."),
                       (b"odd\x81.txt", b"Third text. Fine."), (b"plain.txt", b"Fourth text. Fine.")):
        with open(raw + b"/" + name, "wb") as fh:
            fh.write(body)
    outcomes = workspace.documents.import_paths([folder], workers=0)
    assert [o.status for o in outcomes] == ["imported"] * 4
    names = sorted(d.filename for d in workspace.documents.list())
    assert names == ["café.txt", "odd\ufffd.txt", "plain.txt", "résumé.txt"]
    for o in outcomes:
        assert o.path is not None
        o.path.encode("utf-8")  # printable and storable


def test_outcomes_keep_the_input_order_and_duplicates_say_what_they_duplicate(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "batch"
    folder.mkdir()
    body = b"Friday, May 6, 2016\n\nLeaked files\n\nThe same text in every copy. Nothing else.\n"
    for i in range(1, 6):
        (folder / f"copy{i}.txt").write_bytes(body)
    (folder / "copy0.txt").write_bytes(body + b"A different ending.\n")
    outcomes = workspace.documents.import_paths([folder], workers=2)
    assert [o.filename for o in outcomes] == [f"copy{i}.txt" for i in range(6)]
    dups = [o for o in outcomes if o.status == "duplicate"]
    assert len(dups) == 4 and {o.id for o in dups} == {outcomes[1].id}
    assert all(o.published == "2016-05-06" and o.title for o in dups)


def test_sentences_are_stored_in_batches_without_gaps(workspace, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import app.documents as documents

    monkeypatch.setattr(documents, "SENTENCE_BATCH", 3)
    text = " ".join(f"Sentence number {i} is here." for i in range(10)).encode()
    out = workspace.documents.import_bytes(text, "ten.txt")
    detail = workspace.documents.get(out.id)
    assert len(detail.sentences) == 10
    assert [detail.text[a:b] for a, b in detail.sentences] == [f"Sentence number {i} is here." for i in range(10)]
