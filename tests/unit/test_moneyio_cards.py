"""Card numbers, statuses and URLs of top-ups and payouts, as pure rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.cardmoney.cards import CardNumber, brand_of, luhn_ok
from core.cardmoney.errors import InvalidCardNumber
from core.cardmoney.model import (
    PayoutStage,
    PayoutStatus,
    TopUpStatus,
    after_notice,
    check_return_url,
    next_check_delay,
)
from core.errors import ValidationFailed
from core.ports import PaymentOutcome


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("4242424242424242", "4242424242424242"),
        ("4242 4242 4242 4242", "4242424242424242"),
        (" 5555-5555-5555-4444 ", "5555555555554444"),
        ("378282246310005", "378282246310005"),  # 15 digits (Amex)
        ("4222222222222", "4222222222222"),  # 13 digits
        ("6011111111111117", "6011111111111117"),
    ],
)
def test_a_valid_card_number_is_read_with_or_without_separators(text: str, digits: str) -> None:
    assert CardNumber.parse(text).digits == digits


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("4242424242424241", "check_digit"),
        ("424242424242", "length"),  # 12 digits
        ("42424242424242424242", "length"),  # 20 digits
        ("4242x42424242424", "format"),
        ("", "format"),
        ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "format"),  # Arabic-Indic digits are not ASCII digits
        ("4" * 41, "format"),
    ],
)
def test_a_wrong_card_number_says_why_and_never_what(text: str, reason: str) -> None:
    with pytest.raises(InvalidCardNumber) as caught:
        CardNumber.parse(text)
    assert caught.value.data == {"reason": reason}
    assert text.strip() == "" or text.strip() not in str(caught.value)


def test_a_card_number_never_shows_its_digits() -> None:
    card = CardNumber.parse("4242424242424242")
    assert "4242424242424242" not in repr(card)
    assert str(card) == "•• 4242"
    assert (card.last4, card.brand) == ("4242", "visa")


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3530111333300000", "jcb"),
        ("6200000000000005", "unionpay"),
        ("2200000000000004", "mir"),
        ("9000000000000000", "unknown"),
    ],
)
def test_the_brand_comes_from_the_leading_digits(number: str, brand: str) -> None:
    assert brand_of(number) == brand


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_exactly_one_check_digit_completes_any_number(body: str) -> None:
    assert sum(luhn_ok(body + d) for d in "0123456789") == 1


def test_a_success_moves_an_open_failed_or_expired_top_up_to_processing() -> None:
    ok = PaymentOutcome.SUCCEEDED
    for status in (
        TopUpStatus.CREATED,
        TopUpStatus.AWAITING_PAYMENT,
        TopUpStatus.FAILED,
        TopUpStatus.EXPIRED,
    ):
        assert after_notice(status, ok) is TopUpStatus.PROCESSING
    assert after_notice(TopUpStatus.PROCESSING, ok) is None
    assert after_notice(TopUpStatus.COMPLETED, ok) is None


def test_a_failure_only_moves_an_open_top_up() -> None:
    failed = PaymentOutcome.FAILED
    assert after_notice(TopUpStatus.AWAITING_PAYMENT, failed) is TopUpStatus.FAILED
    for status in (TopUpStatus.PROCESSING, TopUpStatus.COMPLETED, TopUpStatus.EXPIRED):
        assert after_notice(status, failed) is None


def test_a_payout_is_pending_until_it_completes_or_fails() -> None:
    pending = [PayoutStage.CREATED, PayoutStage.DEBITED, PayoutStage.REVIEW, PayoutStage.SUBMITTED]
    assert {stage.status for stage in pending} == {PayoutStatus.PENDING}
    assert PayoutStage.COMPLETED.status is PayoutStatus.COMPLETED
    assert PayoutStage.FAILED.status is PayoutStatus.FAILED


def test_asking_the_network_again_waits_longer_each_time_up_to_an_hour() -> None:
    poll = timedelta(seconds=5)
    delays = [next_check_delay(poll, n) for n in range(15)]
    assert delays[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert delays == sorted(delays)
    assert delays[-1] == timedelta(hours=1)


@pytest.mark.parametrize(
    "url", ["https://t.me/teller_bot?start=topup", "http://127.0.0.1:8000/webchat/return"]
)
def test_a_return_url_is_an_absolute_http_url(url: str) -> None:
    assert check_return_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "/relative/path",
        "https://user:pass@example.com/",
        "https://example.com/a b",
        "ftp://example.com/",
        "https://example.com/" + "a" * 500,
        "https:///no-host",
    ],
)
def test_anything_else_is_refused_as_a_return_url(url: str) -> None:
    with pytest.raises(ValidationFailed):
        check_return_url(url)
