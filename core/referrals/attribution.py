"""Codes customers share and codes new customers bring: issuing, reading, attaching.

A code captured at a customer's first contact (a deep link, a typed promo code) is
attached to them once, before their identity is verified; the KYC process adds the keyed
hash of their identity document, so one person cannot come back as a new customer.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import pycountry
from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import CustomerNotFound
from core.errors import CoreError, ValidationFailed
from core.persistence.database import Database
from core.persistence.tables import customers
from core.persistence.types import AnyRow
from core.referrals import repository as repo
from core.referrals.codes import new_code, read_code
from core.referrals.errors import (
    AlreadyQualified,
    AlreadyReferred,
    CodeNotFound,
    ReferrerNotVerified,
    RepeatedPhone,
    SelfReferral,
    WrongProgramKind,
)
from core.referrals.model import (
    Channel,
    CodeView,
    ProgramKind,
    ReferralStatus,
    ReferralView,
    ReferrerSummary,
    RewardStatus,
    Role,
)
from core.referrals.rules import ensure_open
from core.referrals.tables import (
    identity_fingerprints,
    referral_codes,
    referral_rewards,
    referrals,
)

DOCUMENT_CONTEXT = "identity.document"  # the blind index's field (see core.crypto)
_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{4,24}")
_CODE_ATTEMPTS = 5


def document_fingerprint(keyring: Keyring, country: str, number: str) -> str:
    """The keyed hash of an identity document: issuing country (ISO 3166 alpha-2, or the
    alpha-3 that machine-readable zones use) and number, read leniently (case, spaces,
    dashes). ``ValidationFailed`` for nonsense; the number never appears in an error."""
    given = country.strip().upper()
    found = (
        pycountry.countries.get(alpha_2=given)
        if len(given) == 2
        else pycountry.countries.get(alpha_3=given)
        if len(given) == 3
        else None
    )
    if found is None:
        raise ValidationFailed("an ISO 3166 country code like CZ", field="document_country")
    code = found.alpha_2
    digits = re.sub(r"[\s\-/.]", "", number).upper()
    if not _DOCUMENT_NUMBER.fullmatch(digits):
        raise ValidationFailed(
            "a document number of 4 to 24 letters and digits", field="document_number"
        )
    return keyring.blind_index(f"{code}:{digits}", context=DOCUMENT_CONTEXT)


class AttributionService:
    """Personal codes, code look-ups, attaching a code to a new customer."""

    def __init__(self, db: Database, clock: Clock, keyring: Keyring) -> None:
        self._db = db
        self._clock = clock
        self._keys = keyring

    async def issue_code(self, program_id: UUID, customer_id: UUID, actor: Actor) -> CodeView:
        """The customer's personal code in a referral program, made on first request.

        Only verified customers invite (``REFERRER_NOT_VERIFIED``), only while the
        program runs; asking again returns the same code.
        """
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            async with self._db.transaction() as conn:
                program = await repo.find_program(conn, program_id)
                if program.terms.kind is not ProgramKind.REFERRAL:
                    raise WrongProgramKind(
                        program_id=str(program_id), kind=program.terms.kind.value
                    )
                ensure_open(program, now)
                existing = await repo.personal_code(conn, program, customer_id)
                if existing is not None:
                    return existing
                customer = await _customer(conn, customer_id)
                if customer.kyc_status != KycStatus.VERIFIED.value:
                    raise ReferrerNotVerified(customer_id=str(customer_id))
                for _ in range(_CODE_ATTEMPTS):
                    code = new_code(program.terms.code_prefix, program.terms.code_length)
                    try:
                        async with conn.begin_nested():
                            await conn.execute(
                                insert(referral_codes).values(
                                    code=code,
                                    program_id=program.id,
                                    owner_id=customer_id,
                                    created_at=now,
                                )
                            )
                    except IntegrityError:
                        # Another request made this customer's code meanwhile, or the
                        # draw met an existing code.
                        raced = await repo.personal_code(conn, program, customer_id)
                        if raced is not None:
                            return raced
                        continue
                    details = {"program_id": str(program.id), "code": code}
                    await record(conn, now, actor, "issue_referral_code", target, details)
                    return CodeView(code, program, customer_id, now)
                raise RuntimeError("could not draw a free referral code")
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "issue_referral_code", target, exc)
            raise

    async def lookup(self, code: str) -> CodeView:
        """The code and its program (whatever the program's status), or
        ``REFERRAL_CODE_NOT_FOUND``: for a bot to greet the invited before they register."""
        canonical = read_code(code)
        if canonical is None:
            raise CodeNotFound()
        async with self._db.read() as conn:
            return await repo.find_code(conn, canonical)

    async def attach(
        self, customer_id: UUID, code: str, actor: Actor, *, channel: Channel | None = None
    ) -> ReferralView:
        """Attach a referral or promo code to a new customer, once.

        Refused: an unknown code; a program not running; the customer's own code
        (``SELF_REFERRAL``); a second code (``ALREADY_REFERRED``); a customer already
        verified (``ALREADY_QUALIFIED``); a phone number that already earned a referral
        reward (``REPEATED_PHONE``).
        """
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            canonical = read_code(code)
            if canonical is None:
                raise CodeNotFound()
            try:
                async with self._db.transaction() as conn:
                    found = await repo.find_code(conn, canonical)
                    ensure_open(found.program, now)
                    customer = await _customer(conn, customer_id)
                    if found.owner_id == customer_id:
                        raise SelfReferral(customer_id=str(customer_id))
                    if await repo.referral_row(conn, customer_id) is not None:
                        raise AlreadyReferred(customer_id=str(customer_id))
                    if customer.kyc_status == KycStatus.VERIFIED.value:
                        raise AlreadyQualified(customer_id=str(customer_id))
                    if await phone_earned(conn, customer.phone_index, customer_id):
                        raise RepeatedPhone(customer_id=str(customer_id))
                    await conn.execute(
                        insert(referrals).values(
                            id=uuid4(),
                            customer_id=customer_id,
                            program_id=found.program.id,
                            code=found.code,
                            referrer_id=found.owner_id,
                            channel=None if channel is None else channel.value,
                            status=ReferralStatus.ATTACHED.value,
                            phone_index=customer.phone_index,
                            attached_at=now,
                        )
                    )
                    details = {
                        "program_id": str(found.program.id),
                        "code": found.code,
                        "channel": None if channel is None else channel.value,
                    }
                    await record(conn, now, actor, "attach_referral_code", target, details)
            except IntegrityError as exc:  # a concurrent attach won the unique index
                raise AlreadyReferred(customer_id=str(customer_id)) from exc
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "attach_referral_code", target, exc)
            raise
        return await self.referral(customer_id)

    async def referral(self, customer_id: UUID) -> ReferralView:
        """The customer's attribution and its rewards, or ``REFERRAL_NOT_FOUND``."""
        async with self._db.read() as conn:
            return await repo.find_referral(conn, customer_id)

    async def record_document(
        self, customer_id: UUID, country: str, number: str, actor: Actor
    ) -> None:
        """Keep the keyed hash of an identity document the KYC process saw (the number
        itself is not kept); the reward rules compare these hashes across customers."""
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            fingerprint = document_fingerprint(self._keys, country, number)
            dialect = postgresql if self._db.is_postgres else sqlite
            async with self._db.transaction() as conn:
                await _customer(conn, customer_id)
                # Told of one document by concurrent runs (the KYC job runs at least
                # once): the first insert wins, the others find it there.
                await conn.execute(
                    dialect.insert(identity_fingerprints)
                    .values(customer_id=customer_id, document_index=fingerprint, recorded_at=now)
                    .on_conflict_do_nothing()
                )
                await record(conn, now, actor, "record_identity_document", target)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "record_identity_document", target, exc)
            raise

    async def summary(self, program_id: UUID, customer_id: UUID) -> ReferrerSummary:
        """What the customer's invitations in the program came to."""
        async with self._db.read() as conn:
            program = await repo.find_program(conn, program_id)
            own = await repo.personal_code(conn, program, customer_id)
            mine = (referrals.c.program_id == program_id) & (
                referrals.c.referrer_id == customer_id
            )
            invited = (
                await conn.execute(select(func.count()).select_from(referrals).where(mine))
            ).scalar_one()
            paid = (
                (referral_rewards.c.program_id == program_id)
                & (referral_rewards.c.customer_id == customer_id)
                & (referral_rewards.c.role == Role.REFERRER.value)
                & (referral_rewards.c.status == RewardStatus.PAID.value)
            )
            rows = (
                await conn.execute(
                    select(
                        referral_rewards.c.currency,
                        func.count(),
                        func.sum(referral_rewards.c.amount),
                    )
                    .where(paid)
                    .group_by(referral_rewards.c.currency)
                )
            ).all()
        return ReferrerSummary(
            program_id=program_id,
            customer_id=customer_id,
            code=None if own is None else own.code,
            invited=int(invited),
            rewarded=sum(int(r[1]) for r in rows),
            earned={r[0]: int(r[2]) for r in rows},
        )


async def _customer(conn: AsyncConnection, customer_id: UUID) -> AnyRow:
    row = (
        await conn.execute(
            select(customers.c.id, customers.c.kyc_status, customers.c.phone_index).where(
                customers.c.id == customer_id
            )
        )
    ).one_or_none()
    if row is None:
        raise CustomerNotFound(customer_id=str(customer_id))
    return row


async def phone_earned(conn: AsyncConnection, phone_index: str | None, customer_id: UUID) -> bool:
    """Whether another customer's referral with this phone already qualified."""
    if phone_index is None:
        return False
    found = await conn.execute(
        select(referrals.c.id)
        .where(
            referrals.c.phone_index == phone_index,
            referrals.c.customer_id != customer_id,
            referrals.c.status == ReferralStatus.QUALIFIED.value,
        )
        .limit(1)
    )
    return found.first() is not None
