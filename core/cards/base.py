"""What every part of the cards area shares: its dependencies and the audited card change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.accounts.service import AccountService
from core.actors import Actor, ActorKind
from core.audit.log import record, record_rejection
from core.cards import repository as repo
from core.cards.config import CardConfig
from core.cards.pins import PinHasher
from core.cards.vault import CardVault
from core.cards.views import CardView
from core.clock import Clock
from core.customers.service import CustomerService
from core.errors import CoreError
from core.jobs import JobQueue
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.persistence.types import AnyRow

# Who moves money for card processing and cashback in the ledger: one actor, so that the
# idempotency keys derived from an authorization (``card-auth:<id>``) mean the same thing
# whichever request, retry or sweep gets there first. The card's own audit records name
# the processor or customer agent that asked.
CARD_SYSTEM = Actor(ActorKind.SYSTEM, "cards")

# The best rate (basis points) that a running partner program offers a customer for a
# merchant category at a moment, or None. The bank wires the referral area's programs in
# here, so that the cards area does not import it.
ProgramRates = Callable[[AsyncConnection, UUID, datetime, str], Awaitable[int | None]]


@dataclass(frozen=True)
class CardContext:
    """The cards area's dependencies, built once in ``CardService``."""

    db: Database
    clock: Clock
    vault: CardVault
    pins: PinHasher
    customers: CustomerService
    accounts: AccountService
    ledger: LedgerService
    queue: JobQueue
    config: CardConfig
    program_rates: ProgramRates | None = None


@dataclass(frozen=True)
class Change:
    """What a command does to a locked card row: new column values, the audit details,
    an event for the customer, and an error to raise *after* committing (a wrong PIN is
    refused, but the attempt it used must stay counted)."""

    values: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    event: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    error: CoreError | None = None


Mutation = Callable[[AsyncConnection, AnyRow, datetime], Awaitable[Change]]


class CardCommands:
    """The base of the card service's parts: reading a card and changing it, audited."""

    def __init__(self, ctx: CardContext) -> None:
        self._ctx = ctx

    async def get(self, card_id: UUID) -> CardView:
        """The card, or ``CARD_NOT_FOUND``."""
        async with self._ctx.db.read() as conn:
            return repo.card_view(await repo.find_card(conn, card_id))

    async def _change(
        self, card_id: UUID, actor: Actor, action: str, mutate: Mutation
    ) -> CardView:
        """Lock the card, apply ``mutate``'s change, record its event and audit, commit.

        A ``CoreError`` raised by ``mutate`` rolls everything back and is audited as a
        rejection; a ``Change.error`` is committed with the change, then raised.
        """
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"card:{card_id}"
        try:
            async with ctx.db.transaction() as conn:
                row = await repo.find_card(conn, card_id, lock=True)
                change = await mutate(conn, row, now)
                if change.values:
                    await repo.update_card(conn, card_id, now, change.values)
                if change.event is not None:
                    payload = {
                        "card_id": str(card_id),
                        "customer_id": str(row.customer_id),
                        **change.payload,
                    }
                    await events.record(conn, change.event, card_id, payload, now)
                details = dict(change.details)
                outcome = "ok"
                if change.error is not None:
                    details.update(change.error.data)
                    outcome = f"rejected:{change.error.code}"
                await record(conn, now, actor, action, target, details, outcome)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, action, target, exc)
            raise
        if change.error is not None:
            raise change.error
        return await self.get(card_id)

    async def _refuse(
        self, card_id: UUID, actor: Actor, action: str, error: CoreError
    ) -> NoReturn:
        """Audit a command refused before its transaction, then raise the error."""
        now = self._ctx.clock.now()
        await record_rejection(self._ctx.db, now, actor, action, f"card:{card_id}", error)
        raise error
