"""Referral and partner programs as flows see them: ``ReferralsAPI``, its types, and
``HttpReferrals``, the part of ``HttpBank`` that serves it over the core's REST API.

Flows greet a customer who came with a code (:meth:`ReferralsAPI.lookup_referral_code`),
attach the code once the customer is registered, hand out personal codes for "invite a
friend" (the bots turn them into deep links) and show what invitations earned. Rewards
themselves are paid by the bank when the referred customer qualifies; flows hear of them
through the ``referral.rewarded`` event.

This module imports nothing of the core (``LocalReferrals`` lives in
``integrations.bank.referrals_local``), so importing the Protocol never pulls the core in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote
from uuid import UUID

from integrations.bank import wire
from integrations.bank.errors import from_code
from integrations.bank.types import Amount

# -- types -----------------------------------------------------------------------------------


class ReferralChannel(StrEnum):
    """Where a new customer came from (the bot that captured the code says so)."""

    TELEGRAM = "telegram"
    VIBER = "viber"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    WEBCHAT = "webchat"


class ProgramKind(StrEnum):
    REFERRAL = "referral"  # customers invite friends with personal codes
    PARTNER = "partner"  # a partner's promo codes and cashback


class ProgramStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class QualifyingEvent(StrEnum):
    KYC_VERIFIED = "kyc_verified"
    CARD_ISSUED = "card_issued"
    FIRST_TOPUP = "first_topup"


class ReferralStatus(StrEnum):
    ATTACHED = "attached"  # waiting for verification and the qualifying event
    QUALIFIED = "qualified"  # decided: the rewards say what was granted
    REJECTED = "rejected"  # decided: nothing is paid (``rejection`` says why)


class RewardStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SKIPPED = "skipped"  # a cap kept it from being paid (``reason`` says which)


class ReferralRole(StrEnum):
    REFERRER = "referrer"
    REFEREE = "referee"


@dataclass(frozen=True, slots=True)
class ReferralProgram:
    """A program as customers are told of it."""

    id: UUID
    name: str
    kind: ProgramKind
    status: ProgramStatus
    partner_name: str | None
    qualifying_event: QualifyingEvent
    min_topup_minor: int | None  # for FIRST_TOPUP: the least top-up that qualifies
    min_topup_currency: str | None
    reward_currency: str
    referrer_reward_minor: int
    referee_reward_minor: int
    starts_at: datetime
    ends_at: datetime | None
    descriptions: dict[str, str]  # language -> text; English always present

    @property
    def referee_reward(self) -> Amount:
        return Amount(self.referee_reward_minor, self.reward_currency)

    @property
    def referrer_reward(self) -> Amount:
        return Amount(self.referrer_reward_minor, self.reward_currency)

    def description(self, language: str) -> str:
        """The text in ``language``, or in English when the marketer wrote none in it."""
        return self.descriptions.get(language) or self.descriptions["en"]


@dataclass(frozen=True, slots=True)
class ReferralCode:
    """A personal referral code (``referrer_id`` set) or a partner's promo code."""

    code: str  # canonical: upper-case letters and digits, fit for a deep link as it is
    referrer_id: UUID | None
    created_at: datetime
    program: ReferralProgram


