"""Stratified k-fold cross-validation of ``IntentClassifier``: accuracy and latency.

Every message is held out exactly once. Each fold trains from scratch on the other folds
(nothing about the held-out fold is seen: n-gram vocabularies, idf and weights are fitted
on the training folds only); the frozen encoder's vectors are memoized across folds, which
leaks nothing since no vector depends on a label or on other texts. Latency is measured
one message at a time through ``rank``, the serving path, encoder included.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from nlu.classifier.classifier import IntentClassifier, minilm_encoder
from nlu.classifier.encoder import MemoEncoder, SentenceEncoder
from nlu.classifier.params import ClassifierParams
from nlu.classifier.text import normalize


@dataclass(frozen=True, slots=True)
class IntentScore:
    precision: float
    recall: float
    support: int


@dataclass(frozen=True, slots=True)
class CvReport:
    folds: int
    seed: int
    examples: int
    accuracy: float
    macro_f1: float
    fold_accuracies: tuple[float, ...]
    train_seconds: tuple[float, ...]  # per fold, encoder vectors already memoized
    encode_seconds: float  # embedding the whole corpus once with the encoder
    latency_p50_ms: float
    latency_p99_ms: float
    per_intent: dict[str, IntentScore]

    def summary(self) -> str:
        folds = ", ".join(f"{a:.4f}" for a in self.fold_accuracies)
        return (
            f"{self.folds}-fold stratified CV (seed {self.seed}) on {self.examples} messages: "
            f"accuracy {self.accuracy:.4f} (folds {folds}), macro-F1 {self.macro_f1:.4f}, "
            f"latency p50 {self.latency_p50_ms:.2f} ms p99 {self.latency_p99_ms:.2f} ms, "
            f"training {np.mean(self.train_seconds):.1f} s per fold "
            f"+ encoding {self.encode_seconds:.1f} s once"
        )


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int = 5,
    seed: int = 0,
    languages: Sequence[str] | None = None,
    params: ClassifierParams | None = None,
    encoder: SentenceEncoder | None = None,
    progress: Callable[[str], None] | None = None,
) -> CvReport:
    """Hold out each of ``folds`` stratified folds in turn; report over all of them."""
    params = params or ClassifierParams()
    langs = list(languages) if languages is not None else ["en"] * len(texts)
    text_arr, label_arr = list(texts), np.array(labels)
    memo = MemoEncoder(encoder or minilm_encoder(params))
    started = time.perf_counter()
    # The corpus once through the encoder, in bulk; each fold's fit then finds it memoized.
    encoded = [t for t, lang in zip(texts, langs, strict=True) if lang in params.encoder_languages]
    memo.embed([normalize(t) for t in encoded])
    encode_seconds = time.perf_counter() - started

    predicted = np.empty(len(text_arr), dtype=object)
    fold_acc: list[float] = []
    train_s: list[float] = []
    latencies: list[float] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(label_arr)), label_arr)):
        clf = IntentClassifier(params, memo)
        t0 = time.perf_counter()
        clf.fit([text_arr[i] for i in train], label_arr[train].tolist(), [langs[i] for i in train])
        train_s.append(time.perf_counter() - t0)
        for i in test:
            t1 = time.perf_counter()
            ranking = clf.rank(text_arr[i], langs[i])
            latencies.append(time.perf_counter() - t1)
            predicted[i] = ranking[0][0]
        fold_acc.append(float(np.mean(predicted[test] == label_arr[test])))
        if progress:
            progress(
                f"fold {k + 1}/{folds}: accuracy {fold_acc[-1]:.4f}, "
                f"trained in {train_s[-1]:.1f} s"
            )

    pred = predicted.astype(str)
    intents = sorted(set(label_arr.tolist()))
    p, r, _, s = precision_recall_fscore_support(label_arr, pred, labels=intents, zero_division=0)
    lat_ms = np.array(latencies) * 1e3
    return CvReport(
        folds=folds,
        seed=seed,
        examples=len(text_arr),
        accuracy=float(np.mean(pred == label_arr)),
        macro_f1=float(f1_score(label_arr, pred, labels=intents, average="macro")),
        fold_accuracies=tuple(fold_acc),
        train_seconds=tuple(train_s),
        encode_seconds=encode_seconds,
        latency_p50_ms=float(np.percentile(lat_ms, 50)),
        latency_p99_ms=float(np.percentile(lat_ms, 99)),
        per_intent={
            intent: IntentScore(float(p[j]), float(r[j]), int(s[j]))
            for j, intent in enumerate(intents)
        },
    )


def main() -> None:
    """``python -m nlu.classifier.evaluate CSV [folds] [seed]``: BANKING77-style CSV."""
    import csv
    import sys

    path = sys.argv[1]
    folds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    report = cross_validate(
        [r["text"] for r in rows],
        [r["category"] for r in rows],
        folds=folds,
        seed=seed,
        progress=lambda line: print(line, flush=True),
    )
    print(report.summary())


if __name__ == "__main__":
    main()
