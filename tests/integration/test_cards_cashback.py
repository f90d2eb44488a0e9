"""Cashback: rates as data, accrual on cleared purchases, monthly payouts by the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.bank import Bank
from core.cards.cashback import SWEEP
from core.cards.errors import CashbackRateNotFound
from core.cards.tables import cashback_accruals
from core.cards.views import CardDetails
from core.errors import ValidationFailed
from core.jobs import MemoryQueue
from core.ledger.model import BankPurpose, EntryKind
from core.persistence.tables import entries
from core.referrals.model import CashbackRate
from tests.fakes import MutableClock, run_jobs
from tests.integration.test_cards_support import AGENT, PROCESSOR, card_with_details, purchase
from tests.integration.test_referrals_support import partner

MARCH = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def _rates(bank: Bank) -> AsyncIterator[None]:
    await bank.cards.cashback.set_rate("mcc", "5411", 500, "Groceries 5 %", AGENT)
    await bank.cards.cashback.set_rate("partner", "shop-42", 3300, "Partner shop 33 %", AGENT)
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def buy(
    bank: Bank, details: CardDetails, amount: int, cleared: int | None = None, **changes: object
) -> None:
    auth = await bank.cards.processing.authorize(purchase(details, amount, **changes), PROCESSOR)
    assert auth.approved
    await bank.cards.processing.clear(auth.reference, cleared or amount, "EUR", PROCESSOR)


async def sweep_and_pay(bank: Bank) -> None:
    [sweep] = [job for job in bank.jobs().periodic if job.name == SWEEP]
    await sweep.handler(bank.clock.now())
    await run_jobs(bank)


async def cashback_entries(bank: Bank) -> int:
    async with bank.db.read() as conn:
        count = await conn.execute(
            select(func.count()).select_from(entries).where(entries.c.kind == "cashback")
        )
        return int(count.scalar_one())


async def test_rates_are_data_within_two_to_thirty_three_percent(bank: Bank) -> None:
    changed = await bank.cards.cashback.set_rate("mcc", "5411", 700, "Groceries 7 %", AGENT)
    assert changed.rate_bps == 700
    rates = {(r.kind, r.key): r.rate_bps for r in await bank.cards.cashback.rates()}
    assert rates == {("mcc", "5411"): 700, ("partner", "shop-42"): 3300}
    await bank.cards.cashback.remove_rate("partner", "shop-42", AGENT)
    with pytest.raises(CashbackRateNotFound):
        await bank.cards.cashback.remove_rate("partner", "shop-42", AGENT)


@pytest.mark.parametrize(
    ("kind", "key", "rate", "description", "field"),
    [
        ("mcc", "5411", 199, "Too little", "rate_bps"),
        ("mcc", "5411", 3301, "Too much", "rate_bps"),
        ("mcc", "5411", True, "A boolean", "rate_bps"),
        ("brand", "5411", 500, "Unknown kind", "kind"),
        ("mcc", "541", 500, "Short code", "mcc"),
        ("partner", "a b", 500, "Bad partner", "key"),
        ("mcc", "5812", 500, " ", "description"),
    ],
)
async def test_bad_rates_are_refused(
    bank: Bank, kind: str, key: str, rate: int, description: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await bank.cards.cashback.set_rate(kind, key, rate, description, AGENT)
    assert refused.value.data["field"] == field
    assert len(await bank.cards.cashback.rates()) == 2


async def test_cleared_purchases_of_a_digital_card_accrue_at_their_rate(bank: Bank) -> None:
    card, details = await card_with_details(bank, 100_000)
    await buy(bank, details, 2_000, cleared=1_990)  # 5 % of what cleared: 99.5 → 99
    await buy(bank, details, 1_000, merchant_id="shop-42")  # the partner's 33 % wins
    await buy(bank, details, 1_000, mcc="5812")  # no rate for restaurants
    declined = purchase(details, 1_000_000)
    assert not (await bank.cards.processing.authorize(declined, PROCESSOR)).approved
    held = await bank.cards.processing.authorize(purchase(details, 5_000), PROCESSOR)
    await bank.cards.processing.reverse(held.reference, PROCESSOR)
    summary = await bank.cards.cashback.summary(card.id, "2026-03")
    assert (summary.accrued, summary.purchases, summary.paid) == (99 + 330, 2, False)


async def test_a_standard_card_earns_no_cashback(bank: Bank) -> None:
    card, details = await card_with_details(bank, 10_000, tier="standard")
    await buy(bank, details, 2_000)
    assert (await bank.cards.cashback.summary(card.id, "2026-03")).accrued == 0


async def test_a_finished_month_is_paid_once_from_the_rewards_account(
    bank: Bank, clock: MutableClock
) -> None:
    clock.current = MARCH
    card, details = await card_with_details(bank, 10_000)
    await buy(bank, details, 4_000)  # 200 cashback
    await sweep_and_pay(bank)
    assert await cashback_entries(bank) == 0  # March is not over
    clock.current = APRIL
    await sweep_and_pay(bank)
    summary = await bank.cards.cashback.summary(card.id, "2026-03")
    assert (summary.accrued, summary.paid) == (200, True)
    assert summary.entry_id is not None
    entry = await bank.ledger.entry(summary.entry_id)
    rewards = await bank.ledger.bank_account(BankPurpose.REWARDS_EXPENSE, "EUR")
    assert entry.kind is EntryKind.CASHBACK
    assert {(p.account_id, p.amount) for p in entry.postings} == {
        (rewards, -200),
        (card.account_id, 200),
    }
    assert (await bank.ledger.balance(card.account_id)).ledger == 10_000 - 4_000 + 200
    await sweep_and_pay(bank)
    assert await bank.cards.cashback.pay(card.id, "2026-03") == summary.entry_id
    assert await cashback_entries(bank) == 1
    assert isinstance(bank.queue, MemoryQueue)
    assert bank.queue.dead == []


async def test_a_card_with_nothing_to_pay_gets_no_entry(bank: Bank, clock: MutableClock) -> None:
    card, _ = await card_with_details(bank, 10_000)
    clock.current = APRIL
    assert await bank.cards.cashback.pay(card.id, "2026-03") is None
    with pytest.raises(ValidationFailed):
        await bank.cards.cashback.pay(card.id, "2026-13")
    assert await cashback_entries(bank) == 0


async def test_a_purchase_clearing_after_its_month_was_paid_accrues_to_the_next(
    bank: Bank, clock: MutableClock
) -> None:
    clock.current = MARCH
    card, details = await card_with_details(bank, 10_000)
    await buy(bank, details, 1_000)
    clock.current = APRIL
    await sweep_and_pay(bank)
    # A replica whose clock lags clears one more purchase "in March".
    clock.current = datetime(2026, 3, 31, 23, 59, tzinfo=UTC)
    await buy(bank, details, 2_000)
    assert (await bank.cards.cashback.summary(card.id, "2026-03")).accrued == 50
    assert (await bank.cards.cashback.summary(card.id, "2026-04")).accrued == 100


async def test_cashback_summaries_check_their_input(bank: Bank) -> None:
    card, _ = await card_with_details(bank)
    for month in ("2026-3", "March", "2026-00"):
        with pytest.raises(ValidationFailed):
            await bank.cards.cashback.summary(card.id, month)


async def test_payouts_run_as_jobs_of_the_bank(bank: Bank) -> None:
    names = {task.name for task in bank.jobs().tasks} | {p.name for p in bank.jobs().periodic}
    assert {"cards.pay_cashback", "cards.cashback_sweep", "cards.complete_authorizations"} <= names


async def test_a_running_partner_program_adds_its_better_rate(bank: Bank) -> None:
    rohlik = await partner(bank, cashback=(CashbackRate("5411", 1_000), CashbackRate("5812", 300)))
    card, details = await card_with_details(bank, 100_000)
    await buy(bank, details, 2_000)  # the program's 10 % beats the table's 5 %
    await buy(bank, details, 1_000, mcc="5812")  # only the program pays for restaurants
    await buy(bank, details, 1_000, merchant_id="shop-42")  # the partner table's 33 % wins
    await bank.referrals.programs.pause(rohlik.id, AGENT)
    await buy(bank, details, 1_000, mcc="5812")  # paused: nothing
    async with bank.db.read() as conn:
        rows = await conn.execute(
            select(cashback_accruals.c.amount, cashback_accruals.c.source).where(
                cashback_accruals.c.card_id == card.id
            )
        )
        accrued = sorted((int(r.amount), r.source) for r in rows)
    assert accrued == [(30, "program"), (200, "program"), (330, "partner")]
