"""Fees as pure values: a rule per operation and currency, and its arithmetic.

A fee is ``fixed + percent`` of the amount, then kept within ``[minimum, maximum]``. The
percent is in basis points (1 bp = 0.01 %) and rounds half up to the minor unit: 1.5 %
of 1.01 EUR is 1.515 cents, charged as 2 cents; 1.4 cents would be 1 cent. Half up is what
a customer checking the sum by hand gets, and never charges more than half a minor unit
over the exact figure. The fee is charged on top of the amount (the recipient gets the
whole amount; the payer pays ``total``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from core.errors import ValidationFailed
from core.payments.model import WILDCARD, Operation, check_minor, per_currency

MAX_BASIS_POINTS = 10_000  # 100 %


class RuleSource(StrEnum):
    CONFIGURED = "configured"  # set by staff, stored as data
    DEFAULT = "default"  # shipped with Teller


@dataclass(frozen=True, slots=True)
class FeeRule:
    """How much ``operation`` costs in ``currency`` (``*``: any currency without its own)."""

    operation: Operation
    currency: str
    fixed: int = 0
    percent_bp: int = 0
    minimum: int = 0
    maximum: int | None = None

    def validate(self) -> FeeRule:
        """The rule itself, or a validation error naming the field at fault."""
        check_minor(self.fixed, "fixed")
        check_minor(self.minimum, "minimum")
        if self.maximum is not None:
            check_minor(self.maximum, "maximum")
            if self.maximum < self.minimum:
                raise ValidationFailed("the maximum is below the minimum", field="maximum")
        if (
            isinstance(self.percent_bp, bool)
            or not isinstance(self.percent_bp, int)
            or not 0 <= self.percent_bp <= MAX_BASIS_POINTS
        ):
            raise ValidationFailed("percent_bp is 0 to 10000 basis points", field="percent_bp")
        return self

    def fee_for(self, amount: int) -> int:
        """The fee on ``amount`` minor units (see the module docstring for rounding)."""
        check_minor(amount, "amount", positive=True)
        percent = (amount * self.percent_bp + MAX_BASIS_POINTS // 2) // MAX_BASIS_POINTS
        fee = max(self.fixed + percent, self.minimum)
        return fee if self.maximum is None else min(fee, self.maximum)


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """What an operation will cost, shown before the customer confirms."""

    operation: Operation
    amount: int
    fee: int
    currency: str
    rule: FeeRule
    source: RuleSource

    @property
    def total(self) -> int:
        """What the payer pays: the amount and the fee."""
        return self.amount + self.fee


def _card_rule(operation: Operation, currency: str, eur_min: int, eur_max: int) -> FeeRule:
    lo, hi = per_currency(eur_min)[currency], per_currency(eur_max)[currency]
    return FeeRule(operation, currency, percent_bp=100, minimum=lo, maximum=hi)


def _defaults() -> dict[tuple[Operation, str], FeeRule]:
    rules = [
        # Between Teller customers: free, as customers of a messenger bank expect.
        FeeRule(Operation.TRANSFER_INTERNAL, WILDCARD),
        # To another bank's card: 1 %, at least about 1 EUR, at most about 50 EUR.
        *(_card_rule(Operation.TRANSFER_CARD, code, 100, 5_000) for code in per_currency(0)),
        FeeRule(Operation.TRANSFER_CARD, WILDCARD, percent_bp=100),
        FeeRule(Operation.TOPUP_CARD, WILDCARD),
        FeeRule(Operation.BILL_PAYMENT, WILDCARD),
        # On top of the exchange rate's spread: 0.5 %.
        FeeRule(Operation.EXCHANGE, WILDCARD, percent_bp=50),
    ]
    return {(rule.operation, rule.currency): rule for rule in rules}


DEFAULT_FEES: Mapping[tuple[Operation, str], FeeRule] = _defaults()


def choose_rule(
    configured: Mapping[tuple[Operation, str], FeeRule], operation: Operation, currency: str
) -> tuple[FeeRule, RuleSource]:
    """The rule for ``operation`` in ``currency``.

    Staff's rules come first, the currency's own before the wildcard; then the shipped
    defaults in the same order. A configured wildcard thus overrides a shipped rule for a
    single currency: staff who set "2 % for every currency" mean every currency.
    """
    for rules, source in ((configured, RuleSource.CONFIGURED), (DEFAULT_FEES, RuleSource.DEFAULT)):
        for key in ((operation, currency), (operation, WILDCARD)):
            rule = rules.get(key)
            if rule is not None:
                return rule, source
    return FeeRule(operation, WILDCARD), RuleSource.DEFAULT  # every operation has a default
