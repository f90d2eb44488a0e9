"""The embedded intent classifier: learning, ranking, persistence, hostile input."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest

from nlu.classifier import (
    ClassifierParams,
    IntentClassifier,
    ModelFileError,
    NotTrained,
    cache_key,
    train_or_load,
)
from nlu.classifier.encoder import SentenceEncoder
from nlu.classifier.minilm import MiniLM

BANKING77 = Path(__file__).resolve().parents[4] / "shared" / "data" / "banking77" / "train.csv"

COMMANDS = {
    "en": {
        "balance": [
            "what is my balance",
            "how much money is on my account",
            "show balance",
            "balance please",
            "check my balance",
            "how much do i have left",
        ],
        "transfer": [
            "send money to a friend",
            "transfer 50 eur to ivan",
            "pay my friend back",
            "send 20 to card",
            "make a transfer",
            "i want to send money",
        ],
        "card_lock": [
            "freeze my card",
            "lock the card",
            "lock my card now",
            "please freeze the card",
            "temporarily block my card",
            "card lock",
        ],
        "greet": ["hi", "hello", "good morning", "hey there", "hello teller", "hi bot"],
    },
    "cs": {
        "balance": [
            "kolik mám na účtu",
            "zůstatek",
            "jaký je můj zůstatek",
            "kolik mám peněz",
            "ukaž zůstatek",
            "stav účtu",
        ],
        "transfer": [
            "pošli peníze kamarádovi",
            "převeď 200 Kč mámě",
            "chci poslat peníze",
            "poslat platbu",
            "převod na účet",
            "pošli 50 eur Petrovi",
        ],
        "greet": ["ahoj", "dobrý den", "čau", "dobré ráno", "zdravím", "nazdar"],
    },
    "ru": {
        "balance": [
            "сколько денег на счету",
            "мой баланс",
            "покажи баланс",
            "какой у меня остаток",
            "баланс пожалуйста",
            "сколько у меня денег",
        ],
        "card_lock": [
            "заблокируй карту временно",
            "заморозь карту",
            "заблокировать карту",
            "временно заблокировать карту",
            "заморозить мою карту",
            "блок карты",
        ],
        "greet": ["привет", "здравствуйте", "добрый день", "доброе утро", "приветствую", "хай"],
    },
}
HOSTILE = [
    "",
    "   \n\t ",
    "😀😀🙈",
    "?!…",
    "x" * 10_000,
    "money " * 2_000,
    "\x00\x01\ufffd\u202e",
    "asdkjh qwpoeiru zxmcnv",
    "ÿÿÿÿ" * 100,
    "\ud800 lone surrogate",
    "e\u0301\u0301\u0301 combining marks",
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return MiniLM(
        max_tokens=ClassifierParams().max_tokens, layers=ClassifierParams().encoder_layers
    )


@pytest.fixture(scope="module")
def trained(encoder: SentenceEncoder) -> IntentClassifier:
    clf = IntentClassifier(encoder=encoder)
    texts, labels, langs = _flatten(COMMANDS)
    clf.fit(texts, labels, langs)
    return clf


def _flatten(data: dict[str, dict[str, list[str]]]) -> tuple[list[str], list[str], list[str]]:
    rows = [
        (text, intent, lang)
        for lang, intents in data.items()
        for intent, texts in intents.items()
        for text in texts
    ]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("how much is left on my account?", "en", "balance"),
        ("please send 30 euros to my sister", "en", "transfer"),
        ("freeze the card please", "en", "card_lock"),
        ("hello there!", "en", "greet"),
        ("kolik peněz mám na účtu?", "cs", "balance"),
        ("chci poslat 100 Kč", "cs", "transfer"),
        ("заморозь мою карту", "ru", "card_lock"),
        ("привет!", "ru", "greet"),
    ],
)
def test_learns_commands_in_each_language(
    trained: IntentClassifier, text: str, language: str, intent: str
) -> None:
    assert trained.rank(text, language)[0][0] == intent


def test_a_language_knows_only_the_intents_it_has_examples_for(
    trained: IntentClassifier,
) -> None:
    assert sorted(name for name, _ in trained.rank("ahoj", "cs")) == [
        "balance",
        "greet",
        "transfer",
    ]


def test_a_language_without_examples_is_answered_by_english(trained: IntentClassifier) -> None:
    assert trained.rank("what is my balance", "uk")[0][0] == "balance"


def test_ranking_is_best_first_and_sums_to_one(trained: IntentClassifier) -> None:
    ranking = trained.rank("lock my card", "en")
    probs = [p for _, p in ranking]
    assert probs == sorted(probs, reverse=True)
    assert sum(probs) == pytest.approx(1.0, abs=1e-6)
    assert {name for name, _ in ranking} == set(COMMANDS["en"])


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_answered_quickly(trained: IntentClassifier, text: str) -> None:
    started = time.perf_counter()
    ranking = trained.rank(text, "en")
    # A hang guard (a shared, noisy machine), not a speed target: see `teller nlu eval`.
    assert time.perf_counter() - started < 5
    assert len(ranking) == len(COMMANDS["en"])
    assert sum(p for _, p in ranking) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙈", "?!…"])
def test_messages_without_letters_get_an_even_ranking(
    trained: IntentClassifier, text: str
) -> None:
    probs = [p for _, p in trained.rank(text, "ru")]
    assert probs == pytest.approx([1 / len(probs)] * len(probs))


def test_saved_model_ranks_identically_after_loading(
    trained: IntentClassifier, encoder: SentenceEncoder, tmp_path: Path
) -> None:
    path = tmp_path / "classifier"
    trained.save(path)
    started = time.perf_counter()
    loaded = IntentClassifier.load(path, encoder=encoder)
    assert time.perf_counter() - started < 2.0
    for text, language in [("show me my balance", "en"), ("převod", "cs"), ("хай", "ru")]:
        assert loaded.rank(text, language) == trained.rank(text, language)


def test_saved_model_is_plain_arrays_not_pickles(
    trained: IntentClassifier, tmp_path: Path
) -> None:
    path = tmp_path / "classifier"
    trained.save(path)
    with np.load(path, allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


def test_a_torn_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "classifier"
    path.write_bytes(b"PK\x03\x04 not really a model")
    with pytest.raises(ModelFileError):
        IntentClassifier.load(path)


def test_ranking_before_training_is_refused() -> None:
    with pytest.raises(NotTrained):
        IntentClassifier().rank("hi", "en")


def test_cache_is_keyed_by_data_and_parameters(encoder: SentenceEncoder, tmp_path: Path) -> None:
    texts, labels, langs = _flatten(COMMANDS)
    first = train_or_load(tmp_path, texts, labels, langs, encoder=encoder)
    files = list(tmp_path.iterdir())
    again = train_or_load(tmp_path, texts, labels, langs, encoder=encoder)
    assert list(tmp_path.iterdir()) == files
    assert again.rank("hi bot", "en") == first.rank("hi bot", "en")

    changed = cache_key([*texts, "yo"], [*labels, "greet"], [*langs, "en"], ClassifierParams())
    other = ClassifierParams(margin_scale=4.0)
    assert (
        len(
            {
                cache_key(texts, labels, langs, ClassifierParams()),
                changed,
                cache_key(texts, labels, langs, other),
            }
        )
        == 3
    )


def test_numpy_minilm_matches_sentence_transformers(encoder: SentenceEncoder) -> None:
    # Reference values from sentence-transformers on torch 2.13.0 (CPU), the same weights;
    # the exact-erf variant of this encoder matched all 384 dimensions to 3e-7.
    reference = {
        "I am still waiting on my card?": [-0.035352, -0.042137, -0.002757, 0.031937],
        "hello": [-0.062772, 0.054959, 0.052165, 0.08579],
    }
    plain = MiniLM()  # layer 6 alone: the published sentence embedding
    vectors = plain.embed(list(reference))
    for (text, head), vector in zip(reference.items(), vectors, strict=True):
        assert vector[:4] == pytest.approx(head, abs=1e-3)  # tanh GELU, see minilm._gelu
        assert plain.embed_one(text) == pytest.approx(vector, abs=1e-5)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)


@pytest.mark.slow
@pytest.mark.timeout(900)  # about 3 minutes on the 2-core machine
@pytest.mark.skipif(not BANKING77.is_file(), reason=f"BANKING77 not found at {BANKING77}")
def test_banking77_five_fold_accuracy_holds() -> None:
    from nlu.classifier.evaluate import cross_validate

    with BANKING77.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    report = cross_validate([r["text"] for r in rows], [r["category"] for r in rows], seed=0)
    # Measured 0.9310 with seed 0 (docs/decisions/0054); the floor leaves room for BLAS and
    # platform noise, not for a regression. Latency is only sanity-checked here: this test
    # shares the machine with the rest of the suite.
    assert report.accuracy >= 0.925
    assert report.macro_f1 >= 0.925
    assert report.latency_p50_ms < 25


@pytest.mark.parametrize(
    "text",
    [
        "I am still waiting on my card?",
        "  Kolik   mám na účtu?  ",
        "ПЕРЕВЕДИ 500 грн, будь ласка",
        "a b c",
        "x",
        "top-up failed... why?? 😡 twice",
    ],
)
def test_serving_ngrams_are_scikit_learns(text: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlu.classifier.features import TOKEN_PATTERN, char_wb_ngrams, word_ngrams

    word = TfidfVectorizer(ngram_range=(1, 2), token_pattern=TOKEN_PATTERN).build_analyzer()
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert word_ngrams(text, 1, 2) == word(text)
    assert char_wb_ngrams(text, 2, 5) == char(text)


def test_serving_features_equal_the_fitted_ones() -> None:
    from nlu.classifier.features import NgramFeatures, NgramParams

    texts = [t for intents in COMMANDS.values() for ts in intents.values() for t in ts]
    features = NgramFeatures(NgramParams())
    fitted = features.fit_transform(texts).toarray()
    for row, text in zip(fitted, texts, strict=True):
        cols, vals = features.transform_one(text)
        served = np.zeros_like(row)
        served[cols] = vals
        assert served == pytest.approx(row, abs=1e-6)


def test_loading_a_model_does_not_import_scikit_learn(
    trained: IntentClassifier, tmp_path: Path
) -> None:
    import subprocess
    import sys

    path = tmp_path / "classifier"
    trained.save(path)
    probe = (
        "import sys, pathlib; from nlu.classifier import IntentClassifier; "
        f"c = IntentClassifier.load(pathlib.Path({str(path)!r})); c.rank('hi', 'cs'); "
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter, a fixed script)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
