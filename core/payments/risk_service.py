"""Risk review as a service: the rules as data, the facts from the bank's own records."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.errors import ValidationFailed
from core.jobs import Event
from core.payments.fees import RuleSource
from core.payments.limit_service import LimitService
from core.payments.model import PaymentStatus, check_minor, currency_code
from core.payments.risk import DEFAULT_RISK, RiskConfig, RiskFacts, RiskResult, assess
from core.payments.store import upsert
from core.payments.tables import payment_contact_changes, payment_settings, payments
from core.persistence.database import Database

RISK_SETTING = "risk"
CONTACT_CHANGED = "customer.contact_changed"


class RiskService:
    """Scores outgoing payments; staff tune the rules (``risk`` settings, audited)."""

    def __init__(self, db: Database, clock: Clock, limits: LimitService, zone: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self._limits = limits
        self._zone = zone

    # -- the rules --------------------------------------------------------------------

    async def config(self) -> tuple[RiskConfig, RuleSource]:
        """The rules in force, and whether staff set them or they are the shipped ones."""
        async with self._db.read() as conn:
            return await self._config(conn)

    async def _config(self, conn: AsyncConnection) -> tuple[RiskConfig, RuleSource]:
        stored = (
            await conn.execute(
                select(payment_settings.c.value).where(payment_settings.c.name == RISK_SETTING)
            )
        ).scalar_one_or_none()
        if stored is None:
            return DEFAULT_RISK, RuleSource.DEFAULT
        return RiskConfig.parse(stored), RuleSource.CONFIGURED

    async def set_config(self, config: RiskConfig, actor: Actor) -> RiskConfig:
        """Replace the rules (validated as a whole: a config is never half-applied)."""
        now = self._clock.now()
        data = config.model_dump(mode="json")
        async with self._db.transaction() as conn:
            values = {"name": RISK_SETTING, "value": data, "updated_at": now}
            await upsert(conn, payment_settings, {**values, "updated_by": str(actor)}, ("name",))
            await record(conn, now, actor, "set_risk_rules", "risk", {"config": str(data)})
        return config

    async def set_config_data(self, data: object, actor: Actor) -> RiskConfig:
        """:meth:`set_config` from JSON-shaped data; a bad field is refused and audited."""
        try:
            config = RiskConfig.parse(data)
        except ValidationFailed as exc:
            await record_rejection(
                self._db, self._clock.now(), actor, "set_risk_rules", "risk", exc
            )
            raise
        return await self.set_config(config, actor)

    async def reset_config(self, actor: Actor) -> RiskConfig:
        """Back to the shipped rules."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            await conn.execute(
                delete(payment_settings).where(payment_settings.c.name == RISK_SETTING)
            )
            await record(conn, now, actor, "reset_risk_rules", "risk")
        return DEFAULT_RISK

    # -- contact changes --------------------------------------------------------------

    async def note_contact_change(self, customer_id: UUID, at: datetime, actor: Actor) -> None:
        """Remember that the customer's phone or e-mail changed at ``at`` (the latest wins)."""
        async with self._db.transaction() as conn:
            known = (
                await conn.execute(
                    select(payment_contact_changes.c.changed_at).where(
                        payment_contact_changes.c.customer_id == customer_id
                    )
                )
            ).scalar_one_or_none()
            if known is not None and known >= at:
                return  # an older event delivered late, or the same one again
            values = {"customer_id": customer_id, "changed_at": at}
            await upsert(conn, payment_contact_changes, values, ("customer_id",))
            details = {"changed_at": at.isoformat()}
            await record(
                conn,
                self._clock.now(),
                actor,
                "note_contact_change",
                f"customer:{customer_id}",
                details,
            )

    async def on_contact_changed(self, event: Event) -> None:
        """The ``customer.contact_changed`` subscriber: payload ``customer_id``."""
        from core.actors import SYSTEM

        await self.note_contact_change(
            UUID(str(event.payload["customer_id"])), event.occurred_at, SYSTEM
        )

    # -- assessing a payment ----------------------------------------------------------

    async def assess(
        self,
        customer_id: UUID,
        amount: int,
        currency: str,
        recipient_customer_id: UUID | None = None,
    ) -> RiskResult:
        """Score an outgoing payment of ``customer_id`` before it is made.

        ``recipient_customer_id`` names a Teller customer receiving it (for the new
        recipient rule); None where there is none to know (a bill, a card elsewhere).
        """
        code = currency_code(currency)
        check_minor(amount, "amount", positive=True)
        now = self._clock.now()
        async with self._db.read() as conn:
            config, _ = await self._config(conn)
            since = now - timedelta(minutes=config.velocity.window_minutes)
            count, total = await self._limits.recent(conn, customer_id, since, code)
            known = recipient_customer_id is None or await self._paid_before(
                conn, customer_id, recipient_customer_id
            )
            changed_at = (
                await conn.execute(
                    select(payment_contact_changes.c.changed_at).where(
                        payment_contact_changes.c.customer_id == customer_id
                    )
                )
            ).scalar_one_or_none()
            since_change = 0
            if changed_at is not None:
                since_change = await self._completed_since(conn, customer_id, changed_at)
        facts = RiskFacts(
            amount=amount,
            currency=code,
            now_local=now.astimezone(self._zone),
            recent_count=count,
            recent_amount=total,
            known_recipient=known,
            contact_changed_at=changed_at,
            payments_since_contact_change=since_change,
        )
        return assess(config, facts)

    async def _paid_before(self, conn: AsyncConnection, payer: UUID, recipient: UUID) -> bool:
        found = (
            await conn.execute(
                select(payments.c.id)
                .where(
                    payments.c.payer_customer_id == payer,
                    payments.c.recipient_customer_id == recipient,
                    payments.c.status == PaymentStatus.COMPLETED.value,
                )
                .limit(1)
            )
        ).first()
        return found is not None

    async def _completed_since(self, conn: AsyncConnection, payer: UUID, since: datetime) -> int:
        # Completed ones only: a first transfer that was held and rejected leaves the
        # next one just as suspicious.
        count = (
            await conn.execute(
                select(func.count()).where(
                    payments.c.payer_customer_id == payer,
                    payments.c.created_at > since,
                    payments.c.status == PaymentStatus.COMPLETED.value,
                )
            )
        ).scalar_one()
        return int(count)
