"""Training data in Rasa NLU YAML, the one format both engines learn from.

``nlu/data/<language>/*.yml`` hold examples per intent (``commands.yml``,
``support.yml``, and ``*_test.yml`` held out for evaluation). Entity annotations in
Rasa's markdown style — ``[50 EUR](amount)`` or ``[Ivan]{"entity": "person"}`` — are
reduced to their text: entities come from ``nlu.entities``, not from the classifier.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "cs", "ru", "uk")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class TrainingDataError(ValueError):
    """A data file that is not Rasa NLU YAML as we write it."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    language: str


def plain(text: str) -> str:
    """The example's text without Rasa's entity annotations."""
    return _ANNOTATION.sub(r"\1", text).strip()


def read_yaml(path: Path, language: str) -> list[Example]:
    """Every example of one Rasa NLU YAML file."""
    try:
        document = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: not YAML") from exc
    examples: list[Example] = []
    for block in document.get("nlu", []):
        intent = block.get("intent") if isinstance(block, dict) else None
        if not intent:
            continue  # synonyms, lookup tables, regexes: not intent examples
        lines = str(block.get("examples", "")).splitlines()
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("- "):
                examples.append(Example(plain(stripped[2:]), str(intent), language))
    return examples


def read_csv(path: Path, language: str = "en") -> list[Example]:
    """Examples from a ``text,category`` CSV (the BANKING77 format)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"text", "category"} <= set(reader.fieldnames):
            raise TrainingDataError(f"{path}: needs the columns text,category")
        return [Example(row["text"].strip(), row["category"].strip(), language) for row in reader]


def read_file(path: Path, language: str = "en") -> list[Example]:
    """A CSV or Rasa YAML file of examples."""
    if path.suffix.lower() == ".csv":
        return read_csv(path, language)
    return read_yaml(path, language)


def training_files(root: Path = DATA, languages: Iterable[str] = LANGUAGES) -> Iterator[Path]:
    """Every training file (not ``*_test.yml``) for ``languages``, in a stable order."""
    for language in languages:
        folder = root / language
        if folder.is_dir():
            yield from sorted(p for p in folder.glob("*.yml") if not p.stem.endswith("_test"))


def held_out_files(root: Path = DATA, languages: Iterable[str] = LANGUAGES) -> Iterator[Path]:
    """Every held-out file (``*_test.yml``) for ``languages``."""
    for language in languages:
        folder = root / language
        if folder.is_dir():
            yield from sorted(folder.glob("*_test.yml"))


def load_training(root: Path = DATA, languages: Iterable[str] = LANGUAGES) -> list[Example]:
    """All training examples, each tagged with its file's language."""
    return [
        example
        for path in training_files(root, languages)
        for example in read_yaml(path, path.parent.name)
    ]
