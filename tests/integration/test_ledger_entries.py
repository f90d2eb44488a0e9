"""Multi-leg entries (``PostEntry``): fees, exchanges, captured holds; on both backends."""

from __future__ import annotations

from uuid import UUID

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.errors import ValidationFailed
from core.ledger.commands import Leg, PlaceHold, PostEntry
from core.ledger.errors import (
    AccountFrozen,
    HoldAmountExceeded,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
    UnbalancedEntry,
)
from core.ledger.model import BankPurpose, EntryKind, HoldStatus
from tests.integration.helpers import balance_of, funded_account


async def _fee_income(bank: Bank, currency: str = "EUR") -> UUID:
    return await bank.ledger.bank_account(BankPurpose.FEE_INCOME, currency)


def _transfer_with_fee(key: str, source: UUID, dest: UUID, fees: UUID, **kw: object) -> PostEntry:
    legs = (Leg(source, -1_050, "EUR"), Leg(dest, 1_000, "EUR"), Leg(fees, 50, "EUR"))
    return PostEntry(key, EntryKind.TRANSFER, legs, "Transfer with fee", **kw)  # type: ignore[arg-type]


async def test_an_operation_and_its_fee_are_one_entry(bank: Bank) -> None:
    a = await funded_account(bank, 5_000)
    b = await funded_account(bank)
    fees = await _fee_income(bank)
    entry = await bank.ledger.post_entry(_transfer_with_fee("e1", a.id, b.id, fees), SYSTEM)
    assert [(p.account_id, p.amount) for p in entry.postings] == [
        (a.id, -1_050),
        (b.id, 1_000),
        (fees, 50),
    ]
    assert (await balance_of(bank, a.id), await balance_of(bank, b.id)) == (3_950, 1_000)
    assert await balance_of(bank, fees) == 50
    assert (await bank.verify_ledger()).ok


async def test_an_exchange_balances_in_each_currency_through_the_fx_position(bank: Bank) -> None:
    eur = await funded_account(bank, 10_000)
    czk = await funded_account(bank, currency="CZK")
    fx_eur = await bank.ledger.bank_account(BankPurpose.FX_POSITION, "EUR")
    fx_czk = await bank.ledger.bank_account(BankPurpose.FX_POSITION, "CZK")
    legs = (
        Leg(eur.id, -4_000, "EUR"),
        Leg(fx_eur, 4_000, "EUR"),
        Leg(fx_czk, -100_000, "CZK"),
        Leg(czk.id, 100_000, "CZK"),
    )
    await bank.ledger.post_entry(PostEntry("fx1", EntryKind.EXCHANGE, legs, "EUR → CZK"), SYSTEM)
    assert await balance_of(bank, czk.id) == 100_000
    assert await balance_of(bank, eur.id) == 6_000
    assert (await bank.verify_ledger()).ok


@pytest.mark.parametrize(
    ("legs", "error"),
    [
        ((("a", -100, "EUR"), ("b", 90, "EUR")), UnbalancedEntry),
        ((("a", -100, "EUR"), ("b", 100, "CZK")), UnbalancedEntry),
        ((("a", -100, "EUR"),), ValidationFailed),
        ((("a", -9_000, "EUR"), ("b", 9_000, "EUR")), InsufficientFunds),
    ],
)
async def test_a_bad_entry_is_refused_and_changes_nothing(
    bank: Bank, legs: tuple[tuple[str, int, str], ...], error: type[Exception]
) -> None:
    a = await funded_account(bank, 5_000)
    b = await funded_account(bank)
    ids = {"a": a.id, "b": b.id}
    cmd = PostEntry(
        "bad", EntryKind.TRANSFER, tuple(Leg(ids[n], amt, cur) for n, amt, cur in legs), "x"
    )
    with pytest.raises(error):
        await bank.ledger.post_entry(cmd, SYSTEM)
    assert (await balance_of(bank, a.id), await balance_of(bank, b.id)) == (5_000, 0)


async def test_a_frozen_account_takes_no_leg(bank: Bank) -> None:
    a = await funded_account(bank, 5_000)
    b = await funded_account(bank)
    await bank.accounts.freeze(b.id, SYSTEM, "fraud check")
    with pytest.raises(AccountFrozen):
        await bank.ledger.post_entry(
            _transfer_with_fee("f", a.id, b.id, await _fee_income(bank)), SYSTEM
        )


async def test_the_same_key_returns_the_first_entry_and_a_different_request_conflicts(
    bank: Bank,
) -> None:
    a = await funded_account(bank, 5_000)
    b = await funded_account(bank)
    fees = await _fee_income(bank)
    first = await bank.ledger.post_entry(_transfer_with_fee("k", a.id, b.id, fees), SYSTEM)
    assert await bank.ledger.post_entry(_transfer_with_fee("k", a.id, b.id, fees), SYSTEM) == first
    other = PostEntry("k", EntryKind.TRANSFER, (Leg(a.id, -1, "EUR"), Leg(b.id, 1, "EUR")), "x")
    with pytest.raises(IdempotencyConflict):
        await bank.ledger.post_entry(other, SYSTEM)
    assert await balance_of(bank, a.id) == 3_950


async def test_an_entry_captures_a_hold_for_what_it_debits(bank: Bank) -> None:
    a = await funded_account(bank, 5_000)
    b = await funded_account(bank)
    fees = await _fee_income(bank)
    hold = await bank.ledger.place_hold(PlaceHold("h", a.id, b.id, 2_000, "EUR"), SYSTEM)
    await bank.ledger.post_entry(
        _transfer_with_fee("cap", a.id, b.id, fees, capture_hold=hold.id), SYSTEM
    )
    captured = await bank.ledger.hold(hold.id)
    assert (captured.status, captured.posted_amount) == (HoldStatus.POSTED, 1_050)
    balance = await bank.ledger.balance(a.id)
    assert (balance.ledger, balance.held) == (3_950, 0)
    with pytest.raises(HoldNotPending):
        await bank.ledger.post_entry(
            _transfer_with_fee("again", a.id, b.id, fees, capture_hold=hold.id), SYSTEM
        )
    assert (await bank.verify_ledger()).ok


async def test_an_entry_cannot_capture_more_than_the_hold(bank: Bank) -> None:
    a = await funded_account(bank, 5_000)
    b = await funded_account(bank)
    hold = await bank.ledger.place_hold(PlaceHold("h", a.id, b.id, 1_000, "EUR"), SYSTEM)
    with pytest.raises(HoldAmountExceeded):
        await bank.ledger.post_entry(
            _transfer_with_fee("cap", a.id, b.id, await _fee_income(bank), capture_hold=hold.id),
            SYSTEM,
        )
    assert (await bank.ledger.hold(hold.id)).status is HoldStatus.PENDING
