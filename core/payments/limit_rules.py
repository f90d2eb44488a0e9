"""Outgoing limit rules as data: staff's per KYC level and currency, over the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.customers.model import KycLevel
from core.customers.service import CustomerService
from core.errors import CoreError
from core.payments.errors import RuleNotFound
from core.payments.fees import RuleSource
from core.payments.limits import DEFAULT_LIMITS, LimitRule, no_allowance
from core.payments.model import currency_code
from core.payments.store import upsert
from core.payments.tables import payment_limit_rules
from core.persistence.database import Database


@dataclass(frozen=True, slots=True)
class LimitRuleView:
    rule: LimitRule
    source: RuleSource


class LimitRules:
    """Reading and changing the limit rules (audited)."""

    def __init__(
        self, db: Database, clock: Clock, customers: CustomerService, zone: ZoneInfo
    ) -> None:
        self._db = db
        self._clock = clock
        self._customers = customers
        self._zone = zone

    # -- rules ------------------------------------------------------------------------

    async def rules(self) -> list[LimitRuleView]:
        """Every rule in force: staff's, and the shipped defaults they did not replace."""
        async with self._db.read() as conn:
            rows = (await conn.execute(select(payment_limit_rules))).all()
        views = {
            (KycLevel(r.kyc_level), r.currency): LimitRuleView(
                LimitRule(KycLevel(r.kyc_level), r.currency, int(r.daily), int(r.monthly)),
                RuleSource.CONFIGURED,
            )
            for r in rows
        }
        for key, rule in DEFAULT_LIMITS.items():
            views.setdefault(key, LimitRuleView(rule, RuleSource.DEFAULT))
        return sorted(views.values(), key=lambda v: (v.rule.kyc_level, v.rule.currency))

    async def set_rule(self, rule: LimitRule, actor: Actor) -> LimitRuleView:
        now = self._clock.now()
        target = f"limits:{rule.kyc_level.value}:{rule.currency[:3]}"
        try:
            code = currency_code(rule.currency)
            rule = LimitRule(rule.kyc_level, code, rule.daily, rule.monthly).validate()
            values = {
                "kyc_level": rule.kyc_level.value,
                "currency": code,
                "daily": rule.daily,
                "monthly": rule.monthly,
                "updated_at": now,
                "updated_by": str(actor),
            }
            async with self._db.transaction() as conn:
                await upsert(conn, payment_limit_rules, values, ("kyc_level", "currency"))
                details = {"daily": rule.daily, "monthly": rule.monthly}
                await record(conn, now, actor, "set_limit_rule", target, details)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "set_limit_rule", target, exc)
            raise
        return LimitRuleView(rule, RuleSource.CONFIGURED)

    async def reset_rule(self, level: KycLevel, currency: str, actor: Actor) -> None:
        """Remove staff's rule: the shipped default (if any) applies again."""
        now = self._clock.now()
        target = f"limits:{level.value}:{currency[:3]}"
        try:
            code = currency_code(currency)
            async with self._db.transaction() as conn:
                result = await conn.execute(
                    delete(payment_limit_rules).where(
                        payment_limit_rules.c.kyc_level == level.value,
                        payment_limit_rules.c.currency == code,
                    )
                )
                if not result.rowcount:
                    raise RuleNotFound(kyc_level=level.value, currency=code)
                await record(conn, now, actor, "reset_limit_rule", target)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "reset_limit_rule", target, exc)
            raise

    async def _rule(self, conn: AsyncConnection, level: KycLevel, currency: str) -> LimitRule:
        row = (
            await conn.execute(
                select(payment_limit_rules).where(
                    payment_limit_rules.c.kyc_level == level.value,
                    payment_limit_rules.c.currency == currency,
                )
            )
        ).one_or_none()
        if row is not None:
            return LimitRule(level, currency, int(row.daily), int(row.monthly))
        return DEFAULT_LIMITS.get((level, currency)) or no_allowance(level, currency)
