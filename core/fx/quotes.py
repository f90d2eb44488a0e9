"""Reading and writing quotes and exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor, ActorKind
from core.fx.errors import ExchangeNotFound, QuoteNotFound
from core.fx.model import QuoteStatus, Side
from core.fx.tables import fx_exchanges, fx_quotes
from core.fx.views import ExchangeStatus, ExchangeView, QuoteView
from core.persistence.types import AnyRow


async def insert_quote(conn: AsyncConnection, view: QuoteView, created_by: str) -> None:
    await conn.execute(
        insert(fx_quotes).values(
            id=view.id,
            sell_currency=view.sell_currency,
            buy_currency=view.buy_currency,
            sell_amount=view.sell_amount,
            buy_amount=view.buy_amount,
            fixed_side=view.fixed_side.value,
            mid_rate=view.mid_rate,
            rate=view.rate,
            spread_bps=view.spread_bps,
            rates_source=view.rates_source,
            rates_as_of=view.rates_as_of,
            created_by=created_by,
            created_at=view.created_at,
            expires_at=view.expires_at,
        )
    )


def _quote_view(row: AnyRow, exchange_id: UUID | None, now: datetime) -> QuoteView:
    if exchange_id is not None:
        status = QuoteStatus.USED
    elif now >= row.expires_at:
        status = QuoteStatus.EXPIRED
    else:
        status = QuoteStatus.OPEN
    return QuoteView(
        id=row.id,
        sell_currency=row.sell_currency,
        buy_currency=row.buy_currency,
        sell_amount=int(row.sell_amount),
        buy_amount=int(row.buy_amount),
        fixed_side=Side(row.fixed_side),
        mid_rate=row.mid_rate,
        rate=row.rate,
        spread_bps=int(row.spread_bps),
        rates_source=row.rates_source,
        rates_as_of=row.rates_as_of,
        created_at=row.created_at,
        expires_at=row.expires_at,
        status=status,
        exchange_id=exchange_id,
    )


async def find_quote(
    conn: AsyncConnection, quote_id: UUID, now: datetime, *, lock: bool = False
) -> QuoteView:
    """The quote and whether it is still open; ``lock`` serializes exchanges of it."""
    query = select(fx_quotes).where(fx_quotes.c.id == quote_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise QuoteNotFound(quote_id=str(quote_id))
    # Read after the lock: an exchange committed while this one waited is seen here.
    exchange_id = (
        await conn.execute(select(fx_exchanges.c.id).where(fx_exchanges.c.quote_id == quote_id))
    ).scalar()
    return _quote_view(row, exchange_id, now)


async def insert_exchange(
    conn: AsyncConnection, view: ExchangeView, actor_kind: str, actor_id: str, key: str
) -> None:
    await conn.execute(
        insert(fx_exchanges).values(
            id=view.id,
            quote_id=view.quote_id,
            customer_id=view.customer_id,
            sell_account_id=view.sell_account_id,
            buy_account_id=view.buy_account_id,
            status=view.status.value,
            entry_id=None,
            actor_kind=actor_kind,
            actor_id=actor_id,
            idempotency_key=key,
            created_at=view.created_at,
        )
    )


_EXCHANGE_COLUMNS = (
    fx_exchanges,
    fx_quotes.c.sell_amount,
    fx_quotes.c.sell_currency,
    fx_quotes.c.buy_amount,
    fx_quotes.c.buy_currency,
    fx_quotes.c.rate,
)


def _exchange_view(row: AnyRow) -> ExchangeView:
    return ExchangeView(
        id=row.id,
        quote_id=row.quote_id,
        customer_id=row.customer_id,
        sell_account_id=row.sell_account_id,
        buy_account_id=row.buy_account_id,
        sell_amount=int(row.sell_amount),
        sell_currency=row.sell_currency,
        buy_amount=int(row.buy_amount),
        buy_currency=row.buy_currency,
        rate=row.rate,
        status=ExchangeStatus(row.status),
        entry_id=row.entry_id,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


async def find_exchange(conn: AsyncConnection, exchange_id: UUID) -> ExchangeView:
    found = await find_exchange_and_actor(conn, exchange_id)
    if found is None:
        raise ExchangeNotFound(exchange_id=str(exchange_id))
    return found.view


@dataclass(frozen=True, slots=True)
class Requested:
    """An exchange with who asked for it and the key they gave."""

    view: ExchangeView
    actor: Actor
    key: str


async def find_exchange_and_actor(conn: AsyncConnection, exchange_id: UUID) -> Requested | None:
    """The exchange and who asked for it, or None."""
    row = (
        await conn.execute(
            select(*_EXCHANGE_COLUMNS)
            .join(fx_quotes, fx_quotes.c.id == fx_exchanges.c.quote_id)
            .where(fx_exchanges.c.id == exchange_id)
        )
    ).first()
    if row is None:
        return None
    actor = Actor(ActorKind(row.actor_kind), row.actor_id)
    return Requested(_exchange_view(row), actor, row.idempotency_key)


async def complete_exchange(
    conn: AsyncConnection, exchange_id: UUID, entry_id: UUID, at: datetime
) -> bool:
    """Mark a pending exchange completed; False if it was not pending any more."""
    result = await conn.execute(
        update(fx_exchanges)
        .where(
            fx_exchanges.c.id == exchange_id,
            fx_exchanges.c.status == ExchangeStatus.PENDING.value,
        )
        .values(status=ExchangeStatus.COMPLETED.value, entry_id=entry_id, completed_at=at)
    )
    return bool(result.rowcount)


async def drop_pending_exchange(conn: AsyncConnection, exchange_id: UUID) -> bool:
    """Forget an exchange the ledger refused: its quote is open again. False if gone."""
    result = await conn.execute(
        delete(fx_exchanges).where(
            fx_exchanges.c.id == exchange_id,
            fx_exchanges.c.status == ExchangeStatus.PENDING.value,
        )
    )
    return bool(result.rowcount)


async def pending_exchanges(conn: AsyncConnection, before: datetime, limit: int) -> list[UUID]:
    """Pending exchanges created before ``before``, oldest first (for the completion job)."""
    rows = await conn.execute(
        select(fx_exchanges.c.id)
        .where(
            fx_exchanges.c.status == ExchangeStatus.PENDING.value,
            fx_exchanges.c.created_at < before,
        )
        .order_by(fx_exchanges.c.created_at)
        .limit(limit)
    )
    return list(rows.scalars())
