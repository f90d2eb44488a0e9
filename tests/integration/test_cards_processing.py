"""Card processing as a processor calls the bank: authorizations, clearings, reversals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cards.errors import (
    AuthorizationCleared,
    AuthorizationExpired,
    AuthorizationNotApproved,
    AuthorizationNotFound,
    CardNotFound,
    ClearingAmountExceeded,
    InvalidCardNumber,
    InvalidPin,
)
from core.cards.model import luhn_check_digit
from core.cards.rules import AuthorizationStatus, DeclineReason
from core.cards.settlement import Settlement
from core.cards.tables import card_authorizations, cards
from core.cards.views import AuthorizationView, CardDetails, CardView
from core.errors import CoreError, ValidationFailed
from core.ledger.errors import IdempotencyConflict
from core.ledger.model import BankPurpose, EntryKind, HoldStatus
from core.money import CurrencyMismatch, NonPositiveAmount, UnknownCurrency
from core.persistence.tables import events
from tests.fakes import MutableClock
from tests.integration.test_cards_support import (
    AGENT,
    PROCESSOR,
    card_with_details,
    purchase,
)


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


@pytest.fixture
async def card(bank: Bank) -> tuple[CardView, CardDetails]:
    return await card_with_details(bank, 50_000)


async def available(bank: Bank, account_id: UUID) -> int:
    return (await bank.ledger.balance(account_id)).available


async def event_payloads(bank: Bank, type_: str) -> list[dict[str, object]]:
    async with bank.db.read() as conn:
        rows = await conn.execute(
            select(events.c.payload).where(events.c.type == type_).order_by(events.c.id)
        )
        return [dict(r.payload) for r in rows]


async def authorizations(bank: Bank) -> int:
    async with bank.db.read() as conn:
        count = await conn.execute(select(func.count()).select_from(card_authorizations))
        return int(count.scalar_one())


# -- approve, clear, reverse --------------------------------------------------------------


async def test_an_approved_purchase_holds_its_amount_for_settlement(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    auth = await bank.cards.processing.authorize(purchase(details, 1_250), PROCESSOR)
    assert auth.approved
    assert (auth.status, auth.response_code) == (AuthorizationStatus.APPROVED, "00")
    assert auth.hold_id is not None
    hold = await bank.ledger.hold(auth.hold_id)
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    assert (hold.account_id, hold.counterparty_account_id) == (view.account_id, settlement)
    assert (hold.amount, hold.status, hold.description) == (
        1_250,
        HoldStatus.PENDING,
        "Albert Praha",
    )
    assert await available(bank, view.account_id) == 50_000 - 1_250
    [authorized] = await event_payloads(bank, "card.authorized")
    assert authorized["amount"] == 1_250
    assert authorized["card_id"] == str(view.id)


async def test_clearing_posts_the_purchase_and_releases_what_is_left(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    auth = await bank.cards.processing.authorize(purchase(details, 2_000), PROCESSOR)
    cleared = await bank.cards.processing.clear(auth.reference, 1_800, "EUR", PROCESSOR)
    assert (cleared.status, cleared.cleared_amount) == (AuthorizationStatus.CLEARED, 1_800)
    assert cleared.entry_id is not None
    entry = await bank.ledger.entry(cleared.entry_id)
    assert entry.kind is EntryKind.CARD_PURCHASE
    assert entry.description == "Albert Praha"
    balance = await bank.ledger.balance(view.account_id)
    assert (balance.ledger, balance.held, balance.available) == (48_200, 0, 48_200)
    assert (await bank.ledger.hold(auth.hold_id or UUID(int=0))).posted_amount == 1_800
    again = await bank.cards.processing.clear(auth.reference, 1_800, "eur", PROCESSOR)
    assert again == cleared
    with pytest.raises(IdempotencyConflict):
        await bank.cards.processing.clear(auth.reference, 1_700, "EUR", PROCESSOR)
    with pytest.raises(AuthorizationCleared):
        await bank.cards.processing.reverse(auth.reference, PROCESSOR)
    assert (await bank.ledger.balance(view.account_id)).ledger == 48_200


async def test_a_clearing_cannot_exceed_the_authorization_nor_change_currency(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    auth = await bank.cards.processing.authorize(purchase(details, 2_000), PROCESSOR)
    with pytest.raises(ClearingAmountExceeded):
        await bank.cards.processing.clear(auth.reference, 2_001, "EUR", PROCESSOR)
    with pytest.raises(CurrencyMismatch):
        await bank.cards.processing.clear(auth.reference, 2_000, "CZK", PROCESSOR)
    with pytest.raises(NonPositiveAmount):
        await bank.cards.processing.clear(auth.reference, 0, "EUR", PROCESSOR)
    with pytest.raises(UnknownCurrency):
        await bank.cards.processing.clear(auth.reference, 10, "EURO", PROCESSOR)
    assert (await bank.cards.processing.get(auth.reference, PROCESSOR)).status is (
        AuthorizationStatus.APPROVED
    )
    assert await available(bank, view.account_id) == 48_000


async def test_a_reversal_voids_the_hold_once(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    auth = await bank.cards.processing.authorize(purchase(details, 3_000), PROCESSOR)
    reversed_ = await bank.cards.processing.reverse(auth.reference, PROCESSOR)
    assert reversed_.status is AuthorizationStatus.REVERSED
    assert (await bank.ledger.hold(auth.hold_id or UUID(int=0))).status is HoldStatus.VOIDED
    assert await available(bank, view.account_id) == 50_000
    assert await bank.cards.processing.reverse(auth.reference, PROCESSOR) == reversed_
    with pytest.raises(AuthorizationNotApproved):
        await bank.cards.processing.clear(auth.reference, 3_000, "EUR", PROCESSOR)


async def test_reversing_a_declined_authorization_changes_nothing(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    await bank.cards.lock(view.id, AGENT)
    declined = await bank.cards.processing.authorize(purchase(details), PROCESSOR)
    assert await bank.cards.processing.reverse(declined.reference, PROCESSOR) == declined
    with pytest.raises(AuthorizationNotApproved):
        await bank.cards.processing.clear(declined.reference, 1_000, "EUR", PROCESSOR)


async def test_authorizations_are_the_processors_own(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    _, details = card
    auth = await bank.cards.processing.authorize(purchase(details), PROCESSOR)
    other = Actor(ActorKind.API_CLIENT, "another-network")
    for call in (
        bank.cards.processing.get(auth.reference, other),
        bank.cards.processing.reverse(auth.reference, other),
        bank.cards.processing.clear(auth.reference, 10, "EUR", other),
        bank.cards.processing.get("never-sent", PROCESSOR),
    ):
        with pytest.raises(AuthorizationNotFound):
            await call


# -- idempotency --------------------------------------------------------------------------


async def test_a_repeated_authorization_has_one_effect(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    request = purchase(details, 4_000, reference="net-1")
    first = await bank.cards.processing.authorize(request, PROCESSOR)
    assert await bank.cards.processing.authorize(request, PROCESSOR) == first
    assert await available(bank, view.account_id) == 46_000
    with pytest.raises(IdempotencyConflict):
        await bank.cards.processing.authorize(replace(request, amount=4_001), PROCESSOR)
    # Another processor's id space is its own.
    other = Actor(ActorKind.API_CLIENT, "another-network")
    assert (await bank.cards.processing.authorize(request, other)).id != first.id
    assert await authorizations(bank) == 2


async def test_a_repeated_decline_is_the_same_decline_and_counts_one_pin_attempt(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    await bank.cards.set_pin(view.id, "2580", AGENT)
    request = purchase(details, reference="net-2", pin="1111")
    first = await bank.cards.processing.authorize(request, PROCESSOR)
    assert await bank.cards.processing.authorize(request, PROCESSOR) == first
    assert first.decline_reason is DeclineReason.WRONG_PIN
    async with bank.db.read() as conn:
        attempts = (await conn.execute(select(cards.c.pin_attempts))).scalar_one()
    assert attempts == 1


# -- every decline ------------------------------------------------------------------------


async def assert_declined(
    bank: Bank,
    card: tuple[CardView, CardDetails],
    reason: DeclineReason,
    code: str,
    **changes: object,
) -> AuthorizationView:
    view, details = card
    before = await available(bank, view.account_id)
    auth = await bank.cards.processing.authorize(purchase(details, **changes), PROCESSOR)
    assert not auth.approved
    assert (auth.status, auth.decline_reason, auth.response_code) == (
        AuthorizationStatus.DECLINED,
        reason,
        code,
    )
    assert auth.hold_id is None
    assert await available(bank, view.account_id) == before
    declined = await event_payloads(bank, "card.declined")
    assert declined[-1]["reason"] == reason.value
    return auth


async def test_a_locked_card_is_declined_until_unlocked(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    await bank.cards.lock(view.id, AGENT)
    await assert_declined(bank, card, DeclineReason.CARD_LOCKED, "62")
    await bank.cards.unlock(view.id, AGENT)
    assert (await bank.cards.processing.authorize(purchase(details), PROCESSOR)).approved


@pytest.mark.parametrize(
    ("reason", "decline", "code"),
    [
        ("lost", DeclineReason.CARD_BLOCKED_LOST, "41"),
        ("stolen", DeclineReason.CARD_BLOCKED_STOLEN, "43"),
    ],
)
async def test_a_blocked_card_is_declined(
    bank: Bank,
    card: tuple[CardView, CardDetails],
    reason: str,
    decline: DeclineReason,
    code: str,
) -> None:
    await bank.cards.block(card[0].id, reason, AGENT)
    await assert_declined(bank, card, decline, code)


async def test_an_expired_card_is_declined(
    bank: Bank, card: tuple[CardView, CardDetails], clock: MutableClock
) -> None:
    clock.current = card[0].expiry.ends_at
    await assert_declined(bank, card, DeclineReason.CARD_EXPIRED, "54")


async def test_a_wrong_expiry_is_declined(bank: Bank, card: tuple[CardView, CardDetails]) -> None:
    expiry = card[1].expiry
    await assert_declined(
        bank, card, DeclineReason.WRONG_EXPIRY, "54", expiry_year=expiry.year + 1
    )


async def test_online_and_atm_switches_are_observed(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    await bank.cards.set_pin(view.id, "2580", AGENT)
    await bank.cards.set_channels(view.id, online=False, atm=False, actor=AGENT)
    await assert_declined(bank, card, DeclineReason.ONLINE_DISABLED, "57", channel="online")
    await assert_declined(bank, card, DeclineReason.ATM_DISABLED, "57", channel="atm", pin="2580")
    assert (await bank.cards.processing.authorize(purchase(details), PROCESSOR)).approved
    await bank.cards.set_channels(view.id, online=True, atm=True, actor=AGENT)
    online = purchase(details, channel="online", cvv=details.cvv)
    assert (await bank.cards.processing.authorize(online, PROCESSOR)).approved
    atm = purchase(details, channel="atm", pin="2580", mcc="6011")
    assert (await bank.cards.processing.authorize(atm, PROCESSOR)).approved


async def test_an_amount_in_another_currency_is_declined(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    await assert_declined(bank, card, DeclineReason.WRONG_CURRENCY, "13", currency="USD")


async def test_a_wrong_cvv_is_declined(bank: Bank, card: tuple[CardView, CardDetails]) -> None:
    wrong = f"{(int(card[1].cvv) + 1) % 1000:03d}"
    await assert_declined(bank, card, DeclineReason.WRONG_CVV, "N7", channel="online", cvv=wrong)


async def test_an_atm_withdrawal_needs_the_pin(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    await assert_declined(bank, card, DeclineReason.PIN_REQUIRED, "55", channel="atm")
    # With no PIN set, no PIN can match (and no attempt is counted).
    await assert_declined(bank, card, DeclineReason.WRONG_PIN, "55", channel="atm", pin="2580")


async def test_three_wrong_pins_block_the_pin_and_a_right_one_resets_the_count(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    await bank.cards.set_pin(view.id, "2580", AGENT)
    await assert_declined(bank, card, DeclineReason.WRONG_PIN, "55", pin="1111")
    await assert_declined(bank, card, DeclineReason.WRONG_PIN, "55", pin="1111")
    assert (
        await bank.cards.processing.authorize(purchase(details, pin="2580"), PROCESSOR)
    ).approved
    await assert_declined(bank, card, DeclineReason.WRONG_PIN, "55", pin="1111")
    await assert_declined(bank, card, DeclineReason.WRONG_PIN, "55", pin="1111")
    await assert_declined(bank, card, DeclineReason.PIN_BLOCKED, "75", pin="1111")
    await assert_declined(bank, card, DeclineReason.PIN_BLOCKED, "75", pin="2580")
    assert (await bank.cards.get(view.id)).pin_blocked
    assert len(await event_payloads(bank, "card.pin_blocked")) == 1
    # Without a PIN, a card-present purchase still goes through (contactless).
    assert (await bank.cards.processing.authorize(purchase(details), PROCESSOR)).approved


async def test_the_per_transaction_limit_declines_larger_amounts(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    view, details = card
    await bank.cards.set_limits(view.id, 5_000, 20_000, AGENT)
    await assert_declined(bank, card, DeclineReason.TRANSACTION_LIMIT, "61", amount=5_001)
    assert (await bank.cards.processing.authorize(purchase(details, 5_000), PROCESSOR)).approved


async def test_the_daily_limit_counts_approved_authorizations_of_the_day(
    bank: Bank, card: tuple[CardView, CardDetails], clock: MutableClock
) -> None:
    view, details = card
    clock.current = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    await bank.cards.set_limits(view.id, 5_000, 10_000, AGENT)
    process = bank.cards.processing
    first = await process.authorize(purchase(details, 5_000), PROCESSOR)
    await process.clear(first.reference, 5_000, "EUR", PROCESSOR)  # cleared still counts
    assert (await process.authorize(purchase(details, 4_000), PROCESSOR)).approved
    await assert_declined(bank, card, DeclineReason.DAILY_LIMIT, "61", amount=1_001)
    # Declined ones do not count; a reversed one gives its room back.
    third = await process.authorize(purchase(details, 1_000), PROCESSOR)
    assert third.approved
    await process.reverse(third.reference, PROCESSOR)
    assert (await process.authorize(purchase(details, 1_000), PROCESSOR)).approved
    clock.current = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # a new day (UTC)
    assert (await process.authorize(purchase(details, 5_000), PROCESSOR)).approved


async def test_insufficient_funds_are_declined_by_the_ledger(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    await assert_declined(bank, card, DeclineReason.INSUFFICIENT_FUNDS, "51", amount=50_001)


async def test_a_frozen_account_declines_its_cards(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    await bank.accounts.freeze(card[0].account_id, SYSTEM, "fraud check")
    await assert_declined(bank, card, DeclineReason.ACCOUNT_UNAVAILABLE, "62")


# -- bad requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"amount": 0}, NonPositiveAmount),
        ({"amount": -5}, NonPositiveAmount),
        ({"currency": "XXX1"}, UnknownCurrency),
        ({"channel": "mail"}, ValidationFailed),
        ({"mcc": "54"}, ValidationFailed),
        ({"merchant_name": " "}, ValidationFailed),
        ({"merchant_name": "x" * 61}, ValidationFailed),
        ({"merchant_id": "bad id"}, ValidationFailed),
        ({"expiry_month": 13}, ValidationFailed),
        ({"expiry_year": 29}, ValidationFailed),
        ({"expiry_month": True}, ValidationFailed),
        ({"cvv": "12"}, ValidationFailed),
        ({"pin": "12a4"}, InvalidPin),
        ({"reference": ""}, ValidationFailed),
        ({"reference": "a b"}, ValidationFailed),
        ({"card_number": "4242424242424241"}, InvalidCardNumber),
        ({"card_number": "42"}, InvalidCardNumber),
    ],
)
async def test_a_malformed_authorization_changes_nothing(
    bank: Bank,
    card: tuple[CardView, CardDetails],
    changes: dict[str, object],
    error: type[CoreError],
) -> None:
    with pytest.raises(error):
        await bank.cards.processing.authorize(purchase(card[1], **changes), PROCESSOR)
    assert await authorizations(bank) == 0
    assert await available(bank, card[0].account_id) == 50_000


async def test_an_unknown_card_number_is_not_found(
    bank: Bank, card: tuple[CardView, CardDetails]
) -> None:
    body = card[1].number[:14] + str((int(card[1].number[14]) + 1) % 10)
    other = body + luhn_check_digit(body)
    with pytest.raises(CardNotFound):
        await bank.cards.processing.authorize(purchase(card[1], card_number=other), PROCESSOR)


# -- holds that run out, and crashes between steps ----------------------------------------


async def test_a_hold_that_expired_cannot_be_cleared(
    bank: Bank, card: tuple[CardView, CardDetails], clock: MutableClock
) -> None:
    view, details = card
    auth = await bank.cards.processing.authorize(purchase(details, 2_000), PROCESSOR)
    clock.advance(days=8)
    assert await bank.ledger.expire_holds(SYSTEM) == 1
    await bank.cards.processing.complete_stale()  # the sweep notices the hold ran out
    assert (await bank.cards.processing.get(auth.reference, PROCESSOR)).status is (
        AuthorizationStatus.EXPIRED
    )
    with pytest.raises(AuthorizationExpired):
        await bank.cards.processing.clear(auth.reference, 2_000, "EUR", PROCESSOR)
    expired = await bank.cards.processing.get(auth.reference, PROCESSOR)
    assert expired.status is AuthorizationStatus.EXPIRED
    assert await bank.cards.processing.reverse(auth.reference, PROCESSOR) == expired
    assert await available(bank, view.account_id) == 50_000


async def test_a_hold_past_its_time_cannot_be_cleared_even_before_the_jobs_notice(
    bank: Bank, card: tuple[CardView, CardDetails], clock: MutableClock
) -> None:
    _, details = card
    auth = await bank.cards.processing.authorize(purchase(details, 2_000), PROCESSOR)
    clock.advance(days=7, seconds=1)
    with pytest.raises(AuthorizationExpired):
        await bank.cards.processing.clear(auth.reference, 2_000, "EUR", PROCESSOR)
    assert (await bank.cards.processing.get(auth.reference, PROCESSOR)).status is (
        AuthorizationStatus.EXPIRED
    )
    assert await bank.ledger.expire_holds(SYSTEM) == 1


async def test_an_authorization_left_pending_by_a_crash_is_finished_by_the_sweep(
    bank: Bank,
    card: tuple[CardView, CardDetails],
    clock: MutableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view, details = card

    async def crash(self: Settlement, _: AuthorizationView) -> AuthorizationView:
        raise ConnectionResetError("the process died")

    with monkeypatch.context() as patch:
        patch.setattr(Settlement, "hold", crash)
        with pytest.raises(ConnectionResetError):
            await bank.cards.processing.authorize(
                purchase(details, 700, reference="x1"), PROCESSOR
            )
    pending = await bank.cards.processing.get("x1", PROCESSOR)
    assert pending.status is AuthorizationStatus.PENDING
    assert await bank.cards.processing.complete_stale() == 0  # not stale yet
    clock.advance(minutes=1)
    assert await bank.cards.processing.complete_stale() == 1
    done = await bank.cards.processing.get("x1", PROCESSOR)
    assert done.status is AuthorizationStatus.APPROVED
    assert await available(bank, view.account_id) == 49_300
    # The processor's retry finds the same outcome and the same single hold.
    assert (
        await bank.cards.processing.authorize(purchase(details, 700, reference="x1"), PROCESSOR)
        == done
    )


async def test_the_card_lists_its_authorizations_newest_first(
    bank: Bank, card: tuple[CardView, CardDetails], clock: MutableClock
) -> None:
    view, details = card
    first = await bank.cards.processing.authorize(purchase(details, 100), PROCESSOR)
    clock.advance(seconds=1)
    await bank.cards.lock(view.id, AGENT)
    second = await bank.cards.processing.authorize(purchase(details, 200), PROCESSOR)
    listed = await bank.cards.processing.for_card(view.id)
    assert [a.id for a in listed] == [second.id, first.id]
    assert listed[0].decline_reason is DeclineReason.CARD_LOCKED
