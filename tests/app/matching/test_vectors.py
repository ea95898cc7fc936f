"""VectorIndex: flat and IVF search, deletions, persistence (no model needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.matching.semantic import vectors
from app.matching.semantic.vectors import VectorIndex


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _clustered(n: int, dim: int = 32, centres: int = 40, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = _unit(rng.normal(size=(centres, dim)))
    return _unit(c[rng.integers(0, centres, n)] + 0.15 * rng.normal(size=(n, dim))).astype(np.float32)


def test_flat_search_is_exact_and_excludes_documents() -> None:
    vecs = _clustered(500)
    idx = VectorIndex(32)
    idx.add(range(1, 501), [i // 10 for i in range(500)], vecs)
    q = vecs[123]
    got = idx.search(q, 5)
    assert got[0][0] == 124 and got[0][2] == pytest.approx(1.0, abs=1e-2)
    brute = np.argsort(-(vecs @ q))[:5] + 1
    assert [s for s, _, _ in got] == brute.tolist()
    assert all(d != 12 for _, d, _ in idx.search(q, 20, exclude_documents=[12]))


def test_remove_and_readd() -> None:
    vecs = _clustered(100)
    idx = VectorIndex(32)
    idx.add(range(100), [0] * 50 + [1] * 50, vecs)
    assert idx.remove_documents([0]) == 50 and len(idx) == 50
    assert all(d == 1 for _, d, _ in idx.search(vecs[3], 10))
    idx.add([3], [7], vecs[3:4])
    assert idx.search(vecs[3], 1)[0][:2] == (3, 7)
    assert idx.sentence_ids() == set(range(50, 100)) | {3}


def test_ivf_recall_against_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "FLAT_MAX", 1000)
    vecs = _clustered(20_000, seed=3)
    idx = VectorIndex(32)
    idx.add(range(20_000), [i // 20 for i in range(20_000)], vecs)
    assert idx.needs_training
    idx.train()
    assert idx.centroids is not None and not idx.needs_training
    rng = np.random.default_rng(5)
    queries = _unit(vecs[rng.integers(0, 20_000, 50)] + 0.05 * rng.normal(size=(50, 32))).astype(np.float32)
    hits = 0
    for q in queries:
        truth = set((np.argsort(-(vecs.astype(np.float16).astype(np.float32) @ q))[:10]).tolist())
        got = {s for s, _, _ in idx.search(q, 10)}
        hits += len(truth & got)
    assert hits / 500 >= 0.95
    # vectors added after training are filed under the existing centroids and found
    extra = _clustered(10, seed=9)
    idx.add(range(50_000, 50_010), [9999] * 10, extra)
    assert idx.search(extra[4], 1)[0][0] == 50_004


def test_save_and_load_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "FLAT_MAX", 500)
    vecs = _clustered(3000)
    idx = VectorIndex(32)
    idx.add(range(3000), [i // 3 for i in range(3000)], vecs)
    idx.train()
    idx.remove_documents([5])
    idx.meta = {"workspace_id": "w", "model": "m"}
    idx.save(tmp_path / "v")
    back = VectorIndex.load(tmp_path / "v")
    assert back.meta == {"workspace_id": "w", "model": "m"} and len(back) == 2997
    assert back.centroids is not None
    q = vecs[42]
    assert back.search(q, 3) == idx.search(q, 3)
    (tmp_path / "v" / "ids.npy").write_bytes(b"garbage")
    with pytest.raises(ValueError):
        VectorIndex.load(tmp_path / "v")


def test_layout_tail_and_relayout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "FLAT_MAX", 500)
    monkeypatch.setattr(vectors, "LAYOUT_TAIL", 300)
    vecs = _clustered(4000, seed=4)
    idx = VectorIndex(32)
    idx.add(range(4000), [0] * 4000, vecs[:4000])
    idx.train()
    assert not idx.needs_layout
    extra = _clustered(400, seed=8)
    idx.add(range(10_000, 10_400), [1] * 400, extra)
    assert idx.needs_layout  # found meanwhile through the exact tail scan
    assert idx.search(extra[17], 1)[0][0] == 10_017
    idx.layout()
    assert not idx.needs_layout
    assert idx.search(extra[17], 1)[0][0] == 10_017
    idx.remove_documents([1])
    assert all(d == 0 for _, d, _ in idx.search(extra[17], 20))
