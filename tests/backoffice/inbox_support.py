"""Helpers for the inbox's tests: customers who ask for a person in the web chat, the
outbox and the audit log as the tests read them."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import uuid4

from fastapi import FastAPI
from sqlalchemy import and_, select

from backoffice.context import Backoffice
from core.actors import SYSTEM
from core.bank import Bank
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.ledger.commands import Deposit
from core.persistence.tables import audit_log
from flows.messages import Inbound, Kind
from flows.service import Conversations
from flows.store.schema import outbox

_ids = itertools.count(1)


def chats(app: FastAPI) -> Conversations:
    found: Conversations = app.state.conversations
    return found


async def say(
    app: FastAPI, user: str, *, text: str = "", payload: str = "", locale: str = "en"
) -> None:
    kind = Kind.PAYLOAD if payload else Kind.TEXT
    await chats(app).receive(
        Inbound(
            "webchat", user, f"m{next(_ids)}", kind, text=text, payload=payload, locale=locale
        ),
        inline=True,
    )


async def escalate(
    app: FastAPI, user: str | None = None, *, locale: str = "en", first: str = ""
) -> str:
    """A web chat visitor who starts (and taps the button ``first``, if given), then taps
    "Talk to a person"; returns their id."""
    user = user or f"visitor-{uuid4().hex[:10]}"
    await chats(app).receive(
        Inbound("webchat", user, f"m{next(_ids)}", Kind.START, locale=locale), inline=True
    )
    if first:
        await say(app, user, payload=first, locale=locale)
    await say(app, user, payload="cmd:operator", locale=locale)
    state = await chats(app).store.load("webchat", user)
    assert state is not None
    assert state["handoff"]["state"] == "waiting", state
    return user


async def customer_with_money(bank: Bank, name: str = "Olena Kovalenko") -> tuple[str, str]:
    """A verified customer with a funded EUR account and a card: (customer id, account
    number)."""
    customer = await bank.customers.create(NewCustomer(name, "uk"), SYSTEM)
    await bank.customers.set_kyc_status(customer.id, KycStatus.VERIFIED, SYSTEM)
    account = await bank.accounts.open(customer.id, "EUR", SYSTEM)
    await bank.ledger.deposit(Deposit(uuid4().hex, account.id, 12_345, "EUR", "Salary"), SYSTEM)
    await bank.cards.issue(customer.id, account.id, "digital", SYSTEM)
    return str(customer.id), account.number


async def link(app: FastAPI, user: str, customer_id: str) -> None:
    from uuid import UUID

    await chats(app).services.identities.link("webchat", user, UUID(customer_id))


async def outbox_texts(backoffice: Backoffice, user: str) -> list[str]:
    import json

    async with backoffice.db.read() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.reply)
                .where(and_(outbox.c.channel == "webchat", outbox.c.user_ref == user))
                .order_by(outbox.c.id)
            )
        ).all()
    return [str(json.loads(r.reply).get("text", "")) for r in rows]


async def audited(backoffice: Backoffice, action: str) -> list[dict[str, Any]]:
    async with backoffice.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.action == f"backoffice.{action}")
                .order_by(audit_log.c.id)
            )
        ).all()
    return [
        {"actor": r.actor, "target": r.target, "outcome": r.outcome, "details": r.details}
        for r in rows
    ]