@dataclass(frozen=True, slots=True)
class ReferralReward:
    role: ReferralRole
    customer_id: UUID  # who is paid
    amount_minor: int
    currency: str
    status: RewardStatus
    reason: str | None  # why skipped: program_cap, referrer_cap, velocity
    entry_id: UUID | None  # the ledger entry that paid it
    created_at: datetime
    paid_at: datetime | None

    @property
    def amount(self) -> Amount:
        return Amount(self.amount_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Referral:
    """The code a customer came with, and what came of it."""

    id: UUID
    customer_id: UUID
    program_id: UUID
    code: str
    referrer_id: UUID | None
    channel: ReferralChannel | None
    status: ReferralStatus
    rejection: str | None  # self_referral, repeated_phone, repeated_document, program_*
    attached_at: datetime
    verified_at: datetime | None
    event_at: datetime | None
    decided_at: datetime | None
    rewards: tuple[ReferralReward, ...]


@dataclass(frozen=True, slots=True)
class ReferrerSummary:
    """What a customer's invitations in one program came to."""

    program_id: UUID
    customer_id: UUID
    code: str | None  # their personal code, once issued
    invited: int
    rewarded: int
    earned_minor: dict[str, int]  # currency -> minor units


@dataclass(frozen=True, slots=True)
class CashbackOffer:
    """A partner's cashback on the customer's card purchases in one merchant category."""

    program_id: UUID
    partner_name: str
    category: str  # ISO 18245 merchant category code
    rate_bp: int  # basis points: 500 = 5 %


# -- the Protocol ------------------------------------------------------------------------------


class ReferralsAPI(Protocol):
    """Referral and partner programs, for flows (part of ``BankAPI``)."""

    async def list_referral_programs(self) -> list[ReferralProgram]:
        """The programs running now (started, not ended, not paused), by start."""
        ...

    async def lookup_referral_code(self, code: str) -> ReferralCode:
        """The code (read leniently: case, spaces, dashes) and its program, whatever the
        program's status; ``NotFound`` (``REFERRAL_CODE_NOT_FOUND``) for anything else."""
        ...

    async def issue_referral_code(self, program_id: UUID, customer_id: UUID) -> ReferralCode:
        """The customer's personal code in a referral program; the same code every time.

        ``Conflict``: ``REFERRER_NOT_VERIFIED`` (only verified customers invite),
        ``PROGRAM_NOT_STARTED``, ``PROGRAM_PAUSED``, ``PROGRAM_ENDED``; ``InvalidRequest``
        ``WRONG_PROGRAM_KIND`` for a partner program; ``NotFound`` for an unknown program
        or customer.
        """
        ...

    async def attach_referral_code(
        self, customer_id: UUID, code: str, *, channel: ReferralChannel | None = None
    ) -> Referral:
        """Attach the code a new customer came with, once, before they are verified.

        ``NotFound``: ``REFERRAL_CODE_NOT_FOUND``, ``CUSTOMER_NOT_FOUND``. ``Conflict``:
        ``ALREADY_REFERRED`` (a code is attached already), ``ALREADY_QUALIFIED`` (the
        customer is verified), ``REPEATED_PHONE`` (the number already earned a reward),
        ``PROGRAM_NOT_STARTED`` / ``PROGRAM_PAUSED`` / ``PROGRAM_ENDED``.
        ``InvalidRequest``: ``SELF_REFERRAL``, or ``VALIDATION_ERROR`` for an unknown
        channel. A retry after a lost answer meets ``ALREADY_REFERRED`` too:
        :meth:`get_referral` then shows which code was attached.
        """
        ...

    async def get_referral(self, customer_id: UUID) -> Referral:
        """The customer's referral and its rewards, or ``NotFound`` (``REFERRAL_NOT_FOUND``)."""
        ...

    async def get_referrer_summary(self, program_id: UUID, customer_id: UUID) -> ReferrerSummary:
        """How many the customer invited in the program, how many earned, what they earned."""
        ...

    async def list_cashback_offers(
        self, customer_id: UUID, category: str | None = None
    ) -> list[CashbackOffer]:
        """Partner cashback on the customer's card purchases now, best rate first; only
        ``category``'s (a four-digit MCC, else ``VALIDATION_ERROR``) when given."""
        ...


# -- checks both implementations make -----------------------------------------------------------

_TYPED_CODE = re.compile(r"[A-Za-z0-9 _-]{1,128}")
_MCC = re.compile(r"\d{4}")


def check_code_text(code: str) -> str:
    """Typed text that may be a code (and so is safe in a URL path); anything else is an
    unknown code, as the bank would say."""
    if not isinstance(code, str) or not _TYPED_CODE.fullmatch(code):
        raise from_code("REFERRAL_CODE_NOT_FOUND", "No such referral or promo code.", status=404)
    return code


def check_channel(channel: object) -> ReferralChannel | None:
    if channel is None:
        return None
    try:
        return ReferralChannel(str(channel))
    except ValueError:
        raise from_code("VALIDATION_ERROR", "an unknown channel", {"field": "channel"}) from None


def check_category(category: str | None) -> str | None:
    if category is not None and not (isinstance(category, str) and _MCC.fullmatch(category)):
        raise from_code(
            "VALIDATION_ERROR", "a category is a four-digit MCC", {"field": "category"}
        )
    return category


# -- over HTTP ---------------------------------------------------------------------------------


class _Caller(Protocol):
    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str | int] | None = None,
        key: str | None = None,
    ) -> object: ...


class HttpReferrals:
    """``ReferralsAPI`` for ``HttpBank`` (a mixin: it sends through ``HttpBank._call``)."""

    async def list_referral_programs(self: _Caller) -> list[ReferralProgram]:
        """See :meth:`ReferralsAPI.list_referral_programs`."""
        body = await self._call("GET", "/referral-programs", params={"status": "active"})
        return wire.parse_list(ReferralProgram, body)

    async def lookup_referral_code(self: _Caller, code: str) -> ReferralCode:
        """See :meth:`ReferralsAPI.lookup_referral_code`."""
        path = f"/referral-codes/{quote(check_code_text(code), safe='')}"
        return wire.parse(ReferralCode, await self._call("GET", path))

    async def issue_referral_code(
        self: _Caller, program_id: UUID, customer_id: UUID
    ) -> ReferralCode:
        """See :meth:`ReferralsAPI.issue_referral_code`."""
        path = f"/referral-programs/{program_id}/codes"
        body = await self._call("POST", path, json={"customer_id": str(customer_id)})
        return wire.parse(ReferralCode, body)

    async def attach_referral_code(
        self: _Caller, customer_id: UUID, code: str, *, channel: ReferralChannel | None = None
    ) -> Referral:
        """See :meth:`ReferralsAPI.attach_referral_code`."""
        chosen = check_channel(channel)
        body = {"code": check_code_text(code), "channel": None if chosen is None else chosen.value}
        answer = await self._call("POST", f"/customers/{customer_id}/referral", json=body)
        return wire.parse(Referral, answer)

    async def get_referral(self: _Caller, customer_id: UUID) -> Referral:
        """See :meth:`ReferralsAPI.get_referral`."""
        return wire.parse(Referral, await self._call("GET", f"/customers/{customer_id}/referral"))

    async def get_referrer_summary(
        self: _Caller, program_id: UUID, customer_id: UUID
    ) -> ReferrerSummary:
        """See :meth:`ReferralsAPI.get_referrer_summary`."""
        path = f"/referral-programs/{program_id}/referrers/{customer_id}"
        return wire.parse(ReferrerSummary, await self._call("GET", path))

    async def list_cashback_offers(
        self: _Caller, customer_id: UUID, category: str | None = None
    ) -> list[CashbackOffer]:
        """See :meth:`ReferralsAPI.list_cashback_offers`."""
        params: dict[str, str | int] = {}
        if check_category(category) is not None:
            params["category"] = str(category)
        body = await self._call("GET", f"/customers/{customer_id}/cashback-rates", params=params)
        return wire.parse_list(CashbackOffer, body)
