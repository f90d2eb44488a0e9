"""The NLU training and test data: Rasa NLU YAML files under ``nlu/data/<lang>/``.

Every language has the 25 command intents (``commands.yml`` to train on,
``commands_test.yml`` to measure generalization). Czech, Russian and Ukrainian also have the
77 BANKING77 support intents (``support.yml``, ``support_test.yml``). English support data is
BANKING77 itself (``en/support.yml``, copied unchanged from the CSV): here it is only checked
for its intent names and for never sharing a text with an English command.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
import yaml

from nlu.intents import COMMANDS, LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "nlu" / "data"
BANKING77 = tuple(json.loads((DATA / "banking77_categories.json").read_text("utf-8")))
SUPPORT_LANGUAGES = ("cs", "ru", "uk")

MIN_COMMAND_TRAIN = 40
MIN_COMMAND_TEST = 30
MIN_SUPPORT_TRAIN = 12
MIN_SUPPORT_TEST = 5

# (language, file stem, the intents it must hold, minimum examples per intent)
FILES = [
    *(
        (lang, stem, COMMANDS, minimum)
        for lang in LANGUAGES
        for stem, minimum in (("commands", MIN_COMMAND_TRAIN), ("commands_test", MIN_COMMAND_TEST))
    ),
    *(
        (lang, stem, BANKING77, minimum)
        for lang in SUPPORT_LANGUAGES
        for stem, minimum in (("support", MIN_SUPPORT_TRAIN), ("support_test", MIN_SUPPORT_TEST))
    ),
]
PAIRS = [(lang, "commands") for lang in LANGUAGES] + [
    (lang, "support") for lang in SUPPORT_LANGUAGES
]

# English support examples are BANKING77 itself, copied unchanged from its CSV.
ENGLISH_SUPPORT = DATA / "en" / "support.yml"

RUSSIAN_ONLY = set("ыэъё")
UKRAINIAN_ONLY = set("іїєґ")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
CZECH_DIACRITICS = set("áčďéěíňóřšťúůýž")


def path_of(lang: str, stem: str) -> Path:
    return DATA / lang / f"{stem}.yml"


@cache
def load(lang: str, stem: str) -> dict[str, list[str]]:
    """The file's examples by intent, after checking its structure."""
    path = path_of(lang, stem)
    doc = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(doc, dict), f"{path}: not a mapping"
    assert set(doc) == {"version", "nlu"}, f"{path}: top-level keys {sorted(doc)}"
    assert doc["version"] == "3.1", f"{path}: version must be the string '3.1'"
    assert isinstance(doc["nlu"], list), f"{path}: nlu is not a list"
    out: dict[str, list[str]] = {}
    for item in doc["nlu"]:
        assert isinstance(item, dict), f"{path}: an nlu item is not a mapping"
        assert set(item) == {"intent", "examples"}, f"{path}: item keys {sorted(item)}"
        name, block = item["intent"], item["examples"]
        assert isinstance(name, str), f"{path}: intent name {name!r} is not a string"
        assert name not in out, f"{path}: intent {name} listed twice"
        assert isinstance(block, str), f"{path}: {name}: examples must be a block string"
        examples = []
        for line in block.splitlines():
            if not line.strip():
                continue
            assert line.startswith("- "), f"{path}: {name}: line {line!r} is not '- example'"
            text = line[2:].strip()
            assert text, f"{path}: {name}: empty example"
            assert "](" not in text, f"{path}: {name}: entity markup in {text!r}"
            examples.append(text)
        out[name] = examples
    return out


def normalized(text: str) -> str:
    """Lowercase, without punctuation, symbols (emoji) or extra spaces."""
    kept = "".join(
        " " if unicodedata.category(ch)[0] in "PS" else ch for ch in text.lower().strip()
    )
    return " ".join(kept.split())


def all_examples(lang: str, stem: str) -> list[tuple[str, str]]:
    return [(name, text) for name, texts in load(lang, stem).items() for text in texts]


def file_id(case: tuple[str, str, tuple[str, ...], int]) -> str:
    return f"{case[0]}/{case[1]}"


def test_every_expected_file_exists() -> None:
    missing = [
        str(path_of(lang, stem)) for lang, stem, _, _ in FILES if not path_of(lang, stem).exists()
    ]
    assert not missing


def test_no_unexpected_files() -> None:
    expected = {path_of(lang, stem) for lang, stem, _, _ in FILES} | {ENGLISH_SUPPORT}
    found = {p for lang in LANGUAGES for p in (DATA / lang).glob("*.yml")}
    assert found <= expected, sorted(map(str, found - expected))


@pytest.mark.parametrize("case", FILES, ids=file_id)
def test_intents_are_exactly_the_expected_set(case: tuple[str, str, tuple[str, ...], int]) -> None:
    lang, stem, intents, _ = case
    names = set(load(lang, stem))
    assert names == set(intents), (
        f"missing {sorted(set(intents) - names)}, unknown {sorted(names - set(intents))}"
    )


