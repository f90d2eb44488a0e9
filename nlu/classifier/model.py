"""One language's linear model over [n-gram TF-IDF | sentence vector].

Trained as a one-vs-rest linear SVM (scikit-learn's LinearSVC); served as a plain weight
matrix, so scoring one message is a sparse row times a dense matrix. Confidences are a
softmax of the SVM margins at a fixed temperature (``ClassifierParams.margin_scale``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlu.classifier.features import NgramFeatures, NgramParams


@dataclass(frozen=True, slots=True)
class LinearParams:
    c: float = 0.5  # LinearSVC's C (measured 0.5 and 1.0: equal on BANKING77)
    embedding_weight: float = 2.0  # the dense block's scale against the unit-norm TF-IDF
    seed: int = 0


class LanguageModel:
    """Scores every intent the language has examples for."""

    def __init__(
        self,
        intents: list[str],
        ngrams: NgramFeatures,
        weights: np.ndarray,
        bias: np.ndarray,
        embedding_weight: float,
        uses_encoder: bool,
    ) -> None:
        self.intents = intents
        self.ngrams = ngrams
        self.weights = weights  # (n-gram features + encoder features, intents)
        self.bias = bias
        self.embedding_weight = embedding_weight
        self.uses_encoder = uses_encoder
        self._n_sparse = ngrams.size

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray | None,
        ngram_params: NgramParams,
        params: LinearParams,
    ) -> LanguageModel:
        """``vectors`` are the encoder's, one row per text, or None for n-grams alone."""
        # Training only: serving never imports scipy or scikit-learn (load time, 0054).
        import scipy.sparse as sp
        from sklearn.svm import LinearSVC

        ngrams = NgramFeatures(ngram_params)
        x = ngrams.fit_transform(texts)
        if vectors is not None:
            x = sp.hstack([x, sp.csr_matrix(vectors * params.embedding_weight)], format="csr")
        intents = sorted(set(labels))
        y = np.array([intents.index(label) for label in labels])
        if len(intents) == 1:
            # Nothing to separate: one intent always wins.
            weights = np.zeros((x.shape[1], 1), dtype=np.float32)
            bias = np.ones(1, dtype=np.float32)
        else:
            svm = LinearSVC(C=params.c, random_state=params.seed).fit(x, y)
            coef = svm.coef_ if len(intents) > 2 else np.vstack([-svm.coef_, svm.coef_])
            icpt = (
                svm.intercept_
                if len(intents) > 2
                else np.array([-svm.intercept_[0], svm.intercept_[0]])
            )
            weights = np.ascontiguousarray(coef.T, dtype=np.float32)
            bias = icpt.astype(np.float32)
        return cls(intents, ngrams, weights, bias, params.embedding_weight, vectors is not None)

    def margins(self, text: str, vector: np.ndarray | None) -> np.ndarray:
        cols, vals = self.ngrams.transform_one(text)
        scores: np.ndarray = vals @ self.weights[cols] + self.bias
        if self.uses_encoder and vector is not None:
            scores += (vector * self.embedding_weight) @ self.weights[self._n_sparse :]
        return scores

    def state(self, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = self.ngrams.state()
        out = {f"{prefix}{k}": v for k, v in arrays.items()}
        out[f"{prefix}weights"] = self.weights
        out[f"{prefix}bias"] = self.bias
        meta = {
            **meta,
            "intents": self.intents,
            "embedding_weight": self.embedding_weight,
            "uses_encoder": self.uses_encoder,
        }
        return out, meta

    @classmethod
    def from_state(
        cls,
        prefix: str,
        arrays: dict[str, np.ndarray],
        meta: dict[str, Any],
        ngram_params: NgramParams,
    ) -> LanguageModel:
        own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        ngrams = NgramFeatures.from_state(ngram_params, own, meta)
        return cls(
            list(meta["intents"]),
            ngrams,
            own["weights"],
            own["bias"],
            float(meta["embedding_weight"]),
            bool(meta["uses_encoder"]),
        )
