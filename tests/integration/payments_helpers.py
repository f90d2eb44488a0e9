"""Builders for the payments suites: customers with funded accounts, recipients, events."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import uuid4

from sqlalchemy import select

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.ledger.commands import Deposit
from core.payments.recipients import RecipientRef
from core.payments.repository import PaymentView
from core.payments.transfers import TransferRequest
from core.persistence.tables import audit_log, events

CLIENT = Actor(ActorKind.API_CLIENT, "chat")
STAFF = Actor(ActorKind.STAFF, "risk-officer")
_phones = itertools.count(601_000_001)


async def customer_account(
    bank: Bank,
    name: str = "Ivan Petrov",
    *,
    funded: int = 0,
    currency: str = "EUR",
    verified: bool = True,
    phone: str | None = None,
) -> AccountView:
    """A new customer (verified unless told otherwise) with one account holding ``funded``."""
    new = NewCustomer(name, phone=phone or f"+420{next(_phones)}")
    customer = await bank.customers.create(new, SYSTEM)
    if verified:
        await bank.customers.set_kyc_status(customer.id, KycStatus.VERIFIED, SYSTEM)
    account = await bank.accounts.open(customer.id, currency, SYSTEM)
    if funded:
        await bank.ledger.deposit(Deposit(uuid4().hex, account.id, funded, currency), SYSTEM)
    return account


def to_account(account: AccountView) -> RecipientRef:
    return RecipientRef("account", account.number)


def to_phone(phone: str) -> RecipientRef:
    return RecipientRef("phone", phone)


def request(
    source: AccountView, recipient: RecipientRef, amount: int, **fields: Any
) -> TransferRequest:
    return TransferRequest(source.id, recipient, amount, fields.pop("currency", "EUR"), **fields)


async def send(
    bank: Bank,
    source: AccountView,
    destination: AccountView,
    amount: int,
    *,
    key: str | None = None,
    **fields: Any,
) -> PaymentView:
    """A transfer by account number, as the chat client sends it."""
    req = request(source, to_account(destination), amount, **fields)
    return await bank.payments.transfers.send(req, CLIENT, key or uuid4().hex)


async def available(bank: Bank, account_id: object) -> int:
    return (await bank.ledger.balance(account_id)).available  # type: ignore[arg-type]


async def ledger_balance(bank: Bank, account_id: object) -> int:
    return (await bank.ledger.balance(account_id)).ledger  # type: ignore[arg-type]


async def outbox(bank: Bank, type_: str) -> list[dict[str, Any]]:
    """The payloads of the outbox events of ``type_``, oldest first."""
    async with bank.db.read() as conn:
        rows = await conn.execute(
            select(events.c.payload).where(events.c.type == type_).order_by(events.c.id)
        )
        return [dict(r.payload) for r in rows]


async def audited(bank: Bank, action: str) -> list[tuple[str, str, str]]:
    """``(actor, target, outcome)`` of the audit records of ``action``, oldest first."""
    async with bank.db.read() as conn:
        rows = await conn.execute(
            select(audit_log.c.actor, audit_log.c.target, audit_log.c.outcome)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.id)
        )
        return [(r.actor, r.target, r.outcome) for r in rows]


async def run_periodic(bank: Bank, name: str) -> None:
    """Run the bank's periodic job ``name`` as the scheduler would, due now.

    (``run_jobs`` runs the queued tasks; the periodic scheduler is the lead's to build.)
    """
    (job,) = [p for p in bank.jobs().periodic if p.name == name]
    await job.handler(bank.clock.now())
