"""The fee schedule as a service: quotes for every area, rules staff change as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.errors import CoreError
from core.ledger.commands import Leg
from core.ledger.model import BankPurpose
from core.ledger.service import LedgerService
from core.payments.errors import RuleNotFound
from core.payments.fees import DEFAULT_FEES, FeeQuote, FeeRule, RuleSource, choose_rule
from core.payments.model import WILDCARD, Operation, check_minor, currency_code
from core.payments.store import upsert
from core.payments.tables import payment_fee_rules
from core.persistence.database import Database
from core.persistence.types import AnyRow


@dataclass(frozen=True, slots=True)
class FeeRuleView:
    rule: FeeRule
    source: RuleSource
    updated_at: datetime | None = None
    updated_by: str | None = None


def _rule(row: AnyRow) -> FeeRule:
    return FeeRule(
        Operation(row.operation),
        row.currency,
        int(row.fixed),
        int(row.percent_bp),
        int(row.minimum),
        None if row.maximum is None else int(row.maximum),
    )


class FeeSchedule:
    """Fees per operation and currency: quoted before confirmation, posted to fee income."""

    def __init__(self, db: Database, clock: Clock, ledger: LedgerService) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger

    async def quote(self, operation: Operation, amount: int, currency: str) -> FeeQuote:
        """What ``operation`` of ``amount`` minor units of ``currency`` costs now."""
        code = currency_code(currency)
        check_minor(amount, "amount", positive=True)
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(payment_fee_rules).where(
                        payment_fee_rules.c.operation == operation.value,
                        payment_fee_rules.c.currency.in_((code, WILDCARD)),
                    )
                )
            ).all()
        configured = {(Operation(r.operation), r.currency): _rule(r) for r in rows}
        rule, source = choose_rule(configured, operation, code)
        return FeeQuote(operation, amount, rule.fee_for(amount), code, rule, source)

    async def fee_legs(self, quote: FeeQuote) -> tuple[Leg, ...]:
        """The fee's leg of an entry (credit to fee income), or none for a free operation.

        The payer's debit leg is the caller's: ``-quote.total`` on their account.
        """
        if quote.fee == 0:
            return ()
        income = await self._ledger.bank_account(BankPurpose.FEE_INCOME, quote.currency)
        return (Leg(income, quote.fee, quote.currency),)

    async def rules(self) -> list[FeeRuleView]:
        """Every rule in force: staff's, and the shipped defaults they did not replace."""
        async with self._db.read() as conn:
            rows = (await conn.execute(select(payment_fee_rules))).all()
        views = {
            (Operation(r.operation), r.currency): FeeRuleView(
                _rule(r), RuleSource.CONFIGURED, r.updated_at, r.updated_by
            )
            for r in rows
        }
        for key, rule in DEFAULT_FEES.items():
            views.setdefault(key, FeeRuleView(rule, RuleSource.DEFAULT))
        return sorted(views.values(), key=lambda v: (v.rule.operation, v.rule.currency))

    async def set_rule(self, rule: FeeRule, actor: Actor) -> FeeRuleView:
        """Store ``rule`` for its operation and currency, replacing any before it."""
        now = self._clock.now()
        target = f"fees:{rule.operation.value}:{rule.currency[:3]}"
        try:
            rule = FeeRule(
                rule.operation,
                currency_code(rule.currency, wildcard=True),
                rule.fixed,
                rule.percent_bp,
                rule.minimum,
                rule.maximum,
            ).validate()
            values = {
                "operation": rule.operation.value,
                "currency": rule.currency,
                "fixed": rule.fixed,
                "percent_bp": rule.percent_bp,
                "minimum": rule.minimum,
                "maximum": rule.maximum,
                "updated_at": now,
                "updated_by": str(actor),
            }
            async with self._db.transaction() as conn:
                await upsert(conn, payment_fee_rules, values, ("operation", "currency"))
                details = {
                    k: v for k, v in values.items() if k not in ("updated_at", "updated_by")
                }
                await record(conn, now, actor, "set_fee_rule", target, details)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "set_fee_rule", target, exc)
            raise
        return FeeRuleView(rule, RuleSource.CONFIGURED, now, str(actor))

    async def reset_rule(self, operation: Operation, currency: str, actor: Actor) -> None:
        """Remove staff's rule: the shipped default (if any) applies again."""
        now = self._clock.now()
        target = f"fees:{operation.value}:{currency[:3]}"
        try:
            code = currency_code(currency, wildcard=True)
            async with self._db.transaction() as conn:
                result = await conn.execute(
                    delete(payment_fee_rules).where(
                        payment_fee_rules.c.operation == operation.value,
                        payment_fee_rules.c.currency == code,
                    )
                )
                if not result.rowcount:
                    raise RuleNotFound(operation=operation.value, currency=code)
                await record(conn, now, actor, "reset_fee_rule", target)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "reset_fee_rule", target, exc)
            raise
