"""Outgoing limits as pure values: a daily and a monthly total per KYC level and currency.

Limits are per currency (no conversion: a customer with EUR and CZK accounts has a limit
in each). A currency without a rule has no allowance at all: money the bank was not told
how to limit does not leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from core.customers.model import KycLevel
from core.errors import ValidationFailed
from core.payments.model import check_minor, per_currency


class Period(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class LimitRule:
    kyc_level: KycLevel
    currency: str
    daily: int
    monthly: int

    def validate(self) -> LimitRule:
        check_minor(self.daily, "daily")
        check_minor(self.monthly, "monthly")
        if self.daily > self.monthly:
            raise ValidationFailed("the daily limit is above the monthly one", field="daily")
        return self

    def limit(self, period: Period) -> int:
        return self.daily if period is Period.DAILY else self.monthly


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """A customer's allowance in one currency now."""

    customer_id: str
    kyc_level: KycLevel
    currency: str
    daily_limit: int
    daily_used: int
    monthly_limit: int
    monthly_used: int

    @property
    def daily_remaining(self) -> int:
        return max(0, self.daily_limit - self.daily_used)

    @property
    def monthly_remaining(self) -> int:
        return max(0, self.monthly_limit - self.monthly_used)

    @property
    def remaining(self) -> int:
        """The most one more outgoing payment may be now."""
        return min(self.daily_remaining, self.monthly_remaining)


def _defaults() -> dict[tuple[KycLevel, str], LimitRule]:
    # Unverified customers may try the bank with small sums (about 100 EUR a day, 300 a
    # month); verified ones get amounts a household moves (5,000 a day, 20,000 a month).
    figures = {
        KycLevel.NONE: (per_currency(10_000), per_currency(30_000)),
        KycLevel.FULL: (per_currency(500_000), per_currency(2_000_000)),
    }
    return {
        (level, code): LimitRule(level, code, daily[code], monthly[code])
        for level, (daily, monthly) in figures.items()
        for code in daily
    }


DEFAULT_LIMITS: Mapping[tuple[KycLevel, str], LimitRule] = _defaults()


def no_allowance(level: KycLevel, currency: str) -> LimitRule:
    """The rule of a currency nobody configured: nothing may go out."""
    return LimitRule(level, currency, 0, 0)
