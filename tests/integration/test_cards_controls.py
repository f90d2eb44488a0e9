"""What a customer controls on a card: lock, block, limits, channels and the PIN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from sqlalchemy import select

from core.audit.log import recent
from core.bank import Bank
from core.cards.errors import (
    CardBlocked,
    CardNotFound,
    InvalidPin,
    PinAlreadySet,
    PinBlocked,
    PinNotSet,
    WeakPin,
    WrongPin,
)
from core.cards.model import BlockReason, CardStatus
from core.cards.tables import cards
from core.cards.views import CardView
from core.errors import ValidationFailed
from core.persistence.tables import events
from tests.fakes import MutableClock
from tests.integration.test_cards_support import AGENT, card_with_details


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


@pytest.fixture
async def card(bank: Bank) -> CardView:
    return (await card_with_details(bank))[0]


async def event_types(bank: Bank) -> list[str]:
    async with bank.db.read() as conn:
        rows = await conn.execute(select(events.c.type).order_by(events.c.id))
        return [r.type for r in rows if r.type.startswith("card.")]


async def last_audit(bank: Bank) -> tuple[str, str, dict[str, object]]:
    async with bank.db.read() as conn:
        [(_, audit)] = await recent(conn, limit=1)
    return audit.action, audit.outcome, audit.details


# -- lock, unlock, block ------------------------------------------------------------------


async def test_the_customer_locks_and_unlocks_a_card(bank: Bank, card: CardView) -> None:
    locked = await bank.cards.lock(card.id, AGENT)
    assert locked.status is CardStatus.LOCKED
    assert (await bank.cards.lock(card.id, AGENT)) == locked  # again: nothing changes
    unlocked = await bank.cards.unlock(card.id, AGENT)
    assert unlocked.status is CardStatus.ACTIVE
    assert (await bank.cards.unlock(card.id, AGENT)).status is CardStatus.ACTIVE
    assert await event_types(bank) == ["card.issued", "card.locked", "card.unlocked"]
    assert await last_audit(bank) == ("unlock_card", "ok", {"unchanged": True})


@pytest.mark.parametrize("reason", ["lost", "stolen"])
async def test_blocking_is_final(bank: Bank, card: CardView, reason: str) -> None:
    blocked = await bank.cards.block(card.id, reason, AGENT)
    assert (blocked.status, blocked.block_reason) == (CardStatus.BLOCKED, BlockReason(reason))
    assert await bank.cards.block(card.id, reason, AGENT) == blocked
    other = "stolen" if reason == "lost" else "lost"
    refusals = (
        bank.cards.block(card.id, other, AGENT),
        bank.cards.unlock(card.id, AGENT),
        bank.cards.lock(card.id, AGENT),
        bank.cards.set_limits(card.id, 100, 200, AGENT),
        bank.cards.set_channels(card.id, online=True, atm=True, actor=AGENT),
        bank.cards.set_pin(card.id, "2580", AGENT),
        bank.cards.reset_pin(card.id, AGENT),
        bank.cards.create_reveal(card.id, AGENT),
    )
    for refused in refusals:
        with pytest.raises(CardBlocked):
            await refused
    assert await bank.cards.get(card.id) == blocked
    assert (await event_types(bank)).count("card.blocked") == 1


@pytest.mark.parametrize("reason", ["misplaced", "", "LOST"])
async def test_a_block_needs_a_known_reason(bank: Bank, card: CardView, reason: str) -> None:
    with pytest.raises(ValidationFailed):
        await bank.cards.block(card.id, reason, AGENT)
    assert (await bank.cards.get(card.id)).status is CardStatus.ACTIVE


async def test_controls_on_an_unknown_card_are_not_found(bank: Bank) -> None:
    for call in (
        bank.cards.lock(uuid4(), AGENT),
        bank.cards.block(uuid4(), "lost", AGENT),
        bank.cards.set_pin(uuid4(), "2580", AGENT),
    ):
        with pytest.raises(CardNotFound):
            await call


# -- limits and channels ------------------------------------------------------------------


async def test_limits_are_set_within_the_banks_maxima(bank: Bank, card: CardView) -> None:
    changed = await bank.cards.set_limits(card.id, 20_000, 80_000, AGENT)
    assert (changed.per_transaction_limit, changed.daily_limit) == (20_000, 80_000)
    assert await last_audit(bank) == (
        "set_card_limits",
        "ok",
        {"per_transaction_limit": 20_000, "daily_limit": 80_000},
    )


@pytest.mark.parametrize(
    ("per_transaction", "daily", "field"),
    [
        (0, 1_000, "per_transaction_limit"),
        (100, -1, "daily_limit"),
        (2_000, 1_000, "per_transaction_limit"),  # above the daily limit
        (1_000_001, 2_000_000, "per_transaction_limit"),  # above 10,000 EUR
        (1_000, 2_500_001, "daily_limit"),  # above 25,000 EUR
        (True, 1_000, "per_transaction_limit"),
    ],
)
async def test_limits_out_of_range_are_refused(
    bank: Bank, card: CardView, per_transaction: int, daily: int, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await bank.cards.set_limits(card.id, per_transaction, daily, AGENT)
    assert refused.value.data["field"] == field
    assert await bank.cards.get(card.id) == card


async def test_online_and_atm_use_are_switched_separately(bank: Bank, card: CardView) -> None:
    changed = await bank.cards.set_channels(card.id, online=False, atm=True, actor=AGENT)
    assert (changed.online_enabled, changed.atm_enabled) == (False, True)
    with pytest.raises(ValidationFailed):
        await bank.cards.set_channels(card.id, online="no", atm=True, actor=AGENT)  # type: ignore[arg-type]


# -- PIN ----------------------------------------------------------------------------------


async def test_a_pin_is_set_once_and_stored_as_an_argon2_hash(bank: Bank, card: CardView) -> None:
    assert (await bank.cards.set_pin(card.id, "2580", AGENT)).pin_set
    with pytest.raises(PinAlreadySet):
        await bank.cards.set_pin(card.id, "1357", AGENT)
    async with bank.db.read() as conn:
        stored = (await conn.execute(select(cards.c.pin_hash))).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "2580" not in stored
    assert "card.pin_changed" in await event_types(bank)


@pytest.mark.parametrize(
    ("pin", "error"),
    [
        ("123", InvalidPin),
        ("1234567", InvalidPin),
        ("12a4", InvalidPin),
        ("١٢٣٤", InvalidPin),  # Arabic-Indic digits
        (" 2580", InvalidPin),
        ("0000", WeakPin),
        ("1234", WeakPin),
        ("9876", WeakPin),
        ("890123", WeakPin),
    ],
)
async def test_malformed_and_guessable_pins_are_refused(
    bank: Bank, card: CardView, pin: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await bank.cards.set_pin(card.id, pin, AGENT)
    assert not (await bank.cards.get(card.id)).pin_set
    action, outcome, details = await last_audit(bank)
    assert (action, outcome.startswith("rejected:")) == ("set_card_pin", True)
    assert pin not in str(details)


async def test_the_pin_is_changed_with_the_current_one(bank: Bank, card: CardView) -> None:
    with pytest.raises(PinNotSet):
        await bank.cards.change_pin(card.id, "2580", "1357", AGENT)
    await bank.cards.set_pin(card.id, "2580", AGENT)
    await bank.cards.change_pin(card.id, "2580", "1357", AGENT)
    with pytest.raises(WrongPin):
        await bank.cards.change_pin(card.id, "2580", "4680", AGENT)
    await bank.cards.change_pin(card.id, "1357", "4680", AGENT)
    with pytest.raises(WeakPin):
        await bank.cards.change_pin(card.id, "4680", "1111", AGENT)


async def test_three_wrong_pins_block_it_until_staff_reset_it(bank: Bank, card: CardView) -> None:
    await bank.cards.set_pin(card.id, "2580", AGENT)
    for left in (2, 1):
        with pytest.raises(WrongPin) as wrong:
            await bank.cards.change_pin(card.id, "1357", "4680", AGENT)
        assert wrong.value.data["attempts_left"] == left
    with pytest.raises(PinBlocked):
        await bank.cards.change_pin(card.id, "1357", "4680", AGENT)
    with pytest.raises(PinBlocked):  # the right one no longer helps
        await bank.cards.change_pin(card.id, "2580", "4680", AGENT)
    view = await bank.cards.get(card.id)
    assert view.pin_blocked
    assert await last_audit(bank) == (
        "change_card_pin",
        "rejected:PIN_BLOCKED",
        {"card_id": str(card.id)},
    )
    reset = await bank.cards.reset_pin(card.id, AGENT)
    assert (reset.pin_set, reset.pin_blocked) == (False, False)
    await bank.cards.set_pin(card.id, "4680", AGENT)
    await bank.cards.change_pin(card.id, "4680", "1357", AGENT)


async def test_a_right_pin_resets_the_count_of_wrong_ones(bank: Bank, card: CardView) -> None:
    await bank.cards.set_pin(card.id, "2580", AGENT)
    for _ in range(2):
        with pytest.raises(WrongPin):
            await bank.cards.change_pin(card.id, "1357", "4680", AGENT)
    await bank.cards.change_pin(card.id, "2580", "4680", AGENT)
    for _ in range(2):
        with pytest.raises(WrongPin):
            await bank.cards.change_pin(card.id, "1357", "2580", AGENT)
    assert not (await bank.cards.get(card.id)).pin_blocked


async def test_listing_a_customers_cards_oldest_first(
    bank: Bank, card: CardView, clock: MutableClock
) -> None:
    clock.advance(seconds=1)
    second = await bank.cards.issue(card.customer_id, card.account_id, "standard", AGENT)
    assert [c.id for c in await bank.cards.for_customer(card.customer_id)] == [card.id, second.id]
