"""Cashback rates as data: by merchant category code or by partner, 2 % to 33 %."""

from __future__ import annotations

import re

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cards.base import CardContext
from core.cards.errors import CashbackRateNotFound
from core.cards.model import check_rate
from core.cards.rules import validate_mcc
from core.cards.tables import cashback_rates
from core.cards.views import CashbackRate
from core.errors import CoreError, ValidationFailed

_PARTNER = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def check_rate_key(kind: str, key: str) -> tuple[str, str]:
    """A rate is for an ``mcc`` (four digits) or a ``partner`` (a merchant id)."""
    if kind == "mcc":
        return kind, validate_mcc(key)
    if kind == "partner":
        if not isinstance(key, str) or not _PARTNER.fullmatch(key):
            raise ValidationFailed("a partner is its merchant id, 1 to 64 characters", field="key")
        return kind, key
    raise ValidationFailed("a cashback rate is by mcc or partner", field="kind")


async def rate_for(
    conn: AsyncConnection, mcc: str, merchant_id: str | None
) -> tuple[int, str] | None:
    """The rate (basis points) and its source for a purchase: the partner's, else the
    merchant category's, else none."""
    matches = [and_(cashback_rates.c.kind == "mcc", cashback_rates.c.key == mcc)]
    if merchant_id:
        matches.append(
            and_(cashback_rates.c.kind == "partner", cashback_rates.c.key == merchant_id)
        )
    rows = (
        await conn.execute(
            select(cashback_rates.c.kind, cashback_rates.c.rate_bps).where(or_(*matches))
        )
    ).all()
    found = {row.kind: int(row.rate_bps) for row in rows}
    for source in ("partner", "mcc"):
        if source in found:
            return found[source], source
    return None


class RateBook:
    """The rates table, changed by staff (``bank.admin``) or partner programs."""

    def __init__(self, ctx: CardContext) -> None:
        self._ctx = ctx

    async def set_rate(
        self, kind: str, key: str, rate_bps: int, description: str, actor: Actor
    ) -> CashbackRate:
        """Create or change the rate for a merchant category or partner."""
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"cashback_rate:{kind}:{key}"[:80]
        try:
            kind, key = check_rate_key(kind, key)
            check_rate(rate_bps)
            text = description.strip() if isinstance(description, str) else ""
            if not text or len(text) > 120 or not text.isprintable():
                raise ValidationFailed("a description of 1 to 120 characters", field="description")
            async with ctx.db.transaction() as conn:
                where = and_(cashback_rates.c.kind == kind, cashback_rates.c.key == key)
                values = {"rate_bps": rate_bps, "description": text, "updated_at": now}
                changed = await conn.execute(update(cashback_rates).where(where).values(**values))
                if not changed.rowcount:
                    await conn.execute(insert(cashback_rates).values(kind=kind, key=key, **values))
                details = {"kind": kind, "key": key, "rate_bps": rate_bps}
                await record(conn, now, actor, "set_cashback_rate", target, details)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "set_cashback_rate", target, exc)
            raise
        return CashbackRate(kind, key, rate_bps, text)

    async def remove_rate(self, kind: str, key: str, actor: Actor) -> None:
        """Stop a rate; purchases already accrued keep what they earned."""
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"cashback_rate:{kind}:{key}"[:80]
        try:
            kind, key = check_rate_key(kind, key)
            async with ctx.db.transaction() as conn:
                removed = await conn.execute(
                    delete(cashback_rates).where(
                        cashback_rates.c.kind == kind, cashback_rates.c.key == key
                    )
                )
                if not removed.rowcount:
                    raise CashbackRateNotFound(kind=kind, key=key)
                await record(conn, now, actor, "remove_cashback_rate", target)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "remove_cashback_rate", target, exc)
            raise

    async def rates(self) -> list[CashbackRate]:
        async with self._ctx.db.read() as conn:
            rows = await conn.execute(
                select(cashback_rates).order_by(cashback_rates.c.kind, cashback_rates.c.key)
            )
            return [CashbackRate(r.kind, r.key, int(r.rate_bps), r.description) for r in rows]
