"""How well ``extract`` does on the labelled sets in nlu/data/entities/<language>.yml.

An entity found counts as correct when its kind, span, value (and, for amounts, currency
and minor units) all equal a labelled one. Besides the main set, each language has a blind
set (<language>_blind.yml) and a holdout (<language>_holdout.yml) that was never tuned on.
Run ``python -m nlu.entities.evaluate`` for a table of every language and set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nlu.entities import LANGUAGES, Biller, extract
from nlu.result import Entity

DATA = Path(__file__).resolve().parent.parent / "data" / "entities"

_Key = tuple[str, int, int, str, str | None, int | None]


@dataclass(frozen=True, slots=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Mistake:
    """One example where what was found differs from the labels."""

    text: str
    missed: tuple[Entity, ...]
    invented: tuple[Entity, ...]


@dataclass(frozen=True, slots=True)
class EntityScores:
    language: str
    examples: int
    by_kind: Mapping[str, Score]
    overall: Score
    mistakes: tuple[Mistake, ...]


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    entities: tuple[Entity, ...]


@dataclass(frozen=True, slots=True)
class LabelledSet:
    today: date
    billers: tuple[Biller, ...]
    examples: tuple[Example, ...]


def load(language: str, path: Path | None = None) -> LabelledSet:
    """The labelled set of a language (YAML; needs the dev dependency PyYAML)."""
    import yaml  # only evaluation reads YAML; the bot never does

    source = path or DATA / f"{language}.yml"
    raw: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    billers = tuple(
        Biller(b["id"], tuple(b["names"]), {k: tuple(v) for k, v in b.get("aliases", {}).items()})
        for b in raw.get("billers", [])
    )
    examples = tuple(
        Example(str(e["text"]), tuple(_entity(x) for x in e.get("entities") or []))
        for e in raw["examples"]
    )
    return LabelledSet(date.fromisoformat(str(raw["today"])), billers, examples)


def _entity(raw: Mapping[str, Any]) -> Entity:
    return Entity(
        entity=str(raw["entity"]),
        value=str(raw["value"]),
        start=int(raw["start"]),
        end=int(raw["end"]),
        extractor="label",
        currency=raw.get("currency"),
        minor=raw.get("minor"),
    )


def evaluate(language: str, path: Path | None = None) -> EntityScores:
    """Precision, recall and F1 per entity kind and overall on the language's set."""
    labelled = load(language, path)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    mistakes: list[Mistake] = []
    for example in labelled.examples:
        found = extract(example.text, language, today=labelled.today, billers=labelled.billers)
        expected = {_key(e): e for e in example.entities}
        got = {_key(e): e for e in found}
        for key in expected.keys() & got.keys():
            tp[key[0]] += 1
        missed = [e for k, e in expected.items() if k not in got]
        invented = [e for k, e in got.items() if k not in expected]
        fn.update(e.entity for e in missed)
        fp.update(e.entity for e in invented)
        if missed or invented:
            mistakes.append(Mistake(example.text, tuple(missed), tuple(invented)))
    kinds = sorted(set(tp) | set(fp) | set(fn))
    by_kind = {k: Score(tp[k], fp[k], fn[k]) for k in kinds}
    overall = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return EntityScores(language, len(labelled.examples), by_kind, overall, tuple(mistakes))


def _key(entity: Entity) -> _Key:
    return (
        entity.entity,
        entity.start,
        entity.end,
        entity.value,
        entity.currency,
        entity.minor,
    )


def report(scores: EntityScores) -> str:
    """A plain-text table of one language's scores."""
    lines = [f"{scores.language}: {scores.examples} examples"]
    rows = [*scores.by_kind.items(), ("overall", scores.overall)]
    for kind, score in rows:
        lines.append(
            f"  {kind:<12} P={score.precision:.3f} R={score.recall:.3f} F1={score.f1:.3f}"
            f"  (tp={score.true_positives} fp={score.false_positives}"
            f" fn={score.false_negatives})"
        )
    for mistake in scores.mistakes:
        lines.append(f"  ✗ {mistake.text!r}")
        lines.extend(f"      missed  {_show(mistake.text, e)}" for e in mistake.missed)
        lines.extend(f"      invented {_show(mistake.text, e)}" for e in mistake.invented)
    return "\n".join(lines)


def _show(text: str, entity: Entity) -> str:
    extra = f" {entity.currency} {entity.minor}" if entity.currency else ""
    return f"{entity.entity} {text[entity.start : entity.end]!r} → {entity.value}{extra}"


if __name__ == "__main__":
    for suffix in ("", "_blind", "_holdout"):
        for code in LANGUAGES:
            source = DATA / f"{code}{suffix}.yml"
            if source.exists():
                print(f"[{source.name}]", report(evaluate(code, source)))  # a report
