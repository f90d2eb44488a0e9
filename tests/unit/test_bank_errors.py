"""``from_code``: listed codes keep their class; others take the class of their status."""

from __future__ import annotations

import pytest

from integrations.bank.errors import (
    BankError,
    Conflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    from_code,
)


def test_a_listed_code_keeps_its_class_whatever_the_status() -> None:
    assert type(from_code("INSUFFICIENT_FUNDS", "no", status=409)) is InsufficientFunds


@pytest.mark.parametrize(
    ("status", "cls"),
    [(404, NotFound), (409, Conflict), (422, InvalidRequest), (400, InvalidRequest)],
)
def test_an_unlisted_code_takes_the_class_of_its_status(status: int, cls: type) -> None:
    error = from_code("CARD_LOCKED", "locked", {"card": "x"}, status=status)
    assert type(error) is cls
    assert (error.code, error.data) == ("CARD_LOCKED", {"card": "x"})


def test_an_unlisted_code_without_a_known_status_is_a_plain_bank_error() -> None:
    assert type(from_code("SOMETHING_NEW", "?")) is BankError
