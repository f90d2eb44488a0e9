"""Top-ups from cards of other banks on SQLite and PostgreSQL: the session, the signed
notice, one credit however often it comes, and nothing at all for failures, forgeries and
abandoned sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Table, func, select

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cardmoney.errors import (
    AcquirerDown,
    CallbackMismatch,
    CallbackSignatureInvalid,
    FeeChanged,
)
from core.cardmoney.model import TopUpStatus, TopUpView
from core.cardmoney.tables import cardmoney_topups
from core.cardmoney.topups import TopUpRequest
from core.crypto import Keyring
from core.errors import CoreError
from core.jobqueue.queue import SqlJobQueue
from core.jobqueue.runner import JobRunner
from core.ledger.errors import AccountFrozen, IdempotencyConflict
from core.ledger.model import BankPurpose
from core.persistence.database import Database
from core.persistence.tables import entries, events, idempotency_keys
from core.ports import PaymentOutcome
from integrations.acquirer.simulator import AcquirerSimulator
from tests.fakes import MutableClock
from tests.integration.helpers import balance_of, funded_account
from tests.integration.moneyio_support import (
    RETURN_URL,
    SECRET,
    ScriptedPolicy,
    make_acquirer,
    make_bank,
    notice_for,
    signed,
)

CLIENT = Actor(ActorKind.API_CLIENT, "flows")


@pytest.fixture
def acquirer(clock: MutableClock) -> AcquirerSimulator:
    return make_acquirer(clock)


@pytest.fixture
def policy() -> ScriptedPolicy:
    return ScriptedPolicy()


@pytest.fixture
async def bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    acquirer: AcquirerSimulator,
    policy: ScriptedPolicy,
) -> Bank:
    built = make_bank(database, keyring, clock, acquirer, None, policy=policy)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def start(
    bank: Bank,
    amount: int = 2_500,
    *,
    key: str | None = None,
    account: AccountView | None = None,
    **options: Any,
) -> tuple[AccountView, TopUpView]:
    account = account or await funded_account(bank)
    request = TopUpRequest(account.id, amount, "EUR", RETURN_URL, **options)
    view = await bank.cardmoney.topups.start(request, key or uuid4().hex, CLIENT)
    return account, view


async def pay(bank: Bank, view: TopUpView, clock: MutableClock, **options: Any) -> TopUpView:
    assert view.acquirer_reference is not None
    notice = notice_for(view.id, view.acquirer_reference, view.total, **options)
    body, headers = signed(notice, clock)
    return await bank.cardmoney.topups.receive_callback(body, headers)


async def count(bank: Bank, table: Table, **where: object) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with bank.db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


# -- the session ----------------------------------------------------------------------------


async def test_a_top_up_opens_a_hosted_payment_page_and_moves_no_money(bank: Bank) -> None:
    account, view = await start(bank)
    assert view.status is TopUpStatus.AWAITING_PAYMENT
    assert view.payment_url is not None
    assert view.payment_url.startswith("http://teller.test/dev/acquirer/pay/cs_")
    assert (view.amount, view.fee, view.total) == (2_500, 0, 2_500)
    assert view.expires_at == view.created_at + timedelta(minutes=30)
    assert await balance_of(bank, account.id) == 0
    assert await count(bank, entries) == 0


async def test_the_same_key_returns_the_same_top_up_and_page(bank: Bank) -> None:
    account, first = await start(bank, key="topup-1")
    _, again = await start(bank, key="topup-1", account=account)
    assert again == first
    assert await count(bank, cardmoney_topups) == 1


async def test_the_same_key_for_another_amount_is_a_conflict(bank: Bank) -> None:
    account, _ = await start(bank, key="topup-1")
    with pytest.raises(IdempotencyConflict):
        await start(bank, 9_999, key="topup-1", account=account)
    assert await count(bank, cardmoney_topups) == 1


async def test_an_unreachable_acquirer_is_retried_with_the_same_key(
    bank: Bank, acquirer: AcquirerSimulator
) -> None:
    acquirer.fail_next_creates = 1
    account = await funded_account(bank)
    with pytest.raises(AcquirerDown):
        await start(bank, key="k", account=account)
    async with bank.db.read() as conn:
        stored = (await conn.execute(select(cardmoney_topups))).one()
    assert stored.status == TopUpStatus.CREATED.value
    _, view = await start(bank, key="k", account=account)
    assert view.id == stored.id
    assert view.status is TopUpStatus.AWAITING_PAYMENT
    assert len(acquirer.sessions) == 1


async def test_a_fee_is_charged_to_the_card_and_posted_to_fee_income_in_the_same_entry(
    bank: Bank, policy: ScriptedPolicy, clock: MutableClock
) -> None:
    policy.fee_minor = 75
    account, view = await start(bank, expected_fee=75)
    assert (view.amount, view.fee, view.total) == (2_500, 75, 2_575)
    done = await pay(bank, view, clock)
    assert done.entry_id is not None
    entry = await bank.ledger.entry(done.entry_id)
    income = await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    legs = {p.account_id: p.amount for p in entry.postings}
    assert legs == {settlement: -2_575, account.id: 2_500, income: 75}
    assert policy.admitted == [f"topup:{view.id}"]


async def test_a_fee_that_changed_since_the_quote_is_refused(
    bank: Bank, policy: ScriptedPolicy
) -> None:
    policy.fee_minor = 90
    with pytest.raises(FeeChanged):
        await start(bank, expected_fee=75)
    assert await count(bank, cardmoney_topups) == 0


async def test_a_policy_refusal_records_nothing_and_leaves_the_key_free(
    bank: Bank, policy: ScriptedPolicy
) -> None:
    policy.refusal = CoreError("top-ups are switched off")
    account = await funded_account(bank)
    with pytest.raises(CoreError):
        await start(bank, key="k", account=account)
    assert await count(bank, cardmoney_topups) == 0
    assert await count(bank, idempotency_keys) == 0
    policy.refusal = None
    _, view = await start(bank, key="k", account=account)
    assert view.status is TopUpStatus.AWAITING_PAYMENT


async def test_a_frozen_account_cannot_be_topped_up_before_any_card_is_charged(
    bank: Bank, acquirer: AcquirerSimulator
) -> None:
    account = await funded_account(bank)
    await bank.accounts.freeze(account.id, SYSTEM, "checks")
    with pytest.raises(AccountFrozen):
        await start(bank, account=account)
    assert acquirer.sessions == {}


async def test_only_customers_accounts_in_the_amounts_currency_take_top_ups(bank: Bank) -> None:
    settlement = await bank.accounts.get(
        await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    )
    with pytest.raises(CoreError) as caught:
        await start(bank, account=settlement)
    assert caught.value.code == "ACCOUNT_NOT_ELIGIBLE"
    czk = await funded_account(bank, currency="CZK")
    with pytest.raises(CoreError) as caught:
        await start(bank, account=czk)
    assert caught.value.code == "CURRENCY_MISMATCH"


# -- the notice -----------------------------------------------------------------------------


async def test_a_paid_top_up_is_credited_once_with_its_event(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await start(bank)
    done = await pay(bank, view, clock)
    assert done.status is TopUpStatus.COMPLETED
    assert (done.card_last4, done.card_brand) == ("4242", "visa")
    assert await balance_of(bank, account.id) == 2_500
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    assert await balance_of(bank, settlement) == -2_500
    assert done.entry_id is not None
    entry = await bank.ledger.entry(done.entry_id)
    assert entry.kind.value == "topup"
    assert entry.description == "Top-up from visa •• 4242"
    async with bank.db.read() as conn:
        rows = (await conn.execute(select(events).where(events.c.type == "topup.completed"))).all()
    assert len(rows) == 1
    assert rows[0].payload == {
        "customer_id": str(account.customer_id),
        "account_id": str(account.id),
        "entry_id": str(done.entry_id),
        "amount": 2_500,
        "currency": "EUR",
        "topup_id": str(view.id),
        "fee": 0,
    }
    assert (await bank.verify_ledger()).ok
    assert (await bank.verify_audit()).ok


async def test_a_duplicated_callback_credits_once(bank: Bank, clock: MutableClock) -> None:
    account, view = await start(bank)
    assert view.acquirer_reference is not None
    body, headers = signed(notice_for(view.id, view.acquirer_reference, view.total), clock)
    for _ in range(3):
        again = await bank.cardmoney.topups.receive_callback(body, headers)
        assert again.status is TopUpStatus.COMPLETED
    assert await balance_of(bank, account.id) == 2_500
    assert await count(bank, entries) == 1
    assert await count(bank, events, type="topup.completed") == 1


async def test_a_declined_payment_fails_the_top_up_and_moves_nothing(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await start(bank)
    failed = await pay(bank, view, clock, outcome=PaymentOutcome.FAILED, reason="card_declined")
    assert failed.status is TopUpStatus.FAILED
    assert failed.failure_reason == "card_declined"
    assert await balance_of(bank, account.id) == 0
    assert await count(bank, entries) == 0
    assert await count(bank, events, type="topup.failed") == 1


async def test_a_failure_reported_after_the_success_changes_nothing(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await start(bank)
    await pay(bank, view, clock)
    after = await pay(bank, view, clock, outcome=PaymentOutcome.FAILED, reason="card_declined")
    assert after.status is TopUpStatus.COMPLETED
    assert await balance_of(bank, account.id) == 2_500


async def test_a_notice_for_another_amount_is_refused_and_changes_nothing(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await start(bank)
    assert view.acquirer_reference is not None
    body, headers = signed(notice_for(view.id, view.acquirer_reference, 250_000), clock)
    with pytest.raises(CallbackMismatch):
        await bank.cardmoney.topups.receive_callback(body, headers)
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.AWAITING_PAYMENT
    assert await balance_of(bank, account.id) == 0


async def test_a_notice_for_another_session_is_refused(bank: Bank, clock: MutableClock) -> None:
    _, view = await start(bank)
    body, headers = signed(notice_for(view.id, "cs_someone_elses", view.total), clock)
    with pytest.raises(CallbackMismatch):
        await bank.cardmoney.topups.receive_callback(body, headers)


@pytest.mark.parametrize("forgery", ["tampered", "wrong_secret", "missing", "stale"])
async def test_a_forged_or_replayed_callback_is_refused_and_changes_nothing(
    bank: Bank, clock: MutableClock, forgery: str
) -> None:
    account, view = await start(bank)
    assert view.acquirer_reference is not None
    notice = notice_for(view.id, view.acquirer_reference, view.total)
    secret = b"not the secret" if forgery == "wrong_secret" else SECRET
    body, headers = signed(notice, clock, secret)
    if forgery == "tampered":
        body = body.replace(b'"amount":2500', b'"amount":2501')
    elif forgery == "missing":
        headers = {"content-type": "application/json"}
    elif forgery == "stale":
        clock.advance(minutes=6)
    with pytest.raises(CallbackSignatureInvalid) as caught:
        await bank.cardmoney.topups.receive_callback(body, headers)
    expected = {"tampered": "mismatch", "wrong_secret": "mismatch"}.get(forgery, forgery)
    assert caught.value.data == {"reason": expected}
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.AWAITING_PAYMENT
    assert await balance_of(bank, account.id) == 0
    assert await count(bank, entries) == 0


async def test_a_payment_reported_after_the_session_expired_is_still_credited(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await start(bank)
    clock.advance(minutes=31)
    await bank.cardmoney.topups.sweep(clock.now())
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.EXPIRED
    late = await pay(bank, view, clock)
    assert late.status is TopUpStatus.COMPLETED
    assert await balance_of(bank, account.id) == 2_500


async def test_a_credit_the_ledger_refuses_waits_and_is_retried_by_the_sweep(
    bank: Bank, clock: MutableClock
) -> None:
    account, view = await start(bank)
    await bank.accounts.freeze(account.id, SYSTEM, "checks")
    paid = await pay(bank, view, clock)
    assert paid.status is TopUpStatus.PROCESSING
    assert await balance_of(bank, account.id) == 0
    await bank.accounts.unfreeze(account.id, SYSTEM, "cleared")
    await bank.cardmoney.topups.sweep(clock.now())
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.COMPLETED
    assert await balance_of(bank, account.id) == 2_500


# -- abandoned sessions, through the job runner -------------------------------------------


@pytest.fixture
async def runner_bank(
    database: Database, keyring: Keyring, clock: MutableClock, acquirer: AcquirerSimulator
) -> Bank:
    built = make_bank(database, keyring, clock, acquirer, None, queue=SqlJobQueue(database, clock))
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def test_an_abandoned_session_expires_after_its_time_and_moves_nothing(
    runner_bank: Bank, clock: MutableClock
) -> None:
    bank = runner_bank
    runner = JobRunner(bank.db, clock, bank.jobs())
    account, view = await start(bank)
    await runner.run_until_idle()
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.AWAITING_PAYMENT
    clock.advance(minutes=30, seconds=31)
    await runner.run_until_idle()
    expired = await bank.cardmoney.topups.get(view.id)
    assert expired.status is TopUpStatus.EXPIRED
    assert expired.failure_reason == "expired"
    assert await balance_of(bank, account.id) == 0
    assert await count(bank, entries) == 0
    assert await count(bank, events, type="topup.completed") == 0


async def test_a_paid_session_whose_callback_was_lost_is_credited_by_the_sweep(
    runner_bank: Bank, acquirer: AcquirerSimulator, clock: MutableClock
) -> None:
    bank = runner_bank
    runner = JobRunner(bank.db, clock, bank.jobs())
    account, view = await start(bank)
    session = acquirer.session(view.acquirer_reference or "")
    assert session is not None
    acquirer.drop_next_callbacks = 1
    acquirer.pay(session, "4242424242424242")
    await acquirer.notify(session)  # lost on the way
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.AWAITING_PAYMENT
    clock.advance(minutes=31)
    await runner.run_until_idle()
    done = await bank.cardmoney.topups.get(view.id)
    assert done.status is TopUpStatus.COMPLETED
    assert await balance_of(bank, account.id) == 2_500
    assert (await bank.verify_ledger()).ok
