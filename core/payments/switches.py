"""Admin switches: stop transfers, payments, top-ups or exchange for a while, with a reason.

A switch covers a scope (one family of operations, or ``all``), one currency or every
currency, and a time window (``ends_at`` None: until staff lift it). Every area asks
:meth:`SwitchService.ensure_enabled` before it moves money; a covered operation is refused
with ``OPERATION_DISABLED`` and the data a customer needs: which operation, which
currency, until when, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.errors import CoreError, ValidationFailed
from core.payments.errors import OperationDisabled, SwitchNotFound
from core.payments.model import SCOPE_OF, Operation, SwitchScope, check_text, currency_code
from core.payments.tables import payment_switches
from core.persistence.database import Database
from core.persistence.types import AnyRow

switches = payment_switches


@dataclass(frozen=True, slots=True)
class Switch:
    id: UUID
    scope: SwitchScope
    currency: str | None  # None: every currency
    starts_at: datetime
    ends_at: datetime | None  # None: until lifted
    reason: str
    created_by: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None

    def active_at(self, now: datetime) -> bool:
        return (
            self.lifted_at is None
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )

    def covers(self, operation: Operation, currency: str) -> bool:
        in_scope = self.scope in (SwitchScope.ALL, SCOPE_OF[operation])
        return in_scope and self.currency in (None, currency)


def _switch(row: AnyRow) -> Switch:
    return Switch(
        row.id,
        SwitchScope(row.scope),
        row.currency,
        row.starts_at,
        row.ends_at,
        row.reason,
        row.created_by,
        row.created_at,
        row.lifted_at,
        row.lifted_by,
    )


def _aware(value: datetime | None, field: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValidationFailed("times need a time zone", field=field)


class SwitchService:
    """Turning operations off and on; the check every money-moving area makes."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def ensure_enabled(self, operation: Operation, currency: str) -> None:
        """Raise ``OPERATION_DISABLED`` if a switch covers ``operation`` in ``currency`` now.

        The data carries ``operation``, ``currency``, ``scope``, ``until`` (ISO 8601, or
        None while staff have not said) and ``reason`` (staff's words, shown to customers).
        """
        code = currency_code(currency)
        found = await self.blocking(operation, code)
        if found is not None:
            raise OperationDisabled(
                operation=operation.value,
                currency=code,
                scope=found.scope.value,
                until=None if found.ends_at is None else found.ends_at.isoformat(),
                reason=found.reason,
            )

    async def blocking(self, operation: Operation, currency: str) -> Switch | None:
        """The switch stopping ``operation`` in ``currency`` now (the longest), or None."""
        now = self._clock.now()
        code = currency_code(currency)
        async with self._db.read() as conn:
            current = await self._current(conn, now)
        covering = [s for s in current if s.active_at(now) and s.covers(operation, code)]
        if not covering:
            return None
        # The one that lasts longest is the honest "until": an open-ended one above all.
        return max(covering, key=lambda s: (s.ends_at is None, s.ends_at or now))

    async def current(self) -> list[Switch]:
        """Switches in force now or scheduled: neither lifted nor over."""
        now = self._clock.now()
        async with self._db.read() as conn:
            return await self._current(conn, now)

    async def _current(self, conn: AsyncConnection, now: datetime) -> list[Switch]:
        rows = await conn.execute(
            select(switches)
            .where(
                switches.c.lifted_at.is_(None),
                or_(switches.c.ends_at.is_(None), switches.c.ends_at > now),
            )
            .order_by(switches.c.starts_at, switches.c.id)
        )
        return [_switch(r) for r in rows]

    async def disable(
        self,
        scope: SwitchScope,
        currency: str | None,
        reason: str,
        actor: Actor,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> Switch:
        """Switch ``scope`` off (in ``currency``, or every currency) from ``starts_at``
        (default now) until ``ends_at`` (default: until lifted)."""
        now = self._clock.now()
        switch_id = uuid4()
        target = f"switch:{switch_id}"
        try:
            code = None if currency is None else currency_code(currency)
            text = check_text(reason, "reason")
            _aware(starts_at, "starts_at")
            _aware(ends_at, "ends_at")
            start = starts_at or now
            if ends_at is not None and (ends_at <= start or ends_at <= now):
                raise ValidationFailed(
                    "the end is after the start and in the future", field="ends_at"
                )
            switch = Switch(
                switch_id, scope, code, start, ends_at, text, str(actor), now, None, None
            )
            async with self._db.transaction() as conn:
                await conn.execute(
                    switches.insert().values(
                        id=switch_id,
                        scope=scope.value,
                        currency=code,
                        starts_at=start,
                        ends_at=ends_at,
                        reason=text,
                        created_by=str(actor),
                        created_at=now,
                    )
                )
                details = {
                    "scope": scope.value,
                    "currency": code,
                    "starts_at": start.isoformat(),
                    "ends_at": None if ends_at is None else ends_at.isoformat(),
                    "reason": text,
                }
                await record(conn, now, actor, "disable_operation", target, details)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "disable_operation", target, exc)
            raise
        return switch

    async def lift(self, switch_id: UUID, actor: Actor) -> Switch:
        """End a switch now (operations it covered work again at once)."""
        now = self._clock.now()
        target = f"switch:{switch_id}"
        try:
            async with self._db.transaction() as conn:
                row = (
                    await conn.execute(
                        select(switches).where(switches.c.id == switch_id).with_for_update()
                    )
                ).one_or_none()
                if row is None:
                    raise SwitchNotFound(switch_id=str(switch_id))
                found = _switch(row)
                if found.lifted_at is not None or (found.ends_at and found.ends_at <= now):
                    return found  # already over: lifting again changes nothing
                await conn.execute(
                    update(switches)
                    .where(switches.c.id == switch_id)
                    .values(lifted_at=now, lifted_by=str(actor))
                )
                await record(conn, now, actor, "enable_operation", target, {"scope": found.scope})
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "enable_operation", target, exc)
            raise
        return replace(found, lifted_at=now, lifted_by=str(actor))
