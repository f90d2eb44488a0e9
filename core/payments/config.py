"""How a bank runs its payments: settings chosen at start-up (rules live as data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.payments.model import time_zone


@dataclass(frozen=True, slots=True)
class PaymentsConfig:
    """``time_zone`` is the bank's: its days and months bound limits, its nights the risk
    rule. A held transfer waits ``review_window`` for staff; a money request stays open
    ``money_request_ttl``; a transfer stuck in processing (a crash mid-way) is finished by
    the sweep after ``recovery_after``."""

    time_zone: str = "Europe/Prague"
    review_window: timedelta = timedelta(hours=72)
    money_request_ttl: timedelta = timedelta(days=7)
    recovery_after: timedelta = timedelta(seconds=30)

    def __post_init__(self) -> None:
        time_zone(self.time_zone)  # refuse a misspelt zone at start-up, not at midnight
        # The hold outlives the review by a day, so the review's own expiry (a rejection
        # the customer is told about) always comes before the ledger's hold expiry.
        if not timedelta(minutes=1) <= self.review_window <= timedelta(days=30):
            raise ValueError("the review window is 1 minute to 30 days")
        if self.money_request_ttl < timedelta(minutes=1):
            raise ValueError("money requests stay open at least a minute")
