"""Outgoing limits as a service: rules as data, and reservations checked under concurrency.

A payment *reserves* its amount against the customer's counters before its money moves,
and releases it if the money does not move. The check and the increment are one
conditional ``UPDATE … WHERE used + amount <= limit`` per counter, day before month: on
PostgreSQL the second of two concurrent reservations waits for the first's row lock and
then re-evaluates the condition against the committed total, so two payments cannot both
pass a limit only one fits (docs/decisions/0031).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.customers.model import KycLevel
from core.errors import CoreError, ValidationFailed
from core.ledger.errors import IdempotencyConflict
from core.payments.errors import LimitExceeded, ReservationNotFound
from core.payments.limit_rules import LimitRules
from core.payments.limits import LimitRule, LimitStatus, Period
from core.payments.model import Operation, check_minor, currency_code, period_keys
from core.payments.store import insert_if_absent
from core.payments.tables import (
    payment_limit_reservations,
    payment_limit_usage,
)
from core.persistence.types import AnyRow

usage = payment_limit_usage
reservations = payment_limit_reservations


@dataclass(frozen=True, slots=True)
class Reservation:
    """An amount counted against a customer's limits until it is released."""

    reference: str
    customer_id: UUID
    operation: Operation
    amount: int
    currency: str
    day: str
    month: str
    created_at: datetime
    released_at: datetime | None


def _reservation(row: AnyRow) -> Reservation:
    return Reservation(
        row.reference,
        row.customer_id,
        Operation(row.operation),
        int(row.amount),
        row.currency,
        row.day,
        row.month,
        row.created_at,
        row.released_at,
    )


def check_reference(reference: str) -> str:
    if not 1 <= len(reference) <= 80 or not reference.isprintable():
        raise ValidationFailed("a reference is 1 to 80 printable characters", field="reference")
    return reference


