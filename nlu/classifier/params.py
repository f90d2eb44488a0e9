"""Everything that shapes a trained classifier; part of its cache key."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from nlu.classifier.features import NgramParams
from nlu.classifier.model import LinearParams

# Bumped whenever the features, the model or the file layout change meaning.
FORMAT_VERSION = 2  # 2: numbers are masked before features


@dataclass(frozen=True, slots=True)
class ClassifierParams:
    ngrams: NgramParams = field(default_factory=NgramParams)
    linear: LinearParams = field(default_factory=LinearParams)
    # MiniLM is English-only: other languages stand on character n-grams.
    encoder_languages: tuple[str, ...] = ("en",)
    # Mean-pooled encoder layers: the last three beat the last one alone (0054).
    encoder_layers: tuple[int, ...] = (4, 5, 6)
    # Word pieces the encoder reads (n-grams always see the whole message). BANKING77: p99
    # 53, longest 98; 48 keeps the slowest messages inside the 10 ms budget (0054).
    max_tokens: int = 48
    # Softmax temperature over SVM margins: confidences, not rankings, depend on it.
    margin_scale: float = 8.0

    def to_json(self) -> str:
        return json.dumps(
            {"format": FORMAT_VERSION, **asdict(self)}, sort_keys=True, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, raw: str) -> ClassifierParams:
        data = json.loads(raw)
        data.pop("format", None)
        return cls(
            ngrams=NgramParams(
                word_ngrams=_pair(data["ngrams"]["word_ngrams"]),
                char_ngrams=_pair(data["ngrams"]["char_ngrams"]),
                word_min_df=int(data["ngrams"]["word_min_df"]),
                char_min_df=int(data["ngrams"]["char_min_df"]),
                min_df_from=int(data["ngrams"]["min_df_from"]),
            ),
            linear=LinearParams(**data["linear"]),
            encoder_languages=tuple(data["encoder_languages"]),
            encoder_layers=tuple(data["encoder_layers"]),
            max_tokens=int(data["max_tokens"]),
            margin_scale=float(data["margin_scale"]),
        )


def _pair(value: list[int]) -> tuple[int, int]:
    lo, hi = value
    return int(lo), int(hi)
