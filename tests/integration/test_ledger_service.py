"""The ledger's commands on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from core.actors import SYSTEM, Actor, ActorKind
from core.audit.log import recent
from core.bank import Bank
from core.errors import ValidationFailed
from core.ledger.commands import (
    Deposit,
    PlaceHold,
    PostHold,
    Reverse,
    Transfer,
    VoidHold,
    Withdraw,
)
from core.ledger.errors import (
    AccountFrozen,
    AlreadyReversed,
    HoldAmountExceeded,
    HoldExpired,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
    SameAccount,
)
from core.ledger.model import BankPurpose, HoldStatus
from core.money import CurrencyMismatch, NonPositiveAmount, UnknownCurrency
from tests.fakes import MutableClock
from tests.integration.helpers import balance_of, funded_account

ALICE = Actor(ActorKind.API_CLIENT, "alice-app")


async def test_deposit_withdraw_and_transfer_move_exact_amounts(bank: Bank) -> None:
    a = await funded_account(bank, 10_000)
    b = await funded_account(bank)
    await bank.ledger.transfer(Transfer("t1", a.id, b.id, 2_550, "EUR"), SYSTEM)
    await bank.ledger.withdraw(Withdraw("w1", b.id, 550, "EUR"), SYSTEM)
    assert await balance_of(bank, a.id) == 7_450
    assert await balance_of(bank, b.id) == 2_000
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    assert await balance_of(bank, settlement) == -9_450
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    assert report.entries == 3


async def test_same_key_same_request_returns_the_first_result_once(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    first = await bank.ledger.transfer(Transfer("k", a.id, b.id, 100, "EUR"), ALICE)
    again = await bank.ledger.transfer(Transfer("k", a.id, b.id, 100, "EUR"), ALICE)
    assert again == first
    assert await balance_of(bank, b.id) == 100


async def test_same_key_different_request_is_a_conflict(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    await bank.ledger.transfer(Transfer("k", a.id, b.id, 100, "EUR"), ALICE)
    with pytest.raises(IdempotencyConflict):
        await bank.ledger.transfer(Transfer("k", a.id, b.id, 101, "EUR"), ALICE)
    with pytest.raises(IdempotencyConflict):
        await bank.ledger.deposit(Deposit("k", a.id, 100, "EUR"), ALICE)
    assert await balance_of(bank, b.id) == 100


async def test_keys_are_scoped_per_client(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    bob = Actor(ActorKind.API_CLIENT, "bob-app")
    await bank.ledger.transfer(Transfer("k", a.id, b.id, 100, "EUR"), ALICE)
    await bank.ledger.transfer(Transfer("k", a.id, b.id, 100, "EUR"), bob)
    assert await balance_of(bank, b.id) == 200


async def test_a_rejected_command_changes_nothing_and_is_audited(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    before = await bank.verify_ledger()
    with pytest.raises(InsufficientFunds):
        await bank.ledger.transfer(Transfer("k", a.id, b.id, 1_001, "EUR"), ALICE)
    after = await bank.verify_ledger()
    assert (after.entries, after.postings) == (before.entries, before.postings)
    async with bank.db.read() as conn:
        (_, newest), *_ = await recent(conn, limit=1)
    assert (newest.action, newest.outcome) == ("transfer", "rejected:INSUFFICIENT_FUNDS")
    # The key was not consumed: the same key works once funds arrive.
    await bank.ledger.deposit(Deposit("top", a.id, 1, "EUR"), SYSTEM)
    await bank.ledger.transfer(Transfer("k", a.id, b.id, 1_001, "EUR"), ALICE)
    assert await balance_of(bank, b.id) == 1_001


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [
        (0, "EUR", NonPositiveAmount),
        (-5, "EUR", NonPositiveAmount),
        (10, "XYZ", UnknownCurrency),
        (10, "CZK", CurrencyMismatch),
    ],
)
async def test_bad_amounts_and_currencies_are_refused(
    bank: Bank, amount: int, currency: str, error: type[Exception]
) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    with pytest.raises(error):
        await bank.ledger.transfer(Transfer(uuid4().hex, a.id, b.id, amount, currency), SYSTEM)
    assert await balance_of(bank, a.id) == 1_000


async def test_transfer_to_same_account_and_to_frozen_account_are_refused(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    with pytest.raises(SameAccount):
        await bank.ledger.transfer(Transfer("s", a.id, a.id, 1, "EUR"), SYSTEM)
    await bank.accounts.freeze(b.id, SYSTEM, "fraud check")
    with pytest.raises(AccountFrozen):
        await bank.ledger.transfer(Transfer("f", a.id, b.id, 1, "EUR"), SYSTEM)
    await bank.accounts.unfreeze(b.id, SYSTEM, "cleared")
    await bank.ledger.transfer(Transfer("f", a.id, b.id, 1, "EUR"), SYSTEM)


async def test_bad_idempotency_keys_are_refused(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    for key in ["", " padded ", "x" * 129, "line\nbreak"]:
        with pytest.raises(ValidationFailed):
            await bank.ledger.deposit(Deposit(key, a.id, 1, "EUR"), SYSTEM)


async def test_reversal_undoes_an_entry_once(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    entry = await bank.ledger.transfer(Transfer("t", a.id, b.id, 300, "EUR"), SYSTEM)
    reversed_ = await bank.ledger.reverse(Reverse("r1", entry.id, "sent by mistake"), SYSTEM)
    assert reversed_.reverses_entry_id == entry.id
    assert (await balance_of(bank, a.id), await balance_of(bank, b.id)) == (1_000, 0)
    with pytest.raises(AlreadyReversed):
        await bank.ledger.reverse(Reverse("r2", entry.id, "again"), SYSTEM)
    with pytest.raises(AlreadyReversed):
        await bank.ledger.reverse(Reverse("r3", reversed_.id, "undo the undo"), SYSTEM)
    assert (await bank.verify_ledger()).ok


async def test_reversal_that_would_overdraw_is_refused(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    c = await funded_account(bank)
    entry = await bank.ledger.transfer(Transfer("t", a.id, b.id, 300, "EUR"), SYSTEM)
    await bank.ledger.transfer(Transfer("t2", b.id, c.id, 300, "EUR"), SYSTEM)
    with pytest.raises(InsufficientFunds):
        await bank.ledger.reverse(Reverse("r", entry.id, "too late"), SYSTEM)


async def test_hold_reserves_then_posts_partially_releasing_the_rest(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    merchant = await funded_account(bank)
    hold = await bank.ledger.place_hold(PlaceHold("h", a.id, merchant.id, 600, "EUR"), SYSTEM)
    balance = await bank.ledger.balance(a.id)
    assert (balance.ledger, balance.held, balance.available) == (1_000, 600, 400)
    with pytest.raises(InsufficientFunds):
        await bank.ledger.transfer(Transfer("t", a.id, merchant.id, 401, "EUR"), SYSTEM)
    with pytest.raises(HoldAmountExceeded):
        await bank.ledger.post_hold(PostHold("p0", hold.id, 601), SYSTEM)
    posted = await bank.ledger.post_hold(PostHold("p", hold.id, 450), SYSTEM)
    assert (posted.status, posted.posted_amount) == (HoldStatus.POSTED, 450)
    balance = await bank.ledger.balance(a.id)
    assert (balance.ledger, balance.held, balance.available) == (550, 0, 550)
    assert await balance_of(bank, merchant.id) == 450
    with pytest.raises(HoldNotPending):
        await bank.ledger.void_hold(VoidHold("v", hold.id), SYSTEM)
    replay = await bank.ledger.post_hold(PostHold("p", hold.id, 450), SYSTEM)
    assert replay == posted
    assert (await bank.verify_ledger()).ok


async def test_void_releases_a_hold(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    m = await funded_account(bank)
    hold = await bank.ledger.place_hold(PlaceHold("h", a.id, m.id, 1_000, "EUR"), SYSTEM)
    voided = await bank.ledger.void_hold(VoidHold("v", hold.id), SYSTEM)
    assert voided.status is HoldStatus.VOIDED
    assert (await bank.ledger.balance(a.id)).available == 1_000


async def test_expired_holds_release_and_cannot_be_posted(bank: Bank, clock: MutableClock) -> None:
    a = await funded_account(bank, 1_000)
    m = await funded_account(bank)
    hold = await bank.ledger.place_hold(
        PlaceHold("h", a.id, m.id, 700, "EUR", ttl_seconds=60), SYSTEM
    )
    clock.advance(seconds=61)
    with pytest.raises(HoldExpired):
        await bank.ledger.post_hold(PostHold("p", hold.id), SYSTEM)
    assert await bank.ledger.expire_holds(SYSTEM) == 1
    assert (await bank.ledger.hold(hold.id)).status is HoldStatus.EXPIRED
    assert (await bank.ledger.balance(a.id)).available == 1_000
    assert await bank.ledger.expire_holds(SYSTEM) == 0
    assert (await bank.verify_ledger()).ok
    assert (await bank.verify_audit()).ok


async def test_statement_has_running_balances_pages_and_period_totals(
    bank: Bank, clock: MutableClock
) -> None:
    a = await funded_account(bank, 10_000)  # day 0
    b = await funded_account(bank)
    start = clock.now() + timedelta(days=1)
    for i in range(7):  # days 1..7: one 100 transfer a day
        clock.advance(days=1)
        await bank.ledger.transfer(Transfer(f"t{i}", a.id, b.id, 100, "EUR"), SYSTEM)
    clock.advance(days=1)
    await bank.ledger.deposit(Deposit("late", a.id, 5, "EUR"), SYSTEM)  # after the period
    end = start + timedelta(days=7)
    first = await bank.ledger.statement(a.id, since=start, until=end, limit=3)
    assert (first.opening_balance, first.closing_balance) == (10_000, 9_300)
    assert (first.total_credits, first.total_debits) == (0, -700)
    assert [line.balance_after for line in first.lines] == [9_900, 9_800, 9_700]
    pages = [first]
    while pages[-1].next_cursor is not None:
        pages.append(
            await bank.ledger.statement(
                a.id, since=start, until=end, limit=3, after_seq=pages[-1].next_cursor
            )
        )
    lines = [line for page in pages for line in page.lines]
    assert len(lines) == 7
    assert len(pages) == 3
    assert lines[-1].balance_after == 9_300
    empty = await bank.ledger.statement(
        a.id, since=end + timedelta(days=5), until=end + timedelta(days=6)
    )
    assert (empty.lines, empty.opening_balance, empty.closing_balance) == ((), 9_305, 9_305)


async def test_statement_refuses_a_backwards_period(bank: Bank, clock: MutableClock) -> None:
    a = await funded_account(bank)
    with pytest.raises(ValidationFailed):
        await bank.ledger.statement(a.id, since=clock.now(), until=clock.now())


async def test_every_command_is_in_a_verifiable_audit_chain(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    await bank.ledger.transfer(Transfer("t", a.id, b.id, 1, "EUR"), ALICE)
    async with bank.db.read() as conn:
        (_, newest), *_ = await recent(conn, limit=1)
    assert (newest.actor, newest.action, newest.outcome) == ("api:alice-app", "transfer", "ok")
    report = await bank.verify_audit()
    assert report.ok
    assert report.records >= 5


async def test_currency_codes_are_case_insensitive(bank: Bank) -> None:
    a = await funded_account(bank)
    b = await funded_account(bank)
    await bank.ledger.deposit(Deposit("d", a.id, 100, "eur"), SYSTEM)
    await bank.ledger.transfer(Transfer("t", a.id, b.id, 40, "Eur"), SYSTEM)
    assert await balance_of(bank, b.id) == 40
