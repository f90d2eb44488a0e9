"""Check digits and phone numbers, the rules billers' numbers follow; and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.bills import checks
from core.bills.catalogue import Mask
from core.bills.model import mask, next_check

bodies = st.text(alphabet="0123456789", min_size=5, max_size=18)


def _with_check_digit(body: str, rule: str) -> str | None:
    for digit in "0123456789":
        if checks.CHECKS[rule](body + digit):
            return body + digit
    return None


@pytest.mark.parametrize(
    ("rule", "valid", "mistyped"),
    [
        ("luhn", "79927398713", "79927398710"),  # the Luhn algorithm's textbook example
        ("mod10_weighted", "4006381333931", "4006381333932"),  # an EAN-13
        ("mod11", "12345678903", "12345678904"),  # a Norwegian KID reference
        ("mod97", "3214282912345698765432161182", "3214282912345698765432161183"),  # GB82 IBAN
    ],
)
def test_each_rule_accepts_its_known_valid_number_and_refuses_a_mistyped_one(
    rule: str, valid: str, mistyped: str
) -> None:
    assert checks.CHECKS[rule](valid)
    assert not checks.CHECKS[rule](mistyped)


@pytest.mark.parametrize("rule", ["luhn", "mod10_weighted", "mod11"])
@given(body=bodies, position=st.integers(min_value=0), delta=st.integers(1, 9))
def test_changing_any_one_digit_breaks_the_check(
    rule: str, body: str, position: int, delta: int
) -> None:
    number = _with_check_digit(body, rule)
    if number is None:  # mod 11 leaves some bodies without a check digit
        return
    i = position % len(number)
    changed = number[:i] + str((int(number[i]) + delta) % 10) + number[i + 1 :]
    assert not checks.CHECKS[rule](changed)


@given(body=bodies, position=st.integers(min_value=0), delta=st.integers(1, 9))
def test_mod97_gives_every_number_check_digits_that_catch_any_one_mistyped_digit(
    body: str, position: int, delta: int
) -> None:
    number = next(body + f"{c:02d}" for c in range(100) if checks.mod97(body + f"{c:02d}"))
    i = position % len(number)
    changed = number[:i] + str((int(number[i]) + delta) % 10) + number[i + 1 :]
    assert not checks.mod97(changed)


def test_mod11_has_no_check_digit_for_a_remainder_of_one() -> None:
    # 1·7 + 0 … : 11 - (sum % 11) == 10 is not a digit, so no such number is issued.
    body = next(
        b for b in (f"{n:06d}" for n in range(1000, 9999)) if checks.mod11_check_digit(b) is None
    )
    assert not any(checks.mod11(body + d) for d in "0123456789")


def test_check_rules_refuse_what_is_not_digits() -> None:
    for rule in checks.CHECKS.values():
        assert not rule("")
        assert not rule("12a4")
        assert not rule("١٢٣٤")  # Arabic-Indic digits are digits to Python, not to billers


@pytest.mark.parametrize(
    ("raw", "region", "problem"),
    [
        ("601 123 456", "CZ", None),
        ("+420 601 123 456", "CZ", None),
        ("00420601123456", "CZ", None),
        ("+420 212 345 678", "CZ", "PHONE_NOT_MOBILE"),  # a Prague landline
        ("+421 905 123 456", "CZ", "PHONE_WRONG_COUNTRY"),
        ("+420 601 12", "CZ", "PHONE_INVALID"),
        ("call me", "CZ", "PHONE_INVALID"),
        ("0905 123 456", "SK", None),
    ],
)
def test_phone_numbers_are_read_for_the_billers_country(
    raw: str, region: str, problem: str | None
) -> None:
    assert checks.phone_problem(raw, region, ["mobile"]) == problem


def test_a_valid_phone_number_becomes_e164() -> None:
    assert checks.e164("601 123 456", "CZ") == "+420601123456"
    assert checks.e164("0905 123 456", "SK") == "+421905123456"


def test_masks_keep_enough_to_recognize_and_no_more() -> None:
    assert mask("+420601123456", Mask.PHONE) == "+420 ••••••456"
    assert mask("+421905123456", Mask.PHONE) == "+421 ••••••456"
    assert mask("876232860125", Mask.TAIL) == "••••••••0125"
    assert mask("1AB2345", Mask.TAIL) == "•••2345"
    assert mask("12345", Mask.TAIL) == "•••45"


def test_reconciliation_asks_less_and_less_often_up_to_a_cap() -> None:
    from datetime import timedelta

    first, cap = timedelta(minutes=1), timedelta(hours=1)
    waits = [next_check(n, first=first, cap=cap) for n in (0, 1, 2, 6, 7, 500)]
    assert waits == [first, 2 * first, 4 * first, cap, cap, cap]
