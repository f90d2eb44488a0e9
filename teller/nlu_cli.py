"""``teller nlu …``: train, parse, evaluate, and import BANKING77."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import click

from nlu.engine import NluEngine
from nlu.evaluation import score
from nlu.training_data import DATA, Example, read_csv, read_file
from teller.settings import Settings


@click.group()
def nlu() -> None:
    """Understanding what customers type."""


@nlu.command("train")
@click.option("--data", "root", type=click.Path(file_okay=False, path_type=Path), default=DATA)
def nlu_train(root: Path) -> None:
    """Train the embedded engine on the data files and cache the model."""
    from nlu.embedded import train

    report = train(Settings().resolved_nlu_model_dir, root)
    click.echo(
        f"trained on {report.examples} examples of {report.intents} intents in "
        f"{report.seconds:.1f} s; model in {report.model_dir}"
    )


@nlu.command("parse")
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="the whole parse result as JSON")
@click.option("--language", default=None, help="the customer's language (the prior)")
def nlu_parse(text: str | None, as_json: bool, language: str | None) -> None:
    """Parse TEXT; without TEXT, read JSON lines ({"text": …}) from stdin and write one
    parse result per line."""

    async def run() -> None:
        engine = _engine(Settings())
        try:
            if text is not None:
                result = (await engine.parse(text, language)).as_dict()
                if as_json:
                    click.echo(json.dumps(result, ensure_ascii=False))
                else:
                    intent = result["intent"]
                    click.echo(f"{intent['name']} {intent['confidence']:.3f}")
                    for entity in result["entities"]:
                        click.echo(f"  {entity['entity']}={entity['value']!r}")
                return
            for line in sys.stdin:
                if line.strip():
                    click.echo(
                        json.dumps(await _batch_line(engine, line, language), ensure_ascii=False)
                    )
        finally:
            await engine.close()

    asyncio.run(run())


async def _batch_line(engine: NluEngine, line: str, language: str | None) -> dict[str, object]:
    try:
        request = json.loads(line)
        message = request["text"]
        if not isinstance(message, str):
            raise TypeError("text is not a string")
    except (ValueError, KeyError, TypeError) as exc:
        return {"error": f"each line is a JSON object with a text: {type(exc).__name__}"}
    return (await engine.parse(message, request.get("language") or language)).as_dict()


@nlu.command("eval")
@click.option(
    "--data", "path", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True
)
@click.option(
    "--language", default=None, help="the file's language (default: its folder's, else en)"
)
@click.option("--folds", type=int, default=0, help="k-fold cross-validation on the file instead")
def nlu_eval(path: Path, language: str | None, folds: int) -> None:
    """Per-intent precision and recall on a text,category CSV (or Rasa YAML), then
    accuracy=<a> macro_f1=<f> p50_ms=<x> p99_ms=<y> n=<count>."""
    lang = language or (path.parent.name if path.parent.name in ("en", "cs", "ru", "uk") else "en")
    examples = read_csv(path, lang) if path.suffix == ".csv" else read_file(path, lang)
    if not examples:
        raise click.ClickException(f"{path} holds no examples")
    lines = _cross_validate(examples, folds) if folds else _evaluate(examples)
    for line in lines:
        click.echo(line)


def _evaluate(examples: list[Example]) -> list[str]:
    from nlu.embedded import EmbeddedEngine

    engine = EmbeddedEngine.open(Settings().resolved_nlu_model_dir)
    predicted, latencies = [], []
    for example in examples:
        started = time.perf_counter()
        result = engine.parse_now(example.text, example.language)
        latencies.append(time.perf_counter() - started)
        predicted.append(result.intent.name)
    return score([e.intent for e in examples], predicted, latencies).lines()


def _cross_validate(examples: list[Example], folds: int) -> list[str]:
    """Stratified k-fold on the file: every example held out once, each fold's model
    trained from scratch on the others."""
    from nlu.classifier.evaluate import cross_validate

    if folds < 2:
        raise click.BadParameter("at least 2 folds", param_hint="--folds")
    report = cross_validate(
        [e.text for e in examples],
        [e.intent for e in examples],
        folds=folds,
        languages=[e.language for e in examples],
        progress=lambda line: click.echo(line, err=True),
    )
    lines = [
        f"{intent} precision={s.precision:.3f} recall={s.recall:.3f} support={s.support}"
        for intent, s in sorted(report.per_intent.items())
    ]
    lines.append(report.summary())
    lines.append(
        f"accuracy={report.accuracy:.4f} macro_f1={report.macro_f1:.4f} "
        f"p50_ms={report.latency_p50_ms:.2f} p99_ms={report.latency_p99_ms:.2f} "
        f"n={report.examples}"
    )
    return lines


@nlu.command("import-banking77")
@click.argument("csv_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def nlu_import_banking77(csv_file: Path) -> None:
    """Write BANKING77's train.csv as nlu/data/en/support.yml (Rasa NLU YAML)."""
    from nlu.banking77 import write_support

    target = write_support(read_csv(csv_file, "en"))
    click.echo(f"wrote {target}")


def _engine(settings: Settings) -> NluEngine:
    from teller.conversations import nlu_engine

    return nlu_engine(settings)
