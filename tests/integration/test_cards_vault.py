"""The vault: the one-time reveal, lookups by number, bank details, and card data never
showing up in logs, the audit log, the outbox or errors."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.bank import Bank
from core.cards.errors import (
    CardBlocked,
    CardNotFound,
    InvalidCardNumber,
    RevealTokenExpired,
    RevealTokenNotFound,
    RevealTokenUsed,
    WrongPin,
)
from core.cards.model import luhn_check_digit
from core.cards.tables import card_reveals, cards
from core.errors import CoreError
from core.ledger.errors import AccountNotFound
from core.ledger.model import BankPurpose
from core.persistence.schema import metadata
from core.persistence.tables import audit_log, events
from tests.fakes import MutableClock
from tests.integration.test_cards_support import (
    AGENT,
    PROCESSOR,
    card_with_details,
    details_of,
    purchase,
)


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def test_a_reveal_token_shows_number_and_cvv_once(bank: Bank) -> None:
    card, _ = await card_with_details(bank, name="Jana Dvořáková")
    token = await bank.cards.create_reveal(card.id, AGENT)
    assert token.expires_at == bank.clock.now() + timedelta(minutes=5)
    details = await bank.cards.reveal(token.token, AGENT)
    assert details.card_id == card.id
    assert details.number.endswith(card.last4)
    assert details.expiry == card.expiry
    assert re.fullmatch(r"[0-9]{3}", details.cvv)
    assert details.holder_name == "Jana Dvořáková"
    with pytest.raises(RevealTokenUsed):
        await bank.cards.reveal(token.token, AGENT)
    # Each reveal shows the same CVV: it is derived, not drawn and forgotten.
    assert (await details_of(bank, card)).cvv == details.cvv
    for text in (repr(details), repr(token), str(details)):
        assert details.number not in text
        assert token.token not in text


async def test_only_a_hash_of_a_reveal_token_is_stored(bank: Bank) -> None:
    card, _ = await card_with_details(bank)
    token = await bank.cards.create_reveal(card.id, AGENT)
    async with bank.db.read() as conn:
        rows = (await conn.execute(select(card_reveals))).all()
    assert token.token not in str(rows)


async def test_a_reveal_token_expires_in_minutes(bank: Bank, clock: MutableClock) -> None:
    card, _ = await card_with_details(bank)
    token = await bank.cards.create_reveal(card.id, AGENT)
    clock.advance(minutes=5)
    with pytest.raises(RevealTokenExpired):
        await bank.cards.reveal(token.token, AGENT)


@pytest.mark.parametrize("token", ["", "nope", "x" * 129])
async def test_an_unknown_reveal_token_is_refused(bank: Bank, token: str) -> None:
    with pytest.raises(RevealTokenNotFound):
        await bank.cards.reveal(token, AGENT)


async def test_a_card_blocked_after_the_token_was_made_reveals_nothing(bank: Bank) -> None:
    card, _ = await card_with_details(bank)
    token = await bank.cards.create_reveal(card.id, AGENT)
    await bank.cards.block(card.id, "stolen", AGENT)
    with pytest.raises(CardBlocked):
        await bank.cards.reveal(token.token, AGENT)


async def test_no_cvv_is_stored_anywhere(bank: Bank) -> None:
    _, details = await card_with_details(bank)
    columns = [c.name for table in metadata.sorted_tables for c in table.columns]
    assert not [name for name in columns if "cvv" in name or "cvc" in name]
    async with bank.db.read() as conn:
        row = (await conn.execute(select(cards))).one()
    assert details.cvv not in [str(value) for value in row]


# -- lookups ------------------------------------------------------------------------------


async def test_a_card_number_resolves_to_its_account_and_masked_holder(bank: Bank) -> None:
    card, details = await card_with_details(bank, name="Ivan Petrovich Petrov")
    spaced = " ".join(details.number[i : i + 4] for i in range(0, 16, 4))
    found = await bank.cards.resolve_number(spaced)
    assert (found.card_id, found.account_id, found.customer_id) == (
        card.id,
        card.account_id,
        card.customer_id,
    )
    assert (found.holder_name, found.last4, found.currency) == ("Ivan P.", card.last4, "EUR")


async def test_a_locked_card_still_receives_transfers(bank: Bank) -> None:
    card, details = await card_with_details(bank)
    await bank.cards.lock(card.id, AGENT)
    assert (await bank.cards.resolve_number(details.number)).card_id == card.id


async def test_blocked_expired_and_foreign_numbers_are_not_found(
    bank: Bank, clock: MutableClock
) -> None:
    card, details = await card_with_details(bank)
    foreign = "4111111111111111"
    with pytest.raises(CardNotFound):
        await bank.cards.resolve_number(foreign)
    clock.current = card.expiry.ends_at
    with pytest.raises(CardNotFound):
        await bank.cards.resolve_number(details.number)
    clock.current = card.created_at
    await bank.cards.block(card.id, "lost", AGENT)
    with pytest.raises(CardNotFound) as refused:
        await bank.cards.resolve_number(details.number)
    assert refused.value.data == {}


@pytest.mark.parametrize("number", ["4242424242424241", "abcd", "", "4242 4242 4242 4242 4242"])
async def test_a_number_that_is_not_a_card_number_is_invalid(bank: Bank, number: str) -> None:
    with pytest.raises(InvalidCardNumber) as refused:
        await bank.cards.resolve_number(number)
    assert refused.value.data == {}


async def test_bank_details_for_incoming_transfers(bank: Bank) -> None:
    card, _ = await card_with_details(bank, name="Olena Kovalenko")
    details = await bank.cards.bank_details(card.account_id)
    account = await bank.accounts.get(card.account_id)
    assert (details.holder_name, details.iban, details.bic) == (
        "Olena Kovalenko",
        account.number,
        "TELLCZPP",
    )
    assert (details.bank_name, details.currency) == ("Teller", "EUR")
    with pytest.raises(AccountNotFound):
        await bank.cards.bank_details(
            await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
        )
    with pytest.raises(AccountNotFound):
        await bank.cards.bank_details(uuid4())


# -- nothing sensitive anywhere -----------------------------------------------------------


def _sensitive(text: str, *secrets: str) -> list[str]:
    """Which secrets appear in ``text`` as a whole number (not inside a longer one)."""
    return [
        s for s in secrets if re.search(rf"(?<![0-9A-Za-z]){re.escape(s)}(?![0-9A-Za-z])", text)
    ]


async def test_card_numbers_cvvs_and_pins_never_reach_logs_audit_outbox_or_errors(
    bank: Bank, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pin, wrong_pin = "7391", "4826"
    card, details = await card_with_details(bank, 90_000)
    errors: list[CoreError] = []
    await bank.cards.set_pin(card.id, pin, AGENT)
    try:
        await bank.cards.change_pin(card.id, wrong_pin, "5173", AGENT)
    except WrongPin as exc:
        errors.append(exc)
    spaced = " ".join(details.number[i : i + 4] for i in range(0, 16, 4))
    await bank.cards.resolve_number(spaced)
    process = bank.cards.processing
    online = purchase(details, 1_000, channel="online", cvv=details.cvv, pin=pin)
    auth = await process.authorize(online, PROCESSOR)
    await process.clear(auth.reference, 900, "EUR", PROCESSOR)
    await process.authorize(purchase(details, pin=wrong_pin), PROCESSOR)
    body = details.number[:14] + str((int(details.number[14]) + 1) % 10)
    for bad in (
        purchase(details, card_number=body + luhn_check_digit(body)),
        purchase(details, card_number=details.number[:-1] + "x"),
        purchase(details, cvv="12", pin=pin),
    ):
        try:
            await process.authorize(bad, PROCESSOR)
        except CoreError as exc:
            errors.append(exc)
    await bank.cards.block(card.id, "lost", AGENT)
    await bank.accounts.freeze(card.account_id, SYSTEM, "check")
    async with bank.db.read() as conn:
        audit = str((await conn.execute(select(audit_log))).all())
        outbox = str((await conn.execute(select(events))).all())
    texts = {
        "logs": caplog.text,
        "audit": audit,
        "outbox": outbox,
        "errors": " ".join(f"{e.message} {e.data}" for e in errors),
    }
    assert len(errors) == 4
    for where, text in texts.items():
        assert _sensitive(text, details.number, spaced, details.cvv, pin, wrong_pin) == [], where
