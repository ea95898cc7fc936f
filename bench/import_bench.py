"""Import throughput: documents/s and MB/s for text, HTML and PDF, serial and on all cores,
and the PDF importer's overhead against pdfminer.six's own ``extract_text`` on the same files.

    .venv/bin/python bench/import_bench.py [--repeat 3] [--docs 60]

Corpus: generated in a temp folder from the seed articles when ../shared/corpus is present
(else from built-in paragraphs): plain text, HTML pages with navigation/ads/comments, and
multi-page PDFs written with Qt's QPdfWriter. Results: a markdown table on stdout and JSON
in bench/out/import_bench.json. Figures are medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.workspace import Workspace  # noqa: E402
from importers import extract  # noqa: E402

SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
FALLBACK = [
    "The council voted on Tuesday to approve the new budget after a long debate.",
    "Officials said the agreement would be reviewed by independent auditors next year.",
    "Residents told reporters that the water supply had been cut for three days.",
]


def paragraphs() -> list[str]:
    paras: list[str] = []
    if SEEDS.exists():
        for f in sorted(SEEDS.glob("*.txt")):
            paras += [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    return paras or FALLBACK * 20


def make_corpus(root: Path, n: int) -> dict[str, list[Path]]:
    paras = paragraphs()
    out: dict[str, list[Path]] = {"text": [], "html": [], "pdf": []}
    for kind in out:
        (root / kind).mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QMarginsF, QSizeF
    from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    _app = QGuiApplication.instance() or QGuiApplication([])
    for i in range(n):
        body = [f"Report number {i}: " + paras[(i * 7 + k) % len(paras)] for k in range(12)]
        p = root / "text" / f"doc{i:04d}.txt"
        p.write_text(f"Friday, May {1 + i % 28}, 2016\n\n" + "\n\n".join(body), encoding="utf-8")
        out["text"].append(p)
        h = root / "html" / f"page{i:04d}.html"
        h.write_text(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Story %d</title>"
            "<meta property='og:site_name' content='Example News'>"
            "<meta property='article:published_time' content='2016-05-%02d'></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><div class=ad>Buy now</div>"
            "<article><h1>Story %d</h1>%s</article><div id=comments><p>First!</p></div>"
            "<footer>(c) Example</footer><script>track()</script></body></html>"
            % (i, 1 + i % 28, i, "".join(f"<p>{html.escape(b)}</p>" for b in body)),
            encoding="utf-8",
        )
        out["html"].append(h)
        if i % 3 == 0:  # PDFs are slower: a third as many, several pages each
            pdf = root / "pdf" / f"file{i:04d}.pdf"
            writer = QPdfWriter(str(pdf))
            writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                             QMarginsF(20, 20, 20, 20)))
            doc = QTextDocument()
            doc.setPageSize(QSizeF(writer.width(), writer.height()))
            doc.setHtml("".join(f"<p>{html.escape(b)}</p>" for b in body * 3))
            doc.print_(writer)
            del writer
            out["pdf"].append(pdf)
    return out


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def import_run(files: list[Path], workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "bench.sourcetrace", user="bench")
        try:
            t = time.perf_counter()
            outcomes = ws.documents.import_paths(files, workers=workers)
            elapsed = time.perf_counter() - t
        finally:
            ws.close()
    bad = [o for o in outcomes if o.status != "imported"]
    if bad:
        raise SystemExit(f"bench import failed: {bad[0].filename}: {bad[0].error}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--docs", type=int, default=60)
    args = ap.parse_args()
    from pdfminer.high_level import extract_text

    results: dict[str, object] = {"cores": os.cpu_count(), "repeat": args.repeat}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = make_corpus(Path(tmp) / "corpus", args.docs)
        for kind, files in corpus.items():
            mb = sum(f.stat().st_size for f in files) / 1e6
            for workers in (0, 2):
                times = [import_run(files, workers) for _ in range(args.repeat)]
                med = statistics.median(times)
                rows.append((kind, len(files), mb, "serial" if workers == 0 else "2 processes", med,
                             len(files) / med, mb / med))
        # PDF importer overhead versus pdfminer's own extract_text, same files, same process.
        pdfs = [f.read_bytes() for f in corpus["pdf"]]
        ours = [timed(lambda: [extract(d, "x.pdf") for d in pdfs]) for _ in range(args.repeat)]
        base = [timed(lambda: [extract_text(io.BytesIO(d)) for d in pdfs]) for _ in range(args.repeat)]
        ratio = statistics.median(ours) / statistics.median(base)
    print(f"Import throughput (median of {args.repeat} runs, {os.cpu_count()} cores)\n")
    print("| type | files | MB | mode | seconds | docs/s | MB/s |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for kind, n, mb, mode, sec, dps, mbps in rows:
        print(f"| {kind} | {n} | {mb:.2f} | {mode} | {sec:.2f} | {dps:.1f} | {mbps:.2f} |")
    print(f"\nPDF importer vs pdfminer.six extract_text on the same {len(pdfs)} PDFs: "
          f"{statistics.median(ours):.2f} s vs {statistics.median(base):.2f} s = {ratio:.2f}x (goal <= 1.2x)")
    results["rows"] = [dict(zip(("type", "files", "mb", "mode", "seconds", "docs_per_s", "mb_per_s"), r,
                                strict=True)) for r in rows]
    results["pdf_overhead_ratio"] = ratio
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "import_bench.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
