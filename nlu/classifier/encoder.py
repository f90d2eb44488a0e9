"""The sentence encoder seen by the classifier: a port, the numpy MiniLM behind it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class SentenceEncoder(Protocol):
    """Dense vectors for messages; ``embed_one`` is the per-message serving path."""

    @property
    def size(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_one(self, text: str) -> np.ndarray: ...


class MemoEncoder:
    """Remembers the vectors of the texts it embedded in bulk.

    The encoder is frozen, so a text's vector never depends on the fold: cross-validation
    embeds the corpus once and every fold reuses it. ``embed_one`` is never memoized, so
    measured serving latency stays honest.
    """

    def __init__(self, inner: SentenceEncoder) -> None:
        self._inner = inner
        self._memo: dict[str, np.ndarray] = {}

    @property
    def size(self) -> int:
        return self._inner.size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            for text, vector in zip(missing, self._inner.embed(missing), strict=True):
                self._memo[text] = vector
        if not texts:
            return np.zeros((0, self.size), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts])

    def embed_one(self, text: str) -> np.ndarray:
        return self._inner.embed_one(text)
