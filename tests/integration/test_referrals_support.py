"""Builders the referral suites share: programs, customers, and events as the outbox
would deliver them to the referral subscriber. (No tests here.)"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, update

from core.actors import SYSTEM
from core.bank import Bank
from core.customers.model import CustomerView, KycStatus
from core.customers.service import NewCustomer
from core.jobs import Event
from core.ledger.model import BankPurpose
from core.persistence.tables import customers, events
from core.referrals.model import (
    Caps,
    Program,
    ProgramKind,
    ProgramTerms,
    QualifyingEvent,
)

_ids = itertools.count(1)
_phones = itertools.count(100_000)


def terms(bank: Bank, **overrides: Any) -> ProgramTerms:
    """A referral program running since an hour ago: 10 EUR to the referrer, 5 EUR to
    the new customer, once their identity is verified."""
    now = bank.clock.now()
    base = ProgramTerms(
        name=f"Spring {uuid4().hex[:8]}",
        kind=ProgramKind.REFERRAL,
        qualifying_event=QualifyingEvent.KYC_VERIFIED,
        reward_currency="EUR",
        referrer_reward=1000,
        referee_reward=500,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        descriptions={"en": "Invite a friend, both get a bonus", "cs": "Pozvěte přítele"},
        code_prefix="TELL",
        code_length=6,
        caps=Caps(),
    )
    return replace(base, **overrides)


async def program(bank: Bank, **overrides: Any) -> Program:
    return await bank.referrals.programs.create(terms(bank, **overrides), SYSTEM)


async def partner(bank: Bank, **overrides: Any) -> Program:
    fields: dict[str, Any] = {
        "kind": ProgramKind.PARTNER,
        "partner_name": "Rohlík",
        "referrer_reward": 0,
        "referee_reward": 300,
        **overrides,
    }
    return await program(bank, **fields)


def new_phone() -> str:
    return f"+420601{next(_phones):06d}"


async def customer(bank: Bank, *, phone: str | None = None, language: str = "en") -> CustomerView:
    """An unverified customer with a phone number of their own."""
    new = NewCustomer(f"Customer {next(_ids)}", language, phone or new_phone())
    return await bank.customers.create(new, SYSTEM)


async def verified_customer(bank: Bank, **fields: Any) -> CustomerView:
    made = await customer(bank, **fields)
    return await bank.customers.set_kyc_status(made.id, KycStatus.VERIFIED, SYSTEM)


async def referrer(bank: Bank, program_: Program) -> tuple[CustomerView, str]:
    """A verified customer and their personal code in ``program_``."""
    who = await verified_customer(bank)
    code = await bank.referrals.attribution.issue_code(program_.id, who.id, SYSTEM)
    return who, code.code


def event(bank: Bank, type_: str, **payload: Any) -> Event:
    """An outbox event as the dispatcher hands it to subscribers."""
    return Event(next(_ids), type_, str(payload.get("customer_id")), payload, bank.clock.now())


async def deliver(bank: Bank, type_: str, **payload: Any) -> Event:
    """Hand one event to the referral subscriber, as the dispatcher would."""
    made = event(
        bank, type_, **{k: str(v) if isinstance(v, UUID) else v for k, v in payload.items()}
    )
    await bank.referrals.rewards.handle(made)
    return made


async def verify(bank: Bank, customer_id: UUID, decision: str = "verified") -> None:
    """What the KYC area does: set the status, then its ``kyc.decided`` reaches us."""
    status = {"verified": KycStatus.VERIFIED, "rejected": KycStatus.REJECTED}.get(
        decision, KycStatus.PENDING
    )
    await bank.customers.set_kyc_status(customer_id, status, SYSTEM)
    await deliver(bank, "kyc.decided", customer_id=customer_id, decision=decision)


async def release_phone(bank: Bank, customer_id: UUID) -> None:
    """The customer gives their number up (changed or erased): it becomes free to register."""
    async with bank.db.transaction() as conn:
        await conn.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(phone_enc=None, phone_index=None)
        )


async def balance(bank: Bank, customer_id: UUID, currency: str = "EUR") -> int:
    """What the customer holds in ``currency`` across their accounts."""
    held = [a for a in await bank.accounts.for_customer(customer_id) if a.currency == currency]
    return sum([(await bank.ledger.balance(a.id)).ledger for a in held])


async def rewards_expense(bank: Bank, currency: str = "EUR") -> int:
    account = await bank.ledger.bank_account(BankPurpose.REWARDS_EXPENSE, currency)
    return (await bank.ledger.balance(account)).ledger


async def outbox(bank: Bank, type_: str) -> list[dict[str, Any]]:
    async with bank.db.read() as conn:
        rows = await conn.execute(select(events.c.payload).where(events.c.type == type_))
        return [dict(r[0]) for r in rows]
