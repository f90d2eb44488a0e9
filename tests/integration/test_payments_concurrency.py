"""Payments under concurrency on real PostgreSQL: limits, double submits, staff decisions
and money requests each have exactly one effect."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

import pytest

from core.bank import Bank
from core.customers.model import KycLevel
from core.errors import CoreError
from core.payments.limits import LimitRule
from core.payments.model import Operation, PaymentStatus
from tests.integration.payments_helpers import (
    CLIENT,
    STAFF,
    customer_account,
    ledger_balance,
    outbox,
    send,
    to_phone,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


async def outcomes(calls: list[Awaitable[Any]]) -> Counter[str]:
    """How many calls succeeded ("ok") and how many failed with each code."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    counted: Counter[str] = Counter()
    for result in results:
        if isinstance(result, CoreError):
            counted[result.code] += 1
        elif isinstance(result, BaseException):
            raise result
        else:
            counted["ok"] += 1
    return counted


async def test_concurrent_transfers_cannot_both_pass_a_limit_only_one_fits(bank: Bank) -> None:
    await bank.payments.limits.set_rule(LimitRule(KycLevel.FULL, "EUR", 1_000, 5_000), STAFF)
    payer = await customer_account(bank, funded=100_000)
    payees = [await customer_account(bank) for _ in range(4)]
    counted = await outcomes(
        [send(bank, payer, payees[i % 4], 600, key=f"lim-{i}") for i in range(12)]
    )
    assert counted == Counter({"ok": 1, "LIMIT_EXCEEDED": 11})
    assert payer.customer_id is not None
    status = await bank.payments.limits.status(payer.customer_id, "EUR")
    assert status.daily_used == 600
    assert sum([await ledger_balance(bank, p.id) for p in payees]) == 600
    assert (await bank.verify_ledger()).ok


async def test_concurrent_transfers_fill_a_limit_exactly(bank: Bank) -> None:
    await bank.payments.limits.set_rule(LimitRule(KycLevel.FULL, "EUR", 1_000, 5_000), STAFF)
    payer = await customer_account(bank, funded=100_000)
    payee = await customer_account(bank)
    counted = await outcomes([send(bank, payer, payee, 100, key=f"fill-{i}") for i in range(25)])
    assert counted == Counter({"ok": 10, "LIMIT_EXCEEDED": 15})
    assert await ledger_balance(bank, payee.id) == 1_000


async def test_concurrent_reservations_by_other_areas_respect_the_limit(bank: Bank) -> None:
    await bank.payments.limits.set_rule(LimitRule(KycLevel.FULL, "EUR", 1_000, 5_000), STAFF)
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    limits = bank.payments.limits
    counted = await outcomes(
        [
            limits.reserve(customer, Operation.BILL_PAYMENT, 300, "EUR", f"bill:{i}", STAFF)
            for i in range(10)
        ]
    )
    assert counted == Counter({"ok": 3, "LIMIT_EXCEEDED": 7})
    assert (await limits.status(customer, "EUR")).daily_used == 900


async def test_transfers_refused_for_funds_give_their_limit_back(bank: Bank) -> None:
    payer = await customer_account(bank, funded=1_000)
    payee = await customer_account(bank)
    counted = await outcomes([send(bank, payer, payee, 300, key=f"nf-{i}") for i in range(10)])
    assert counted == Counter({"ok": 3, "INSUFFICIENT_FUNDS": 7})
    assert payer.customer_id is not None
    assert (await bank.payments.limits.status(payer.customer_id, "EUR")).daily_used == 900
    assert await ledger_balance(bank, payee.id) == 900
    assert (await bank.verify_ledger()).ok


async def test_a_transfer_submitted_twenty_times_at_once_moves_money_once(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    results = await asyncio.gather(
        *(send(bank, payer, payee, 700, key="double") for _ in range(20))
    )
    assert len({r.id for r in results}) == 1
    assert {r.status for r in results} == {PaymentStatus.COMPLETED}
    assert await ledger_balance(bank, payee.id) == 700
    assert len(await outbox(bank, "transfer.completed")) == 1
    assert payer.customer_id is not None
    assert (await bank.payments.limits.status(payer.customer_id, "EUR")).daily_used == 700


async def test_two_staff_deciding_one_held_transfer_at_once_one_wins(bank: Bank) -> None:
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    held = await send(bank, payer, payee, 250_000)
    assert held.status is PaymentStatus.PENDING_REVIEW
    reviews = bank.payments.reviews
    calls = [reviews.approve(held.id, STAFF, f"a-{i}") for i in range(5)]
    calls += [reviews.reject(held.id, STAFF, f"r-{i}", "fraud") for i in range(5)]
    counted = await outcomes(calls)
    assert counted == Counter({"ok": 1, "PAYMENT_NOT_PENDING": 9})
    final = await bank.payments.transfers.get(held.id)
    moved = await ledger_balance(bank, payee.id)
    assert (final.status, moved) in {
        (PaymentStatus.COMPLETED, 250_000),
        (PaymentStatus.REJECTED, 0),
    }
    assert await bank.payments.reviews.expire_reviews(bank.clock.now()) == 0
    assert (await bank.verify_ledger()).ok


async def test_a_money_request_accepted_at_once_from_two_phones_is_paid_once(bank: Bank) -> None:
    requester = await customer_account(bank)
    payer = await customer_account(bank, funded=100_000, phone="+420 608 123 456")
    request = await bank.payments.requests.create(
        requester.id, to_phone("+420608123456"), 1_500, "EUR", "Tickets", CLIENT
    )
    assert payer.customer_id is not None
    calls: list[Awaitable[Any]] = [
        bank.payments.requests.accept(request.id, payer.id, CLIENT, f"acc-{i}") for i in range(8)
    ]
    calls.append(bank.payments.requests.decline(request.id, payer.customer_id, CLIENT))
    counted = await outcomes(calls)
    assert counted["ok"] == 1
    assert counted["MONEY_REQUEST_NOT_PENDING"] == 8
    assert await ledger_balance(bank, requester.id) in (0, 1_500)
    assert (await bank.verify_ledger()).ok
