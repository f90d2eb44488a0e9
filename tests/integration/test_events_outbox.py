"""Domain events exist exactly when the change that caused them committed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.bank import Bank
from core.ledger.commands import Transfer
from core.ledger.errors import InsufficientFunds
from core.persistence.tables import events
from tests.integration.helpers import funded_account


async def _event_types(bank: Bank) -> list[str]:
    async with bank.db.read() as conn:
        return list((await conn.execute(select(events.c.type).order_by(events.c.id))).scalars())


async def test_a_transfer_writes_one_event_and_a_refused_one_none(bank: Bank) -> None:
    a = await funded_account(bank, 500)
    b = await funded_account(bank)
    before = await _event_types(bank)
    await bank.ledger.transfer(Transfer("t", a.id, b.id, 200, "EUR"), SYSTEM)
    await bank.ledger.transfer(Transfer("t", a.id, b.id, 200, "EUR"), SYSTEM)  # a replay
    with pytest.raises(InsufficientFunds):
        await bank.ledger.transfer(Transfer("u", a.id, b.id, 999, "EUR"), SYSTEM)
    after = await _event_types(bank)
    assert after[len(before) :] == ["money.transferred"]
    async with bank.db.read() as conn:
        payload = (
            (await conn.execute(select(events.c.payload).order_by(events.c.id.desc())))
            .scalars()
            .first()
        )
    assert payload["amount"] == 200
    assert payload["to"] == str(b.id)


async def test_registration_and_account_opening_are_announced(bank: Bank) -> None:
    await funded_account(bank)
    assert await _event_types(bank) == ["customer.registered", "account.opened"]
