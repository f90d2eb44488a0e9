"""Request and response bodies of the referral routes (``XCreate`` in, ``XOut`` out).

Amounts are integer minor units (``*_minor``). The schemas check shapes only; the rules
(currencies the bank holds, caps, dates, languages) are the core's, so the API and the
in-process ``BankAPI`` refuse the same things with the same codes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from core.referrals.model import (
    Caps,
    CashbackRate,
    CashbackScope,
    Channel,
    CodeView,
    PartnerCashback,
    Program,
    ProgramKind,
    ProgramStats,
    ProgramTerms,
    QualifyingEvent,
    ReferralView,
    ReferrerSummary,
    RewardView,
    Tally,
)

Name = Annotated[str, Field(min_length=1, max_length=80)]
Currency3 = Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"])]
Descriptions = Annotated[dict[str, Annotated[str, Field(max_length=1000)]], Field(max_length=8)]
EventName = Literal["kyc_verified", "card_issued", "first_topup"]
ChannelName = Literal["telegram", "viber", "whatsapp", "messenger", "webchat"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CapsIO(_In):
    """Limits on what a program pays; absent or null is no limit."""

    referrer_rewards: StrictInt | None = None
    referrer_amount_minor: StrictInt | None = None
    referrer_rewards_per_day: StrictInt | None = None
    program_referrals: StrictInt | None = None
    program_amount_minor: StrictInt | None = None

    def caps(self) -> Caps:
        return Caps(
            self.referrer_rewards,
            self.referrer_amount_minor,
            self.referrer_rewards_per_day,
            self.program_referrals,
            self.program_amount_minor,
        )

    @classmethod
    def of(cls, caps: Caps) -> CapsIO:
        return cls(
            referrer_rewards=caps.referrer_rewards,
            referrer_amount_minor=caps.referrer_amount,
            referrer_rewards_per_day=caps.referrer_rewards_per_day,
            program_referrals=caps.program_referrals,
            program_amount_minor=caps.program_amount,
        )


class CashbackRateIO(_In):
    category: Annotated[str, Field(pattern=r"^\d{4}$", examples=["5411"])]  # ISO 18245 MCC
    rate_bp: StrictInt = Field(examples=[500])  # basis points: 500 = 5 %


class ProgramCreate(_In):
    name: Name
    kind: Literal["referral", "partner"] = "referral"
    partner_name: Name | None = None
    qualifying_event: EventName
    min_topup_minor: StrictInt | None = None
    min_topup_currency: Currency3 | None = None
    reward_currency: Currency3
    referrer_reward_minor: StrictInt = 0
    referee_reward_minor: StrictInt = 0
    code_prefix: Annotated[str, Field(max_length=12)] = ""
    code_length: StrictInt = 8
    caps: CapsIO = Field(default_factory=CapsIO)
    starts_at: datetime
    ends_at: datetime | None = None
    paused: StrictBool = False
    descriptions: Descriptions
    cashback: Annotated[list[CashbackRateIO], Field(max_length=100)] = []
    cashback_scope: Literal["all", "members"] = "all"

    def terms(self) -> ProgramTerms:
        return ProgramTerms(
            name=self.name,
            kind=ProgramKind(self.kind),
            qualifying_event=QualifyingEvent(self.qualifying_event),
            reward_currency=self.reward_currency.upper(),
            referrer_reward=self.referrer_reward_minor,
            referee_reward=self.referee_reward_minor,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            descriptions=self.descriptions,
            min_topup=self.min_topup_minor,
            min_topup_currency=self.min_topup_currency,
            code_prefix=self.code_prefix,
            code_length=self.code_length,
            caps=self.caps.caps(),
            paused=self.paused,
            partner_name=self.partner_name,
            cashback=tuple(CashbackRate(r.category, r.rate_bp) for r in self.cashback),
            cashback_scope=CashbackScope(self.cashback_scope),
        )


class ProgramUpdate(_In):
    """The fields to change; what is absent stays as it is (``null`` clears an end date)."""

    name: Name | None = None
    partner_name: Name | None = None
    qualifying_event: EventName | None = None
    min_topup_minor: StrictInt | None = None
    min_topup_currency: Currency3 | None = None
    reward_currency: Currency3 | None = None
    referrer_reward_minor: StrictInt | None = None
    referee_reward_minor: StrictInt | None = None
    code_prefix: Annotated[str, Field(max_length=12)] | None = None
    code_length: StrictInt | None = None
    caps: CapsIO | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    paused: StrictBool | None = None
    descriptions: Descriptions | None = None
    cashback: Annotated[list[CashbackRateIO], Field(max_length=100)] | None = None
    cashback_scope: Literal["all", "members"] | None = None

    def applied_to(self, terms: ProgramTerms) -> ProgramTerms:
        """``terms`` with the fields this request sets."""
        changes: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None and name not in _CLEARABLE:
                continue  # null for a field every program has: left as it is
            changes[_RENAMES.get(name, name)] = _converted(name, value)
        return replace(terms, **changes)


_RENAMES = {
    "min_topup_minor": "min_topup",
    "referrer_reward_minor": "referrer_reward",
    "referee_reward_minor": "referee_reward",
}
_CLEARABLE = frozenset(
    {"ends_at", "partner_name", "min_topup_minor", "min_topup_currency", "caps", "cashback"}
)


def _converted(name: str, value: Any) -> Any:
    """A request field's value as ``ProgramTerms`` holds it."""
    if name == "caps":
        return (value or CapsIO()).caps()
    if name == "cashback":
        return tuple(CashbackRate(r.category, r.rate_bp) for r in value or ())
    if value is None:
        return None
    if name == "qualifying_event":
        return QualifyingEvent(value)
    if name == "cashback_scope":
        return CashbackScope(value)
    if name in ("reward_currency", "min_topup_currency"):
        return str(value).upper()
    return value


