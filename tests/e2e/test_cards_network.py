"""A day of card purchases from the simulated card network, faults included, through the
whole app: every authorization has exactly one effect and the ledger balances."""

from __future__ import annotations

import random

import httpx
import pytest
from fastapi import FastAPI

from core.bank import Bank
from core.ledger.model import HoldStatus
from integrations.cardnet import Behaviour, CardNetworkSimulator, CardPurchase, NetworkError
from tests.e2e.conftest import KeyFactory
from tests.integration.test_cards_support import card_with_details


async def test_a_day_of_purchases_with_retransmissions_and_lost_answers(
    app: FastAPI, bank: Bank, make_key: KeyFactory
) -> None:
    card, details = await card_with_details(bank, 100_000)
    rng = random.Random(20260302)
    network = CardNetworkSimulator(
        "http://teller.test",
        await make_key("bank.processor"),
        behaviour=Behaviour(retransmit_rate=0.3, lost_answer_rate=0.2),
        rng=rng,
        transport=httpx.ASGITransport(app=app),
    )
    async with network:
        approved = declined = lost = 0
        for n in range(30):
            answer = await network.authorize(
                CardPurchase(
                    card_number=details.number,
                    expiry_month=details.expiry.month,
                    expiry_year=details.expiry.year,
                    amount_minor=rng.choice([800, 2_500, 12_000, 60_000]),
                    currency="EUR",
                    merchant_name=f"Shop {n % 7}",
                )
            )
            if answer is None:
                lost += 1
            elif answer.approved:
                approved += 1
            else:
                declined += 1
        # Fuel stations and hotels authorize more than they finally charge.
        cleared = await network.settle(lambda answer: answer.amount_minor * 9 // 10)
        with pytest.raises(NetworkError) as refused:
            await network.reverse(cleared[0].authorization_id)
    assert refused.value.code == "AUTHORIZATION_CLEARED"
    assert approved == len(cleared) > 0
    assert lost > 0
    assert declined > 0  # the funds ran out: insufficient funds
    spent = sum(a.amount_minor * 9 // 10 for a in cleared)
    balance = await bank.ledger.balance(card.account_id)
    assert (balance.ledger, balance.held) == (100_000 - spent, 0)
    listed = await bank.cards.processing.for_card(card.id, limit=500)
    assert len(listed) == 30  # one authorization per purchase, retransmissions included
    for authorization in listed:
        if authorization.hold_id is not None:
            hold = await bank.ledger.hold(authorization.hold_id)
            assert hold.status in (HoldStatus.POSTED, HoldStatus.VOIDED)
    report = await bank.verify_ledger()
    assert report.ok, report.problems
