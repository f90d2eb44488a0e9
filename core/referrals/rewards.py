"""Rewards: qualifying referrals from the bank's events and paying them, exactly once.

A referral qualifies when its customer is verified *and* has done the program's event
(in either order). Deciding and paying are two steps, so that money moves only through
the ledger's own idempotent command:

1. In one transaction, holding the referral's row and then the program's row (so caps are
   judged one referral at a time), the rules decide and the granted rewards are written
   as ``pending``, each with an idempotency key derived from program, referred customer
   and role.
2. Each pending reward is posted with ``PostEntry`` under that key (a second attempt finds
   the first entry), then marked ``paid`` with its ``referral.rewarded`` event — only by
   the attempt whose update finds it still pending.

An event delivered twice, two events at once, or a crash between the steps therefore pay
once; the periodic sweep finishes any reward left pending.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.accounts.service import AccountService
from core.actors import SYSTEM
from core.audit.log import record
from core.clock import Clock
from core.customers.model import KycStatus
from core.errors import CoreError
from core.jobs import Event, Jobs, Periodic, Subscriber
from core.ledger.commands import Leg, PostEntry
from core.ledger.model import AccountStatus, BankPurpose, EntryKind
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.persistence.tables import customers
from core.persistence.types import AnyRow
from core.referrals import repository as repo
from core.referrals.model import (
    Program,
    QualifyingEvent,
    ReferralStatus,
    RewardStatus,
    Role,
)
from core.referrals.rules import Decision, Occurrence, decide, meets
from core.referrals.screening import screen, usage_of
from core.referrals.tables import referral_rewards, referrals

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset({"kyc.decided", "card.issued", "topup.completed"})
SWEEP_EVERY = timedelta(minutes=10)
_DESCRIPTIONS = {
    # Fixed texts: the description is part of the entry's idempotency fingerprint.
    Role.REFEREE: "Welcome reward",
    Role.REFERRER: "Reward for inviting a friend",
}


def reward_key(program_id: UUID, referee_id: UUID, role: Role) -> str:
    """The ledger idempotency key of one reward: what it is for, never a fresh id."""
    return f"referral:{program_id}:{referee_id}:{role.value}"


def occurrence_of(event: Event) -> tuple[UUID, bool, Occurrence | None] | None:
    """``(customer, verified now, occurrence)`` for an event that matters, else None."""
    payload = event.payload
    try:
        customer_id = UUID(str(payload["customer_id"]))
        if event.type == "kyc.decided":
            if payload["decision"] != "verified":
                return None
            return customer_id, True, Occurrence(QualifyingEvent.KYC_VERIFIED)
        if event.type == "card.issued":
            return customer_id, False, Occurrence(QualifyingEvent.CARD_ISSUED)
        if event.type == "topup.completed":
            amount, currency = payload["amount"], payload["currency"]
            if type(amount) is not int or not isinstance(currency, str):
                raise ValueError("amount and currency")
            return (
                customer_id,
                False,
                Occurrence(QualifyingEvent.FIRST_TOPUP, amount, currency.upper()),
            )
    except (KeyError, ValueError, TypeError) as exc:
        # A producer broke the event contract; retrying cannot mend it, so say so and go on.
        log.warning("referrals: ignoring malformed %s event %s (%s)", event.type, event.id, exc)
    return None


class RewardService:
    """Qualifies referrals from the bank's events and pays their rewards."""

    def __init__(
        self, db: Database, clock: Clock, ledger: LedgerService, accounts: AccountService
    ) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger
        self._accounts = accounts

    def jobs(self) -> Jobs:
        """The subscriber to ``kyc.decided``, ``card.issued``, ``topup.completed``, and the
        sweep that pays rewards left pending (a crash, a frozen account since unfrozen)."""
        return Jobs(
            periodic=[Periodic("referrals.pay_pending", SWEEP_EVERY, self._sweep)],
            subscribers=[Subscriber("referrals.rewards", EVENT_TYPES, self.handle)],
        )

    async def handle(self, event: Event) -> None:
        """React to one outbox event; idempotent, as at-least-once delivery needs."""
        found = occurrence_of(event)
        if found is None:
            return
        customer_id, verified, occurrence = found
        referral_id = await self._advance(customer_id, verified, occurrence, event.occurred_at)
        if referral_id is not None:
            await self._pay_all(referral_id)

    async def pay_pending(self, *, limit: int = 500) -> int:
        """Pay rewards still pending, oldest first; returns how many were paid now."""
        async with self._db.read() as conn:
            rows = await repo.pending_rewards(conn, limit=limit)
        return sum([await self._pay(row) for row in rows])

    async def _sweep(self, _due: datetime) -> None:
        await self.pay_pending()

    # -- step 1: qualify and decide ---------------------------------------------------------

    async def _advance(
        self, customer_id: UUID, verified: bool, occurrence: Occurrence | None, at: datetime
    ) -> UUID | None:
        """Record what happened on the customer's referral; decide it once both halves are
        there. Returns the referral's id (None for a customer who was not referred)."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            row = await repo.referral_row(conn, customer_id, lock=True)
            if row is None:
                return None
            referral_id: UUID = row.id
            if row.status != ReferralStatus.ATTACHED.value:
                return referral_id  # decided before: only its payment may be unfinished
            program = await repo.find_program(conn, row.program_id, lock=True)
            customer = (
                await conn.execute(
                    select(customers.c.kyc_status, customers.c.phone_index).where(
                        customers.c.id == customer_id
                    )
                )
            ).one()
            verified = verified or customer.kyc_status == KycStatus.VERIFIED.value
            verified_at = row.verified_at or (at if verified else None)
            event_at = row.event_at
            if event_at is None and (
                (occurrence is not None and meets(program, occurrence))
                or (verified and meets(program, Occurrence(QualifyingEvent.KYC_VERIFIED)))
            ):
                event_at = at
            values: dict[str, Any] = {"verified_at": verified_at, "event_at": event_at}
            if verified_at is not None and event_at is not None:
                phone = customer.phone_index or row.phone_index
                decision = decide(
                    program,
                    at,
                    has_referrer=row.referrer_id is not None,
                    screening=await screen(conn, row, phone),
                    usage=await usage_of(conn, program.id, row.referrer_id, now),
                )
                values.update(
                    status=decision.status.value,
                    rejection=None if decision.rejection is None else decision.rejection.value,
                    decided_at=now,
                    phone_index=phone,
                )
                await self._grant(conn, row, program, decision, now)
            await conn.execute(update(referrals).where(referrals.c.id == row.id).values(**values))
            return referral_id

    async def _grant(
        self,
        conn: AsyncConnection,
        row: AnyRow,
        program: Program,
        decision: Decision,
        now: datetime,
    ) -> None:
        for grant in decision.grants:
            beneficiary = row.customer_id if grant.role is Role.REFEREE else row.referrer_id
            await conn.execute(
                insert(referral_rewards).values(
                    id=uuid4(),
                    referral_id=row.id,
                    program_id=program.id,
                    customer_id=beneficiary,
                    role=grant.role.value,
                    amount=grant.amount,
                    currency=program.terms.reward_currency,
                    status=(RewardStatus.SKIPPED if grant.skipped else RewardStatus.PENDING).value,
                    reason=None if grant.skipped is None else grant.skipped.value,
                    idempotency_key=reward_key(program.id, row.customer_id, grant.role),
                    created_at=now,
                )
            )
        details = {
            "program_id": str(program.id),
            "status": decision.status.value,
            "rejection": None if decision.rejection is None else decision.rejection.value,
            "grants": ",".join(
                f"{g.role.value}:{g.amount}:{g.skipped.value if g.skipped else 'granted'}"
                for g in decision.grants
            ),
        }
        await record(conn, now, SYSTEM, "decide_referral", f"customer:{row.customer_id}", details)

    # -- step 2: pay ------------------------------------------------------------------------

    async def _pay_all(self, referral_id: UUID) -> None:
        async with self._db.read() as conn:
            rows = await repo.pending_rewards(conn, referral_id=referral_id)
        for row in rows:
            await self._pay(row)

    async def _pay(self, row: AnyRow) -> bool:
        """Post one pending reward and mark it paid; False when it must wait (logged)."""
        amount, currency = int(row.amount), row.currency
        try:
            account_id = row.account_id or await self._choose_account(row)
            if account_id is None:
                log.warning("referrals: reward %s waits for an open %s account", row.id, currency)
                return False
            expense = await self._ledger.bank_account(BankPurpose.REWARDS_EXPENSE, currency)
            command = PostEntry(
                row.idempotency_key,
                kind=EntryKind.REWARD,
                legs=(Leg(expense, -amount, currency), Leg(account_id, amount, currency)),
                description=_DESCRIPTIONS[Role(row.role)],
            )
            entry = await self._ledger.post_entry(command, SYSTEM)
        except CoreError as exc:
            # A frozen or closed account: the reward stays pending and the sweep retries.
            log.warning("referrals: reward %s not paid yet (%s)", row.id, exc.code)
            return False
        now = self._clock.now()
        async with self._db.transaction() as conn:
            marked = await conn.execute(
                update(referral_rewards)
                .where(
                    referral_rewards.c.id == row.id,
                    referral_rewards.c.status == RewardStatus.PENDING.value,
                )
                .values(status=RewardStatus.PAID.value, entry_id=entry.id, paid_at=now)
            )
            if marked.rowcount != 1:
                return False  # a concurrent attempt marked it (for the same entry)
            payload = {
                "customer_id": str(row.customer_id),
                "program_id": str(row.program_id),
                "referral_id": str(row.referral_id),
                "role": row.role,
                "amount": amount,
                "currency": currency,
                "account_id": str(account_id),
                "entry_id": str(entry.id),
            }
            await events.record(conn, "referral.rewarded", row.customer_id, payload, now)
            details = {k: v for k, v in payload.items() if k != "customer_id"}
            await record(
                conn, now, SYSTEM, "pay_referral_reward", f"customer:{row.customer_id}", details
            )
        return True

    async def _choose_account(self, row: AnyRow) -> UUID | None:
        """The customer's oldest open account in the reward's currency, opened for the
        reward when they have none in it; None while their accounts in it are not open."""
        held = [
            a
            for a in await self._accounts.for_customer(row.customer_id)
            if a.currency == row.currency
        ]
        usable = [a for a in held if a.status is AccountStatus.OPEN]
        if usable:
            chosen = usable[0].id
        elif held:
            return None
        else:
            opened = await self._accounts.open(
                row.customer_id,
                row.currency,
                SYSTEM,
                name="Rewards",
                idempotency_key=f"referral-account:{row.customer_id}:{row.currency}",
            )
            chosen = opened.id
        async with self._db.transaction() as conn:
            return await repo.set_reward_account(conn, row.id, chosen)
