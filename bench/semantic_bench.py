"""Semantic stage benchmark: embedding throughput and memory, vector search, hybrid query latency.

    python bench/semantic_bench.py [--sizes 100k,1M] [--queries N] [--pool N] [--seed S]

* **Embedding** (the packaged all-MiniLM-L6-v2 int8 on ONNX Runtime, all cores): sentences/s
  over ``--pool`` synthetic news sentences (median of 3 runs of a third each), and the resident
  memory the model adds.
* **Vector search** at each size: IVF training time, p50/p95 of a semantic-stage query (embed the
  query + IVF search), its recall@10 against the exact cosine scan of the same float16 vectors,
  and the speed ratio against that scan (the brute-force baseline, same process).
* **Hybrid query** at each size: ``Matcher.search`` with the semantic hook over a lexical index
  of the same synthetic corpus (``bench/synthetic.py``), p50/p95, against the lexical search
  alone.

Embedding 1M sentences takes over an hour on 2 cores (see the throughput), so the vectors of the
N corpus sentences are the real embeddings of ``--pool`` corpus sentences, each reused with a
small random perturbation (cosine ~0.95 to its origin). Latency and memory depend on N and the
dimension, not on the text; recall is measured on these vectors. CLEF quality is measured by
``bench/clef_map.py --by both``.

Prints a markdown table and writes ``bench/out/semantic_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.matching.index import LexicalIndex  # noqa: E402
from app.matching.matcher import Matcher, SemanticHook  # noqa: E402
from app.matching.normalize import Normalizer, alias_groups_from_terms  # noqa: E402
from app.matching.semantic.model import availability, get_embedder  # noqa: E402
from app.matching.semantic.vectors import VectorIndex  # noqa: E402
from app.matching.units import unit_id  # noqa: E402
from bench import synthetic  # noqa: E402
from bench.match_bench import normalize, pct, pick_queries, sentence_index  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_embedding(texts: list[str]) -> tuple[dict[str, Any], np.ndarray]:
    before = rss_mb()
    t = time.perf_counter()
    emb = get_embedder()
    load_s = time.perf_counter() - t
    emb.embed(texts[:64])
    third = max(1, len(texts) // 3)
    rates, parts = [], []
    for k in range(3):
        chunk = texts[k * third:(k + 1) * third]
        t = time.perf_counter()
        parts.append(emb.embed(chunk))
        rates.append(len(chunk) / (time.perf_counter() - t))
    vecs = np.vstack(parts)
    return {"sentences": len(vecs), "load_s": load_s, "sentences_per_s": statistics.median(rates),
            "runs_per_s": [round(r, 1) for r in rates], "model_rss_mb": rss_mb() - before,
            "threads": os.cpu_count()}, vecs


def replicate(pool: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, pool.shape[1]), dtype=np.float16)
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        base = pool[np.arange(lo, hi) % len(pool)]
        noisy = base + 0.018 * rng.standard_normal(base.shape).astype(np.float32)
        out[lo:hi] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return out


def run_size(label: str, n: int, pool_vecs: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    row: dict[str, Any] = {"size": label, "sentences": n}
    corpus = synthetic.generate(n, args.seed)
    norm = Normalizer(alias_groups_from_terms(corpus.aliases))
    full, _content = normalize(corpus, norm)
    lexical = LexicalIndex()  # unit ids as in a workspace: sentence id * 16 (sentence ids 1..n)
    seq = sentence_index(corpus.doc_ids)
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        lexical.add([unit_id(i, 0) for i in range(lo + 1, hi + 1)], corpus.doc_ids[lo:hi], full[lo:hi],
                    sentence_index=seq[lo:hi])
    lexical.merge()
    del full
    matcher = Matcher(lexical, norm)
    vecs = replicate(pool_vecs, n, args.seed)
    rss0 = rss_mb()
    index = VectorIndex(vecs.shape[1])
    t = time.perf_counter()
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        index.add(range(lo + 1, hi + 1), corpus.doc_ids[lo:hi], vecs[lo:hi].astype(np.float32))
    row["vector_add_s"] = time.perf_counter() - t
    t = time.perf_counter()
    if index.needs_training:
        index.train()
    row["ivf_train_s"] = time.perf_counter() - t
    row["ivf_lists"] = 0 if index.centroids is None else len(index.centroids)
    row["vector_rss_mb"] = rss_mb() - rss0
    emb = get_embedder()
    queries = [q for q, _ in pick_queries(corpus, args.queries, args.seed)]
    qvecs = emb.embed(queries)
    # the exact scan every query would need without the IVF layer (same float16 vectors)
    full_f16 = index.vecs.view()
    sem_ms, scan_ms, hyb_ms, lex_ms = [], [], [], []
    hit = total = 0
    for q, qv in zip(queries, qvecs, strict=True):
        t = time.perf_counter()
        qv2 = emb.embed([q])[0]
        near = index.search(qv2, 50)
        sem_ms.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        sims = np.empty(len(full_f16), dtype=np.float32)
        for lo in range(0, len(full_f16), 200_000):
            sims[lo:lo + 200_000] = full_f16[lo:lo + 200_000].astype(np.float32) @ qv
        exact = np.argpartition(-sims, 10)[:10]
        scan_ms.append((time.perf_counter() - t) * 1e3)
        truth = set((index.ids.view()[exact]).tolist())
        got = {s for s, _, _ in near[:10]}
        hit += len(truth & got)
        total += 10
        t = time.perf_counter()
        matcher.search(q, limit=10)
        lex_ms.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        qv3 = emb.embed([q])[0]
        near3 = index.search(qv3, 50)
        hook = SemanticHook([unit_id(s, 0) for s, _, _ in near3],
                            lambda sids, qv3=qv3: {s: float(v @ qv3) for s, v in index.vectors_of(sids).items()})
        matcher.search(q, limit=10, semantic=hook)
        hyb_ms.append((time.perf_counter() - t) * 1e3)
    row.update({
        "queries": len(queries),
        "semantic_p50_ms": pct(sem_ms, 50), "semantic_p95_ms": pct(sem_ms, 95),
        "exact_scan_median_ms": statistics.median(scan_ms),
        "ivf_speedup": statistics.median(scan_ms) / max(1e-9, statistics.median(sem_ms)),
        "ivf_recall_at_10": hit / total if total else float("nan"),
        "lexical_p50_ms": pct(lex_ms, 50), "lexical_p95_ms": pct(lex_ms, 95),
        "hybrid_p50_ms": pct(hyb_ms, 50), "hybrid_p95_ms": pct(hyb_ms, 95),
    })
    return row


def table(emb: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    out = [f"Embedding: {emb['sentences_per_s']:.0f} sentences/s on {emb['threads']} cores "
           f"(runs {emb['runs_per_s']}), model load {emb['load_s']:.2f} s, +{emb['model_rss_mb']:.0f} MB RSS", "",
           "| sentences | IVF lists | train s | vectors MB RSS | semantic p50/p95 ms | exact scan ms | IVF speed-up "
           "| IVF recall@10 | lexical p50/p95 ms | hybrid p50/p95 ms |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['sentences']:,} | {r['ivf_lists']} | {r['ivf_train_s']:.1f} | {r['vector_rss_mb']:.0f} "
                   f"| {r['semantic_p50_ms']:.1f} / {r['semantic_p95_ms']:.1f} | {r['exact_scan_median_ms']:.1f} "
                   f"| {r['ivf_speedup']:.1f}x | {r['ivf_recall_at_10']:.3f} "
                   f"| {r['lexical_p50_ms']:.1f} / {r['lexical_p95_ms']:.1f} "
                   f"| {r['hybrid_p50_ms']:.1f} / {r['hybrid_p95_ms']:.1f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--pool", type=int, default=6000, help="sentences really embedded")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    av = availability()
    if not av.on:
        print(av.reason, file=sys.stderr)
        return 2
    pool_texts = synthetic.generate(args.pool, args.seed + 1000).texts
    random.Random(args.seed).shuffle(pool_texts)
    emb, pool_vecs = bench_embedding(pool_texts)
    print(f"embedding: {json.dumps(emb)}", file=sys.stderr)
    rows = []
    for label in args.sizes.split(","):
        row = run_size(label, SIZES[label], pool_vecs, args)
        print(f"[{label}] {json.dumps(row)}", file=sys.stderr)
        rows.append(row)
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "semantic_bench.json").write_text(json.dumps({
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "embedding": emb, "sizes": rows}, indent=2))
    print(table(emb, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
