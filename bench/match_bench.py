"""Matching benchmark on synthetic news corpora: claim lookup and the repetition finder.

    python bench/match_bench.py [--sizes 10k,100k,1M] [--quick] [--queries N] [--seed S]

For each size (default 10k, 100k and 1M sentences; ``--quick``: 10k only) it generates the
deterministic corpus of ``bench/synthetic.py``, normalizes it with the workspace ``Normalizer``
(aliases ISIS/Daesh/..., Palmyra/Tadmur, ...) and measures, in one run:

* **lookup** (``LexicalIndex`` + ``Matcher.search``, in memory, no database): index build time
  and size on disk; query latency p50/p95 warm (every query ``TIMED_RUNS`` times, in a loop of
  its own), and cold (the first query after loading the saved index, a fresh load per query, in
  a subprocess that holds only the index, as the workbench starts); recall against brute force: every unit whose
  score with the query is >= 70 when every unit sharing a word (or a spelling variant) with it
  is re-scored by the matcher's own scorer (the exhaustive scan; also: the share of its best
  10 that the timed ``limit=10`` lookup returns), and, as the issue's reference, every unit
  whose rapidfuzz ``token_set_ratio`` with the query is >= 70 on the same normalized text
  (content words; "planted": the query's planted copies among them); the speed ratio against
  that brute-force scan (``process.cdist`` over all sentences, two threads; the median scan of
  the sampled queries);
* **repetition finder** (``RepetitionIndex``), built in a subprocess that reports its peak memory
  (``ru_maxrss``): build time, groups, recall against brute force (pairs scoring >= 80 that pass
  the specificity gate; exact all-pairs at 10k, sampled queries above, half of them from planted
  families): "edge" recall counts pairs the index scored itself, "group" recall pairs that end in
  one group;
* **incremental update**: adding 1,000 sentences (34 new documents, a tenth of them edited copies
  of corpus sentences) to the lookup index and to the repetition finder (add + groups).

Prints a markdown table and writes ``bench/out/match_bench.json``. Timings are wall-clock on
whatever else the machine is doing (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.matching import retrieval  # noqa: E402
from app.matching.clusters import RepetitionIndex  # noqa: E402
from app.matching.index import LexicalIndex  # noqa: E402
from app.matching.matcher import Matcher  # noqa: E402
from app.matching.normalize import Normalizer, alias_groups_from_terms  # noqa: E402
from bench import synthetic  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
LOOKUP_THRESHOLD = 70.0  # brute-force pairs the lookup must find
CLUSTER_THRESHOLD = 80.0
TIMED_RUNS = 3  # warm latency: every query this many times, percentiles over all
COLD_QUERIES = 20  # cold latency: this many fresh loads of the saved index, one query each
BATCH = 100_000


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# ------------------------------------------------------------------------------------ corpus
def normalize(corpus: synthetic.Corpus, norm: Normalizer) -> tuple[list[list[str]], list[list[str]]]:
    """All tokens (what the lookup index takes) and content tokens (stopwords out) per sentence."""
    full: list[list[str]] = []
    content: list[list[str]] = []
    for text in corpus.texts:
        toks = norm.analyze(text)
        full.append([t.text for t in toks])
        content.append([t.text for t in toks if not t.stop])
    return full, content


def sentence_index(doc_ids: list[int]) -> list[int]:
    out, prev, k = [], None, 0
    for d in doc_ids:
        k = k + 1 if d == prev else 0
        out.append(k)
        prev = d
    return out


# ------------------------------------------------------------------------------------ lookup
def build_lookup(corpus: synthetic.Corpus, full: list[list[str]]) -> LexicalIndex:
    index = LexicalIndex()
    seq = sentence_index(corpus.doc_ids)
    for s in range(0, len(full), BATCH):
        e = min(len(full), s + BATCH)
        index.add(list(range(s + 1, e + 1)), corpus.doc_ids[s:e], full[s:e], sentence_index=seq[s:e])
    index.merge()
    return index


def pick_queries(corpus: synthetic.Corpus, n: int, seed: int) -> list[tuple[str, int]]:
    """``(query, source unit index or -1)``: edited copies of planted-family sentences (60%), of
    random sentences (25%), and fresh sentences (15%)."""
    rng = random.Random(seed)
    fam_units = [u for m in corpus.families.values() for u in m]
    src = [rng.choice(fam_units) for _ in range(int(n * 0.6))]
    src += [rng.randrange(len(corpus)) for _ in range(int(n * 0.25))]
    out = [(synthetic.perturb(corpus.texts[u], seed + 7 * i), u) for i, u in enumerate(src)]
    out += [(q, -1) for q in synthetic.fresh_sentences(n - len(out), seed + 99)]
    return out


ALL_POSTINGS = 1 << 40  # a posting budget no query reaches: every posting of every query word


def lookup_all(matcher: Matcher, prepared: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every unit sharing a content word or a spelling variant with the query (no budget)."""
    return retrieval.candidate_rows(matcher.index, prepared.seq, ALL_POSTINGS, posting_budget=ALL_POSTINGS,
                                    coverage=False, names=prepared.names)


