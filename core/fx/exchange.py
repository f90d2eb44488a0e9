"""Executing an exchange at a quote: exactly once per quote, idempotent per key.

Three short transactions (docs/decisions 0028):

1. *take the quote*: claim the caller's idempotency key, lock the quote, check it is open
   and that the accounts are the same customer's, open, in the quote's currencies and
   funded; record a ``pending`` exchange (one per quote: a unique column). A second
   exchange of the quote waits on the lock, then finds it used.
2. *post*: the ledger's ``PostEntry`` (EntryKind.EXCHANGE) with a key derived from the
   exchange, so however often this step runs — a retry, the completion job after a
   crash — one entry is written.
3. *complete*: mark the exchange completed with its entry, audit it.

If the ledger refuses step 2 (money spent meanwhile, an account frozen), the exchange is
dropped, the quote is open again and the caller's key is free — a refused command
consumes nothing, as everywhere in the ledger (0004). A tombstone on the derived key
first makes sure no concurrent retry of step 2 can still post it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID, uuid4

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import idempotency
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.errors import CoreError
from core.fx import quotes
from core.fx.commands import Exchange
from core.fx.errors import AccountOwnerMismatch, ExchangeNotFound, QuoteAlreadyUsed, QuoteExpired
from core.fx.model import QuoteStatus
from core.fx.views import ExchangeStatus, ExchangeView, QuoteView
from core.ledger.commands import Leg, PostEntry
from core.ledger.errors import AccountNotFound, IdempotencyConflict
from core.ledger.model import AccountState, AccountStatus, BankPurpose, EntryKind
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.persistence.tables import accounts, idempotency_keys
from core.persistence.types import AnyRow

COMMAND = "fx_exchange"
_RELEASED = "fx_exchange_released"  # the tombstone's command on a refused exchange's key


def ledger_key(exchange_id: UUID) -> str:
    """The idempotency key of an exchange's ledger entry: one entry per exchange."""
    return f"fx-exchange:{exchange_id}"


def _state(row: AnyRow) -> AccountState:
    return AccountState(
        id=row.id,
        currency=row.currency,
        status=AccountStatus(row.status),
        balance=int(row.balance),
        held=int(row.held),
        overdraft_limit=int(row.overdraft_limit),
        allow_negative=bool(row.allow_negative),
        version=int(row.version),
    )


async def _customer_of(conn: AsyncConnection, cmd: Exchange, quote: QuoteView) -> UUID:
    """The customer both accounts belong to, after checking they may take this exchange."""
    wanted = (cmd.sell_account_id, cmd.buy_account_id)
    rows = {r.id: r for r in await conn.execute(select(accounts).where(accounts.c.id.in_(wanted)))}
    for account_id in wanted:
        if account_id not in rows:
            raise AccountNotFound(account_id=str(account_id))
    sell, buy = rows[cmd.sell_account_id], rows[cmd.buy_account_id]
    if sell.customer_id is None or sell.customer_id != buy.customer_id:
        raise AccountOwnerMismatch(
            sell_account_id=str(cmd.sell_account_id), buy_account_id=str(cmd.buy_account_id)
        )
    for row, currency in ((sell, quote.sell_currency), (buy, quote.buy_currency)):
        state = _state(row)
        state.ensure_currency(currency)
        state.ensure_usable()
    # Checked again by the ledger under the account's lock; here so that the common
    # refusal happens before the quote is taken.
    _state(sell).ensure_can_spend(quote.sell_amount)
    customer: UUID = sell.customer_id
    return customer


# Raises when staff have stopped exchange in either currency (the payments area's
# switches, see ``Bank.build``).
ExchangeGate = Callable[[str, str], Awaitable[None]]


