"""Transfers to another Teller customer by the number of their card (payments + cards)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from core.bank import Bank
from core.cards.model import BlockReason
from core.payments.errors import RecipientNotFound
from core.payments.model import PaymentStatus
from core.payments.recipients import RecipientRef
from tests.integration.payments_helpers import CLIENT, customer_account, request
from tests.integration.test_cards_support import AGENT, card_with_details


async def test_a_transfer_by_card_number_reaches_the_cards_account(bank: Bank) -> None:
    payer = await customer_account(bank, "Jana Dvořáková", funded=100_00)
    card, details = await card_with_details(bank, name="Ivan Petrov")
    to_card = RecipientRef("card", details.number)
    preview = await bank.payments.transfers.preview(request(payer, to_card, 25_00))
    assert (preview.recipient.display_name, preview.recipient.account_last4) == (
        "Ivan P.",
        card.last4,
    )
    payment = await bank.payments.transfers.send(request(payer, to_card, 25_00), CLIENT, "k1")
    assert payment.status is PaymentStatus.COMPLETED
    assert (await bank.ledger.balance(card.account_id)).ledger == 25_00


async def test_an_unknown_or_blocked_card_is_no_recipient(bank: Bank) -> None:
    payer = await customer_account(bank, funded=100_00)
    card, details = await card_with_details(bank)
    await bank.cards.block(card.id, BlockReason.STOLEN, AGENT)
    for number in (details.number, "4000 0566 5566 5556"):
        with pytest.raises(RecipientNotFound) as refused:
            await bank.payments.transfers.send(
                request(payer, RecipientRef("card", number), 1_00), CLIENT, uuid4().hex
            )
        assert number.replace(" ", "") not in str(refused.value.data)
