"""Persistence of a ``LexicalIndex`` (numpy ``.npy`` arrays + a pickled vocabulary + JSON
metadata in one folder) and the growable array it is made of."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ARRAYS = ("df", "is_stop", "tlen", "stopbit", "unit_ids", "doc_ids", "starts", "ends", "alive", "clen",
          "cchars", "schars", "stopmask", "sent_idx", "is_clause", "seq_ptr", "seq_terms")
_COUNTERS = ("n_alive", "n_sent", "total_len")


class Grow:
    """A growable numpy array of rows (amortized appends, capacity doubling): 1-d by default,
    or rows of ``row_shape`` (``Grow(np.float16, row_shape=(384,))`` for vectors)."""

    __slots__ = ("arr", "n")

    def __init__(self, dtype: Any, arr: np.ndarray | None = None, row_shape: tuple[int, ...] = ()) -> None:
        if arr is None:
            self.arr = np.zeros((1024, *row_shape), dtype=dtype)
            self.n = 0
        else:
            self.arr = arr
            self.n = len(arr)

    def extend(self, values: np.ndarray | Sequence[Any]) -> None:
        v = np.asarray(values, dtype=self.arr.dtype)
        need = self.n + len(v)
        if need > len(self.arr) or not self.arr.flags.writeable:
            cap = max(need, int(len(self.arr) * 1.5) + 1024)
            new = np.zeros((cap, *self.arr.shape[1:]), dtype=self.arr.dtype)
            new[: self.n] = self.arr[: self.n]
            self.arr = new
        self.arr[self.n : need] = v
        self.n = need

    def view(self) -> np.ndarray:
        return self.arr[: self.n]

    def writable(self) -> np.ndarray:
        if not self.arr.flags.writeable:
            self.arr = np.array(self.arr)
        return self.arr[: self.n]



def save(idx: Any, path: str | os.PathLike[str], version: int) -> int:
    """Write to a sibling folder, then rename over ``path``. Returns the bytes written."""
    target = Path(path)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    for name in ARRAYS:
        np.save(tmp / f"{name}.npy", getattr(idx, name).view())
    for name in ("post_ptr", "post_rows", "post_tf"):
        np.save(tmp / f"{name}.npy", getattr(idx, name))
    with open(tmp / "terms.pkl", "wb") as f:
        pickle.dump((idx.terms, idx.skel), f, protocol=pickle.HIGHEST_PROTOCOL)
    meta = {**idx.meta, "format": version, **{k: getattr(idx, k) for k in _COUNTERS}}
    (tmp / "meta.json").write_text(json.dumps(meta))
    old = target.with_name(target.name + f".old{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    remove(old)
    return sum(p.stat().st_size for p in target.iterdir())


def load(idx: Any, path: str | os.PathLike[str], version: int, *, mmap: bool = True) -> None:
    """Fill the empty index ``idx`` from ``path``; ``ValueError`` when that is impossible."""
    p = Path(path)
    try:
        meta = json.loads((p / "meta.json").read_text())
        if meta.get("format") != version:
            raise ValueError(f"index format {meta.get('format')} != {version}")
        mode: Any = "r" if mmap else None
        for name in ARRAYS:
            arr = np.load(p / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
            setattr(idx, name, Grow(arr.dtype, arr))
        for name in ("post_ptr", "post_rows", "post_tf"):
            setattr(idx, name, np.load(p / f"{name}.npy", mmap_mode=mode, allow_pickle=False))
        with open(p / "terms.pkl", "rb") as f:
            idx.terms, idx.skel = pickle.load(f)
        idx.vocab = {t: i for i, t in enumerate(idx.terms)}
        # a million vocabulary objects just allocated: take the full garbage collection they
        # have made due now, while loading, rather than in the middle of the first search
        gc.collect()
        idx.n_alive, idx.n_sent = int(meta["n_alive"]), int(meta["n_sent"])
        idx.total_len = float(meta["total_len"])
        idx.meta = {k: v for k, v in meta.items() if k not in ("format", *_COUNTERS)}
        n, t = idx.n_rows, len(idx.terms)
        per_term = ("df", "is_stop", "tlen", "stopbit")
        ok = all(getattr(idx, a).n == t for a in per_term) and idx.seq_ptr.n == n + 1
        ok = ok and all(getattr(idx, a).n == n for a in ARRAYS if a not in (*per_term, "seq_ptr", "seq_terms"))
        ok = ok and len(idx.post_ptr) == t + 1 and len(idx.post_rows) == len(idx.post_tf) == int(idx.post_ptr[-1])
        ok = ok and idx.seq_terms.n == int(idx.seq_ptr.view()[-1])
        if not ok:
            raise ValueError("inconsistent index arrays")
    except ValueError:
        raise
    except Exception as exc:  # missing file, truncated array, bad pickle ...
        raise ValueError(f"unreadable index: {type(exc).__name__}: {exc}") from exc


def remove(path: str | os.PathLike[str]) -> None:
    p = Path(path)
    if p.is_dir():
        for f in p.iterdir():
            with contextlib.suppress(OSError):
                f.unlink()
        with contextlib.suppress(OSError):
            p.rmdir()
