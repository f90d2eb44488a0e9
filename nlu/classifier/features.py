"""Sparse TF-IDF features: word 1–2-grams and character 2–5-grams inside word boundaries.

The character side carries languages the encoder does not know (cs, ru, uk) and typos; the
word side carries phrases. Fitting uses scikit-learn's ``TfidfVectorizer``; serving uses
the plain analyzers below (the same n-grams, checked against scikit-learn in the tests),
so loading a model never imports scikit-learn or scipy — that import alone takes longer
than the 2 s load budget on this machine. Persisted as plain data (vocabulary and idf).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

# scikit-learn's default-like token pattern, but one-letter words count too ("a", "я").
TOKEN_PATTERN = r"(?u)\b\w+\b"  # noqa: S105 (a regex, not a password)
_TOKEN = re.compile(TOKEN_PATTERN)
_WHITE = re.compile(r"\s\s+")  # as scikit-learn's char_wb analyzer


@dataclass(frozen=True, slots=True)
class NgramParams:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    word_min_df: int = 1
    char_min_df: int = 2
    # Below this many examples a language keeps every n-gram (min_df 1): a handful of
    # command examples must not be pruned to nothing.
    min_df_from: int = 500


def word_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's ``analyzer="word"`` with lowercase and ``TOKEN_PATTERN``."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's ``analyzer="char_wb"`` with lowercase: n-grams of " word "."""
    grams: list[str] = []
    for word in _WHITE.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            if len(w) <= n:  # a short word is counted once, whole
                grams.append(w)
                break
            grams.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return grams


@dataclass(frozen=True, slots=True)
class _Block:
    name: str  # "word" | "char"
    vocabulary: dict[str, int]
    idf: np.ndarray

    def ngrams(self, text: str, params: NgramParams) -> list[str]:
        if self.name == "word":
            return word_ngrams(text, *params.word_ngrams)
        return char_wb_ngrams(text, *params.char_ngrams)


class NgramFeatures:
    """Word and char_wb TF-IDF side by side, each block L2-normalized on its own."""

    def __init__(self, params: NgramParams | None = None) -> None:
        self.params = params or NgramParams()
        self._blocks: tuple[_Block, ...] = ()

    @property
    def size(self) -> int:
        return sum(len(b.vocabulary) for b in self._blocks)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import TfidfVectorizer

        p = self.params
        prune = len(texts) >= p.min_df_from
        vectorizers = {
            "word": TfidfVectorizer(
                analyzer="word",
                ngram_range=p.word_ngrams,
                min_df=p.word_min_df if prune else 1,
                token_pattern=TOKEN_PATTERN,
                sublinear_tf=True,
                dtype=np.float32,
            ),
            "char": TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=p.char_ngrams,
                min_df=p.char_min_df if prune else 1,
                sublinear_tf=True,
                dtype=np.float32,
            ),
        }
        parts, blocks = [], []
        for name, vec in vectorizers.items():
            try:
                parts.append(vec.fit_transform(texts))
            except ValueError:  # "empty vocabulary": nothing this block can use
                continue
            vocabulary = {str(t): int(i) for t, i in vec.vocabulary_.items()}
            blocks.append(_Block(name, vocabulary, vec.idf_.astype(np.float32)))
        if not parts:
            raise ValueError("the examples have no word or character n-grams at all")
        self._blocks = tuple(blocks)
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One message as (column indices, values), as the fitted vectorizers would give."""
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        offset = 0
        for block in self._blocks:
            counts: dict[int, int] = {}
            for term in block.ngrams(text, self.params):
                col = block.vocabulary.get(term)
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
            if counts:
                cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
                vals = (1.0 + np.log(tf)) * block.idf[cols]  # sublinear tf, as fitted
                vals /= np.linalg.norm(vals)
                indices.append(cols + offset)
                values.append(vals.astype(np.float32))
            offset += len(block.vocabulary)
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(indices), np.concatenate(values)

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays (idf) and JSON (vocabularies) that rebuild the fitted features."""
        arrays = {f"{b.name}_idf": b.idf for b in self._blocks}
        meta: dict[str, Any] = {"blocks": [b.name for b in self._blocks]}
        for b in self._blocks:
            terms = [""] * len(b.vocabulary)
            for term, i in b.vocabulary.items():
                terms[i] = term
            meta[f"{b.name}_vocabulary"] = terms
        return arrays, meta

    @classmethod
    def from_state(
        cls, params: NgramParams, arrays: dict[str, np.ndarray], meta: dict[str, Any]
    ) -> NgramFeatures:
        self = cls(params)
        self._blocks = tuple(
            _Block(
                name,
                {t: i for i, t in enumerate(meta[f"{name}_vocabulary"])},
                arrays[f"{name}_idf"],
            )
            for name in meta["blocks"]
        )
        return self
