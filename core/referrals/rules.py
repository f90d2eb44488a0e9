"""What a referral may do and what it earns: pure rules, unit-tested without a database.

The service gathers the facts (the program, what the identity checks found, what the
program and the referrer were already granted) and asks :func:`decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.referrals.errors import ProgramEnded, ProgramNotStarted, ProgramPaused
from core.referrals.model import (
    Program,
    ProgramStatus,
    QualifyingEvent,
    ReferralStatus,
    Rejection,
    Role,
    SkipReason,
)


def ensure_open(program: Program, now: datetime) -> None:
    """Codes are handed out and attached only while a program runs."""
    status = program.status(now)
    data = {"program_id": str(program.id)}
    if status is ProgramStatus.SCHEDULED:
        raise ProgramNotStarted(starts_at=program.terms.starts_at.isoformat(), **data)
    if status is ProgramStatus.ENDED:
        ends_at = program.terms.ends_at
        raise ProgramEnded(ends_at=None if ends_at is None else ends_at.isoformat(), **data)
    if status is ProgramStatus.PAUSED:
        raise ProgramPaused(**data)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Something a referred customer did that may qualify their referral."""

    event: QualifyingEvent
    amount: int | None = None  # a top-up's
    currency: str | None = None


def meets(program: Program, occurrence: Occurrence) -> bool:
    """Whether ``occurrence`` is the program's qualifying event (a big enough top-up)."""
    terms = program.terms
    if occurrence.event is not terms.qualifying_event:
        return False
    if occurrence.event is not QualifyingEvent.FIRST_TOPUP:
        return True
    return (
        occurrence.currency == terms.min_topup_currency
        and occurrence.amount is not None
        and terms.min_topup is not None
        and occurrence.amount >= terms.min_topup
    )


@dataclass(frozen=True, slots=True)
class Screening:
    """What comparing keyed hashes of phones and identity documents found."""

    self_referral: bool = False  # the referrer's phone or document is the referee's
    repeated_phone: bool = False  # the phone already earned a referral reward
    repeated_document: bool = False  # the document belongs to another customer


@dataclass(frozen=True, slots=True)
class Usage:
    """Rewards already granted (pending or paid) in the program, before this referral."""

    program_referrals: int = 0
    program_amount: int = 0
    referrer_rewards: int = 0
    referrer_amount: int = 0
    referrer_rewards_last_day: int = 0


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    amount: int
    skipped: SkipReason | None = None  # set when a cap kept it from being paid


@dataclass(frozen=True, slots=True)
class Decision:
    status: ReferralStatus
    rejection: Rejection | None = None
    grants: tuple[Grant, ...] = ()


def _rejected(reason: Rejection) -> Decision:
    return Decision(ReferralStatus.REJECTED, reason)


def decide(
    program: Program, now: datetime, *, has_referrer: bool, screening: Screening, usage: Usage
) -> Decision:
    """What a referral whose customer qualified at ``now`` earns.

    Nothing for a program that is paused or over, for one person posing as two (the
    referrer's own phone or document), for a phone or document seen before, or once the
    program has rewarded as many referrals as it may. Otherwise the referee's reward
    comes first (a new customer is not made to pay for their referrer's limits), then
    the referrer's, each within what remains of the program's budget; the referrer's
    also within their own caps and velocity.
    """
    status = program.status(now)
    if status is ProgramStatus.PAUSED:
        return _rejected(Rejection.PROGRAM_PAUSED)
    if status is not ProgramStatus.ACTIVE:  # attached while it ran: ended since
        return _rejected(Rejection.PROGRAM_ENDED)
    if screening.self_referral:
        return _rejected(Rejection.SELF_REFERRAL)
    if screening.repeated_phone:
        return _rejected(Rejection.REPEATED_PHONE)
    if screening.repeated_document:
        return _rejected(Rejection.REPEATED_DOCUMENT)
    caps, terms = program.terms.caps, program.terms
    if caps.program_referrals is not None and usage.program_referrals >= caps.program_referrals:
        return _rejected(Rejection.PROGRAM_CAP)
    budget = None if caps.program_amount is None else caps.program_amount - usage.program_amount
    grants: list[Grant] = []
    if terms.referee_reward:
        skip = None if budget is None or terms.referee_reward <= budget else SkipReason.PROGRAM_CAP
        grants.append(Grant(Role.REFEREE, terms.referee_reward, skip))
        if skip is None and budget is not None:
            budget -= terms.referee_reward
    if has_referrer and terms.referrer_reward:
        skip = _referrer_skip(program, usage, budget)
        grants.append(Grant(Role.REFERRER, terms.referrer_reward, skip))
    return Decision(ReferralStatus.QUALIFIED, None, tuple(grants))


def _referrer_skip(program: Program, usage: Usage, budget: int | None) -> SkipReason | None:
    caps, amount = program.terms.caps, program.terms.referrer_reward
    if budget is not None and amount > budget:
        return SkipReason.PROGRAM_CAP
    if caps.referrer_rewards is not None and usage.referrer_rewards >= caps.referrer_rewards:
        return SkipReason.REFERRER_CAP
    if caps.referrer_amount is not None and usage.referrer_amount + amount > caps.referrer_amount:
        return SkipReason.REFERRER_CAP
    per_day = caps.referrer_rewards_per_day
    if per_day is not None and usage.referrer_rewards_last_day >= per_day:
        return SkipReason.VELOCITY
    return None