class Exchanger:
    """Runs :class:`~core.fx.commands.Exchange` commands (see the module docstring)."""

    def __init__(
        self, db: Database, clock: Clock, ledger: LedgerService, gate: ExchangeGate | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger
        self._gate = gate

    async def exchange(self, cmd: Exchange, actor: Actor) -> ExchangeView:
        """Exchange at the quote; the same key and request return the first exchange."""
        try:
            for _ in range(2):
                view = await self._take_quote(cmd, actor)
                if view is None:
                    continue  # a refused first attempt freed the key meanwhile: start over
                if view.status is ExchangeStatus.COMPLETED:
                    return view
                return await self._post(view, actor, cmd.idempotency_key)
            raise ExchangeNotFound(quote_id=str(cmd.quote_id))
        except CoreError as exc:
            now = self._clock.now()
            target = f"fx_quote:{cmd.quote_id}"
            await record_rejection(self._db, now, actor, COMMAND, target, exc)
            raise

    async def complete(self, exchange_id: UUID) -> ExchangeView | None:
        """Finish a pending exchange (after a crash between its steps), as its requester.

        Returns the exchange, or None if it no longer exists (the ledger refused it).
        """
        async with self._db.read() as conn:
            found = await quotes.find_exchange_and_actor(conn, exchange_id)
        if found is None or found.view.status is ExchangeStatus.COMPLETED:
            return None if found is None else found.view
        try:
            return await self._post(found.view, found.actor, found.key)
        except CoreError:
            return None  # refused and released; the ledger audited why

    # -- the three steps ----------------------------------------------------------------

    async def _take_quote(self, cmd: Exchange, actor: Actor) -> ExchangeView | None:
        now = self._clock.now()
        exchange_id = uuid4()
        async with self._db.transaction() as conn:
            claim = await idempotency.claim(
                conn,
                scope=str(actor),
                key=cmd.idempotency_key,
                command=COMMAND,
                fingerprint_=idempotency.fingerprint(COMMAND, cmd.fingerprint_fields()),
                resource_id=exchange_id,
                at=now,
            )
            if not claim.is_new:
                found = await quotes.find_exchange_and_actor(conn, claim.resource_id)
                return None if found is None else found.view
            quote = await quotes.find_quote(conn, cmd.quote_id, now, lock=True)
            if quote.status is QuoteStatus.USED:
                raise QuoteAlreadyUsed(quote_id=str(quote.id))
            if quote.status is QuoteStatus.EXPIRED:
                raise QuoteExpired(quote_id=str(quote.id), expires_at=quote.expires_at.isoformat())
            if self._gate is not None:  # staff may have stopped exchange since the quote
                await self._gate(quote.sell_currency, quote.buy_currency)
            customer_id = await _customer_of(conn, cmd, quote)
            view = ExchangeView(
                id=exchange_id,
                quote_id=quote.id,
                customer_id=customer_id,
                sell_account_id=cmd.sell_account_id,
                buy_account_id=cmd.buy_account_id,
                sell_amount=quote.sell_amount,
                sell_currency=quote.sell_currency,
                buy_amount=quote.buy_amount,
                buy_currency=quote.buy_currency,
                rate=quote.rate,
                status=ExchangeStatus.PENDING,
                entry_id=None,
                created_at=now,
                completed_at=None,
            )
            await quotes.insert_exchange(
                conn, view, actor.kind.value, actor.id, cmd.idempotency_key
            )
            return view

    async def _post(self, view: ExchangeView, actor: Actor, key: str) -> ExchangeView:
        fx_sell = await self._ledger.bank_account(BankPurpose.FX_POSITION, view.sell_currency)
        fx_buy = await self._ledger.bank_account(BankPurpose.FX_POSITION, view.buy_currency)
        # The customer's sell account pays the FX position in that currency; the FX
        # position in the other currency pays the customer. The spread stays in the
        # position (0029).
        legs = (
            Leg(view.sell_account_id, -view.sell_amount, view.sell_currency),
            Leg(fx_sell, view.sell_amount, view.sell_currency),
            Leg(fx_buy, -view.buy_amount, view.buy_currency),
            Leg(view.buy_account_id, view.buy_amount, view.buy_currency),
        )
        entry_cmd = PostEntry(
            ledger_key(view.id),
            EntryKind.EXCHANGE,
            legs,
            f"Exchange {view.sell_currency} to {view.buy_currency}",
            event_type="fx.exchanged",
        )
        try:
            entry = await self._ledger.post_entry(entry_cmd, actor)
        except CoreError:
            entry_id = await self._release(view, actor, key)
            if entry_id is None:
                raise
            return await self._finish(view, entry_id, actor)  # a concurrent retry posted it
        return await self._finish(view, entry.id, actor)

    async def _finish(self, view: ExchangeView, entry_id: UUID, actor: Actor) -> ExchangeView:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            if await quotes.complete_exchange(conn, view.id, entry_id, now):
                details = {
                    "exchange_id": str(view.id),
                    "entry_id": str(entry_id),
                    "sell": f"{view.sell_amount} {view.sell_currency}",
                    "buy": f"{view.buy_amount} {view.buy_currency}",
                    "rate": str(view.rate),
                }
                await record(conn, now, actor, COMMAND, f"fx_quote:{view.quote_id}", details)
            return await quotes.find_exchange(conn, view.id)

    async def _release(self, view: ExchangeView, actor: Actor, key: str) -> UUID | None:
        """Undo a refused exchange's step 1; or, if its entry exists after all, its id."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            try:
                # Waits for any retry still posting under this key; after it, nothing can.
                await idempotency.claim(
                    conn,
                    scope=str(actor),
                    key=ledger_key(view.id),
                    command=_RELEASED,
                    fingerprint_=_RELEASED,
                    resource_id=view.id,
                    at=now,
                )
            except IdempotencyConflict:
                return await _posted_entry(conn, str(actor), ledger_key(view.id))
            await quotes.drop_pending_exchange(conn, view.id)
            await conn.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.scope == str(actor),
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.command == COMMAND,
                    idempotency_keys.c.resource_id == view.id,  # not a later exchange's
                )
            )
        return None


async def _posted_entry(conn: AsyncConnection, scope: str, key: str) -> UUID | None:
    """The entry the ledger wrote under ``key``, if its claim is the ledger's."""
    row = (
        await conn.execute(
            select(idempotency_keys.c.command, idempotency_keys.c.resource_id).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        )
    ).first()
    if row is None or row.command != "post_entry":
        return None
    resource: UUID = row.resource_id
    return resource