def bench_lookup(corpus: synthetic.Corpus, norm: Normalizer, full: list[list[str]], content: list[list[str]],
                 n_queries: int, seed: int, workdir: Path) -> dict[str, Any]:
    t = time.perf_counter()
    index = build_lookup(corpus, full)
    build_s = time.perf_counter() - t
    path = workdir / "lookup.idx"
    t = time.perf_counter()
    size = index.save(path)
    save_s = time.perf_counter() - t
    matcher = Matcher(index, norm)
    queries = pick_queries(corpus, n_queries, seed)
    choices = [" ".join(c) for c in content]
    for q, _ in queries[:5]:
        matcher.search(q, limit=10)
    warm: list[float] = []
    found = total = found_copies = copies = 0
    own_total = own_found = own10_total = own10_found = 0
    scans: list[float] = []
    own_scans: list[float] = []
    for _ in range(TIMED_RUNS):  # timed on their own: the brute-force scans below evict every cache
        for q, _source in queries:
            t = time.perf_counter()
            matcher.search(q, limit=10)
            warm.append(time.perf_counter() - t)
    for q, source in queries:
        top10 = matcher.search(q, limit=10)
        hits = matcher.search(q, limit=200, min_score=0.0)
        got = {h.unit_id for h in hits}
        # exhaustive scan with the matcher's own scorer: every unit sharing a word or a spelling
        # variant with the query, all re-scored (a unit sharing none scores at most
        # 20 + 40 x its neighbours' relative BM25, under 70 unless they out-score the query itself)
        t = time.perf_counter()
        prepared = matcher.query(q)
        every, _ = lookup_all(matcher, prepared)
        exact = matcher.search(q, limit=len(every) + 1, min_score=LOOKUP_THRESHOLD, candidates=len(every),
                               prepared=prepared, posting_budget=ALL_POSTINGS) if len(every) else []
        own_scans.append(time.perf_counter() - t)
        want_own = {h.unit_id for h in exact}
        own_total += len(want_own)
        own_found += len(want_own & {h.unit_id for h in matcher.search(q, limit=200, min_score=LOOKUP_THRESHOLD)})
        best10 = {h.unit_id for h in exact[:10]}
        own10_total += len(best10)
        own10_found += len(best10 & {h.unit_id for h in top10})
        qn = " ".join(t.text for t in norm.analyze(q) if not t.stop)
        t = time.perf_counter()
        row = process.cdist([qn], choices, scorer=fuzz.token_set_ratio, score_cutoff=LOOKUP_THRESHOLD,
                            workers=2, dtype=np.uint8)[0]
        scans.append(time.perf_counter() - t)
        want = set((np.flatnonzero(row) + 1).tolist())
        total += len(want)
        found += len(want & got)
        if source >= 0 and corpus.family[source] >= 0:  # the planted copies of the query's source
            fam = {u + 1 for u in corpus.families[corpus.family[source]]} & want
            copies += len(fam)
            found_copies += len(fam & got)
    # cold: in a fresh process holding only the index, as the workbench starts (this process
    # holds the whole corpus as Python objects, whose garbage collections would be timed too)
    qfile = workdir / "cold-queries.json"
    qfile.write_text(json.dumps({"queries": [q for q, _ in queries[:COLD_QUERIES]], "aliases": corpus.aliases}))
    out = subprocess.run([sys.executable, __file__, "--cold-worker", str(path), str(qfile)],
                         check=True, capture_output=True, text=True)
    cold, load_s = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "build_s": build_s, "save_s": save_s, "index_mb": size / 1e6, "queries": len(queries),
        "warm_p50_ms": pct(warm, 50) * 1e3, "warm_p95_ms": pct(warm, 95) * 1e3,
        "cold_p50_ms": pct(cold, 50) * 1e3, "cold_p95_ms": pct(cold, 95) * 1e3,
        "load_p50_s": pct(load_s, 50), "bf_pairs": total, "recall": found / total if total else float("nan"),
        "bf_planted_pairs": copies, "recall_planted": found_copies / copies if copies else float("nan"),
        "own_pairs": own_total, "recall_own": own_found / own_total if own_total else float("nan"),
        "own_top10_pairs": own10_total, "recall_own_top10": own10_found / own10_total if own10_total else float("nan"),
        "own_scan_median_ms": statistics.median(own_scans) * 1e3,
        "bf_scan_median_ms": statistics.median(scans) * 1e3,
        "speed_ratio": statistics.median(scans) / statistics.median(warm),
        "_index": index,
    }


