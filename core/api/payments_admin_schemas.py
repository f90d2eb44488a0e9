"""Bodies of the payments administration API: decisions, limits, switches, risk rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from core.api.payments_schemas import Minor
from core.api.schemas import Text200, _In
from core.payments.limit_rules import LimitRuleView
from core.payments.switches import Switch


class FeeRuleIn(_In):
    fixed_minor: Minor = 0
    percent_bp: StrictInt = Field(default=0, ge=0, le=10_000, description="1 bp = 0.01 %")
    minimum_minor: Minor = 0
    maximum_minor: Minor | None = None


class ApprovalCreate(_In):
    note: Text200 | None = None


class RejectionCreate(_In):
    reason: Text200


class LimitRuleIn(_In):
    daily_minor: Minor
    monthly_minor: Minor


class LimitRuleOut(BaseModel):
    kyc_level: str
    currency: str
    daily_minor: int
    monthly_minor: int
    source: str

    @classmethod
    def of(cls, v: LimitRuleView) -> LimitRuleOut:
        r = v.rule
        return cls(
            kyc_level=r.kyc_level.value,
            currency=r.currency,
            daily_minor=r.daily,
            monthly_minor=r.monthly,
            source=v.source.value,
        )


class SwitchCreate(_In):
    scope: Annotated[str, Field(examples=["transfers"])]  # all|transfers|payments|topups|exchange
    currency: Annotated[str | None, Field(min_length=3, max_length=3)] = None  # None: all
    starts_at: datetime | None = None  # default: now
    ends_at: datetime | None = None  # default: until lifted
    reason: Text200  # shown to customers


class SwitchOut(BaseModel):
    id: UUID
    scope: str
    currency: str | None
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    created_by: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None

    @classmethod
    def of(cls, s: Switch) -> SwitchOut:
        return cls(
            id=s.id,
            scope=s.scope.value,
            currency=s.currency,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            reason=s.reason,
            created_by=s.created_by,
            created_at=s.created_at,
            lifted_at=s.lifted_at,
            lifted_by=s.lifted_by,
        )


class RiskRulesOut(BaseModel):
    source: str
    config: dict[str, Any]
