"""The cards area's pure rules: numbers, expiry, names, limits, PINs, declines, cashback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from core.cards.config import CardConfig
from core.cards.errors import InvalidCardNumber, InvalidPin, WeakPin
from core.cards.model import (
    BlockReason,
    CardStatus,
    Expiry,
    cashback_for,
    check_rate,
    is_luhn_valid,
    luhn_check_digit,
    masked_name,
    month_of,
    new_card_number,
    next_month,
    normalize_card_number,
    validate_bin,
    validate_pin,
)
from core.cards.rules import (
    CardRules,
    Channel,
    DeclineReason,
    Limits,
    Purchase,
    card_decline,
    day_bounds,
    limit_decline,
    limit_policy,
)
from core.cards.vault import CardVault, new_reveal_token, reveal_token_hash
from core.crypto import Keyring
from core.errors import ValidationFailed
from teller.logs import redact_text
from teller.settings import Settings

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
KEYRING = Keyring({"k1": b"k" * 32}, "k1", b"i" * 32)


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["4242424242424242", "4111111111111111", "5555555555554444", "378282246310005"]
)
def test_known_test_numbers_pass_the_luhn_check(number: str) -> None:
    assert is_luhn_valid(number)
    assert luhn_check_digit(number[:-1]) == number[-1]


@pytest.mark.parametrize("number", ["4242424242424241", "1234567812345678", "", "4", "42a2"])
def test_other_numbers_fail_it(number: str) -> None:
    assert not is_luhn_valid(number)


@given(st.sampled_from(["424242", "22000000", "535110"]))
def test_new_numbers_carry_the_bin_and_a_valid_check_digit(bin_: str) -> None:
    number = new_card_number(bin_)
    assert len(number) == 16
    assert number.startswith(bin_)
    assert is_luhn_valid(number)
    # The log pipeline recognizes and masks every number the bank issues.
    assert redact_text(f"card {number}") == f"card [card •••• {number[-4:]}]"


@pytest.mark.parametrize("bin_", ["42424", "4242424", "abcdef", "424242424"])
def test_a_bin_is_six_or_eight_digits(bin_: str) -> None:
    with pytest.raises(ValueError, match="BIN"):
        validate_bin(bin_)
    with pytest.raises(ValueError, match="BIN"):
        CardConfig(bin=bin_)


def test_numbers_are_normalized_before_lookup() -> None:
    assert normalize_card_number("4242 4242-4242 4242") == "4242424242424242"
    for bad in ("4242 4242 4242 4241", "424242", "4242424242424242424242", "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"):
        with pytest.raises(InvalidCardNumber):
            normalize_card_number(bad)


# -- expiry, names ------------------------------------------------------------------------


def test_a_card_expires_after_the_last_day_of_its_month() -> None:
    expiry = Expiry.after(datetime(2026, 2, 28, 23, 0, tzinfo=UTC), 3)
    assert (expiry, str(expiry)) == (Expiry(2029, 2), "02/29")
    assert not expiry.passed(datetime(2029, 2, 28, 23, 59, 59, tzinfo=UTC))
    assert expiry.passed(datetime(2029, 3, 1, tzinfo=UTC))
    assert Expiry(2028, 12).ends_at == datetime(2029, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("full", "masked"),
    [
        ("Ivan Petrov", "Ivan P."),
        ("Jana Dvořáková", "Jana D."),
        ("Anna Maria  Novak", "Anna N."),
        ("Олена Коваленко", "Олена К."),
        ("Madonna", "Madonna"),
        ("", ""),
    ],
)
def test_a_payer_sees_the_first_name_and_an_initial(full: str, masked: str) -> None:
    assert masked_name(full) == masked


# -- limits -------------------------------------------------------------------------------


def test_default_limits_follow_the_currencys_minor_unit() -> None:
    assert limit_policy("EUR").defaults("EUR") == Limits(100_000, 250_000)
    assert limit_policy("JPY").defaults("JPY") == Limits(150_000, 400_000)
    assert limit_policy("CZK").defaults("CZK") == Limits(2_500_000, 6_000_000)
    assert limit_policy("CHF").defaults("CHF") == Limits(100_000, 250_000)


def test_limits_are_checked_against_the_maxima() -> None:
    policy = limit_policy("EUR")
    assert policy.check(Limits(1, 1), "EUR") == Limits(1, 1)
    assert policy.check(Limits(1_000_000, 2_500_000), "EUR") == Limits(1_000_000, 2_500_000)
    for bad in (Limits(0, 1), Limits(2, 1), Limits(1_000_001, 2_000_000), Limits(1, 2_500_001)):
        with pytest.raises(ValidationFailed):
            policy.check(bad, "EUR")


# -- PINs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pin", ["2580", "7391", "13579", "102938", "1235"])
def test_pins_that_are_not_guessable_are_accepted(pin: str) -> None:
    assert validate_pin(pin) == pin


@pytest.mark.parametrize("pin", ["0000", "999999", "1234", "4567", "6543", "0123", "9012"])
def test_repeated_and_consecutive_digits_are_weak(pin: str) -> None:
    with pytest.raises(WeakPin):
        validate_pin(pin)


@pytest.mark.parametrize("pin", ["", "123", "1234567", "12 4", "12a4", "１２３４"])
def test_a_pin_is_four_to_six_ascii_digits(pin: str) -> None:
    with pytest.raises(InvalidPin):
        validate_pin(pin)


# -- authorization rules ------------------------------------------------------------------

RULES = CardRules(
    status=CardStatus.ACTIVE,
    block_reason=None,
    expiry=Expiry(2029, 3),
    currency="EUR",
    online_enabled=True,
    atm_enabled=True,
    limits=Limits(5_000, 10_000),
)
SHOP = Purchase(1_000, "EUR", Channel.POS, Expiry(2029, 3), None)


def test_a_purchase_the_card_allows_has_no_decline() -> None:
    assert card_decline(RULES, SHOP, NOW) is None
    assert limit_decline(RULES, 5_000, 5_000) is None


def _with(**changes: object) -> CardRules:
    return replace(RULES, **changes)  # type: ignore[arg-type]


def _buy(**changes: object) -> Purchase:
    return replace(SHOP, **changes)  # type: ignore[arg-type]


def test_the_weightiest_reason_wins() -> None:
    stolen = _with(status=CardStatus.BLOCKED, block_reason=BlockReason.STOLEN)
    locked = _with(status=CardStatus.LOCKED, online_enabled=False)
    cases = [
        (stolen, _buy(expiry=Expiry(2030, 1)), DeclineReason.CARD_BLOCKED_STOLEN),
        (
            _with(status=CardStatus.BLOCKED, block_reason=BlockReason.LOST),
            SHOP,
            DeclineReason.CARD_BLOCKED_LOST,
        ),
        (_with(expiry=Expiry(2026, 2)), _buy(expiry=Expiry(2026, 2)), DeclineReason.CARD_EXPIRED),
        (locked, _buy(expiry=Expiry(2029, 4)), DeclineReason.WRONG_EXPIRY),
        (locked, _buy(channel=Channel.ONLINE), DeclineReason.CARD_LOCKED),
        (
            _with(online_enabled=False),
            _buy(channel=Channel.ONLINE, currency="USD"),
            DeclineReason.ONLINE_DISABLED,
        ),
        (_with(atm_enabled=False), _buy(channel=Channel.ATM), DeclineReason.ATM_DISABLED),
        (RULES, _buy(currency="USD", cvv_ok=False), DeclineReason.WRONG_CURRENCY),
        (RULES, _buy(cvv_ok=False), DeclineReason.WRONG_CVV),
    ]
    for rules, purchase, reason in cases:
        assert card_decline(rules, purchase, NOW) is reason


def test_limits_decline_per_transaction_then_per_day() -> None:
    assert limit_decline(RULES, 5_001, 0) is DeclineReason.TRANSACTION_LIMIT
    assert limit_decline(RULES, 1_000, 9_001) is DeclineReason.DAILY_LIMIT
    assert day_bounds(NOW) == (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))


def test_every_decline_has_an_iso_8583_response_code() -> None:
    assert {reason: reason.response_code for reason in DeclineReason}
    assert DeclineReason.INSUFFICIENT_FUNDS.response_code == "51"
    assert DeclineReason.PIN_BLOCKED.response_code == "75"


# -- cashback -----------------------------------------------------------------------------


def test_cashback_rounds_down_to_the_minor_unit() -> None:
    assert cashback_for(1_999, 500) == 99
    assert cashback_for(1, 3300) == 0
    assert [check_rate(200), check_rate(3300)] == [200, 3300]
    for bad in (199, 3301, 0):
        with pytest.raises(ValidationFailed):
            check_rate(bad)


def test_months_are_utc_calendar_months() -> None:
    assert month_of(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == "2026-03"
    assert month_of(datetime(2026, 4, 1, 0, 30, tzinfo=UTC) - timedelta(hours=1)) == "2026-03"
    assert (next_month("2026-03"), next_month("2026-12")) == ("2026-04", "2027-01")


# -- the vault ----------------------------------------------------------------------------


def test_the_cvv_is_derived_from_number_and_expiry_under_the_key() -> None:
    vault = CardVault(KEYRING)
    number = new_card_number("424242")
    cvv = vault.cvv(number, Expiry(2029, 3))
    assert len(cvv) == 3
    assert cvv.isdigit()
    assert vault.cvv(number, Expiry(2029, 3)) == cvv
    assert vault.cvv_matches(number, Expiry(2029, 3), cvv)
    other_key = CardVault(Keyring({"k1": b"k" * 32}, "k1", b"j" * 32))
    others = {
        vault.cvv(number, Expiry(2029, 4)),
        other_key.cvv(number, Expiry(2029, 3)),
        *(vault.cvv(new_card_number("424242"), Expiry(2029, 3)) for _ in range(5)),
    }
    assert others != {cvv}  # it depends on the expiry, the key and the number


def test_sealed_numbers_show_only_their_last_four() -> None:
    vault = CardVault(KEYRING)
    sealed = vault.seal("4242424242424242")
    assert vault.open(sealed.token) == "4242424242424242"
    assert "4242424242424242" not in repr(sealed)
    assert sealed.index == vault.index("4242424242424242")
    assert vault.pin_digest(uuid4(), "2580") != vault.pin_digest(uuid4(), "2580")


def test_reveal_tokens_are_stored_as_hashes() -> None:
    token, stored = new_reveal_token()
    assert len(token) >= 43
    assert stored == reveal_token_hash(token) != token


# -- settings -----------------------------------------------------------------------------


def test_card_settings_become_the_card_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELLER_CARD_BIN", "22000000")
    monkeypatch.setenv("TELLER_CARD_HOLD_DAYS", "30")
    config = Settings().card_config
    assert (config.bin, config.authorization_ttl, config.bic) == (
        "22000000",
        timedelta(days=30),
        "TELLCZPP",
    )
    monkeypatch.setenv("TELLER_CARD_BIN", "12345")
    with pytest.raises(ValidationError):
        Settings()
