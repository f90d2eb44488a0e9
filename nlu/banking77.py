"""BANKING77 (PolyAI, CC BY 4.0) as Teller's English support intents.

The dataset's training split arrives as ``text,category`` CSV; Rasa learns from YAML. We
keep one YAML copy, ``nlu/data/en/support.yml``, written from the CSV by
``teller nlu import-banking77`` with the attribution the licence asks for, so that both
engines train on the same files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from nlu.training_data import DATA, Example

CATEGORIES = DATA / "banking77_categories.json"
ATTRIBUTION = """\
# BANKING77 training split, by PolyAI (Casanueva, Temcinas, Gerz, Henderson, Vulic,
# "Efficient Intent Detection with Dual Sentence Encoders", NLP4ConvAI at ACL 2020),
# licensed CC BY 4.0: https://github.com/PolyAI-LDN/task-specific-datasets
# Converted from text,category CSV to Rasa NLU YAML by `teller nlu import-banking77`;
# the texts are unchanged.
"""


def categories() -> list[str]:
    """The 77 support intents, in the dataset's order."""
    names: list[str] = json.loads(CATEGORIES.read_text("utf-8"))
    return names


def to_rasa_yaml(examples: Sequence[Example]) -> str:
    """The examples as Rasa NLU YAML, intents in the dataset's order."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.text)
    known = categories()
    unknown = sorted(set(by_intent) - set(known))
    if unknown:
        raise ValueError(f"not BANKING77 categories: {', '.join(unknown)}")
    lines = [ATTRIBUTION, 'version: "3.1"', "nlu:"]
    for intent in known:
        if not by_intent.get(intent):
            continue
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {_one_line(text)}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    # A literal block keeps quotes and colons as they are; only line breaks must go.
    return " ".join(text.split())


def write_support(examples: Sequence[Example], target: Path = DATA / "en" / "support.yml") -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_rasa_yaml(examples), "utf-8")
    return target
