"""Cards under concurrency, on real PostgreSQL: duplicates have exactly one effect."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.bank import Bank
from core.cards.errors import (
    AuthorizationCleared,
    AuthorizationNotApproved,
    CardLimitReached,
    RevealTokenUsed,
)
from core.cards.rules import AuthorizationStatus, DeclineReason
from core.cards.tables import card_authorizations, cards
from core.errors import CoreError
from core.ledger.model import HoldStatus
from core.persistence.tables import entries, holds
from tests.fakes import MutableClock
from tests.integration.test_cards_support import (
    AGENT,
    PROCESSOR,
    card_with_details,
    purchase,
    verified_account,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    assert (await bank.verify_audit()).ok


async def count(bank: Bank, table: object, *where: object) -> int:
    async with bank.db.read() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int((await conn.execute(query.where(*where))).scalar_one())  # type: ignore[arg-type]


async def test_a_double_submitted_authorization_holds_money_once(bank: Bank) -> None:
    card, details = await card_with_details(bank, 50_000)
    request = purchase(details, 7_000, reference="dup-1")
    results = await asyncio.gather(
        *(bank.cards.processing.authorize(request, PROCESSOR) for _ in range(20))
    )
    assert len({r.id for r in results}) == 1
    assert {r.status for r in results} == {AuthorizationStatus.APPROVED}
    assert len({r.hold_id for r in results}) == 1
    assert await count(bank, card_authorizations) == 1
    assert await count(bank, holds) == 1
    assert (await bank.ledger.balance(card.account_id)).available == 43_000


async def test_concurrent_purchases_never_pass_the_daily_limit(bank: Bank) -> None:
    card, details = await card_with_details(bank, 100_000)
    await bank.cards.set_limits(card.id, 1_000, 10_000, AGENT)
    results = await asyncio.gather(
        *(bank.cards.processing.authorize(purchase(details, 1_000), PROCESSOR) for _ in range(25))
    )
    reasons = Counter(r.decline_reason for r in results)
    assert reasons == {None: 10, DeclineReason.DAILY_LIMIT: 15}
    assert (await bank.ledger.balance(card.account_id)).held == 10_000


async def test_concurrent_purchases_never_overdraw_the_account(bank: Bank) -> None:
    card, details = await card_with_details(bank, 5_000)
    results = await asyncio.gather(
        *(bank.cards.processing.authorize(purchase(details, 1_000), PROCESSOR) for _ in range(12))
    )
    reasons = Counter(r.decline_reason for r in results)
    assert reasons == {None: 5, DeclineReason.INSUFFICIENT_FUNDS: 7}
    assert (await bank.ledger.balance(card.account_id)).available == 0


async def test_a_double_submitted_clearing_posts_once(bank: Bank) -> None:
    card, details = await card_with_details(bank, 50_000)
    auth = await bank.cards.processing.authorize(purchase(details, 3_000), PROCESSOR)
    results = await asyncio.gather(
        *(bank.cards.processing.clear(auth.reference, 2_500, "EUR", PROCESSOR) for _ in range(10))
    )
    assert {(r.status, r.entry_id) for r in results} == {
        (AuthorizationStatus.CLEARED, results[0].entry_id)
    }
    assert await count(bank, entries, entries.c.kind == "card_purchase") == 1
    balance = await bank.ledger.balance(card.account_id)
    assert (balance.ledger, balance.held) == (47_500, 0)


async def test_a_clearing_racing_a_reversal_leaves_one_outcome(bank: Bank) -> None:
    card, details = await card_with_details(bank, 50_000)
    for round_ in range(6):
        auth = await bank.cards.processing.authorize(
            purchase(details, 1_000, reference=f"race-{round_}"), PROCESSOR
        )

        async def attempt(call: object) -> object:
            try:
                return await call  # type: ignore[misc]
            except (AuthorizationCleared, AuthorizationNotApproved) as exc:
                return exc

        outcomes = await asyncio.gather(
            attempt(bank.cards.processing.clear(auth.reference, 1_000, "EUR", PROCESSOR)),
            attempt(bank.cards.processing.reverse(auth.reference, PROCESSOR)),
        )
        final = await bank.cards.processing.get(auth.reference, PROCESSOR)
        assert final.status in (AuthorizationStatus.CLEARED, AuthorizationStatus.REVERSED)
        assert sum(isinstance(o, CoreError) for o in outcomes) == 1
        hold = await bank.ledger.hold(auth.hold_id)  # type: ignore[arg-type]
        expected = (
            HoldStatus.POSTED if final.status is AuthorizationStatus.CLEARED else HoldStatus.VOIDED
        )
        assert hold.status is expected
    assert (await bank.ledger.balance(card.account_id)).held == 0


async def test_concurrent_wrong_pins_block_after_exactly_three(bank: Bank) -> None:
    card, details = await card_with_details(bank, 50_000)
    await bank.cards.set_pin(card.id, "2580", AGENT)
    results = await asyncio.gather(
        *(
            bank.cards.processing.authorize(purchase(details, pin="1357"), PROCESSOR)
            for _ in range(6)
        )
    )
    reasons = Counter(r.decline_reason for r in results)
    assert reasons == {DeclineReason.WRONG_PIN: 2, DeclineReason.PIN_BLOCKED: 4}
    async with bank.db.read() as conn:
        attempts = (await conn.execute(select(cards.c.pin_attempts))).scalar_one()
    assert attempts == 3


async def test_a_reveal_token_used_concurrently_reveals_once(bank: Bank) -> None:
    card, _ = await card_with_details(bank)
    token = await bank.cards.create_reveal(card.id, AGENT)
    results = await asyncio.gather(
        *(bank.cards.reveal(token.token, AGENT) for _ in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, RevealTokenUsed) for r in results if isinstance(r, BaseException))


async def test_concurrent_issues_with_one_key_make_one_card(bank: Bank) -> None:
    account = await verified_account(bank)
    assert account.customer_id is not None
    customer = account.customer_id
    results = await asyncio.gather(
        *(
            bank.cards.issue(customer, account.id, "digital", AGENT, idempotency_key="one")
            for _ in range(10)
        )
    )
    assert len({r.id for r in results}) == 1
    assert await count(bank, cards) == 1


async def test_concurrent_payouts_of_one_month_pay_once(bank: Bank, clock: MutableClock) -> None:
    await bank.cards.cashback.set_rate("mcc", "5411", 1_000, "Groceries 10 %", AGENT)
    clock.current = datetime(2026, 3, 10, tzinfo=UTC)
    card, details = await card_with_details(bank, 10_000)
    auth = await bank.cards.processing.authorize(purchase(details, 3_000), PROCESSOR)
    await bank.cards.processing.clear(auth.reference, 3_000, "EUR", PROCESSOR)
    clock.current = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
    paid = await asyncio.gather(*(bank.cards.cashback.pay(card.id, "2026-03") for _ in range(8)))
    assert len(set(paid)) == 1
    assert await count(bank, entries, entries.c.kind == "cashback") == 1
    assert (await bank.ledger.balance(card.account_id)).ledger == 10_000 - 3_000 + 300


async def test_concurrent_issues_for_one_customer_never_pass_the_maximum(bank: Bank) -> None:
    account = await verified_account(bank)
    assert account.customer_id is not None
    customer = account.customer_id
    results = await asyncio.gather(
        *(bank.cards.issue(customer, account.id, "digital", AGENT) for _ in range(9)),
        return_exceptions=True,
    )
    issued = [r for r in results if not isinstance(r, BaseException)]
    assert len(issued) == bank.cards.config.max_cards_per_customer == 5
    assert all(isinstance(r, CardLimitReached) for r in results if isinstance(r, BaseException))
    assert await count(bank, cards) == 5