# ------------------------------------------------------------------------------------ clusters
def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``; ``ru_maxrss`` would include the parent's
    memory at fork time on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def cold_worker(index_path: str, queries_file: str) -> None:
    """Subprocess: for each query, load the saved index afresh and time its first search;
    prints ``[cold seconds], [load seconds]``."""
    spec = json.loads(Path(queries_file).read_text())
    norm = Normalizer(alias_groups_from_terms(spec["aliases"]))
    Matcher(LexicalIndex.load(index_path), norm).search(spec["queries"][0], limit=10)  # imports, once
    cold: list[float] = []
    load_s: list[float] = []
    for q in spec["queries"]:
        t = time.perf_counter()
        fresh = Matcher(LexicalIndex.load(index_path), norm)
        t1 = time.perf_counter()
        fresh.search(q, limit=10)
        cold.append(time.perf_counter() - t1)
        load_s.append(t1 - t)
        del fresh
    print(json.dumps([cold, load_s]))


def cluster_worker(units_file: str, index_file: str) -> None:
    """Subprocess: build the repetition index from a units file, report time and peak memory."""
    rss0 = peak_rss_mb()
    index = RepetitionIndex()
    t = time.perf_counter()
    batch: list[tuple[int, int, list[str]]] = []
    with open(units_file, encoding="utf-8") as fh:
        for line in fh:
            uid, doc, toks = line.rstrip("\n").split("\t")
            batch.append((int(uid), int(doc), toks.split(" ") if toks else []))
            if len(batch) >= BATCH:
                index.add(batch)
                batch = []
    index.add(batch)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    groups = index.groups()
    groups_s = time.perf_counter() - t
    index.save(index_file)
    st = index.stats
    print(json.dumps({
        "build_s": build_s, "groups_s": groups_s, "peak_mb": peak_rss_mb(), "start_mb": rss0,
        "groups": len(groups), "grouped_units": sum(len(g.unit_ids) for g in groups),
        "largest_group_units": max((len(g.unit_ids) for g in groups), default=0),
        "largest_group_docs": max((g.documents for g in groups), default=0),
        "entries": st.entries, "edges": st.edges, "funnel": index.funnel,
    }))


