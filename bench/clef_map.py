"""CLEF 2020 CheckThat! Task 2 (verified claim retrieval): MAP@5 of the claim matcher.

Imports the 10,375 verified claims as documents (``{vclaim_id}.txt`` = title, blank line, claim)
into a workspace through the normal import path (``ws.documents.import_bytes``), then runs the
tweets of ``train/`` and/or ``dev/`` through ``sourcetrace match --batch`` (the CLI itself, with
``--limit 5 --per-document 1 --min-score 0 --json``) and scores the ranked documents with the
lab's MAP@5 (average precision over the top 5, divided by min(relevant, 5)).

The workspace is built once and kept (default ``$TMPDIR/sourcetrace-clef/``), so reruns only
search. Tune on ``train``; ``dev`` is the reported figure.

    .venv/bin/python bench/clef_map.py [--split dev|train|both] [--workdir DIR] [--rebuild]

Reference figures on dev: rapidfuzz token_set_ratio brute force 0.559; BM25 + stemming 0.743.
``--by both`` (default, with ``words``) evaluates the hybrid matcher: the workspace's sentences
are embedded first (``ws.semantic.update``; kept in the cache for reruns). ``--recall`` checks the
lexical lookup against the exhaustive scan on this real text (see ``lookup_recall``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli.main import main as cli_main
from app.matching import retrieval
from app.workspace import Workspace

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "clef2020-task2"


def read_claims(corpus: Path) -> list[tuple[int, str, str]]:
    csv.field_size_limit(1 << 30)
    with open(corpus / "verified_claims.docs.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return [(int(r[0]), r[1], r[2]) for r in rows[1:] if r and r[0].strip()]


def read_split(corpus: Path, split: str) -> tuple[list[tuple[str, str]], dict[str, set[int]]]:
    with open(corpus / split / "tweets.queries.tsv", encoding="utf-8", newline="") as f:
        tweets = [(r[0], r[1]) for r in csv.reader(f, delimiter="\t") if r and r[0].strip()]
    qrels: dict[str, set[int]] = {}
    for line in (corpus / split / "tweet-vclaim-pairs.qrels").read_text().splitlines():
        if line.strip():
            qid, _, vid, rel = line.split()
            if int(rel) > 0:
                qrels.setdefault(qid, set()).add(int(vid))
    return tweets, qrels


def build_workspace(path: Path, claims: list[tuple[int, str, str]]) -> float:
    t0 = time.perf_counter()
    ws = Workspace.open(path, user="clef-bench", backup_before_migrate=False)
    try:
        for i, (vid, claim, title) in enumerate(claims):
            out = ws.documents.import_bytes(f"{title}\n\n{claim}\n".encode(), f"{vid}.txt")
            if out.status not in ("imported", "duplicate"):
                print(f"claim {vid}: {out.status} {out.error}", file=sys.stderr)
            if i % 1000 == 999:
                print(f"  imported {i + 1}/{len(claims)}", file=sys.stderr)
        ws.matcher.rebuild()
    finally:
        ws.close()
    return time.perf_counter() - t0


def ap_at_5(ranked: list[int], relevant: set[int]) -> float:
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:5], 1):
        if d in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), 5) if relevant else 0.0


def evaluate(db: Path, corpus: Path, split: str, doc_to_vid: dict[int, int], by: str = "both") -> dict[str, float]:
    tweets, qrels = read_split(corpus, split)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for _, text in tweets:
            f.write(" ".join(text.split()) + "\n")
        batch = f.name
    out = io.StringIO()
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out):
            rc = cli_main(["--db", str(db), "match", "--batch", batch, "--limit", "5", "--per-document", "1",
                           "--min-score", "0", "--by", by, "--json"])
    finally:
        os.unlink(batch)
    elapsed = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"match --batch failed ({rc})")
    lines = out.getvalue().splitlines()
    assert len(lines) == len(tweets), (len(lines), len(tweets))
    aps = []
    for (qid, _), line in zip(tweets, lines, strict=True):
        ranked = [doc_to_vid[r["document_id"]] for r in json.loads(line)["results"]]
        aps.append(ap_at_5(ranked, qrels.get(qid, set())))
    return {"queries": len(aps), "map@5": sum(aps) / len(aps), "ms_per_query": 1000 * elapsed / len(aps)}


def lookup_recall(db: Path, corpus: Path, splits: tuple[str, ...], threshold: float) -> tuple[int, float]:
    """The lookup against the exhaustive scan on real text: for every tweet, the best 10 units
    scoring >= ``threshold`` when every unit sharing a word or variant with it is re-scored,
    and the share of them the default lookup (``limit=10``) returns."""
    want_n = found = 0
    with Workspace.open(db, user="clef-bench") as ws:
        m = ws.matcher._ready()
        for split in splits:
            for _, text in read_split(corpus, split)[0]:
                q = m.query(text)
                if q.empty:
                    continue
                every, _ = retrieval.candidate_rows(m.index, q.seq, 1 << 40, posting_budget=1 << 40, coverage=False,
                                                    names=q.names)
                exact = m.search(text, limit=10, min_score=threshold, candidates=len(every), prepared=q,
                                 posting_budget=1 << 40) if len(every) else []
                want = {h.unit_id for h in exact}
                want_n += len(want)
                found += len(want & {h.unit_id for h in m.search(text, limit=10, min_score=threshold)})
    return want_n, (found / want_n if want_n else float("nan"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "train", "both"), default="both")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "sourcetrace-clef"))
    ap.add_argument("--rebuild", action="store_true", help="re-import the claims into a fresh workspace")
    ap.add_argument("--by", default="both,words",
                    help="comma-separated stages to evaluate: both (hybrid), words (lexical), meaning")
    ap.add_argument("--recall", action="store_true",
                    help="also: the lexical lookup's recall of the exhaustive scan's best 10 at the match "
                         "threshold and at 70")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"CLEF corpus not found at {corpus}", file=sys.stderr)
        return 2
    claims = read_claims(corpus)
    digest = hashlib.sha256((corpus / "verified_claims.docs.tsv").read_bytes()).hexdigest()[:12]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"clef-{digest}.sourcetrace"
    os.environ.setdefault("XDG_CACHE_HOME", str(workdir / "cache"))
    if args.rebuild and db.exists():
        db.unlink()
    if not db.exists():
        print(f"importing {len(claims)} verified claims into {db} ...", file=sys.stderr)
        tmp = db.with_suffix(".partial")
        if tmp.exists():
            tmp.unlink()
        secs = build_workspace(tmp, claims)
        os.replace(tmp, db)
        print(f"imported in {secs:.0f} s", file=sys.stderr)
    with Workspace.open(db, user="clef-bench") as ws:
        doc_to_vid = {d.id: int(Path(d.filename).stem) for d in ws.documents.list()}
        st = ws.matcher.stats()
        sem = ws.semantic.availability()
        if sem.on:
            t0 = time.perf_counter()
            n = ws.semantic.update()
            if n:
                print(f"embedded {n} sentences in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        else:
            print(sem.reason, file=sys.stderr)
    print(f"workspace: {len(doc_to_vid)} documents, {st['units']} units, index {st['size_bytes'] / 1e6:.1f} MB")
    splits = ("train", "dev") if args.split == "both" else (args.split,)
    for by in args.by.split(","):
        if by != "words" and not sem.on:
            continue
        for split in splits:
            r = evaluate(db, corpus, split, doc_to_vid, by)
            print(f"{by:7} {split:5}  queries {r['queries']:4}  MAP@5 {r['map@5']:.4f}  "
                  f"({r['ms_per_query']:.1f} ms/query)")
    if args.recall:
        from app.matching.service import DEFAULT_THRESHOLD

        for thr in (DEFAULT_THRESHOLD, 70.0):
            n, rec = lookup_recall(db, corpus, splits, thr)
            print(f"lookup recall of the exhaustive best 10 at >= {thr:.0f}: {rec:.3f} ({n} pairs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