class ProgramOut(BaseModel):
    id: UUID
    name: str
    kind: str
    status: str
    partner_name: str | None
    qualifying_event: str
    min_topup_minor: int | None
    min_topup_currency: str | None
    reward_currency: str
    referrer_reward_minor: int
    referee_reward_minor: int
    code_prefix: str
    code_length: int
    caps: CapsIO
    starts_at: datetime
    ends_at: datetime | None
    paused: bool
    descriptions: dict[str, str]
    cashback: list[CashbackRateIO]
    cashback_scope: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Program, now: datetime) -> ProgramOut:
        t = p.terms
        return cls(
            id=p.id,
            name=t.name,
            kind=t.kind.value,
            status=p.status(now).value,
            partner_name=t.partner_name,
            qualifying_event=t.qualifying_event.value,
            min_topup_minor=t.min_topup,
            min_topup_currency=t.min_topup_currency,
            reward_currency=t.reward_currency,
            referrer_reward_minor=t.referrer_reward,
            referee_reward_minor=t.referee_reward,
            code_prefix=t.code_prefix,
            code_length=t.code_length,
            caps=CapsIO.of(t.caps),
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            paused=t.paused,
            descriptions=dict(t.descriptions),
            cashback=[CashbackRateIO(category=r.category, rate_bp=r.rate_bp) for r in t.cashback],
            cashback_scope=t.cashback_scope.value,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class PromoCodeCreate(_In):
    code: Annotated[str, Field(max_length=128)] | None = None  # None: the bank draws one


class CodeIssue(_In):
    customer_id: UUID


class CodeOut(BaseModel):
    code: str
    referrer_id: UUID | None
    created_at: datetime
    program: ProgramOut

    @classmethod
    def of(cls, v: CodeView, now: datetime) -> CodeOut:
        return cls(
            code=v.code,
            referrer_id=v.owner_id,
            created_at=v.created_at,
            program=ProgramOut.of(v.program, now),
        )


class ReferralCreate(_In):
    code: str  # no length limit here: any text that is not a code is REFERRAL_CODE_NOT_FOUND
    channel: ChannelName | None = None

    def channel_value(self) -> Channel | None:
        return None if self.channel is None else Channel(self.channel)


class RewardOut(BaseModel):
    role: str
    customer_id: UUID
    amount_minor: int
    currency: str
    status: str
    reason: str | None
    entry_id: UUID | None
    created_at: datetime
    paid_at: datetime | None

    @classmethod
    def of(cls, v: RewardView) -> RewardOut:
        return cls(
            role=v.role.value,
            customer_id=v.customer_id,
            amount_minor=v.amount,
            currency=v.currency,
            status=v.status.value,
            reason=None if v.reason is None else v.reason.value,
            entry_id=v.entry_id,
            created_at=v.created_at,
            paid_at=v.paid_at,
        )


class ReferralOut(BaseModel):
    id: UUID
    customer_id: UUID
    program_id: UUID
    code: str
    referrer_id: UUID | None
    channel: str | None
    status: str
    rejection: str | None
    attached_at: datetime
    verified_at: datetime | None
    event_at: datetime | None
    decided_at: datetime | None
    rewards: list[RewardOut]

    @classmethod
    def of(cls, v: ReferralView) -> ReferralOut:
        return cls(
            id=v.id,
            customer_id=v.customer_id,
            program_id=v.program_id,
            code=v.code,
            referrer_id=v.referrer_id,
            channel=None if v.channel is None else v.channel.value,
            status=v.status.value,
            rejection=None if v.rejection is None else v.rejection.value,
            attached_at=v.attached_at,
            verified_at=v.verified_at,
            event_at=v.event_at,
            decided_at=v.decided_at,
            rewards=[RewardOut.of(r) for r in v.rewards],
        )


class IdentityDocumentCreate(_In):
    """An identity document the KYC process saw; only its keyed hash is kept."""

    document_country: Annotated[str, Field(min_length=2, max_length=2, examples=["CZ"])]
    document_number: Annotated[str, Field(min_length=1, max_length=64)]


class TallyOut(BaseModel):
    invited: int
    verified: int
    rewarded: int
    paid_out_minor: dict[str, int]  # currency -> minor units

    @classmethod
    def of(cls, v: Tally) -> TallyOut:
        return cls(
            invited=v.invited,
            verified=v.verified,
            rewarded=v.rewarded,
            paid_out_minor=dict(v.paid_out),
        )


class StatsOut(BaseModel):
    program_id: UUID
    total: TallyOut
    by_channel: dict[str, TallyOut]

    @classmethod
    def of(cls, v: ProgramStats) -> StatsOut:
        return cls(
            program_id=v.program_id,
            total=TallyOut.of(v.total),
            by_channel={c.value: TallyOut.of(t) for c, t in v.by_channel.items()},
        )


class ReferrerSummaryOut(BaseModel):
    program_id: UUID
    customer_id: UUID
    code: str | None
    invited: int
    rewarded: int
    earned_minor: dict[str, int]

    @classmethod
    def of(cls, v: ReferrerSummary) -> ReferrerSummaryOut:
        return cls(
            program_id=v.program_id,
            customer_id=v.customer_id,
            code=v.code,
            invited=v.invited,
            rewarded=v.rewarded,
            earned_minor=dict(v.earned),
        )


class PartnerCashbackOut(BaseModel):
    program_id: UUID
    partner_name: str
    category: str
    rate_bp: int

    @classmethod
    def of(cls, v: PartnerCashback) -> PartnerCashbackOut:
        return cls(
            program_id=v.program_id,
            partner_name=v.partner_name,
            category=v.category,
            rate_bp=v.rate_bp,
        )