def cluster_truth(index: RepetitionIndex, corpus: synthetic.Corpus, n_queries: int, seed: int) -> dict[str, Any]:
    """Brute-force pairs (exact pair score >= 80) for all entries (small corpora) or sampled ones."""
    texts = index._text  # entries: distinct word sets of units long enough to group
    n = texts.size
    if n_queries <= 0 or n_queries >= n:
        queries = np.arange(n)
    else:
        rng = np.random.default_rng(seed)
        fam = np.array(corpus.family) >= 0
        planted = np.unique(index._uent[np.flatnonzero(fam[index._uid - 1] & (index._uent >= 0))])
        queries = np.unique(np.concatenate([rng.choice(planted, n_queries // 2, replace=False),
                                            rng.choice(n, n_queries // 2, replace=False)]))
    a_l, b_l, r_l = [], [], []
    for s in range(0, queries.size, 500):
        q = queries[s:s + 500]
        m = process.cdist(texts[q], texts, scorer=fuzz.ratio, score_cutoff=2 * CLUSTER_THRESHOLD - 100,
                          workers=2, dtype=np.float64)
        qi, cj = np.nonzero(m)
        a_l.append(q[qi])
        b_l.append(cj)
        r_l.append(m[qi, cj])
    a, b, r = np.concatenate(a_l), np.concatenate(b_l), np.concatenate(r_l)
    keep = a < b if queries.size == n else a != b
    a, b, r = a[keep], b[keep], r[keep]
    tset = process.cpdist(texts[a], texts[b], scorer=fuzz.token_set_ratio, workers=2, dtype=np.float64)
    score = np.round((r + tset) / 2, 2)
    keep = score >= CLUSTER_THRESHOLD
    a, b = a[keep], b[keep]
    spec = np.array([index.specificity(texts[x].split(), texts[y].split()) for x, y in zip(a, b, strict=True)])
    edges = set(zip(index._ea.tolist(), index._eb.tolist(), strict=True))
    roots = index._roots(CLUSTER_THRESHOLD)
    direct = np.array([(min(x, y), max(x, y)) in edges for x, y in zip(a, b, strict=True)], bool)
    grouped = roots[a] == roots[b]
    gate = spec >= index.specificity_min
    return {
        "truth_queries": int(queries.size), "truth_pairs": int(gate.sum()), "pairs_score_only": int(a.size),
        "edge_recall": float(direct[gate].mean()) if gate.any() else float("nan"),
        "group_recall": float(grouped[gate].mean()) if gate.any() else float("nan"),
        "group_recall_score_only": float(grouped.mean()) if a.size else float("nan"),
    }


def bench_clusters(corpus: synthetic.Corpus, content: list[list[str]], n_queries: int, seed: int,
                   workdir: Path) -> tuple[dict[str, Any], RepetitionIndex]:
    units_file, index_file = workdir / "units.tsv", workdir / "repeats.npz"
    with open(units_file, "w", encoding="utf-8") as fh:
        for i, (d, toks) in enumerate(zip(corpus.doc_ids, content, strict=True)):
            fh.write(f"{i + 1}\t{d}\t{' '.join(toks)}\n")
    out = subprocess.run([sys.executable, __file__, "--cluster-worker", str(units_file), str(index_file)],
                         check=True, capture_output=True, text=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    t = time.perf_counter()
    index = RepetitionIndex.load(index_file)
    report["load_s"] = time.perf_counter() - t
    report["file_mb"] = index_file.stat().st_size / 1e6
    report.update(cluster_truth(index, corpus, n_queries, seed))
    return report, index


# ------------------------------------------------------------------------------------ updates
def bench_update(corpus: synthetic.Corpus, norm: Normalizer, lookup: LexicalIndex, repeats: RepetitionIndex,
                 seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    fam_units = [u for m in corpus.families.values() for u in m]
    texts = synthetic.fresh_sentences(900, seed + 5)
    texts += [synthetic.perturb(corpus.texts[rng.choice(fam_units)], seed + i) for i in range(100)]
    rng.shuffle(texts)
    first_doc = max(corpus.doc_ids) + 1
    docs = [first_doc + i // 30 for i in range(len(texts))]
    uids = list(range(len(corpus) + 1, len(corpus) + 1 + len(texts)))
    seq = sentence_index(docs)
    t = time.perf_counter()
    analyzed = [norm.analyze(x) for x in texts]
    norm_s = time.perf_counter() - t
    t = time.perf_counter()
    lookup.add(uids, docs, [[a.text for a in toks] for toks in analyzed], sentence_index=seq)
    lookup_s = time.perf_counter() - t
    before = repeats.groups()  # a running service has its components cached
    t = time.perf_counter()
    repeats.add([(u, d, [a.text for a in toks if not a.stop]) for u, d, toks in zip(uids, docs, analyzed, strict=True)])
    add_s = time.perf_counter() - t
    after = repeats.groups()
    total_s = time.perf_counter() - t
    t = time.perf_counter()
    repeats.remove_documents(sorted(set(docs)))
    repeats.groups()
    remove_s = time.perf_counter() - t
    return {"sentences": len(texts), "normalize_ms": norm_s * 1e3, "lookup_add_ms": lookup_s * 1e3,
            "repeats_add_ms": add_s * 1e3, "repeats_add_groups_ms": total_s * 1e3,
            "groups_before": len(before), "groups_after": len(after),
            "grouped_units_before": sum(len(g.unit_ids) for g in before),
            "grouped_units_after": sum(len(g.unit_ids) for g in after),
            "repeats_remove_groups_ms": remove_s * 1e3}


# ------------------------------------------------------------------------------------ driver
def run_size(label: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    row: dict[str, Any] = {"size": label, "sentences": n}
    t = time.perf_counter()
    corpus = synthetic.generate(n, args.seed)
    row["generate_s"] = time.perf_counter() - t
    row["documents"] = corpus.n_documents
    norm = Normalizer(alias_groups_from_terms(corpus.aliases))
    t = time.perf_counter()
    full, content = normalize(corpus, norm)
    row["normalize_s"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="match-bench-") as tmp:
        work = Path(tmp)
        n_q = args.queries or (100 if n <= 100_000 else 50)
        look = bench_lookup(corpus, norm, full, content, n_q, args.seed, work)
        lookup = look.pop("_index")
        row["lookup"] = look
        print(f"[{label}] lookup done: {json.dumps(look)}", file=sys.stderr)
        del full
        truth_q = 0 if n <= 10_000 else (600 if n <= 100_000 else 300)
        rep, repeats = bench_clusters(corpus, content, truth_q, args.seed, work)
        row["clusters"] = rep
        print(f"[{label}] clusters done: {json.dumps(rep)}", file=sys.stderr)
        row["update"] = bench_update(corpus, norm, lookup, repeats, args.seed)
        print(f"[{label}] update done: {json.dumps(row['update'])}", file=sys.stderr)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    cols: list[tuple[str, Any]] = [
        ("sentences", lambda r: f"{r['sentences']:,}"),
        ("docs", lambda r: f"{r['documents']:,}"),
        ("normalize s", lambda r: f"{r['normalize_s']:.1f}"),
        ("index build s", lambda r: f"{r['lookup']['build_s']:.1f}"),
        ("index MB", lambda r: f"{r['lookup']['index_mb']:.0f}"),
        ("warm p50/p95 ms", lambda r: f"{r['lookup']['warm_p50_ms']:.1f} / {r['lookup']['warm_p95_ms']:.1f}"),
        ("cold p50/p95 ms", lambda r: f"{r['lookup']['cold_p50_ms']:.1f} / {r['lookup']['cold_p95_ms']:.1f}"),
        ("recall >=70 vs exhaustive scorer (top 10)", lambda r: f"{r['lookup']['recall_own']:.3f} "
                                                               f"({r['lookup']['own_pairs']}) / "
                                                               f"{r['lookup']['recall_own_top10']:.3f}"),
        ("recall >=70 vs token_set_ratio all / planted", lambda r: f"{r['lookup']['recall']:.3f} "
                                                                   f"({r['lookup']['bf_pairs']}) / "
                                                                   f"{r['lookup']['recall_planted']:.3f} "
                                                                   f"({r['lookup']['bf_planted_pairs']})"),
        ("brute force ms: token_set_ratio / own scorer", lambda r: f"{r['lookup']['bf_scan_median_ms']:.0f} / "
                                                                  f"{r['lookup']['own_scan_median_ms']:.0f}"),
        ("speed ratio", lambda r: f"{r['lookup']['speed_ratio']:.0f}x"),
        ("repeats build s", lambda r: f"{r['clusters']['build_s']:.1f}"),
        ("repeats peak MB", lambda r: f"{r['clusters']['peak_mb']:.0f}"),
        ("repeats recall >=80 group/edge", lambda r: f"{r['clusters']['group_recall']:.3f} / "
                                                    f"{r['clusters']['edge_recall']:.3f} ({r['clusters']['truth_pairs']})"),
        ("groups (largest)", lambda r: f"{r['clusters']['groups']:,} ({r['clusters']['largest_group_units']})"),
        ("+1,000: lookup ms", lambda r: f"{r['update']['lookup_add_ms']:.0f}"),
        ("+1,000: repeats+groups ms", lambda r: f"{r['update']['repeats_add_groups_ms']:.0f}"),
    ]
    head = "| " + " | ".join(c for c, _ in cols) + " |"
    sep = "|" + "|".join("---" for _ in cols) + "|"
    return "\n".join([head, sep] + ["| " + " | ".join(f(r) for _, f in cols) + " |" for r in rows])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k, 100k, 1M")
    p.add_argument("--quick", action="store_true", help="10k only")
    p.add_argument("--queries", type=int, default=0, help="lookup queries per size (default 100; 50 at 1M)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=str(REPO / "bench" / "out" / "match_bench.json"))
    p.add_argument("--cluster-worker", nargs=2, metavar=("UNITS", "INDEX"), help=argparse.SUPPRESS)
    p.add_argument("--cold-worker", nargs=2, metavar=("INDEX", "QUERIES"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.cluster_worker:
        cluster_worker(*args.cluster_worker)
        return 0
    if args.cold_worker:
        cold_worker(*args.cold_worker)
        return 0
    labels = ["10k"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    rows = [run_size(label, SIZES[label], args) for label in labels]
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "loadavg_end": os.getloadavg()}, "seed": args.seed,
              "total_s": time.perf_counter() - started, "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=float))
    print(table(rows))
    print(f"\ntotal {result['total_s']:.0f} s; load average at the end {os.getloadavg()[0]:.1f}; "
          f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
