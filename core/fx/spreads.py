"""Spreads set by staff, and the spread in force for a pair (docs/decisions/0093).

A pair's spread, in this order:

1. staff's spread for the pair (either direction: ``EUR/CZK`` is also ``CZK/EUR``);
2. staff's default spread;
3. the deployment's settings (``FxConfig.spreads``: its pair spread, else its default).

Staff's rules are rows of ``fx_spreads`` keyed by the pair's codes in alphabetical order
("CZK/EUR") or ``*`` for the default. Quotes read them inside their own transaction and
record the spread they used; an exchange executes its quote's rate, so a change never
alters a price already given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import ValidationFailed
from core.fx.model import MAX_SPREAD_BPS, Spreads, check_pair
from core.fx.tables import fx_spreads
from core.persistence.types import AnyRow

DEFAULT = "*"  # the key of staff's default spread


class SpreadSource(StrEnum):
    STAFF = "staff"  # set in the back office (or the API) by an admin
    SETTINGS = "settings"  # TELLER_FX_SPREAD_BPS / TELLER_FX_PAIR_SPREADS


@dataclass(frozen=True, slots=True)
class SpreadView:
    """A spread in force: for a pair (both directions) or the default (``pair`` None)."""

    pair: tuple[str, str] | None  # codes in alphabetical order
    bps: int
    source: SpreadSource
    reason: str = ""  # staff's only
    set_by: str = ""
    set_at: datetime | None = None

    @property
    def key(self) -> str:
        return key_of(self.pair)


def key_of(pair: tuple[str, str] | None) -> str:
    return DEFAULT if pair is None else "/".join(pair)


def check_spread(bps: int) -> int:
    """A spread staff may set: a whole number of basis points, 0 to ``MAX_SPREAD_BPS``."""
    if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= MAX_SPREAD_BPS:
        raise ValidationFailed(f"a spread is 0 to {MAX_SPREAD_BPS} basis points", field="bps")
    return bps


def normal_pair(
    pair: tuple[str, str] | None, currencies: tuple[str, ...]
) -> tuple[str, str] | None:
    """Two different currencies of the bank, in alphabetical order (None: the default)."""
    if pair is None:
        return None
    first, second = check_pair(pair[0], pair[1], currencies)
    low, high = sorted((first.code, second.code))
    return low, high


def _view(row: AnyRow) -> SpreadView:
    pair: tuple[str, str] | None = None
    if row.pair != DEFAULT:
        low, high = row.pair.split("/")
        pair = (low, high)
    return SpreadView(
        pair=pair,
        bps=row.bps,
        source=SpreadSource.STAFF,
        reason=row.reason,
        set_by=row.set_by,
        set_at=row.set_at,
    )


async def staff_rules(conn: AsyncConnection) -> list[SpreadView]:
    """Every spread staff set, the default first, then by pair."""
    rows = await conn.execute(select(fx_spreads).order_by(fx_spreads.c.pair))
    return [_view(row) for row in rows]


async def find(
    conn: AsyncConnection, pair: tuple[str, str] | None, *, lock: bool = False
) -> SpreadView | None:
    query = select(fx_spreads).where(fx_spreads.c.pair == key_of(pair))
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    return None if row is None else _view(row)


async def store(conn: AsyncConnection, view: SpreadView) -> None:
    """Write staff's spread for ``view.pair``, replacing one set before."""
    values = {"bps": view.bps, "reason": view.reason, "set_by": view.set_by, "set_at": view.set_at}
    done = await conn.execute(
        update(fx_spreads).where(fx_spreads.c.pair == view.key).values(**values)
    )
    if not done.rowcount:
        await conn.execute(insert(fx_spreads).values(pair=view.key, **values))


async def remove(conn: AsyncConnection, pair: tuple[str, str] | None) -> None:
    await conn.execute(delete(fx_spreads).where(fx_spreads.c.pair == key_of(pair)))


def effective(rules: list[SpreadView], settings: Spreads, sell: str, buy: str) -> SpreadView:
    """The spread in force for ``sell``/``buy`` given staff's ``rules`` (see the module)."""
    pair = (sell, buy) if sell <= buy else (buy, sell)
    staff = {rule.pair: rule for rule in rules}
    if pair in staff:
        return staff[pair]
    if None in staff:
        return staff[None]
    found = frozenset(pair) in settings.pairs
    return SpreadView(
        pair=pair if found else None,
        bps=settings.for_pair(sell, buy),
        source=SpreadSource.SETTINGS,
    )


async def spread_for(conn: AsyncConnection, settings: Spreads, sell: str, buy: str) -> int:
    """The spread a quote for ``sell``/``buy`` uses now, read in ``conn``'s transaction."""
    keys = (key_of((sell, buy) if sell <= buy else (buy, sell)), DEFAULT)
    rows = await conn.execute(select(fx_spreads).where(fx_spreads.c.pair.in_(keys)))
    return effective([_view(row) for row in rows], settings, sell, buy).bps


def in_force(rules: list[SpreadView], settings: Spreads) -> list[SpreadView]:
    """What applies now: the default, then each pair with a spread of its own.

    A staff default replaces the settings' pair spreads too (staff's pair, else staff's
    default, else the settings), so those are listed only while staff set no default.
    """
    staff_default = next((r for r in rules if r.pair is None), None)
    default = staff_default or SpreadView(None, settings.default_bps, SpreadSource.SETTINGS)
    pairs: dict[tuple[str, str], SpreadView] = {r.pair: r for r in rules if r.pair is not None}
    if staff_default is None:
        for codes, bps in settings.pairs.items():
            low, high = sorted(codes)
            pairs.setdefault((low, high), SpreadView((low, high), bps, SpreadSource.SETTINGS))
    return [default, *(pairs[p] for p in sorted(pairs))]
