"""The fee schedule and the outgoing limits as services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.bank import Bank
from core.customers.model import KycLevel
from core.errors import ValidationFailed
from core.ledger.errors import IdempotencyConflict
from core.ledger.model import BankPurpose
from core.money import UnknownCurrency
from core.payments.errors import LimitExceeded, ReservationNotFound, RuleNotFound
from core.payments.fees import FeeRule, RuleSource
from core.payments.limits import LimitRule
from core.payments.model import WILDCARD, Operation
from tests.fakes import MutableClock
from tests.integration.payments_helpers import STAFF, audited, customer_account

OUT = Operation.BILL_PAYMENT

# -- fees ---------------------------------------------------------------------------------


async def test_a_quote_uses_the_shipped_default_until_staff_set_a_rule(bank: Bank) -> None:
    fees = bank.payments.fees
    default = await fees.quote(Operation.TRANSFER_CARD, 10_000, "eur")
    assert (default.fee, default.total, default.currency) == (100, 10_100, "EUR")
    assert default.source is RuleSource.DEFAULT
    await fees.set_rule(FeeRule(Operation.TRANSFER_CARD, "EUR", fixed=50, percent_bp=200), STAFF)
    configured = await fees.quote(Operation.TRANSFER_CARD, 10_000, "EUR")
    assert (configured.fee, configured.source) == (250, RuleSource.CONFIGURED)
    await fees.reset_rule(Operation.TRANSFER_CARD, "EUR", STAFF)
    assert (await fees.quote(Operation.TRANSFER_CARD, 10_000, "EUR")).fee == 100
    assert [a[1] for a in await audited(bank, "set_fee_rule")] == ["fees:transfer_card:EUR"]
    assert len(await audited(bank, "reset_fee_rule")) == 1


async def test_a_configured_wildcard_applies_to_every_currency(bank: Bank) -> None:
    fees = bank.payments.fees
    await fees.set_rule(FeeRule(Operation.EXCHANGE, WILDCARD, percent_bp=100, minimum=7), STAFF)
    assert (await fees.quote(Operation.EXCHANGE, 100, "CZK")).fee == 7
    assert (await fees.quote(Operation.EXCHANGE, 100_000, "USD")).fee == 1_000
    rules = {(v.rule.operation, v.rule.currency): v for v in await fees.rules()}
    assert rules[(Operation.EXCHANGE, WILDCARD)].source is RuleSource.CONFIGURED
    assert rules[(Operation.EXCHANGE, WILDCARD)].updated_by == str(STAFF)
    assert rules[(Operation.TRANSFER_INTERNAL, WILDCARD)].source is RuleSource.DEFAULT


async def test_a_bad_fee_rule_is_refused_audited_and_changes_nothing(bank: Bank) -> None:
    fees = bank.payments.fees
    with pytest.raises(ValidationFailed):
        await fees.set_rule(FeeRule(OUT, "EUR", minimum=500, maximum=100), STAFF)
    with pytest.raises(UnknownCurrency):
        await fees.set_rule(FeeRule(OUT, "ZZZ", fixed=1), STAFF)
    with pytest.raises(RuleNotFound):
        await fees.reset_rule(OUT, "EUR", STAFF)
    assert (await fees.quote(OUT, 10_000, "EUR")).source is RuleSource.DEFAULT
    outcomes = [a[2] for a in await audited(bank, "set_fee_rule")]
    assert outcomes == ["rejected:VALIDATION_ERROR", "rejected:UNKNOWN_CURRENCY"]


async def test_fee_legs_credit_fee_income_and_a_free_operation_has_none(bank: Bank) -> None:
    fees = bank.payments.fees
    await fees.set_rule(FeeRule(OUT, "EUR", fixed=35), STAFF)
    (leg,) = await fees.fee_legs(await fees.quote(OUT, 1_000, "EUR"))
    assert leg.account_id == await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    assert (leg.amount, leg.currency) == (35, "EUR")
    assert await fees.fee_legs(await fees.quote(Operation.TRANSFER_INTERNAL, 1_000, "EUR")) == ()


@pytest.mark.parametrize("amount", [0, -1])
async def test_a_quote_needs_a_positive_amount(bank: Bank, amount: int) -> None:
    with pytest.raises(ValidationFailed):
        await bank.payments.fees.quote(OUT, amount, "EUR")


# -- limits -------------------------------------------------------------------------------


async def test_a_reservation_counts_against_the_day_and_the_month(bank: Bank) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    await limits.reserve(customer, OUT, 200_000, "EUR", "bill:1", STAFF)
    status = await limits.status(customer, "EUR")
    assert (status.kyc_level, status.daily_used, status.monthly_used) == (
        KycLevel.FULL,
        200_000,
        200_000,
    )
    assert status.remaining == 300_000
    with pytest.raises(LimitExceeded) as caught:
        await limits.reserve(customer, OUT, 300_001, "EUR", "bill:2", STAFF)
    assert caught.value.data == {
        "period": "daily",
        "limit": 500_000,
        "used": 200_000,
        "remaining": 300_000,
        "requested": 300_001,
        "currency": "EUR",
        "kyc_level": "full",
    }
    await limits.reserve(customer, OUT, 300_000, "EUR", "bill:3", STAFF)
    assert (await limits.status(customer, "EUR")).remaining == 0
    outcomes = [a[2] for a in await audited(bank, "reserve_limit")]
    assert outcomes == ["ok", "rejected:LIMIT_EXCEEDED", "ok"]


async def test_a_new_day_in_the_bank_s_time_zone_frees_the_daily_limit_not_the_monthly(
    bank: Bank, clock: MutableClock
) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    await limits.set_rule(LimitRule(KycLevel.FULL, "EUR", 1_000, 1_500), STAFF)
    clock.current = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Prague
    await limits.reserve(customer, OUT, 1_000, "EUR", "a", STAFF)
    clock.current = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 00:30 on the 3rd in Prague
    with pytest.raises(LimitExceeded) as caught:
        await limits.reserve(customer, OUT, 600, "EUR", "b", STAFF)
    assert caught.value.data["period"] == "monthly"
    await limits.reserve(customer, OUT, 500, "EUR", "c", STAFF)
    clock.current = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Prague
    await limits.reserve(customer, OUT, 1_000, "EUR", "d", STAFF)


async def test_releasing_gives_the_amount_back_once(bank: Bank, clock: MutableClock) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    await limits.reserve(customer, OUT, 400_000, "EUR", "bill:9", STAFF)
    clock.advance(days=1)  # released the next day: the day it was counted on gets it back
    assert await limits.release("bill:9", STAFF)
    assert not await limits.release("bill:9", STAFF)
    clock.advance(days=-1)
    status = await limits.status(customer, "EUR")
    assert (status.daily_used, status.monthly_used) == (0, 0)
    with pytest.raises(ReservationNotFound):
        await limits.release("bill:never", STAFF)


async def test_a_reference_reserves_once_and_a_different_amount_conflicts(bank: Bank) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    first = await limits.reserve(customer, OUT, 1_000, "EUR", "bill:7", STAFF)
    again = await limits.reserve(customer, OUT, 1_000, "EUR", "bill:7", STAFF)
    assert again == first
    assert (await limits.status(customer, "EUR")).daily_used == 1_000
    with pytest.raises(IdempotencyConflict):
        await limits.reserve(customer, OUT, 2_000, "EUR", "bill:7", STAFF)


async def test_unverified_customers_have_the_small_allowance(bank: Bank) -> None:
    account = await customer_account(bank, verified=False)
    customer = account.customer_id
    assert customer is not None
    with pytest.raises(LimitExceeded) as caught:
        await bank.payments.limits.reserve(customer, OUT, 10_001, "EUR", "x", STAFF)
    assert caught.value.data["kyc_level"] == "none"


async def test_a_currency_without_a_rule_lets_nothing_out_until_staff_set_one(bank: Bank) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    with pytest.raises(LimitExceeded):
        await limits.reserve(customer, OUT, 1, "CHF", "chf:1", STAFF)
    await limits.set_rule(LimitRule(KycLevel.FULL, "CHF", 5_000, 20_000), STAFF)
    await limits.reserve(customer, OUT, 5_000, "CHF", "chf:2", STAFF)
    await limits.reset_rule(KycLevel.FULL, "CHF", STAFF)
    assert (await limits.status(customer, "CHF")).daily_limit == 0
    rules = await limits.rules()
    assert {(r.rule.kyc_level, r.rule.currency) for r in rules} >= {
        (KycLevel.NONE, "EUR"),
        (KycLevel.FULL, "JPY"),
    }


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        (LimitRule(KycLevel.FULL, "EUR", 2_000, 1_000), ValidationFailed),
        (LimitRule(KycLevel.FULL, "EUR", -1, 1_000), ValidationFailed),
        (LimitRule(KycLevel.FULL, "QQQ", 1, 1), UnknownCurrency),
    ],
)
async def test_a_bad_limit_rule_is_refused(
    bank: Bank, rule: LimitRule, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await bank.payments.limits.set_rule(rule, STAFF)
    assert all(r.source is RuleSource.DEFAULT for r in await bank.payments.limits.rules())


async def test_velocity_sees_unreleased_reservations_in_the_window(
    bank: Bank, clock: MutableClock
) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    await limits.reserve(customer, OUT, 100, "EUR", "v1", STAFF)
    await limits.reserve(customer, OUT, 200, "CZK", "v2", STAFF)
    await limits.reserve(customer, OUT, 300, "EUR", "v3", STAFF)
    await limits.release("v3", STAFF)
    async with bank.db.read() as conn:
        since = clock.now() - timedelta(minutes=1)
        assert await limits.recent(conn, customer, since, "EUR") == (2, 100)
        later = clock.now() + timedelta(seconds=1)
        assert await limits.recent(conn, customer, later, "EUR") == (0, 0)
