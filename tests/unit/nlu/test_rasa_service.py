"""The compose ``rasa`` service: trained on the same files as the embedded engine, never
on the held-out ones, and the app pointed at it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_the_app_understands_through_the_rasa_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    rasa = compose["services"]["rasa"]
    assert "./nlu/data:/teller-nlu-data:ro" in rasa["volumes"]
    assert rasa["entrypoint"] == ["/teller-nlu/train-and-serve.sh"]
    app = compose["services"]["app"]["environment"]
    assert (app["TELLER_NLU_ENGINE"], app["TELLER_RASA_URL"]) == ("rasa", "http://rasa:5005")


def test_rasa_trains_on_every_training_file_and_no_test_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for language in ("en", "uk"):
        (data / language).mkdir(parents=True)
        (data / language / "commands.yml").write_text(f"# {language}\n")
        (data / language / "commands_test.yml").write_text("# held out\n")
    calls = tmp_path / "calls"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "rasa").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (fake / "rasa").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{fake}:{os.environ['PATH']}",
        "TELLER_NLU_DATA": str(data),
        "TELLER_NLU_WORK": str(tmp_path / "work"),
        "TELLER_NLU_MODELS": str(tmp_path / "models"),
        "TELLER_NLU_CONFIG": str(ROOT / "nlu" / "rasa" / "config.yml"),
    }
    script = ROOT / "nlu" / "rasa" / "train-and-serve.sh"
    subprocess.run([str(script)], env=env, check=True, timeout=30)  # noqa: S603
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [
        "en-commands.yml",
        "uk-commands.yml",
    ]
    train, serve = calls.read_text().splitlines()
    assert train.startswith(f"train nlu --nlu {tmp_path / 'work'} --config ")
    assert serve == f"run --enable-api --port 5005 --model {tmp_path / 'models'}"
    config = yaml.safe_load((ROOT / "nlu" / "rasa" / "config.yml").read_text())
    assert {"DIETClassifier", "WhitespaceTokenizer"} <= {c["name"] for c in config["pipeline"]}
