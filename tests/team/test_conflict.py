"""Two users edit the same row: the second save is refused (optimistic concurrency), nothing is lost.

Documents carry ``version_id`` (SQLAlchemy ``version_id_col``) like claims do. The first test
exercises that mechanism directly on a document row; the others go through the claims service
(``app/claims/``, ``ws.claims``), whose ``ConflictError`` carries both versions. All run on both
back ends and across two separate workspace connections.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.workspace import Workspace
from db.models import Document


def test_second_save_of_same_row_is_refused(any_workspace_target: str) -> None:
    alice = Workspace.open(any_workspace_target, user="alice", daily_backup=False)
    bob = Workspace.open(any_workspace_target, user="bob", daily_backup=False)
    try:
        doc_id = alice.documents.import_bytes(b"The minister said so. Officials agreed.\n", "a.txt").id
        assert doc_id is not None
        # Both load version 1 (as two editors' windows do), then both save.
        with alice.db.reading() as s:
            a_copy = s.get(Document, doc_id)
            s.expunge_all()  # keep the loaded state, as an editor window keeps its copy
        with bob.db.reading() as s:
            b_copy = s.get(Document, doc_id)
            s.expunge_all()
        assert a_copy is not None and b_copy is not None and a_copy.version_id == b_copy.version_id == 1

        with alice.db.writing() as s:
            mine = s.merge(a_copy, load=False)
            mine.title = "Alice's title"
            audit.record(s, "alice", "document.edit", "document", doc_id, document_id=doc_id,
                         before={"title": None}, after={"title": "Alice's title"})
        with pytest.raises(StaleDataError), bob.db.writing() as s:
            theirs = s.merge(b_copy, load=False)
            theirs.title = "Bob's title"
            audit.record(s, "bob", "document.edit", "document", doc_id, document_id=doc_id,
                         before={"title": None}, after={"title": "Bob's title"})

        info = bob.documents.info(doc_id)
        assert info.title == "Alice's title" and info.version == 2  # Alice's save kept
        edits = [e for e in bob.maintenance.history(document_id=doc_id) if e.action == "document.edit"]
        assert [(e.user, e.after) for e in edits] == [("alice", {"title": "Alice's title"})]  # Bob's: rolled back
        # Bob reloads, sees Alice's version, and saves on top of it: nothing lost.
        bob.documents.update_metadata(doc_id, title="Bob's title, after seeing Alice's")
        assert alice.documents.info(doc_id).version == 3
    finally:
        alice.close()
        bob.close()


def test_two_users_edit_the_same_claim(any_workspace_target: str) -> None:
    from db.errors import ConflictError

    alice = Workspace.open(any_workspace_target, user="alice", daily_backup=False)
    bob = Workspace.open(any_workspace_target, user="bob", daily_backup=False)
    try:
        claim = alice.claims.create("The deal was signed in May")
        a_view, b_view = alice.claims.get(claim.id), bob.claims.get(claim.id)  # both open version 1
        alice.claims.set_verdict(claim.id, "false", "Alice: no evidence", expected_version=a_view.version)
        with pytest.raises(ConflictError) as err:
            bob.claims.set_verdict(claim.id, "true", "Bob: confirmed", expected_version=b_view.version)
        conflict = err.value
        assert conflict.entity == "claim" and conflict.entity_id == claim.id
        assert conflict.mine["verdict_note"] == "Bob: confirmed"  # Bob's edit is not lost: it is in the dialog
        assert conflict.theirs["verdict_note"] == "Alice: no evidence"
        assert conflict.theirs["updated_by"] == "alice"
        assert bob.claims.get(claim.id).verdict_note == "Alice: no evidence"  # not silently overwritten
        # Bob merges both in the dialog and saves on top of Alice's version.
        merged = bob.claims.set_verdict(claim.id, "misleading", "Alice: no evidence; Bob: confirmed",
                                        expected_version=conflict.theirs["version"])
        assert merged.version == conflict.theirs["version"] + 1
        verdicts = [e for e in alice.maintenance.history(claim_id=claim.id) if e.action == "claim.verdict"]
        assert [(e.user, e.after["verdict_note"]) for e in verdicts] == [  # type: ignore[index]
            ("alice", "Alice: no evidence"), ("bob", "Alice: no evidence; Bob: confirmed")]
        assert verdicts[1].before["verdict_note"] == "Alice: no evidence"  # type: ignore[index]
    finally:
        alice.close()
        bob.close()


def test_simultaneous_saves_of_the_same_claim(any_workspace_target: str) -> None:
    """Both save at the same instant from version 1: exactly one wins, the other gets the conflict."""
    import threading

    from db.errors import ConflictError

    users = [Workspace.open(any_workspace_target, user=u, daily_backup=False) for u in ("alice", "bob")]
    try:
        claim = users[0].claims.create("Oil was traded for fertiliser")
        version = claim.version
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def save(ws: Workspace) -> None:
            barrier.wait()
            try:
                results[ws.user] = ws.claims.set_verdict(claim.id, "unproven", f"{ws.user}'s note",
                                                         expected_version=version)
            except ConflictError as exc:
                results[ws.user] = exc

        threads = [threading.Thread(target=save, args=(ws,)) for ws in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        conflicts = [u for u, r in results.items() if isinstance(r, ConflictError)]
        assert len(results) == 2 and len(conflicts) == 1, results
        winner = next(u for u in results if u not in conflicts)
        assert users[0].claims.get(claim.id).verdict_note == f"{winner}'s note"
        assert results[conflicts[0]].mine["verdict_note"] == f"{conflicts[0]}'s note"  # type: ignore[union-attr]
    finally:
        for ws in users:
            ws.close()
