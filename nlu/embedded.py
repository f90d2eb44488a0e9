"""The embedded engine: no network, no GPU, a model trained here and cached on disk.

``train`` learns the intent classifier and the language identifier from ``nlu/data``
and writes them to a model folder with a fingerprint of the data; ``EmbeddedEngine.open``
loads that folder (training first when the data changed). Parsing is CPU work, so it runs
in an executor, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from nlu.classifier import IntentClassifier
from nlu.engine import fallback
from nlu.entities import Biller, extract
from nlu.errors import ModelMissing
from nlu.intents import LANGUAGES
from nlu.language import LanguageIdentifier
from nlu.result import Intent, ParseResult
from nlu.text import clean, has_words
from nlu.training_data import DATA, Example, load_training, training_files

MODEL_VERSION = "2"  # bump when the model's format or features change
RANKED = 10  # intents kept in ``intent_ranking``


@dataclass(frozen=True, slots=True)
class TrainReport:
    examples: int
    intents: int
    seconds: float
    model_dir: Path


def fingerprint(root: Path = DATA) -> str:
    """A hash of every training file and the model version: a changed file retrains."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for path in training_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train(model_dir: Path, root: Path = DATA) -> TrainReport:
    """Learn from every training file under ``root`` and save the model in ``model_dir``."""
    started = time.perf_counter()
    examples: list[Example] = load_training(root)
    classifier = IntentClassifier()
    classifier.fit(
        [e.text for e in examples], [e.intent for e in examples], [e.language for e in examples]
    )
    identifier = LanguageIdentifier().fit((e.text, e.language) for e in examples)
    model_dir.mkdir(parents=True, exist_ok=True)
    classifier.save(model_dir / "classifier")
    identifier.save(model_dir / "language.json")
    (model_dir / "fingerprint").write_text(fingerprint(root), "utf-8")
    (model_dir / "source").write_text(str(root.resolve()), "utf-8")
    intents = len({e.intent for e in examples})
    return TrainReport(len(examples), intents, time.perf_counter() - started, model_dir)


def is_current(model_dir: Path, root: Path = DATA) -> bool:
    stamp = model_dir / "fingerprint"
    return stamp.is_file() and stamp.read_text("utf-8") == fingerprint(root)


def trained_from(model_dir: Path) -> Path:
    """The data folder the model in ``model_dir`` learned from: ``nlu/data`` when that is
    unknown or holds no training file any more. A cache outlives the checkout that filled
    it (a removed work tree, a moved project), and learning from nothing would fail."""
    source = model_dir / "source"
    if not source.is_file():
        return DATA
    recorded = Path(source.read_text("utf-8"))
    return recorded if next(training_files(recorded), None) is not None else DATA


class EmbeddedEngine:
    """``NluEngine`` over the model in a folder."""

    def __init__(
        self,
        classifier: IntentClassifier,
        identifier: LanguageIdentifier,
        *,
        billers: tuple[Biller, ...] = (),
        executor: Executor | None = None,
    ) -> None:
        self._classifier = classifier
        self._identifier = identifier
        self._billers = billers
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")
        self._owned = executor is None

    @classmethod
    def load(cls, model_dir: Path, **options: object) -> EmbeddedEngine:
        """The model saved in ``model_dir``; ``ModelMissing`` when there is none."""
        if not (model_dir / "fingerprint").is_file():
            raise ModelMissing(f"no model in {model_dir}: run `teller nlu train`")
        classifier = IntentClassifier.load(model_dir / "classifier")
        identifier = LanguageIdentifier.load(model_dir / "language.json")
        return cls(classifier, identifier, **options)  # type: ignore[arg-type]

    @classmethod
    def open(cls, model_dir: Path, root: Path | None = None, **options: object) -> EmbeddedEngine:
        """The cached model, trained first when missing or older than its data (``root``,
        by default the folder it was trained from, else ``nlu/data``)."""
        root = root or trained_from(model_dir)
        if not is_current(model_dir, root):
            train(model_dir, root)
        return cls.load(model_dir, **options)

    async def parse(self, text: str, language: str | None = None) -> ParseResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.parse_now, text, language)

    def parse_now(
        self, text: str, language: str | None = None, today: date | None = None
    ) -> ParseResult:
        """``parse`` on this thread (the CLI and the benchmarks)."""
        text = text if isinstance(text, str) else ""
        prior = language if language in LANGUAGES else None
        cleaned = clean(text)
        detected = self._identifier.detect(cleaned, prior)
        entities = tuple(extract(text, detected.language, today=today, billers=self._billers))
        if not has_words(cleaned):
            return fallback(text, detected.language, entities, reason="no words")
        ranking = self._classifier.rank(cleaned, detected.language)[:RANKED]
        intents = tuple(Intent(name, round(float(p), 4)) for name, p in ranking)
        return ParseResult(
            text=text,
            intent=intents[0],
            intent_ranking=intents,
            entities=entities,
            language=detected.language,
            extra={"language_confidence": detected.confidence},
        )

    async def close(self) -> None:
        if self._owned:
            self._executor.shutdown(wait=False)
