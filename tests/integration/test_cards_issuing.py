"""Issuing and reissuing cards: who may get one, on which account, with what number."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.audit.log import recent
from core.bank import Bank
from core.cards.config import CardConfig
from core.cards.errors import (
    AccountNotOwned,
    CardAlreadyReissued,
    CardLimitReached,
    CardNotBlocked,
    CardNotFound,
    KycRequired,
)
from core.cards.model import CardStatus, CardTier, Expiry, is_luhn_valid
from core.cards.tables import cards
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import CustomerNotFound, NewCustomer
from core.errors import ValidationFailed
from core.ledger.errors import AccountClosed, AccountFrozen, AccountNotFound, IdempotencyConflict
from core.ledger.model import BankPurpose
from core.persistence.database import Database
from core.persistence.tables import audit_log, events
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.test_cards_support import AGENT, card_with_details, verified_account


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def test_a_verified_customer_gets_a_luhn_valid_card_from_the_bank_bin(bank: Bank) -> None:
    card, details = await card_with_details(bank)
    assert details.number.startswith(bank.cards.config.bin)
    assert len(details.number) == 16
    assert is_luhn_valid(details.number)
    assert card.last4 == details.number[-4:]
    assert (card.tier, card.status) == (CardTier.DIGITAL, CardStatus.ACTIVE)
    assert card.currency == "EUR"
    assert not card.pin_set
    assert (card.online_enabled, card.atm_enabled) == (True, True)
    assert (card.per_transaction_limit, card.daily_limit) == (100_000, 250_000)


async def test_a_card_is_valid_to_the_end_of_its_month_three_years_on(
    bank: Bank, clock: MutableClock
) -> None:
    clock.current = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    card, details = await card_with_details(bank)
    assert card.expiry == Expiry(2029, 3) == details.expiry
    assert str(card.expiry) == "03/29"
    assert card.expiry.ends_at == datetime(2029, 4, 1, tzinfo=UTC)


async def test_issuing_tells_the_customer_through_the_outbox(bank: Bank) -> None:
    card, _ = await card_with_details(bank, tier="standard")
    async with bank.db.read() as conn:
        row = (await conn.execute(select(events).where(events.c.type == "card.issued"))).one()
    assert row.payload == {
        "card_id": str(card.id),
        "customer_id": str(card.customer_id),
        "account_id": str(card.account_id),
        "tier": "standard",
    }


@pytest.mark.parametrize("status", [KycStatus.UNVERIFIED, KycStatus.PENDING, KycStatus.REJECTED])
async def test_customers_without_full_kyc_get_no_card(bank: Bank, status: KycStatus) -> None:
    customer = await bank.customers.create(NewCustomer("Olena Kovalenko"), SYSTEM)
    await bank.customers.set_kyc_status(customer.id, status, SYSTEM)
    account = await bank.accounts.open(customer.id, "EUR", SYSTEM)
    with pytest.raises(KycRequired) as refused:
        await bank.cards.issue(customer.id, account.id, "digital", AGENT)
    assert refused.value.data["kyc_status"] == status.value
    assert await bank.cards.for_customer(customer.id) == []
    async with bank.db.read() as conn:
        [(_, audit)] = await recent(conn, limit=1)
    assert (audit.action, audit.outcome) == ("issue_card", "rejected:KYC_REQUIRED")


async def test_a_card_goes_only_on_the_customers_own_account(bank: Bank) -> None:
    mine = await verified_account(bank)
    theirs = await verified_account(bank, name="Jana Nováková")
    assert mine.customer_id is not None
    with pytest.raises(AccountNotOwned):
        await bank.cards.issue(mine.customer_id, theirs.id, "digital", AGENT)
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    with pytest.raises(AccountNotOwned):
        await bank.cards.issue(mine.customer_id, settlement, "digital", AGENT)
    with pytest.raises(AccountNotFound):
        await bank.cards.issue(mine.customer_id, uuid4(), "digital", AGENT)
    with pytest.raises(CustomerNotFound):
        await bank.cards.issue(uuid4(), mine.id, "digital", AGENT)


async def test_frozen_and_closed_accounts_get_no_card(bank: Bank) -> None:
    account = await verified_account(bank)
    assert account.customer_id is not None
    await bank.accounts.freeze(account.id, SYSTEM, "fraud check")
    with pytest.raises(AccountFrozen):
        await bank.cards.issue(account.customer_id, account.id, "digital", AGENT)
    await bank.accounts.close(account.id, SYSTEM, "customer left")
    with pytest.raises(AccountClosed):
        await bank.cards.issue(account.customer_id, account.id, "digital", AGENT)


@pytest.mark.parametrize("tier", ["gold", "", "DIGITAL"])
async def test_an_unknown_tier_is_refused(bank: Bank, tier: str) -> None:
    account = await verified_account(bank)
    assert account.customer_id is not None
    with pytest.raises(ValidationFailed) as refused:
        await bank.cards.issue(account.customer_id, account.id, tier, AGENT)
    assert refused.value.data["field"] == "tier"


async def test_a_customer_holds_at_most_the_configured_number_of_cards(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    bank = Bank.build(
        database, keyring, CURRENCIES, clock=clock, cards=CardConfig(max_cards_per_customer=2)
    )
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    account = await verified_account(bank)
    assert account.customer_id is not None
    first = await bank.cards.issue(account.customer_id, account.id, "digital", AGENT)
    await bank.cards.issue(account.customer_id, account.id, "standard", AGENT)
    with pytest.raises(CardLimitReached) as refused:
        await bank.cards.issue(account.customer_id, account.id, "digital", AGENT)
    assert refused.value.data["maximum"] == 2
    # A blocked card no longer counts: its replacement (or a new card) may be issued.
    await bank.cards.block(first.id, "lost", AGENT)
    await bank.cards.reissue(first.id, AGENT)


async def test_one_idempotency_key_issues_one_card(bank: Bank) -> None:
    account = await verified_account(bank)
    assert account.customer_id is not None
    first = await bank.cards.issue(
        account.customer_id, account.id, "digital", AGENT, idempotency_key="card-1"
    )
    again = await bank.cards.issue(
        account.customer_id, account.id, "digital", AGENT, idempotency_key="card-1"
    )
    assert again == first
    with pytest.raises(IdempotencyConflict):
        await bank.cards.issue(
            account.customer_id, account.id, "standard", AGENT, idempotency_key="card-1"
        )
    assert len(await bank.cards.for_customer(account.customer_id)) == 1


async def test_numbers_are_unique_and_stored_only_encrypted_with_a_lookup_hash(
    bank: Bank, keyring: Keyring
) -> None:
    numbers = set()
    for _ in range(12):
        _, details = await card_with_details(bank)
        numbers.add(details.number)
    assert len(numbers) == 12
    async with bank.db.read() as conn:
        rows = (await conn.execute(select(cards))).all()
        audit = " ".join(str(r) for r in (await conn.execute(select(audit_log))).all())
        outbox = " ".join(str(r) for r in (await conn.execute(select(events))).all())
    stored = " ".join(str(tuple(row)) for row in rows)
    for number in numbers:
        assert number not in stored
        assert number not in audit
        assert number not in outbox
    for row in rows:
        assert row.number_enc.startswith(f"v1.{keyring.active}.")
        assert keyring.decrypt(row.number_enc, context="card.number") in numbers
        assert row.number_index == keyring.blind_index(
            keyring.decrypt(row.number_enc, context="card.number"), context="card.number"
        )


async def test_a_blocked_card_is_reissued_once_with_a_new_number(bank: Bank) -> None:
    card, old = await card_with_details(bank)
    await bank.cards.set_limits(card.id, 5_000, 20_000, AGENT)
    await bank.cards.set_channels(card.id, online=False, atm=True, actor=AGENT)
    with pytest.raises(CardNotBlocked):
        await bank.cards.reissue(card.id, AGENT)
    await bank.cards.block(card.id, "stolen", AGENT)
    new = await bank.cards.reissue(card.id, AGENT)
    token = await bank.cards.create_reveal(new.id, AGENT)
    details = await bank.cards.reveal(token.token, AGENT)
    assert details.number != old.number
    assert new.replaces_card_id == card.id
    assert (new.account_id, new.tier, new.status) == (
        card.account_id,
        card.tier,
        CardStatus.ACTIVE,
    )
    assert (new.per_transaction_limit, new.daily_limit) == (5_000, 20_000)
    assert (new.online_enabled, new.atm_enabled) == (False, True)
    assert (await bank.cards.get(card.id)).status is CardStatus.BLOCKED
    with pytest.raises(CardAlreadyReissued):
        await bank.cards.reissue(card.id, AGENT)
    async with bank.db.read() as conn:
        kinds = [r.type for r in await conn.execute(select(events.c.type).order_by(events.c.id))]
    assert kinds.count("card.issued") == 1
    assert kinds.count("card.reissued") == 1


async def test_reissuing_with_a_key_twice_returns_the_first_replacement(bank: Bank) -> None:
    card, _ = await card_with_details(bank)
    await bank.cards.block(card.id, "lost", AGENT)
    first = await bank.cards.reissue(card.id, AGENT, idempotency_key="re-1")
    assert await bank.cards.reissue(card.id, AGENT, idempotency_key="re-1") == first


async def test_an_unknown_card_is_not_found(bank: Bank) -> None:
    with pytest.raises(CardNotFound):
        await bank.cards.get(uuid4())
    with pytest.raises(CardNotFound):
        await bank.cards.reissue(uuid4(), AGENT)


async def test_card_numbers_are_reencrypted_under_a_new_key(
    bank: Bank, keyring: Keyring, clock: MutableClock
) -> None:
    card, details = await card_with_details(bank)
    # The new key first, the old one kept to decrypt; the index key never changes.
    rotated = Keyring({"new": b"n" * 32, "test1": b"k" * 32}, "new", b"i" * 32)
    newer = Bank.build(bank.db, rotated, CURRENCIES, clock=clock)
    assert await newer.cards.rotate_encryption(SYSTEM) == 1
    assert await newer.cards.rotate_encryption(SYSTEM) == 0
    async with bank.db.read() as conn:
        token = (await conn.execute(select(cards.c.number_enc))).scalar_one()
    assert token.startswith("v1.new.")
    again = await newer.cards.reveal(
        (await newer.cards.create_reveal(card.id, AGENT)).token, AGENT
    )
    assert (again.number, again.cvv) == (details.number, details.cvv)
    assert (await newer.cards.resolve_number(details.number)).card_id == card.id