class LimitService(LimitRules):
    """Daily and monthly outgoing limits per customer, by KYC level and currency: the
    rules (see :class:`LimitRules`) and the reservations counted against them."""

    # -- a customer's allowance -------------------------------------------------------

    async def status(self, customer_id: UUID, currency: str) -> LimitStatus:
        """The customer's limits in ``currency``, what is used and what remains."""
        code = currency_code(currency)
        level = (await self._customers.get(customer_id)).kyc_level
        day, month = period_keys(self._clock.now(), self._zone)
        async with self._db.read() as conn:
            rule = await self._rule(conn, level, code)
            rows = await conn.execute(
                select(usage.c.period, usage.c.used).where(
                    usage.c.customer_id == customer_id,
                    usage.c.currency == code,
                    usage.c.period.in_((day, month)),
                )
            )
            used = {r.period: int(r.used) for r in rows}
        return LimitStatus(
            str(customer_id),
            level,
            code,
            rule.daily,
            used.get(day, 0),
            rule.monthly,
            used.get(month, 0),
        )

    async def reserve(
        self,
        customer_id: UUID,
        operation: Operation,
        amount: int,
        currency: str,
        reference: str,
        actor: Actor,
    ) -> Reservation:
        """Count ``amount`` against the customer's limits, or raise ``LimitExceeded``.

        Idempotent on ``reference`` (e.g. ``bill:<payment id>``): the same reference again
        returns the first reservation; with a different amount it is a conflict.
        """
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            level = (await self._customers.get(customer_id)).kyc_level
            async with self._db.transaction() as conn:
                found = await self.reserve_in(
                    conn,
                    customer_id=customer_id,
                    level=level,
                    operation=operation,
                    amount=amount,
                    currency=currency,
                    reference=reference,
                    now=now,
                )
                details = {"reference": reference, "amount": amount, "currency": found.currency}
                await record(conn, now, actor, "reserve_limit", target, details)
                return found
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "reserve_limit", target, exc)
            raise

    async def release(self, reference: str, actor: Actor) -> bool:
        """Give a reservation's amount back (its money did not move).

        False if it was released before; ``RESERVATION_NOT_FOUND`` if it never existed.
        """
        now = self._clock.now()
        async with self._db.transaction() as conn:
            released = await self.release_in(conn, check_reference(reference), now)
            if released:
                details = {"reference": reference}
                await record(conn, now, actor, "release_limit", f"limit:{reference}", details)
        return released

    # -- inside a caller's transaction --------------------------------------------------

    async def reserve_in(
        self,
        conn: AsyncConnection,
        *,
        customer_id: UUID,
        level: KycLevel,
        operation: Operation,
        amount: int,
        currency: str,
        reference: str,
        now: datetime,
    ) -> Reservation:
        """:meth:`reserve` within ``conn``'s transaction (it commits or rolls back with it)."""
        code = currency_code(currency)
        check_minor(amount, "amount", positive=True)
        day, month = period_keys(now, self._zone)
        values = {
            "reference": check_reference(reference),
            "customer_id": customer_id,
            "operation": operation.value,
            "amount": amount,
            "currency": code,
            "day": day,
            "month": month,
            "created_at": now,
        }
        # The reservation row first: a concurrent one for the same reference waits here.
        if not await insert_if_absent(conn, reservations, values):
            existing = await self._find(conn, reference)
            if (existing.customer_id, existing.amount, existing.currency) != (
                customer_id,
                amount,
                code,
            ):
                raise IdempotencyConflict("this reference was reserved for another amount")
            return existing
        rule = await self._rule(conn, level, code)
        for period, key in ((Period.DAILY, day), (Period.MONTHLY, month)):
            await self._take(conn, customer_id, code, key, amount, rule, period)
        return Reservation(reference, customer_id, operation, amount, code, day, month, now, None)

    async def _take(
        self,
        conn: AsyncConnection,
        customer_id: UUID,
        currency: str,
        key: str,
        amount: int,
        rule: LimitRule,
        period: Period,
    ) -> None:
        limit = rule.limit(period)
        counter = and_(
            usage.c.customer_id == customer_id, usage.c.currency == currency, usage.c.period == key
        )
        await insert_if_absent(
            conn,
            usage,
            {"customer_id": customer_id, "currency": currency, "period": key, "used": 0},
        )
        taken = await conn.execute(
            update(usage)
            .where(counter, usage.c.used + amount <= limit)
            .values(used=usage.c.used + amount)
        )
        if not taken.rowcount:
            used = int((await conn.execute(select(usage.c.used).where(counter))).scalar_one())
            raise LimitExceeded(
                period=period.value,
                limit=limit,
                used=used,
                remaining=max(0, limit - used),
                requested=amount,
                currency=currency,
                kyc_level=rule.kyc_level.value,
            )

    async def release_in(self, conn: AsyncConnection, reference: str, now: datetime) -> bool:
        """:meth:`release` within ``conn``'s transaction."""
        returned = await conn.execute(
            update(reservations)
            .where(reservations.c.reference == reference, reservations.c.released_at.is_(None))
            .values(released_at=now)
        )
        if not returned.rowcount:
            await self._find(conn, reference)  # NotFound for a reference never reserved
            return False
        found = await self._find(conn, reference)
        for key in (found.day, found.month):
            await conn.execute(
                update(usage)
                .where(
                    usage.c.customer_id == found.customer_id,
                    usage.c.currency == found.currency,
                    usage.c.period == key,
                )
                .values(used=usage.c.used - found.amount)
            )
        return True

    async def recent(
        self, conn: AsyncConnection, customer_id: UUID, since: datetime, currency: str
    ) -> tuple[int, int]:
        """How many outgoing payments (not released) since ``since``, and their total in
        ``currency``: the velocity the risk rules look at, across every area."""
        row = (
            await conn.execute(
                select(
                    func.count(),
                    func.coalesce(
                        func.sum(
                            case(
                                (reservations.c.currency == currency, reservations.c.amount),
                                else_=0,
                            )
                        ),
                        0,
                    ),
                ).where(
                    reservations.c.customer_id == customer_id,
                    reservations.c.created_at >= since,
                    reservations.c.released_at.is_(None),
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def _find(self, conn: AsyncConnection, reference: str) -> Reservation:
        row = (
            await conn.execute(select(reservations).where(reservations.c.reference == reference))
        ).one_or_none()
        if row is None:
            raise ReservationNotFound(reference=reference)
        return _reservation(row)
