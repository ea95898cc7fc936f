"""Token sequences as packed term ids, and the per-term table the scorer reads them with.

The matcher re-scores dozens of candidates and their context windows per lookup; going through
Python lists of words costs more than the scoring itself. ``Packed`` holds many sequences as one
flat id array into a small vocabulary, and a ``TermTable`` (the ``LexicalIndex``) answers
per-term questions (idf, stopword, spelling skeleton) for a whole vocabulary at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["Packed", "TermTable"]


class TermTable(Protocol):
    """Per-term facts by term id, vectorized (the ``LexicalIndex`` is one): lets the scorer
    weigh a ``Packed`` vocabulary that carries term ids without a Python call per term."""

    def idf_ids(self, ids: np.ndarray) -> np.ndarray: ...

    def stop_ids(self, ids: np.ndarray) -> np.ndarray: ...

    def skeleton_ids(self, keys: Iterable[str]) -> set[int]: ...

    def ids_of(self, terms: Sequence[str]) -> np.ndarray: ...


@dataclass
class Packed:
    """Many token sequences as one flat array of ids into a small vocabulary: what the
    vectorized scoring works on (``Packed.of`` from token lists; the matcher builds one
    straight from the index's term ids, without a Python loop over every token)."""

    terms: list[str]  # the vocabulary: local id -> term
    ids: np.ndarray  # int64, every sequence's local ids, one after another
    lens: np.ndarray  # int64, tokens per sequence
    gids: np.ndarray | None = None  # each vocabulary term's id in the scorer's ``TermTable``, ascending

    @classmethod
    def of(cls, seqs: Sequence[Sequence[str]]) -> Packed:
        local: dict[str, int] = {}
        flat: list[int] = []
        for u in seqs:
            for t in u:
                i = local.get(t)
                if i is None:
                    i = local[t] = len(local)
                flat.append(i)
        return cls(list(local), np.asarray(flat, dtype=np.int64),
                   np.fromiter((len(u) for u in seqs), dtype=np.int64, count=len(seqs)))

    def __len__(self) -> int:
        return len(self.lens)

    def _split(self, n: int) -> int:
        return int(self.lens[:n].sum())

    def head(self, n: int) -> Packed:
        """The first ``n`` sequences (same vocabulary)."""
        return Packed(self.terms, self.ids[: self._split(n)], self.lens[:n], self.gids)

    def tail(self, n: int) -> Packed:
        """The sequences after the first ``n`` (same vocabulary)."""
        return Packed(self.terms, self.ids[self._split(n):], self.lens[n:], self.gids)

    def strings(self, words: Sequence[str] | None = None) -> list[str]:
        """Each sequence joined by spaces (``words``: a replacement for ``terms``)."""
        vocab = self.terms if words is None else words
        flat = [vocab[i] for i in self.ids.tolist()]
        out: list[str] = []
        pos = 0
        for k in self.lens.tolist():
            out.append(" ".join(flat[pos:pos + k]))
            pos += k
        return out
