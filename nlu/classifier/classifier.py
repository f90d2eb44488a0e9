"""``IntentClassifier``: one model per language over n-grams, plus MiniLM where it helps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlu.classifier.encoder import SentenceEncoder
from nlu.classifier.errors import NotTrained
from nlu.classifier.model import LanguageModel
from nlu.classifier.params import ClassifierParams
from nlu.classifier.text import has_signal, normalize

EncoderFactory = Callable[[ClassifierParams], SentenceEncoder]


def minilm_encoder(params: ClassifierParams) -> SentenceEncoder:
    from nlu.classifier.minilm import MiniLM

    return MiniLM(max_tokens=params.max_tokens, layers=params.encoder_layers)


class IntentClassifier:
    """Ranks intents for a message in a language.

    ``fit`` trains one linear model per language that has examples; a language without
    examples is answered by the English model. ``rank`` never raises on what a customer
    can type: a message with no letter or digit gets an even, low-confidence ranking.
    """

    def __init__(
        self,
        params: ClassifierParams | None = None,
        encoder: SentenceEncoder | EncoderFactory | None = None,
    ) -> None:
        self.params = params or ClassifierParams()
        self._encoder_source = encoder or minilm_encoder
        self._encoder: SentenceEncoder | None = None
        self._models: dict[str, LanguageModel] = {}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._models)

    def intents(self, language: str) -> list[str]:
        return list(self._model_for(language).intents)

    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            source = self._encoder_source
            self._encoder = source(self.params) if callable(source) else source
        return self._encoder

    def fit(self, texts: Sequence[str], labels: Sequence[str], languages: Sequence[str]) -> None:
        if not len(texts) == len(labels) == len(languages):
            raise ValueError("texts, labels and languages must be the same length")
        if not texts:
            raise ValueError("nothing to learn from")
        by_language: dict[str, tuple[list[str], list[str]]] = {}
        for text, label, language in zip(texts, labels, languages, strict=True):
            bucket = by_language.setdefault(language, ([], []))
            bucket[0].append(normalize(text))
            bucket[1].append(label)
        models: dict[str, LanguageModel] = {}
        for language in sorted(by_language):
            lang_texts, lang_labels = by_language[language]
            vectors = (
                self.encoder().embed(lang_texts)
                if language in self.params.encoder_languages
                else None
            )
            models[language] = LanguageModel.fit(
                lang_texts, lang_labels, vectors, self.params.ngrams, self.params.linear
            )
        self._models = models

    def rank(self, text: str, language: str) -> list[tuple[str, float]]:
        """Every intent the language knows with its confidence, best first; sums to 1."""
        model = self._model_for(language)
        clean = normalize(text)
        if not has_signal(clean):
            even = 1.0 / len(model.intents)
            return [(intent, even) for intent in model.intents]
        vector = self.encoder().embed_one(clean) if model.uses_encoder else None
        margins = model.margins(clean, vector) * self.params.margin_scale
        probs = np.exp(margins - margins.max())
        probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        return [(model.intents[i], float(probs[i])) for i in order]

    def save(self, path: Path) -> None:
        from nlu.classifier.store import save

        save(self, path)

    @classmethod
    def load(
        cls, path: Path, encoder: SentenceEncoder | EncoderFactory | None = None
    ) -> IntentClassifier:
        from nlu.classifier.store import load

        return load(path, encoder)

    def _model_for(self, language: str) -> LanguageModel:
        if not self._models:
            raise NotTrained("the classifier has not been trained or loaded")
        return (
            self._models.get(language)
            or self._models.get("en")
            or next(iter(self._models.values()))
        )
