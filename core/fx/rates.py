"""Reading and writing rates and overrides, and resolving a pair's mid rate from them.

A pair's rate, at a moment:

1. an active override for the pair itself (either direction), the newest first;
2. otherwise the cross through the euro, each currency's euro rate being an active
   override for it against EUR, else the newest rate any source gave.

So an override of EUR/UAH prices every pair with UAH, which the ECB does not publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core.fx.errors import RateOverrideNotFound, RateUnavailable
from core.fx.model import BASE, EuroRate, PairRate, cross, euro
from core.fx.tables import fx_rate_overrides, fx_rates
from core.fx.views import OverrideView, RateView
from core.persistence.types import AnyRow


async def store(
    conn: AsyncConnection, source: str, as_of: datetime, rates: dict[str, Decimal], at: datetime
) -> None:
    """Write a source's rates for ``as_of``; the same source and date again overwrites."""
    if not rates:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = [
        {"currency": c, "rate": r, "source": source, "as_of": as_of, "fetched_at": at}
        for c, r in sorted(rates.items())
    ]
    stmt = dialect.insert(fx_rates).values(rows)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["source", "currency", "as_of"],
            set_={"rate": stmt.excluded.rate, "fetched_at": stmt.excluded.fetched_at},
        )
    )


def _rate_view(row: AnyRow) -> RateView:
    return RateView(row.currency, row.rate, row.as_of, row.source)


async def current(conn: AsyncConnection) -> list[RateView]:
    """Every currency's newest rate, by code."""
    newest = (
        select(fx_rates.c.currency, func.max(fx_rates.c.as_of).label("as_of"))
        .group_by(fx_rates.c.currency)
        .subquery()
    )
    rows = await conn.execute(
        select(fx_rates)
        .join(
            newest,
            and_(fx_rates.c.currency == newest.c.currency, fx_rates.c.as_of == newest.c.as_of),
        )
        .order_by(fx_rates.c.currency, fx_rates.c.id.desc())
    )
    found: dict[str, RateView] = {}
    for row in rows:
        found.setdefault(row.currency, _rate_view(row))  # two sources, one date: the later
    return list(found.values())


async def newest(conn: AsyncConnection, currency: str) -> RateView | None:
    row = (
        await conn.execute(
            select(fx_rates)
            .where(fx_rates.c.currency == currency)
            .order_by(fx_rates.c.as_of.desc(), fx_rates.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _rate_view(row)


# -- overrides ----------------------------------------------------------------------------


def override_view(row: AnyRow) -> OverrideView:
    return OverrideView(
        id=row.id,
        base_currency=row.base_currency,
        quote_currency=row.quote_currency,
        rate=row.rate,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


async def insert_override(conn: AsyncConnection, view: OverrideView) -> None:
    await conn.execute(
        insert(fx_rate_overrides).values(
            id=view.id,
            base_currency=view.base_currency,
            quote_currency=view.quote_currency,
            rate=view.rate,
            valid_from=view.valid_from,
            valid_until=view.valid_until,
            reason=view.reason,
            created_by=view.created_by,
            created_at=view.created_at,
        )
    )


async def find_override(
    conn: AsyncConnection, override_id: UUID, *, lock: bool = False
) -> OverrideView:
    query = select(fx_rate_overrides).where(fx_rate_overrides.c.id == override_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise RateOverrideNotFound(override_id=str(override_id))
    return override_view(row)


async def cancel_override(
    conn: AsyncConnection, override_id: UUID, by: str, at: datetime
) -> OverrideView:
    await conn.execute(
        update(fx_rate_overrides)
        .where(fx_rate_overrides.c.id == override_id)
        .values(cancelled_at=at, cancelled_by=by)
    )
    return await find_override(conn, override_id)


async def overrides(
    conn: AsyncConnection,
    *,
    active_at: datetime | None = None,
    currencies: Iterable[str] | None = None,
    limit: int = 200,
) -> list[OverrideView]:
    """Overrides, newest first: active at a moment, and/or between ``currencies`` only."""
    o = fx_rate_overrides.c
    query = select(fx_rate_overrides).order_by(o.created_at.desc(), o.id.desc()).limit(limit)
    if active_at is not None:
        query = query.where(
            o.cancelled_at.is_(None), o.valid_from <= active_at, o.valid_until > active_at
        )
    if currencies is not None:
        codes = sorted(set(currencies))
        query = query.where(o.base_currency.in_(codes), o.quote_currency.in_(codes))
    return [override_view(row) for row in await conn.execute(query)]


# -- resolving a pair ---------------------------------------------------------------------


def _pair_override(active: Sequence[OverrideView], sell: str, buy: str) -> PairRate | None:
    for found in active:  # newest first
        pair = (found.base_currency, found.quote_currency)
        if pair in ((sell, buy), (buy, sell)):
            rate = Fraction(found.rate)
            return PairRate(
                sell=sell,
                buy=buy,
                mid=rate if pair == (sell, buy) else 1 / rate,
                as_of=found.valid_from,
                source="override",
                aging_since=None,
            )
    return None


async def euro_rate(
    conn: AsyncConnection, currency: str, active: Sequence[OverrideView], now: datetime
) -> EuroRate:
    """What one euro buys of ``currency``: its override against EUR, else its newest rate."""
    if currency == BASE:
        return euro(now)
    override = _pair_override(active, BASE, currency)
    if override is not None:
        return EuroRate(currency, override.mid, override.as_of, "override", ages=False)
    found = await newest(conn, currency)
    if found is None:
        raise RateUnavailable(currency=currency)
    return EuroRate(currency, Fraction(found.rate), found.as_of, found.source)


async def pair_rate(conn: AsyncConnection, sell: str, buy: str, now: datetime) -> PairRate:
    """The pair's mid rate at ``now`` (see the module docstring); ``RATE_UNAVAILABLE``."""
    active = await overrides(conn, active_at=now, currencies=(sell, buy, BASE))
    direct = _pair_override(active, sell, buy)
    if direct is not None:
        return direct
    return cross(await euro_rate(conn, sell, active, now), await euro_rate(conn, buy, active, now))
