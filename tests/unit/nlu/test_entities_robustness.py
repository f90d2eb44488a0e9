"""Any input: nothing raises, nothing is slow, spans stay inside the text and never overlap."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.entities import LANGUAGES, Biller, extract
from nlu.result import Entity

TODAY = date(2026, 3, 15)
BILLERS = (Biller("vodafone", ("Vodafone",)), Biller("cez", ("ČEZ",)), Biller("o2", ("O2",)))
_random = random.Random(20260315)
BAD_INPUTS = {
    "empty": "",
    "spaces": " " * 200,
    "emoji only": "🙂🙂🙂💸💸",
    "ten thousand characters": "send 50 EUR to Ivan Petrov on 1 March " * 270,
    "a wall of digits": "7" * 10_000,
    "digits and spaces": "1 " * 5_000,
    "digits and dots": "1." * 5_000,
    "grouped digits": "1234 " * 2_000,
    "iban-like runs": "CZ65 " * 2_000,
    "mixed scripts": "Пошли 50 € Ivanovi ☃ 1.3.2026 переказ 500 грн " * 100,
    "control characters": "\x00\x01\x02send 50\x07 EUR\x1b[0m\r\n\t" * 300,
    "binary garbage": _random.randbytes(10_000).decode("utf-8", errors="replace"),
    "latin-1 garbage": _random.randbytes(10_000).decode("latin-1"),
    "pluses and dashes": "+-" * 5_000,
    "capitals": "To Ivan Petrov " * 700,
    "date words": "from 1 to 15 March since May " * 400,
}
# Characters the rules care about, so generated text reaches their corners.
_ALPHABET = list("0123456789 .,-+/:'€$£₴₽KkкčEURgrnгрнzłCZGBMarchмаяbřeznaTo\u00a0\n")


def _well_formed(text: str, entities: list[Entity]) -> None:
    for entity in entities:
        assert 0 <= entity.start < entity.end <= len(text)
    for first, second in pairwise(entities):
        assert first.end <= second.start


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _no_rule_failures() -> Iterator[None]:
    """extract() logs and swallows a failing rule; a test must see that as a failure."""
    errors = _Errors()
    logger = logging.getLogger("nlu.entities")
    logger.addHandler(errors)
    try:
        yield
    finally:
        logger.removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_handled_quickly_without_errors(name: str, language: str) -> None:
    text = BAD_INPUTS[name]
    with _no_rule_failures():
        started = time.perf_counter()
        entities = extract(text, language, today=TODAY, billers=BILLERS)
        elapsed = time.perf_counter() - started
    _well_formed(text, entities)
    # A guard against pathological (quadratic, backtracking) cases on a shared machine, not
    # a speed target: speed is measured by `teller nlu eval` and the benchmarks.
    assert elapsed < 5, f"{name} took {elapsed:.2f} s"


def test_random_bytes_from_the_os_are_handled() -> None:
    text = os.urandom(4_000).decode("utf-8", errors="replace")
    with _no_rule_failures():
        _well_formed(text, extract(text, "cs", today=TODAY, billers=BILLERS))


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(st.text(max_size=300), st.text(alphabet=_ALPHABET, max_size=300)),
    language=st.sampled_from([*LANGUAGES, "de", ""]),
)
def test_extract_never_fails_and_spans_stay_inside_the_text(text: str, language: str) -> None:
    with _no_rule_failures():
        entities = extract(text, language, today=TODAY, billers=BILLERS)
    _well_formed(text, entities)


def test_an_unknown_language_is_read_as_english() -> None:
    text = "send 50 EUR yesterday"
    assert extract(text, "de", today=TODAY) == extract(text, "en", today=TODAY)


def test_only_the_start_of_a_very_long_text_is_read() -> None:
    text = "x " * 5_000 + "send 50 EUR"
    assert extract(text, "en", today=TODAY) == []
