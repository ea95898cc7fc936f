"""Helpers for the fault tests: run the real command line in a subprocess, make test files."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``sourcetrace ARGS...`` in this process (fast): exit status, stdout and stderr."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from app.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def cli_process(*args: str, timeout: float = 300, **kw: object) -> subprocess.CompletedProcess[str]:
    """``sourcetrace ARGS...`` in a fresh process (the real entry point minus Qt)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "app.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env=env, **kw)  # type: ignore[call-overload]


def cli_popen(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "app.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=env, **kw)  # type: ignore[call-overload]


WORDS = ("minister", "ordered", "forces", "city", "report", "claimed", "oil", "deal", "sources", "said",
         "according", "officials", "village", "council", "statement", "evidence", "document", "witness")


def article(seed: int, sentences: int) -> str:
    rng = random.Random(seed)
    out = [f"Article {seed}."]
    for i in range(sentences):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
        out.append(f"{words.capitalize()} in item {seed}-{i}.")
        if i % 7 == 6:
            out.append("\n\n")
    return " ".join(out) + "\n"


def write_articles(folder: Path, count: int, sentences: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"article-{i:04d}.txt"
        p.write_text(article(i, sentences), encoding="utf-8")
        paths.append(p)
    return paths
