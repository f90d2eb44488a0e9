"""The cards part of ``BankAPI``: ``LocalBank`` and ``HttpBank`` alike, on SQLite and
PostgreSQL, down to the error class and code."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.cards.processing import AuthorizationRequest
from integrations.bank import (
    Account,
    AccountUnavailable,
    Amount,
    BankAPI,
    BankError,
    BlockReason,
    Card,
    CardStatus,
    CardTier,
    Conflict,
    IdempotencyConflict,
    InvalidRequest,
    KycStatus,
    NotFound,
)
from tests.fakes import MutableClock
from tests.integration.test_cards_support import AGENT, PROCESSOR


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def customer_account(
    api: BankAPI, name: str = "Ivan Petrov", *, verified: bool = True
) -> Account:
    customer = await api.register_customer(name, "en")
    if verified:
        await api.set_kyc_status(customer.id, KycStatus.VERIFIED)
    account = await api.open_account(customer.id, "EUR")
    await api.deposit(
        account.id, Amount(50_000, "EUR"), description="Top-up", idempotency_key=str(uuid4())
    )
    return account


async def new_card(api: BankAPI, tier: CardTier = CardTier.DIGITAL) -> Card:
    account = await customer_account(api)
    assert account.customer_id is not None
    return await api.issue_card(account.customer_id, account.id, tier)


async def refused(call: object, kind: type[BankError], code: str) -> BankError:
    with pytest.raises(kind) as error:
        await call  # type: ignore[misc]
    assert error.value.code == code
    return error.value


# -- issuing ------------------------------------------------------------------------------


async def test_a_verified_customer_gets_a_card(bank_api: BankAPI) -> None:
    account = await customer_account(bank_api)
    assert account.customer_id is not None
    card = await bank_api.issue_card(account.customer_id, account.id)
    assert (card.tier, card.tier_name, card.status) == (
        CardTier.DIGITAL,
        "Digital Tariff Card",
        CardStatus.ACTIVE,
    )
    assert re.fullmatch(r"[0-9]{4}", card.last4)
    assert card.masked_number == f"•• {card.last4}"
    assert card.per_transaction_limit == Amount(100_000, "EUR")
    assert card.daily_limit == Amount(250_000, "EUR")
    assert await bank_api.get_card(card.id) == card
    assert await bank_api.list_cards(account.customer_id) == [card]


async def test_issuing_is_refused_without_verification_or_on_a_strangers_account(
    bank_api: BankAPI,
) -> None:
    unverified = await customer_account(bank_api, verified=False)
    mine = await customer_account(bank_api, "Jana Nováková")
    assert unverified.customer_id is not None
    assert mine.customer_id is not None
    await refused(
        bank_api.issue_card(unverified.customer_id, unverified.id), Conflict, "KYC_REQUIRED"
    )
    await refused(
        bank_api.issue_card(mine.customer_id, unverified.id), InvalidRequest, "ACCOUNT_NOT_OWNED"
    )
    await refused(
        bank_api.issue_card(mine.customer_id, mine.id, "gold"),  # type: ignore[arg-type]
        InvalidRequest,
        "VALIDATION_ERROR",
    )
    await refused(bank_api.issue_card(uuid4(), mine.id), NotFound, "CUSTOMER_NOT_FOUND")
    await refused(bank_api.get_card(uuid4()), NotFound, "CARD_NOT_FOUND")


async def test_issuing_with_a_key_happens_once(bank_api: BankAPI) -> None:
    account = await customer_account(bank_api)
    assert account.customer_id is not None
    first = await bank_api.issue_card(account.customer_id, account.id, idempotency_key="card-a")
    again = await bank_api.issue_card(account.customer_id, account.id, idempotency_key="card-a")
    assert again == first
    await refused(
        bank_api.issue_card(
            account.customer_id, account.id, CardTier.STANDARD, idempotency_key="card-a"
        ),
        IdempotencyConflict,
        "IDEMPOTENCY_CONFLICT",
    )


async def test_a_frozen_account_gets_no_card(bank_api: BankAPI, bank: Bank) -> None:
    account = await customer_account(bank_api)
    assert account.customer_id is not None
    await bank.accounts.freeze(account.id, SYSTEM, "check")
    await refused(
        bank_api.issue_card(account.customer_id, account.id), AccountUnavailable, "ACCOUNT_FROZEN"
    )


# -- controls -----------------------------------------------------------------------------


async def test_lock_block_and_reissue(bank_api: BankAPI) -> None:
    card = await new_card(bank_api)
    assert (await bank_api.lock_card(card.id)).status is CardStatus.LOCKED
    assert (await bank_api.unlock_card(card.id)).status is CardStatus.ACTIVE
    await refused(bank_api.reissue_card(card.id), Conflict, "CARD_NOT_BLOCKED")
    blocked = await bank_api.block_card(card.id, BlockReason.STOLEN)
    assert (blocked.status, blocked.block_reason) == (CardStatus.BLOCKED, BlockReason.STOLEN)
    await refused(bank_api.lock_card(card.id), Conflict, "CARD_BLOCKED")
    await refused(
        bank_api.block_card(card.id, "misplaced"),  # type: ignore[arg-type]
        InvalidRequest,
        "VALIDATION_ERROR",
    )
    new = await bank_api.reissue_card(card.id, idempotency_key="reissue-1")
    assert (new.replaces_card_id, new.account_id) == (card.id, card.account_id)
    assert new.last4 != card.last4 or new.id != card.id
    assert await bank_api.reissue_card(card.id, idempotency_key="reissue-1") == new
    await refused(bank_api.reissue_card(card.id), Conflict, "CARD_ALREADY_REISSUED")


async def test_limits_and_channels(bank_api: BankAPI) -> None:
    card = await new_card(bank_api)
    changed = await bank_api.set_card_limits(
        card.id, per_transaction=Amount(20_000, "EUR"), daily=Amount(50_000, "EUR")
    )
    assert (changed.per_transaction_limit_minor, changed.daily_limit_minor) == (20_000, 50_000)
    await refused(
        bank_api.set_card_limits(
            card.id, per_transaction=Amount(100, "CZK"), daily=Amount(100, "CZK")
        ),
        InvalidRequest,
        "CURRENCY_MISMATCH",
    )
    await refused(
        bank_api.set_card_limits(
            card.id, per_transaction=Amount(0, "EUR"), daily=Amount(1, "EUR")
        ),
        InvalidRequest,
        "NON_POSITIVE_AMOUNT",
    )
    for per_transaction, daily in ((2_000, 1_000), (10**18, 10**18), (1, 2_500_001)):
        await refused(
            bank_api.set_card_limits(
                card.id,
                per_transaction=Amount(per_transaction, "EUR"),
                daily=Amount(daily, "EUR"),
            ),
            InvalidRequest,
            "VALIDATION_ERROR",
        )
    switched = await bank_api.set_card_channels(card.id, online=False, atm=True)
    assert (switched.online_enabled, switched.atm_enabled) == (False, True)
    await refused(
        bank_api.set_card_channels(uuid4(), online=True, atm=True), NotFound, "CARD_NOT_FOUND"
    )


async def test_pin_set_change_and_block(bank_api: BankAPI) -> None:
    card = await new_card(bank_api)
    for pin, kind, code in (
        ("12", InvalidRequest, "INVALID_PIN"),
        ("1234567890123456789012345678901234567890", InvalidRequest, "INVALID_PIN"),
        ("12a4", InvalidRequest, "INVALID_PIN"),
        ("1111", InvalidRequest, "WEAK_PIN"),
    ):
        await refused(bank_api.set_card_pin(card.id, pin), kind, code)
    await refused(bank_api.change_card_pin(card.id, "2580", "1357"), Conflict, "PIN_NOT_SET")
    assert (await bank_api.set_card_pin(card.id, "2580")).pin_set
    await refused(bank_api.set_card_pin(card.id, "1357"), Conflict, "PIN_ALREADY_SET")
    await bank_api.change_card_pin(card.id, "2580", "1357")
    wrong = await refused(
        bank_api.change_card_pin(card.id, "2580", "4680"), InvalidRequest, "WRONG_PIN"
    )
    assert wrong.data["attempts_left"] == 2
    await refused(bank_api.change_card_pin(card.id, "2580", "4680"), InvalidRequest, "WRONG_PIN")
    await refused(bank_api.change_card_pin(card.id, "2580", "4680"), Conflict, "PIN_BLOCKED")
    assert (await bank_api.get_card(card.id)).pin_blocked


# -- the vault ----------------------------------------------------------------------------


async def test_the_details_are_revealed_once(bank_api: BankAPI) -> None:
    card = await new_card(bank_api)
    token = await bank_api.create_card_reveal(card.id)
    assert token.card_id == card.id
    assert token.token not in repr(token)
    details = await bank_api.reveal_card(token.token)
    assert details.number.endswith(card.last4)
    assert (details.expiry_month, details.expiry_year) == (card.expiry_month, card.expiry_year)
    assert re.fullmatch(r"[0-9]{3}", details.cvv)
    assert details.holder_name == "Ivan Petrov"
    assert details.number not in repr(details)
    assert details.cvv not in repr(details)
    await refused(bank_api.reveal_card(token.token), Conflict, "REVEAL_TOKEN_USED")
    for bad in ("not-a-token", "x" * 300, ""):
        await refused(bank_api.reveal_card(bad), NotFound, "REVEAL_TOKEN_NOT_FOUND")
    await refused(bank_api.create_card_reveal(uuid4()), NotFound, "CARD_NOT_FOUND")


async def test_a_card_number_is_found_with_a_masked_name(bank_api: BankAPI) -> None:
    card = await new_card(bank_api)
    details = await bank_api.reveal_card((await bank_api.create_card_reveal(card.id)).token)
    found = await bank_api.find_card_by_number(details.number)
    assert (found.card_id, found.account_id, found.holder_name, found.last4) == (
        card.id,
        card.account_id,
        "Ivan P.",
        card.last4,
    )
    await refused(bank_api.find_card_by_number("4111 1111 1111 1111"), NotFound, "CARD_NOT_FOUND")
    for bad in ("4111 1111 1111 1112", "1" * 40, "card"):
        await refused(bank_api.find_card_by_number(bad), InvalidRequest, "INVALID_CARD_NUMBER")


async def test_bank_details(bank_api: BankAPI) -> None:
    account = await customer_account(bank_api, "Olena Kovalenko")
    details = await bank_api.get_bank_details(account.id)
    assert (details.holder_name, details.iban, details.bic, details.bank_name) == (
        "Olena Kovalenko",
        account.number,
        "TELLCZPP",
        "Teller",
    )
    await refused(bank_api.get_bank_details(uuid4()), NotFound, "ACCOUNT_NOT_FOUND")


# -- what the card did --------------------------------------------------------------------


async def _purchase(bank: Bank, card_id: UUID, number: str, amount: int) -> None:
    card = await bank.cards.get(card_id)
    request = AuthorizationRequest(
        reference=uuid4().hex,
        card_number=number,
        expiry_month=card.expiry.month,
        expiry_year=card.expiry.year,
        amount=amount,
        currency="EUR",
        channel="pos",
        mcc="5411",
        merchant_name="Albert Praha",
    )
    auth = await bank.cards.processing.authorize(request, PROCESSOR)
    if auth.approved:
        await bank.cards.processing.clear(auth.reference, amount, "EUR", PROCESSOR)


async def test_authorizations_and_cashback_of_a_card(
    bank_api: BankAPI, bank: Bank, clock: MutableClock
) -> None:
    await bank.cards.cashback.set_rate("mcc", "5411", 500, "Groceries 5 %", AGENT)
    card = await new_card(bank_api)
    number = (
        await bank_api.reveal_card((await bank_api.create_card_reveal(card.id)).token)
    ).number
    assert await bank_api.list_card_authorizations(card.id) == []
    await _purchase(bank, card.id, number, 2_000)
    clock.advance(seconds=1)
    await bank_api.lock_card(card.id)
    await _purchase(bank, card.id, number, 3_000)
    declined, cleared = await bank_api.list_card_authorizations(card.id)
    assert (declined.approved, declined.decline_reason) == (False, "card_locked")
    assert (cleared.approved, cleared.status, cleared.cleared_amount_minor) == (
        True,
        "cleared",
        2_000,
    )
    assert len(await bank_api.list_card_authorizations(card.id, limit=1)) == 1
    await refused(
        bank_api.list_card_authorizations(card.id, limit=0), InvalidRequest, "VALIDATION_ERROR"
    )
    summary = await bank_api.get_card_cashback(card.id)
    assert (summary.month, summary.accrued_minor, summary.purchases, summary.paid) == (
        "2026-03",
        100,
        1,
        False,
    )
    assert (await bank_api.get_card_cashback(card.id, "2026-02")).accrued_minor == 0
    await refused(bank_api.get_card_cashback(card.id, "March"), InvalidRequest, "VALIDATION_ERROR")
