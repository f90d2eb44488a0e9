"""Transfers to cards of other banks on SQLite and PostgreSQL: the money to suspense at
once, out through settlement when the network pays, back to the customer exactly once
when it does not; the card number never stored in clear."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Table, func, select

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cardmoney.errors import InvalidCardNumber, PayoutNotInReview
from core.cardmoney.model import PayoutStage, PayoutStatus, PayoutView
from core.cardmoney.payout_steps import CARD_CONTEXT
from core.cardmoney.payouts import PayoutRequest
from core.cardmoney.tables import cardmoney_payouts
from core.crypto import Keyring
from core.jobqueue.queue import SqlJobQueue
from core.jobqueue.runner import JobRunner
from core.ledger.commands import Deposit
from core.ledger.errors import IdempotencyConflict, InsufficientFunds
from core.ledger.model import BankPurpose
from core.persistence.database import Database
from core.persistence.tables import audit_log, entries, events, idempotency_keys
from integrations.cardnetwork.simulator import CardNetworkSimulator
from tests.fakes import MutableClock, run_jobs
from tests.integration.helpers import balance_of, funded_account
from tests.integration.moneyio_support import (
    SETTLE_AFTER,
    ScriptedPolicy,
    everything_stored,
    make_bank,
    make_network,
)

CLIENT = Actor(ActorKind.API_CLIENT, "flows")
CARD = "4242 4242 4242 4242"
DIGITS = "4242424242424242"


@pytest.fixture
def network(clock: MutableClock) -> CardNetworkSimulator:
    return make_network(clock)


@pytest.fixture
def policy() -> ScriptedPolicy:
    return ScriptedPolicy()


@pytest.fixture
async def bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    network: CardNetworkSimulator,
    policy: ScriptedPolicy,
) -> Bank:
    built = make_bank(database, keyring, clock, None, network, policy=policy)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def send(
    bank: Bank,
    amount: int = 10_000,
    *,
    card: str = CARD,
    key: str | None = None,
    account: AccountView | None = None,
    **options: Any,
) -> tuple[AccountView, PayoutView]:
    account = account or await funded_account(bank, 50_000)
    request = PayoutRequest(account.id, card, amount, "EUR", **options)
    view = await bank.cardmoney.payouts.send(request, key or uuid4().hex, CLIENT)
    return account, view


async def carry_on(bank: Bank, clock: MutableClock, **later: float) -> None:
    """Let time pass in steps, running the sweep and every job it defers at each step, as
    the periodic sweep and the job runner would."""
    total = timedelta(**later)
    step = max(timedelta(seconds=5), total / 20)
    passed = timedelta()
    while passed < total:
        clock.current += min(step, total - passed)
        passed += step
        await bank.cardmoney.payouts.sweep(clock.now())
        await run_jobs(bank)


async def count(bank: Bank, table: Table, **where: object) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with bank.db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def bank_balance(bank: Bank, purpose: BankPurpose) -> int:
    return await balance_of(bank, await bank.ledger.bank_account(purpose, "EUR"))


# -- the happy path -------------------------------------------------------------------------


async def test_a_payout_takes_the_money_into_suspense_at_once(bank: Bank) -> None:
    account, view = await send(bank)
    assert view.status is PayoutStatus.PENDING
    assert view.stage is PayoutStage.DEBITED
    assert (view.card_last4, view.card_brand) == ("4242", "visa")
    assert await balance_of(bank, account.id) == 40_000
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 10_000
    assert view.debit_entry_id is not None
    entry = await bank.ledger.entry(view.debit_entry_id)
    assert entry.kind.value == "payout"
    assert entry.description == "Transfer to card to visa •• 4242"


async def test_the_network_settles_it_later_and_the_money_leaves_through_settlement(
    bank: Bank, network: CardNetworkSimulator, clock: MutableClock
) -> None:
    account, view = await send(bank)
    await run_jobs(bank)
    submitted = await bank.cardmoney.payouts.get(view.id)
    assert submitted.stage is PayoutStage.SUBMITTED
    assert submitted.network_reference is not None
    assert network.submissions == 1
    await carry_on(bank, clock, seconds=10)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.PENDING
    await carry_on(bank, clock, seconds=SETTLE_AFTER.total_seconds())
    done = await bank.cardmoney.payouts.get(view.id)
    assert done.status is PayoutStatus.COMPLETED
    assert await balance_of(bank, account.id) == 40_000
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 0
    assert await bank_balance(bank, BankPurpose.SETTLEMENT) == 10_000 - 50_000
    async with bank.db.read() as conn:
        row = (await conn.execute(select(events).where(events.c.type == "payout.completed"))).one()
    assert row.payload["entry_id"] == str(done.settle_entry_id)
    assert row.payload["amount"] == 10_000
    assert (await bank.verify_ledger()).ok
    assert (await bank.verify_audit()).ok


async def test_a_fee_is_part_of_the_debit_entry(
    bank: Bank, policy: ScriptedPolicy, clock: MutableClock
) -> None:
    policy.fee_minor = 150
    quote = await bank.cardmoney.payouts.quote((await funded_account(bank)).id, 10_000, "EUR")
    assert (quote.fee, quote.total) == (150, 10_150)
    account, view = await send(bank, expected_fee=150)
    assert view.debit_entry_id is not None
    legs = {
        p.account_id: p.amount for p in (await bank.ledger.entry(view.debit_entry_id)).postings
    }
    suspense = await bank.ledger.bank_account(BankPurpose.SUSPENSE, "EUR")
    income = await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    assert legs == {account.id: -10_150, suspense: 10_000, income: 150}
    await carry_on(bank, clock, seconds=60)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.COMPLETED
    assert await bank_balance(bank, BankPurpose.FEE_INCOME) == 150


# -- failures, given back once ------------------------------------------------------------


async def test_a_card_the_network_refuses_fails_and_everything_comes_back_once(
    bank: Bank, policy: ScriptedPolicy, clock: MutableClock
) -> None:
    policy.fee_minor = 150
    account, view = await send(bank, card="4000 0000 0000 0002")
    await run_jobs(bank)
    failed = await bank.cardmoney.payouts.get(view.id)
    assert failed.status is PayoutStatus.FAILED
    assert failed.failure_reason == "CARD_NOT_ELIGIBLE"
    assert failed.reversal_entry_id is not None
    await carry_on(bank, clock, minutes=5)
    assert await balance_of(bank, account.id) == 50_000
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 0
    assert await bank_balance(bank, BankPurpose.FEE_INCOME) == 0
    assert await count(bank, entries, reverses_entry_id=view.debit_entry_id) == 1
    assert await count(bank, events, type="payout.failed") == 1
    assert policy.released == [f"payout:{view.id}"]
    assert (await bank.verify_ledger()).ok


async def test_a_payout_returned_by_the_cards_bank_fails_at_settlement_and_is_reversed(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await send(bank, card="4000 0000 0000 0119")
    await run_jobs(bank)
    assert (await bank.cardmoney.payouts.get(view.id)).stage is PayoutStage.SUBMITTED
    await carry_on(bank, clock, seconds=60)
    failed = await bank.cardmoney.payouts.get(view.id)
    assert (failed.status, failed.failure_reason) == (PayoutStatus.FAILED, "ISSUER_DECLINED")
    assert await balance_of(bank, account.id) == 50_000
    assert (await bank.verify_ledger()).ok


async def test_an_answer_lost_on_the_way_back_is_found_by_asking_again(
    bank: Bank, network: CardNetworkSimulator, clock: MutableClock
) -> None:
    _, view = await send(bank, card="4000 0000 0000 0259")
    await run_jobs(bank)
    assert (await bank.cardmoney.payouts.get(view.id)).stage is PayoutStage.DEBITED
    await carry_on(bank, clock, seconds=6)  # the job's retry after its back-off
    assert (await bank.cardmoney.payouts.get(view.id)).stage is PayoutStage.SUBMITTED
    assert len(network.payouts) == 1  # submitted twice, received once
    await carry_on(bank, clock, seconds=60)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.COMPLETED


async def test_a_payout_the_network_never_received_fails_after_the_submit_window(
    bank: Bank, network: CardNetworkSimulator, clock: MutableClock
) -> None:
    account, view = await send(bank)
    network.fail_next = 10**6
    await carry_on(bank, clock, minutes=30)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.PENDING
    clock.advance(minutes=31)
    network.fail_next = 1  # still down for the submission; the status query answers
    await bank.cardmoney.payouts.sweep(clock.now())
    await run_jobs(bank)
    failed = await bank.cardmoney.payouts.get(view.id)
    assert (failed.status, failed.failure_reason) == (PayoutStatus.FAILED, "NETWORK_UNREACHABLE")
    assert await balance_of(bank, account.id) == 50_000
    assert network.payouts == {}


async def test_a_reversal_refused_by_a_frozen_account_waits_until_it_can_be_made(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await send(bank, card="4000 0000 0000 0119")
    await run_jobs(bank)
    await bank.accounts.freeze(account.id, SYSTEM, "investigation")
    await carry_on(bank, clock, seconds=60)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.PENDING
    await bank.accounts.unfreeze(account.id, SYSTEM, "cleared")
    await carry_on(bank, clock, minutes=2)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.FAILED
    assert await balance_of(bank, account.id) == 50_000


# -- refusals and idempotency -------------------------------------------------------------


async def test_insufficient_funds_moves_nothing_and_leaves_the_key_free(
    bank: Bank, policy: ScriptedPolicy
) -> None:
    account = await funded_account(bank, 5_000)
    with pytest.raises(InsufficientFunds):
        await send(bank, 10_000, key="k", account=account)
    assert await count(bank, entries, kind="payout") == 0
    assert await count(bank, idempotency_keys, key="k") == 0
    assert len(policy.released) == 1
    await bank.ledger.deposit(Deposit("more", account.id, 10_000, "EUR"), SYSTEM)
    _, view = await send(bank, 10_000, key="k", account=account)
    assert view.stage is PayoutStage.DEBITED


async def test_the_same_key_returns_the_same_payout_and_moves_money_once(bank: Bank) -> None:
    account, first = await send(bank, key="p-1")
    _, again = await send(bank, key="p-1", account=account)
    assert again.id == first.id
    assert await balance_of(bank, account.id) == 40_000
    with pytest.raises(IdempotencyConflict):
        await send(bank, 10_001, key="p-1", account=account)
    with pytest.raises(IdempotencyConflict):
        await send(bank, key="p-1", account=account, card="5555 5555 5555 4444")
    assert await count(bank, cardmoney_payouts) == 1


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("4242 4242 4242 4241", "check_digit"),
        ("4242 4242 424", "length"),
        ("4242-4242-4242-424x", "format"),
    ],
)
async def test_a_wrong_card_number_is_refused_before_anything_is_recorded(
    bank: Bank, card: str, reason: str
) -> None:
    with pytest.raises(InvalidCardNumber) as caught:
        await send(bank, card=card)
    assert caught.value.data == {"reason": reason}
    assert await count(bank, cardmoney_payouts) == 0
    async with bank.db.read() as conn:
        audits = (await conn.execute(select(audit_log.c.details))).scalars().all()
    assert not any(card.replace(" ", "")[:12] in str(details) for details in audits)


async def test_the_card_number_is_kept_only_encrypted_and_only_until_the_network_has_it(
    bank: Bank, keyring: Keyring, clock: MutableClock
) -> None:
    await send(bank)
    async with bank.db.read() as conn:
        row = (await conn.execute(select(cardmoney_payouts))).one()
    assert keyring.decrypt(row.card_enc, context=CARD_CONTEXT) == DIGITS
    assert row.card_index == keyring.blind_index(DIGITS, context=CARD_CONTEXT)
    assert DIGITS not in await everything_stored(bank.db)
    await run_jobs(bank)
    async with bank.db.read() as conn:
        assert (await conn.execute(select(cardmoney_payouts.c.card_enc))).scalar_one() is None
    await carry_on(bank, clock, seconds=60)
    stored = await everything_stored(bank.db)
    assert DIGITS not in stored
    assert "4242 4242 4242 4242" not in stored


# -- review and recovery ------------------------------------------------------------------


async def test_a_payout_held_for_review_waits_in_suspense_until_staff_approve(
    bank: Bank, policy: ScriptedPolicy, network: CardNetworkSimulator, clock: MutableClock
) -> None:
    policy.review = True
    account, view = await send(bank)
    assert (view.stage, view.review_reasons) == (PayoutStage.REVIEW, "large amount")
    assert await balance_of(bank, account.id) == 40_000
    await carry_on(bank, clock, minutes=10)
    assert network.submissions == 0
    staff = Actor(ActorKind.STAFF, "anna")
    approved = await bank.cardmoney.payouts.decide_review(view.id, True, "known customer", staff)
    assert approved.stage is PayoutStage.DEBITED
    await carry_on(bank, clock, seconds=60)
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.COMPLETED
    with pytest.raises(PayoutNotInReview):
        await bank.cardmoney.payouts.decide_review(view.id, False, "too late", staff)
    assert await count(bank, events, type="payout.held") == 1


async def test_a_payout_rejected_in_review_gives_the_money_back(
    bank: Bank, policy: ScriptedPolicy
) -> None:
    policy.review = True
    account, view = await send(bank)
    staff = Actor(ActorKind.STAFF, "anna")
    rejected = await bank.cardmoney.payouts.decide_review(view.id, False, "mule account", staff)
    assert (rejected.status, rejected.failure_reason) == (
        PayoutStatus.FAILED,
        "REJECTED_IN_REVIEW",
    )
    assert await balance_of(bank, account.id) == 50_000
    assert (await bank.verify_ledger()).ok


async def test_a_payout_whose_request_died_before_taking_the_money_is_carried_on(
    bank: Bank, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await funded_account(bank, 50_000)
    real = bank.ledger.post_entry

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionResetError("the process died here")

    monkeypatch.setattr(bank.ledger, "post_entry", crash)
    with pytest.raises(ConnectionResetError):
        await send(bank, account=account)
    monkeypatch.setattr(bank.ledger, "post_entry", real)
    async with bank.db.read() as conn:
        stage = (await conn.execute(select(cardmoney_payouts.c.stage))).scalar_one()
    assert stage == PayoutStage.CREATED.value
    await carry_on(bank, clock, seconds=30)
    assert await balance_of(bank, account.id) == 50_000  # its request may still be running
    await carry_on(bank, clock, minutes=2)
    await carry_on(bank, clock, seconds=60)
    async with bank.db.read() as conn:
        stage = (await conn.execute(select(cardmoney_payouts.c.stage))).scalar_one()
    assert stage == PayoutStage.COMPLETED.value
    assert await balance_of(bank, account.id) == 40_000
    assert (await bank.verify_ledger()).ok


# -- end to end through the durable job runner -------------------------------------------


async def test_the_job_runner_carries_a_payout_to_completion(
    database: Database, keyring: Keyring, clock: MutableClock, network: CardNetworkSimulator
) -> None:
    bank = make_bank(database, keyring, clock, None, network, queue=SqlJobQueue(database, clock))
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    runner = JobRunner(bank.db, clock, bank.jobs())
    account, view = await send(bank)
    await runner.run_until_idle()
    assert (await bank.cardmoney.payouts.get(view.id)).stage is PayoutStage.SUBMITTED
    clock.advance(seconds=SETTLE_AFTER.total_seconds() + 6)
    await runner.run_until_idle()
    clock.advance(seconds=6)
    await runner.run_until_idle()
    assert (await bank.cardmoney.payouts.get(view.id)).status is PayoutStatus.COMPLETED
    assert await balance_of(bank, account.id) == 40_000
    assert await runner.dead_jobs() == []
    assert (await bank.verify_ledger()).ok
    assert timedelta(seconds=0) < SETTLE_AFTER