@pytest.mark.parametrize("case", FILES, ids=file_id)
def test_enough_examples_per_intent(case: tuple[str, str, tuple[str, ...], int]) -> None:
    lang, stem, _, minimum = case
    short = {name: len(texts) for name, texts in load(lang, stem).items() if len(texts) < minimum}
    assert not short, f"fewer than {minimum} examples: {short}"


@pytest.mark.parametrize("case", FILES, ids=file_id)
def test_no_duplicates_within_a_file(case: tuple[str, str, tuple[str, ...], int]) -> None:
    lang, stem, _, _ = case
    seen: dict[str, tuple[str, str]] = {}
    duplicates = []
    for name, text in all_examples(lang, stem):
        key = normalized(text)
        assert key, f"{name}: {text!r} has no words"
        if key in seen:
            duplicates.append((seen[key], (name, text)))
        seen[key] = (name, text)
    assert not duplicates


@pytest.mark.parametrize(("lang", "kind"), PAIRS)
def test_test_examples_are_not_in_training(lang: str, kind: str) -> None:
    train = {normalized(text) for _, text in all_examples(lang, kind)}
    leaked = [
        (name, text)
        for name, text in all_examples(lang, f"{kind}_test")
        if normalized(text) in train
    ]
    assert not leaked


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_text_one_intent_across_files(lang: str) -> None:
    """Command and support files of one language never give the same text two intents."""
    stems = [stem for (lng, stem, _, _) in FILES if lng == lang]
    owner: dict[str, str] = {}
    clashes = []
    for stem in stems:
        for name, text in all_examples(lang, stem):
            key = normalized(text)
            if owner.setdefault(key, name) != name:
                clashes.append((text, owner[key], name))
    assert not clashes


def test_english_commands_are_not_banking77_rows() -> None:
    if not ENGLISH_SUPPORT.exists():
        pytest.skip("the English BANKING77 copy is not written yet")
    rows = {normalized(text) for _, text in all_examples("en", "support")}
    clashes = [
        (name, text)
        for stem in ("commands", "commands_test")
        for name, text in all_examples("en", stem)
        if normalized(text) in rows
    ]
    assert not clashes


def test_english_support_has_the_banking77_intents() -> None:
    if not ENGLISH_SUPPORT.exists():
        pytest.skip("the English BANKING77 copy is not written yet")
    assert set(load("en", "support")) == set(BANKING77)


@pytest.mark.parametrize("stem", ["commands", "commands_test", "support", "support_test"])
def test_ukrainian_has_no_russian_letters(stem: str) -> None:
    bad = [(n, t) for n, t in all_examples("uk", stem) if RUSSIAN_ONLY & set(t.lower())]
    assert not bad


@pytest.mark.parametrize("stem", ["commands", "commands_test", "support", "support_test"])
def test_russian_has_no_ukrainian_letters(stem: str) -> None:
    bad = [(n, t) for n, t in all_examples("ru", stem) if UKRAINIAN_ONLY & set(t.lower())]
    assert not bad


@pytest.mark.parametrize(
    ("lang", "stem"),
    [(lang, stem) for lang in ("ru", "uk") for stem in ("commands", "commands_test")],
)
def test_cyrillic_languages_are_written_in_cyrillic(lang: str, stem: str) -> None:
    """Transliteration is rare: most examples carry Cyrillic letters."""
    examples = all_examples(lang, stem)
    cyrillic = sum(1 for _, text in examples if CYRILLIC.search(text))
    assert cyrillic / len(examples) > 0.9


@pytest.mark.parametrize(
    ("lang", "stem"),
    [
        ("en", "commands"),
        ("en", "commands_test"),
        *(("cs", stem) for stem in ("commands", "commands_test", "support", "support_test")),
    ],
)
def test_latin_languages_have_no_cyrillic(lang: str, stem: str) -> None:
    bad = [(n, t) for n, t in all_examples(lang, stem) if CYRILLIC.search(t)]
    assert not bad


@pytest.mark.parametrize("stem", ["commands", "commands_test", "support", "support_test"])
def test_czech_is_mostly_written_with_diacritics(stem: str) -> None:
    """Some customers skip háčky and čárky, most do not."""
    examples = [t for _, t in all_examples("cs", stem) if len(t.split()) >= 3]
    with_marks = sum(1 for t in examples if CZECH_DIACRITICS & set(t.lower()))
    assert with_marks / len(examples) > 0.6


MIXED_SCRIPT = re.compile(r"[\u0400-\u04ff][a-zA-Z]|[a-zA-Z][\u0400-\u04ff]")


@pytest.mark.parametrize("case", FILES, ids=file_id)
def test_no_word_mixes_latin_and_cyrillic(case: tuple[str, str, tuple[str, ...], int]) -> None:
    """A Latin "a" or "i" inside a Cyrillic word is a typo no customer makes on purpose."""
    lang, stem, _, _ = case
    bad = [(n, t) for n, t in all_examples(lang, stem) if MIXED_SCRIPT.search(t)]
    assert not bad
