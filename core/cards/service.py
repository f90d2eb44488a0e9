"""The cards area as one service: issuing, controls, the vault's reveal and lookups, card
processing (``.processing``) and cashback (``.cashback``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update

from core.accounts.service import AccountService
from core.actors import Actor
from core.audit.log import record
from core.cards import repository as repo
from core.cards.base import CardContext, ProgramRates
from core.cards.cashback import CashbackService
from core.cards.config import CardConfig
from core.cards.controls import ControlsMixin
from core.cards.issuing import IssuingMixin
from core.cards.pins import PinHasher
from core.cards.processing import CardProcessing
from core.cards.reveal import RevealMixin
from core.cards.tables import cards
from core.cards.vault import CardVault
from core.cards.views import CardView
from core.clock import Clock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.jobs import JobQueue, Jobs, Periodic
from core.ledger.service import LedgerService
from core.persistence.database import Database

COMPLETE_AUTHORIZATIONS = "cards.complete_authorizations"
COMPLETE_EVERY = timedelta(minutes=1)


class CardService(IssuingMixin, ControlsMixin, RevealMixin):
    """Virtual debit cards: see each part's module for its rules."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Keyring,
        *,
        customers: CustomerService,
        accounts: AccountService,
        ledger: LedgerService,
        queue: JobQueue,
        config: CardConfig | None = None,
        pins: PinHasher | None = None,
        program_rates: ProgramRates | None = None,
    ) -> None:
        super().__init__(
            CardContext(
                db=db,
                clock=clock,
                vault=CardVault(keyring),
                pins=pins or PinHasher(),
                customers=customers,
                accounts=accounts,
                ledger=ledger,
                queue=queue,
                config=config or CardConfig(),
                program_rates=program_rates,
            )
        )
        self.processing = CardProcessing(self._ctx)
        self.cashback = CashbackService(self._ctx)

    @property
    def config(self) -> CardConfig:
        return self._ctx.config

    async def for_customer(self, customer_id: UUID) -> list[CardView]:
        """The customer's cards, oldest first (blocked ones too: their history matters)."""
        await self._ctx.customers.get(customer_id)  # CUSTOMER_NOT_FOUND, not an empty list
        async with self._ctx.db.read() as conn:
            rows = await conn.execute(
                select(cards)
                .where(cards.c.customer_id == customer_id)
                .order_by(cards.c.created_at, cards.c.id)
            )
            return [repo.card_view(row) for row in rows]

    async def rotate_encryption(self, actor: Actor, *, batch: int = 500) -> int:
        """Re-encrypt card numbers still under an older key; returns the cards changed.

        The blind index stays as it is: it is keyed with the index key, not a data key.
        """
        ctx = self._ctx
        changed = 0
        after: UUID | None = None
        while True:
            async with ctx.db.transaction() as conn:
                query = select(cards.c.id, cards.c.number_enc).order_by(cards.c.id).limit(batch)
                if after is not None:
                    query = query.where(cards.c.id > after)
                rows = (await conn.execute(query.with_for_update())).all()
                for row in rows:
                    if ctx.vault.needs_rotation(row.number_enc):
                        await conn.execute(
                            update(cards)
                            .where(cards.c.id == row.id)
                            .values(number_enc=ctx.vault.rotate(row.number_enc))
                        )
                        changed += 1
                if rows:
                    after = rows[-1].id
                await record(
                    conn,
                    ctx.clock.now(),
                    actor,
                    "rotate_card_encryption",
                    "cards",
                    {"rows": len(rows)},
                )
            if len(rows) < batch:
                return changed

    def jobs(self) -> Jobs:
        """Cashback's sweep and payouts, and the sweep of authorizations left pending."""

        async def complete(_: datetime) -> None:
            await self.processing.complete_stale()

        sweep = Jobs(periodic=[Periodic(COMPLETE_AUTHORIZATIONS, COMPLETE_EVERY, complete)])
        return self.cashback.jobs() + sweep
