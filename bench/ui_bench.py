"""Desktop responsiveness: time to first paint on a 10,000-document workspace, and the longest
event-loop stall while 1,000 documents are imported with the window open.

    .venv/bin/python bench/ui_bench.py [--docs 10000] [--import-docs 1000] [--runs 3] [--rebuild]

The 10,000-document workspace is generated once through the app API (small deterministic news-like
texts; built on /dev/shm when available, then copied with the online backup API) and cached in
``bench/out/``. Each measurement runs in a fresh interpreter (cold start, as a user would see it)
on a private copy of the cached workspace, offscreen. Goals: first paint <= 1.5 s; no stall
> 100 ms. Results: a table on stdout and JSON in bench/out/ui_bench.json.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # process start, as near as Python lets us measure

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO))

OUTLETS = ["Daily Ledger", "Morning Post", "Evening Courier", "Valley Herald", "Coast Gazette", "Capital Times"]
TOWNS = ["Ardmore", "Belhaven", "Corriston", "Dunmere", "Eskdale", "Fairholm", "Glenrock", "Harwick"]
VERBS = ["approved", "rejected", "postponed", "debated", "questioned", "announced"]
THINGS = ["the budget", "a new bridge", "the water plan", "school repairs", "a tax rise", "the bus route"]


def doc_text(i: int, rng: random.Random) -> str:
    town = rng.choice(TOWNS)
    day, month = 1 + rng.randrange(28), 1 + rng.randrange(12)
    lines = [f"{town} council {rng.choice(VERBS)} {rng.choice(THINGS)} (report {i})", "",
             f"{day:02d}/{month:02d}/{2010 + rng.randrange(14)}", ""]
    for _ in range(3 + rng.randrange(5)):
        lines.append(f"The council in {town} {rng.choice(VERBS)} {rng.choice(THINGS)} on a vote of "
                     f"{rng.randrange(3, 12)} to {rng.randrange(0, 5)}. Residents told the "
                     f"{rng.choice(OUTLETS)} that {rng.choice(THINGS)} had waited {rng.randrange(2, 40)} years.")
    return "\n".join(lines) + "\n"


def write_docs(folder: Path, n: int, seed: int, prefix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(n):
        (folder / f"{prefix}{i:05d}.txt").write_text(doc_text(i, rng), encoding="utf-8")
    return folder


def cached_workspace(n: int, rebuild: bool) -> Path:
    from app.workspace import Workspace

    target = OUT / f"ui_bench_{n}.sourcetrace"
    if target.exists() and not rebuild:
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="ui-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        docs = write_docs(scratch / "docs", n, seed=7, prefix="doc")
        t = time.perf_counter()
        print(f"building a {n}-document workspace (once; cached in {target}) ...", flush=True)
        ws = Workspace.open(scratch / "w.sourcetrace", user="bench", daily_backup=False)
        last = [0.0]

        def progress(done: int, total: int, _o: object) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"  {done}/{total}", flush=True)

        ws.documents.import_paths([docs], workers=0, progress=progress)
        ws.maintenance.backup(target)
        ws.close()
        print(f"  built in {time.perf_counter() - t:.0f} s", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


# ---------------------------------------------------------------------------- child: first paint
def child_first_paint(workspace: str, settings_file: str) -> dict[str, float]:
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer

    from ui.app import make_application

    app = make_application()
    from ui.mainwindow import MainWindow

    marks: dict[str, float] = {}

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                marks.setdefault("first_paint", time.perf_counter() - T0)
                if obj is window.library.view.viewport() and window.library.model.rowCount() > 0:
                    marks.setdefault("library_painted", time.perf_counter() - T0)
                    marks.setdefault("rows", window.library.model.rowCount())
                    QTimer.singleShot(0, app.quit)
            return False

    watch = Watch()
    app.installEventFilter(watch)
    window = MainWindow(settings=QSettings(settings_file, QSettings.Format.IniFormat))
    window.workspaceOpened.connect(lambda _s: marks.setdefault("workspace_open", time.perf_counter() - T0))
    window.show()
    window.open_workspace(workspace, user="bench")
    QTimer.singleShot(60000, app.quit)
    app.exec()
    app.removeEventFilter(watch)
    window.close()
    return marks


# ---------------------------------------------------------------------------- child: stalls
def child_stall(workspace: str, settings_file: str, docs: str) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    from ui.app import make_application

    app = make_application()
    from ui.mainwindow import MainWindow

    window = MainWindow(settings=QSettings(settings_file, QSettings.Format.IniFormat))
    window.show()
    window.open_workspace(workspace, user="bench")
    gaps: list[float] = []
    clock = QElapsedTimer()
    beat = QTimer()
    beat.setInterval(5)
    last = [0]
    result: dict[str, float] = {}

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(float(now - last[0]))
        last[0] = now

    beat.timeout.connect(tick)

    def busy() -> bool:
        # foreground work only: the semantic stage's indexing runs on the background lane for
        # minutes on a large workspace and keeps running (paused during the import), as it
        # would for a user
        return window.session is not None and any(t.lane != "background" for t in window.session.tasks.tasks())

    def start(_session: object) -> None:
        # let the library load first: the stall measured is the import's, not the opening's
        def go() -> None:
            if busy():
                QTimer.singleShot(50, go)
                return
            result["rows_before"] = window.library.model.rowCount()
            clock.start()
            last[0] = 0
            beat.start()
            result["t_import_start"] = time.perf_counter()
            window.start_import([docs])

        QTimer.singleShot(200, go)

    def finished(outcomes: list) -> None:
        beat.stop()
        result["import_seconds"] = time.perf_counter() - result.pop("t_import_start")
        result["imported"] = sum(1 for o in outcomes if o.status == "imported")

        def settle() -> None:  # wait until the library has caught up
            if busy():
                QTimer.singleShot(50, settle)
            else:
                result["rows_after"] = window.library.model.rowCount()
                app.quit()

        settle()

    window.workspaceOpened.connect(start)
    window.workspaceOpened.connect(lambda _s: window.importer.finished.connect(finished))
    QTimer.singleShot(900000, app.quit)
    app.exec()
    window.close()
    expected = 5.0
    stalls = sorted(max(0.0, g - expected) for g in gaps)
    result.update({
        "heartbeats": len(gaps),
        "max_stall_ms": stalls[-1] if stalls else 0.0,
        "p99_stall_ms": stalls[int(len(stalls) * 0.99) - 1] if len(stalls) > 100 else (stalls[-1] if stalls else 0),
        "stalls_over_100ms": sum(1 for s in stalls if s > 100),
        "stalls_over_50ms": sum(1 for s in stalls if s > 50),
    })
    return result


def run_child(args: list[str]) -> dict[str, float]:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"child failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--import-docs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--child", choices=["first-paint", "stall"])
    ap.add_argument("--workspace")
    ap.add_argument("--settings")
    ap.add_argument("--import-dir")
    args = ap.parse_args()
    if args.child == "first-paint":
        print("RESULT " + json.dumps(child_first_paint(args.workspace, args.settings)), flush=True)
        return
    if args.child == "stall":
        print("RESULT " + json.dumps(child_stall(args.workspace, args.settings, args.import_dir)), flush=True)
        return
    cached = cached_workspace(args.docs, args.rebuild)
    work = Path(tempfile.mkdtemp(prefix="ui-bench-run-"))
    try:
        paints = []
        for run in range(args.runs):
            ws_copy = work / f"paint{run}.sourcetrace"
            shutil.copyfile(cached, ws_copy)  # the cache is closed: a plain copy is safe
            paints.append(run_child(["--child", "first-paint", "--workspace", str(ws_copy),
                                     "--settings", str(work / f"s{run}.ini")]))
        docs = write_docs(work / "import", args.import_docs, seed=11, prefix="new")
        ws_copy = work / "stall.sourcetrace"
        shutil.copyfile(cached, ws_copy)
        stall = run_child(["--child", "stall", "--workspace", str(ws_copy), "--settings", str(work / "st.ini"),
                           "--import-dir", str(docs)])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(p[k] for p in paints) for k in ("first_paint", "workspace_open", "library_painted")}
    report = {"documents": args.docs, "runs": paints, "median": med, "import": stall,
              "goals": {"first_paint_s": 1.5, "max_stall_ms": 100}}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ui_bench.json").write_text(json.dumps(report, indent=2))
    print(f"\n| measure ({args.docs:,} documents, median of {args.runs} cold starts) | seconds |")
    print("| --- | ---: |")
    print(f"| process start -> window first painted | {med['first_paint']:.2f} |")
    print(f"| process start -> workspace open | {med['workspace_open']:.2f} |")
    print(f"| process start -> library painted with all {int(paints[0]['rows']):,} rows | {med['library_painted']:.2f} |")
    print(f"\n| import of {args.import_docs:,} documents with the window open | value |")
    print("| --- | ---: |")
    print(f"| import time | {stall['import_seconds']:.1f} s ({int(stall['imported'])} imported) |")
    print(f"| library rows before / after | {int(stall['rows_before']):,} / {int(stall['rows_after']):,} |")
    print(f"| heartbeats (5 ms timer) | {int(stall['heartbeats']):,} |")
    print(f"| longest event-loop stall | {stall['max_stall_ms']:.0f} ms |")
    print(f"| 99th percentile stall | {stall['p99_stall_ms']:.0f} ms |")
    print(f"| stalls > 50 ms / > 100 ms | {int(stall['stalls_over_50ms'])} / {int(stall['stalls_over_100ms'])} |")
    ok = med["first_paint"] <= 1.5 and stall["max_stall_ms"] <= 100
    print(f"\ngoals (first paint <= 1.5 s, no stall > 100 ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
