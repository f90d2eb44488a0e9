"""Risk review as pure values: configurable rules, each adding a score with its reason.

A transfer whose total score reaches the threshold is held for a person to review. The
rules and their figures are data (staff change them through the API); amounts are per
currency, and a rule has nothing to say about a currency it has no amount for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ValidationFailed
from core.money import Currency, UnknownCurrency
from core.payments.model import per_currency

Score = Annotated[int, Field(ge=0, le=100)]
Amounts = dict[str, Annotated[int, Field(gt=0, le=10**17)]]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    enabled: bool = True
    score: Score

    @field_validator("amounts", mode="after", check_fields=False)
    @classmethod
    def _codes(cls, value: dict[str, int]) -> dict[str, int]:
        try:
            return {Currency.of(code).code: amount for code, amount in value.items()}
        except UnknownCurrency:
            raise ValueError("amounts are keyed by ISO 4217 codes Teller knows") from None


class AmountRule(_Rule):
    """Scores transfers of at least ``amounts[currency]``."""

    amounts: Amounts

    def hits(self, amount: int, currency: str) -> bool:
        threshold = self.amounts.get(currency)
        return self.enabled and threshold is not None and amount >= threshold


class VelocityRule(_Rule):
    """Many transfers, or much money, in a short window (the new one included)."""

    window_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)]
    max_count: Annotated[int, Field(ge=1, le=1000)]
    amounts: Amounts  # the most that may go out in the window, per currency
    amount_score: Score


class ContactChangeRule(_Rule):
    """The first transfer within ``within_hours`` of a change of phone or e-mail."""

    within_hours: Annotated[int, Field(ge=1, le=24 * 90)]


class NightRule(AmountRule):
    """Large transfers between ``start_hour`` and ``end_hour`` in the bank's time zone."""

    start_hour: Annotated[int, Field(ge=0, le=23)]
    end_hour: Annotated[int, Field(ge=0, le=23)]

    def is_night(self, hour: int) -> bool:
        if self.start_hour <= self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour  # across midnight


class RiskConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    threshold: Annotated[int, Field(ge=1, le=1000)]
    large_amount: AmountRule
    velocity: VelocityRule
    new_recipient: AmountRule
    contact_change: ContactChangeRule
    night: NightRule

    @classmethod
    def parse(cls, data: Any) -> RiskConfig:
        """A config from JSON-shaped data, or a validation error naming the first bad field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "config"
            raise ValidationFailed(f"{field}: {first['msg']}", field=field) from None


DEFAULT_RISK = RiskConfig(
    threshold=60,
    large_amount=AmountRule(score=40, amounts=per_currency(200_000)),
    velocity=VelocityRule(
        score=30,
        window_minutes=60,
        max_count=5,
        amounts=per_currency(300_000),
        amount_score=30,
    ),
    new_recipient=AmountRule(score=30, amounts=per_currency(50_000)),
    contact_change=ContactChangeRule(score=50, within_hours=72),
    night=NightRule(score=30, amounts=per_currency(100_000), start_hour=0, end_hour=6),
)


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What the rules look at, gathered by the service for one outgoing payment."""

    amount: int
    currency: str
    now_local: datetime  # aware, in the bank's time zone
    recent_count: int  # the payer's outgoing payments in the velocity window, before this
    recent_amount: int  # their total in this currency
    known_recipient: bool  # the payer has paid this recipient before (True: no recipient)
    contact_changed_at: datetime | None
    payments_since_contact_change: int


@dataclass(frozen=True, slots=True)
class RiskReason:
    rule: str
    score: int
    detail: str


@dataclass(frozen=True, slots=True)
class RiskResult:
    score: int
    threshold: int
    reasons: tuple[RiskReason, ...]

    @property
    def held(self) -> bool:
        """Whether the payment waits for a person."""
        return self.score >= self.threshold

    def reasons_json(self) -> list[dict[str, Any]]:
        return [{"rule": r.rule, "score": r.score, "detail": r.detail} for r in self.reasons]


def assess(config: RiskConfig, facts: RiskFacts) -> RiskResult:
    """Score one payment against every enabled rule."""
    reasons: list[RiskReason] = []
    cur, amount = facts.currency, facts.amount
    if config.large_amount.hits(amount, cur):
        reasons.append(RiskReason("large_amount", config.large_amount.score, f"{amount} {cur}"))
    velocity = config.velocity
    if velocity.enabled:
        window = f"in {velocity.window_minutes} min"
        if facts.recent_count + 1 > velocity.max_count:
            count = facts.recent_count + 1
            reasons.append(RiskReason("velocity_count", velocity.score, f"{count} {window}"))
        ceiling = velocity.amounts.get(cur)
        if ceiling is not None and facts.recent_amount + amount > ceiling:
            total = facts.recent_amount + amount
            detail = f"{total} {cur} {window}"
            reasons.append(RiskReason("velocity_amount", velocity.amount_score, detail))
    if not facts.known_recipient and config.new_recipient.hits(amount, cur):
        reasons.append(RiskReason("new_recipient", config.new_recipient.score, "first payment"))
    change = config.contact_change
    if (
        change.enabled
        and facts.contact_changed_at is not None
        and facts.payments_since_contact_change == 0
        and facts.now_local - facts.contact_changed_at <= timedelta(hours=change.within_hours)
    ):
        hours = int((facts.now_local - facts.contact_changed_at).total_seconds() // 3600)
        reasons.append(RiskReason("contact_change", change.score, f"{hours} h after"))
    if config.night.is_night(facts.now_local.hour) and config.night.hits(amount, cur):
        local = facts.now_local.strftime("%H:%M")
        reasons.append(RiskReason("night", config.night.score, f"at {local}"))
    return RiskResult(sum(r.score for r in reasons), config.threshold, tuple(reasons))
