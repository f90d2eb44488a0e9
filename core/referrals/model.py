"""The referral area's vocabulary and the values its service returns.

Programs are data a marketer writes (:class:`ProgramTerms`); the bank adds an id and
times (:class:`Program`). Everything here is plain and immutable; the rules that judge
these values live in ``terms`` (is a program well formed), ``codes`` (what a code looks
like) and ``rules`` (may this code be attached, what does this referral earn).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ProgramKind(StrEnum):
    REFERRAL = "referral"  # customers invite friends with personal codes
    PARTNER = "partner"  # a partner's promo codes, and its cashback categories


class QualifyingEvent(StrEnum):
    """What the referred customer must do for the rewards to be paid."""

    KYC_VERIFIED = "kyc_verified"
    CARD_ISSUED = "card_issued"
    FIRST_TOPUP = "first_topup"  # a top-up of at least the program's minimum


class ProgramStatus(StrEnum):
    SCHEDULED = "scheduled"  # before its start
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class CashbackScope(StrEnum):
    """Whose card purchases a partner's cashback rates apply to."""

    ALL = "all"  # every customer's
    MEMBERS = "members"  # customers who attached one of the partner's promo codes


class Channel(StrEnum):
    """Where the customer came from, when the bot that captured the code says so."""

    TELEGRAM = "telegram"
    VIBER = "viber"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    WEBCHAT = "webchat"


class Role(StrEnum):
    REFERRER = "referrer"  # the customer who shared the code
    REFEREE = "referee"  # the new customer who used it


class ReferralStatus(StrEnum):
    ATTACHED = "attached"  # waiting for verification and the qualifying event
    QUALIFIED = "qualified"  # decided: its rewards say what was granted
    REJECTED = "rejected"  # decided: nothing is paid (see the reason)


class Rejection(StrEnum):
    """Why a referral earned nothing."""

    SELF_REFERRAL = "self_referral"
    REPEATED_PHONE = "repeated_phone"
    REPEATED_DOCUMENT = "repeated_document"
    PROGRAM_PAUSED = "program_paused"
    PROGRAM_ENDED = "program_ended"
    PROGRAM_CAP = "program_cap"


class RewardStatus(StrEnum):
    PENDING = "pending"  # granted, the ledger entry not yet made
    PAID = "paid"
    SKIPPED = "skipped"  # not granted: a cap (see the reason)


class SkipReason(StrEnum):
    PROGRAM_CAP = "program_cap"
    REFERRER_CAP = "referrer_cap"
    VELOCITY = "velocity"


@dataclass(frozen=True, slots=True)
class Caps:
    """Limits on what a program pays; ``None`` means no limit.

    Amounts are minor units of the program's reward currency. The referrer's limits count
    their rewards in this program; the velocity limit counts them in any 24 hours.
    """

    referrer_rewards: int | None = None
    referrer_amount: int | None = None
    referrer_rewards_per_day: int | None = None
    program_referrals: int | None = None  # referrals that earned something
    program_amount: int | None = None  # everything granted, both roles


@dataclass(frozen=True, slots=True)
class CashbackRate:
    """A partner's cashback for card purchases in one merchant category.

    ``category`` is the four-digit ISO 18245 merchant category code (MCC) card
    processors send with every authorization; ``rate_bp`` is in basis points (250 = 2.5 %).
    """

    category: str
    rate_bp: int


@dataclass(frozen=True, slots=True)
class ProgramTerms:
    """A program as a marketer writes it."""

    name: str
    kind: ProgramKind
    qualifying_event: QualifyingEvent
    reward_currency: str
    referrer_reward: int  # minor units; 0 for none (always 0 for partner programs)
    referee_reward: int
    starts_at: datetime
    ends_at: datetime | None = None
    descriptions: Mapping[str, str] = field(default_factory=dict)  # language -> text
    min_topup: int | None = None  # for FIRST_TOPUP: the least top-up that qualifies
    min_topup_currency: str | None = None
    code_prefix: str = ""  # personal codes: the prefix, then ``code_length`` base32
    code_length: int = 8
    caps: Caps = field(default_factory=Caps)
    paused: bool = False
    partner_name: str | None = None
    cashback: tuple[CashbackRate, ...] = ()
    cashback_scope: CashbackScope = CashbackScope.ALL


@dataclass(frozen=True, slots=True)
class Program:
    id: UUID
    terms: ProgramTerms
    created_at: datetime
    updated_at: datetime

    def status(self, now: datetime) -> ProgramStatus:
        """Where the program stands at ``now``: ended and scheduled win over paused."""
        terms = self.terms
        if terms.ends_at is not None and now >= terms.ends_at:
            return ProgramStatus.ENDED
        if now < terms.starts_at:
            return ProgramStatus.SCHEDULED
        return ProgramStatus.PAUSED if terms.paused else ProgramStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class CodeView:
    """A referral or promo code and the program it belongs to."""

    code: str
    program: Program
    owner_id: UUID | None  # the referrer; None for a partner's promo code
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RewardView:
    role: Role
    customer_id: UUID
    amount: int
    currency: str
    status: RewardStatus
    reason: SkipReason | None
    entry_id: UUID | None  # the ledger entry that paid it
    created_at: datetime
    paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReferralView:
    """A customer's attribution: the code they came with and what came of it."""

    id: UUID
    customer_id: UUID
    program_id: UUID
    code: str
    referrer_id: UUID | None
    channel: Channel | None
    status: ReferralStatus
    rejection: Rejection | None
    attached_at: datetime
    verified_at: datetime | None
    event_at: datetime | None  # when the qualifying event happened
    decided_at: datetime | None
    rewards: tuple[RewardView, ...] = ()


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts of referrals and what they were paid, per currency."""

    invited: int = 0  # codes attached
    verified: int = 0  # referred customers whose identity was verified
    rewarded: int = 0  # referrals with at least one reward paid
    paid_out: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProgramStats:
    program_id: UUID
    total: Tally
    by_channel: Mapping[Channel, Tally]  # only referrals whose channel is known


@dataclass(frozen=True, slots=True)
class ReferrerSummary:
    """What a customer's invitations in one program came to."""

    program_id: UUID
    customer_id: UUID
    code: str | None
    invited: int
    rewarded: int
    earned: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class PartnerCashback:
    """A cashback rate that applies to a customer's purchases, and whose it is."""

    program_id: UUID
    partner_name: str
    category: str
    rate_bp: int
