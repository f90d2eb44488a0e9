"""``LocalReferrals``: the referral part of ``LocalBank``, over the core in this process.

Apart from ``integrations.bank.referrals`` because it imports the core, which the
Protocol's module must not (flows import that one). Core values become the wrapper's
types here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from core.referrals.model import (
    Channel,
    CodeView,
    PartnerCashback,
    Program,
    ProgramStatus,
    ReferralView,
    RewardView,
)
from core.referrals.model import ReferrerSummary as CoreSummary
from integrations.bank.referrals import (
    CashbackOffer,
    ProgramKind,
    QualifyingEvent,
    Referral,
    ReferralChannel,
    ReferralCode,
    ReferralProgram,
    ReferralReward,
    ReferralRole,
    ReferralsAPI,
    ReferralStatus,
    ReferrerSummary,
    RewardStatus,
    check_category,
    check_channel,
    check_code_text,
)
from integrations.bank.referrals import ProgramStatus as WrapperStatus

if TYPE_CHECKING:
    from core.actors import Actor
    from core.bank import Bank


@contextmanager
def _translated() -> Iterator[None]:
    # LocalBank's module imports this one for its bases, so its helper is fetched when used.
    from integrations.bank.local import _translated as translated

    with translated():
        yield


def program_of(p: Program, now: datetime) -> ReferralProgram:
    t = p.terms
    return ReferralProgram(
        id=p.id,
        name=t.name,
        kind=ProgramKind(t.kind.value),
        status=WrapperStatus(p.status(now).value),
        partner_name=t.partner_name,
        qualifying_event=QualifyingEvent(t.qualifying_event.value),
        min_topup_minor=t.min_topup,
        min_topup_currency=t.min_topup_currency,
        reward_currency=t.reward_currency,
        referrer_reward_minor=t.referrer_reward,
        referee_reward_minor=t.referee_reward,
        starts_at=t.starts_at,
        ends_at=t.ends_at,
        descriptions=dict(t.descriptions),
    )


def code_of(v: CodeView, now: datetime) -> ReferralCode:
    return ReferralCode(v.code, v.owner_id, v.created_at, program_of(v.program, now))


def reward_of(r: RewardView) -> ReferralReward:
    return ReferralReward(
        role=ReferralRole(r.role.value),
        customer_id=r.customer_id,
        amount_minor=r.amount,
        currency=r.currency,
        status=RewardStatus(r.status.value),
        reason=None if r.reason is None else r.reason.value,
        entry_id=r.entry_id,
        created_at=r.created_at,
        paid_at=r.paid_at,
    )


def referral_of(v: ReferralView) -> Referral:
    return Referral(
        id=v.id,
        customer_id=v.customer_id,
        program_id=v.program_id,
        code=v.code,
        referrer_id=v.referrer_id,
        channel=None if v.channel is None else ReferralChannel(v.channel.value),
        status=ReferralStatus(v.status.value),
        rejection=None if v.rejection is None else v.rejection.value,
        attached_at=v.attached_at,
        verified_at=v.verified_at,
        event_at=v.event_at,
        decided_at=v.decided_at,
        rewards=tuple(reward_of(r) for r in v.rewards),
    )


def summary_of(v: CoreSummary) -> ReferrerSummary:
    return ReferrerSummary(
        v.program_id, v.customer_id, v.code, v.invited, v.rewarded, dict(v.earned)
    )


def offer_of(v: PartnerCashback) -> CashbackOffer:
    return CashbackOffer(v.program_id, v.partner_name, v.category, v.rate_bp)


class LocalReferrals:
    """``ReferralsAPI`` for ``LocalBank`` (a mixin over its ``_bank`` and ``_actor``)."""

    _bank: Bank
    _actor: Actor

    async def list_referral_programs(self) -> list[ReferralProgram]:
        """See :meth:`ReferralsAPI.list_referral_programs`."""
        with _translated():
            programs = await self._bank.referrals.programs.list_programs(
                status=ProgramStatus.ACTIVE
            )
            now = self._bank.clock.now()
            return [program_of(p, now) for p in programs]

    async def lookup_referral_code(self, code: str) -> ReferralCode:
        """See :meth:`ReferralsAPI.lookup_referral_code`."""
        typed = check_code_text(code)
        with _translated():
            found = await self._bank.referrals.attribution.lookup(typed)
            return code_of(found, self._bank.clock.now())

    async def issue_referral_code(self, program_id: UUID, customer_id: UUID) -> ReferralCode:
        """See :meth:`ReferralsAPI.issue_referral_code`."""
        with _translated():
            issued = await self._bank.referrals.attribution.issue_code(
                program_id, customer_id, self._actor
            )
            return code_of(issued, self._bank.clock.now())

    async def attach_referral_code(
        self, customer_id: UUID, code: str, *, channel: ReferralChannel | None = None
    ) -> Referral:
        """See :meth:`ReferralsAPI.attach_referral_code`."""
        chosen = check_channel(channel)
        typed = check_code_text(code)
        with _translated():
            attached = await self._bank.referrals.attribution.attach(
                customer_id,
                typed,
                self._actor,
                channel=None if chosen is None else Channel(chosen.value),
            )
            return referral_of(attached)

    async def get_referral(self, customer_id: UUID) -> Referral:
        """See :meth:`ReferralsAPI.get_referral`."""
        with _translated():
            return referral_of(await self._bank.referrals.attribution.referral(customer_id))

    async def get_referrer_summary(self, program_id: UUID, customer_id: UUID) -> ReferrerSummary:
        """See :meth:`ReferralsAPI.get_referrer_summary`."""
        with _translated():
            await self._bank.customers.get(customer_id)  # NotFound, as the API answers
            summary = await self._bank.referrals.attribution.summary(program_id, customer_id)
            return summary_of(summary)

    async def list_cashback_offers(
        self, customer_id: UUID, category: str | None = None
    ) -> list[CashbackOffer]:
        """See :meth:`ReferralsAPI.list_cashback_offers`."""
        wanted = check_category(category)
        with _translated():
            await self._bank.customers.get(customer_id)
            rates = await self._bank.referrals.cashback_rates(customer_id, category=wanted)
            return [offer_of(r) for r in rates]


def _conforms(api: LocalReferrals) -> ReferralsAPI:
    return api  # mypy proves the mixin serves the Protocol
