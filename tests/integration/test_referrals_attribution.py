"""Codes: personal ones for verified customers, and attaching one to a new customer once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select, text

from core.actors import SYSTEM
from core.audit.log import recent
from core.bank import Bank
from core.errors import CoreError
from core.referrals.codes import ALPHABET
from core.referrals.model import Channel, ProgramKind, ReferralStatus
from core.referrals.tables import identity_fingerprints, referrals
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import (
    customer,
    partner,
    program,
    referrer,
    release_phone,
    verified_customer,
    verify,
)


async def code_error(attempt: Awaitable[object]) -> str:
    with pytest.raises(CoreError) as caught:
        await attempt
    return caught.value.code


# -- personal codes ---------------------------------------------------------------------------


async def test_a_verified_customer_gets_one_personal_code_per_program(bank: Bank) -> None:
    p = await program(bank, code_prefix="TELL", code_length=6)
    inviter = await verified_customer(bank)
    code = await bank.referrals.attribution.issue_code(p.id, inviter.id, SYSTEM)
    assert code.code.startswith("TELL")
    assert len(code.code) == 10
    assert set(code.code[4:]) <= set(ALPHABET)
    assert (code.owner_id, code.program.id) == (inviter.id, p.id)
    again = await bank.referrals.attribution.issue_code(p.id, inviter.id, SYSTEM)
    assert again.code == code.code
    other = await program(bank, code_prefix="", code_length=8)
    elsewhere = await bank.referrals.attribution.issue_code(other.id, inviter.id, SYSTEM)
    assert len(elsewhere.code) == 8
    assert elsewhere.code != code.code


async def test_concurrent_requests_for_a_code_agree_on_one(bank: Bank) -> None:
    p = await program(bank)
    inviter = await verified_customer(bank)
    codes = await asyncio.gather(
        *(bank.referrals.attribution.issue_code(p.id, inviter.id, SYSTEM) for _ in range(5))
    )
    assert len({c.code for c in codes}) == 1


async def test_only_verified_customers_invite(bank: Bank) -> None:
    p = await program(bank)
    newcomer = await customer(bank)
    issue = bank.referrals.attribution.issue_code
    assert await code_error(issue(p.id, newcomer.id, SYSTEM)) == "REFERRER_NOT_VERIFIED"
    assert await code_error(issue(p.id, uuid4(), SYSTEM)) == "CUSTOMER_NOT_FOUND"


async def test_personal_codes_only_while_a_referral_program_runs(
    bank: Bank, clock: MutableClock
) -> None:
    inviter = await verified_customer(bank)
    issue = bank.referrals.attribution.issue_code
    later = await program(bank, starts_at=clock.now() + timedelta(hours=1))
    assert await code_error(issue(later.id, inviter.id, SYSTEM)) == "PROGRAM_NOT_STARTED"
    paused = await program(bank, paused=True)
    assert await code_error(issue(paused.id, inviter.id, SYSTEM)) == "PROGRAM_PAUSED"
    shop = await partner(bank)
    assert await code_error(issue(shop.id, inviter.id, SYSTEM)) == "WRONG_PROGRAM_KIND"
    running = await program(bank)
    await issue(running.id, inviter.id, SYSTEM)
    clock.advance(days=31)
    assert await code_error(issue(running.id, inviter.id, SYSTEM)) == "PROGRAM_ENDED"
    assert await code_error(issue(uuid4(), inviter.id, SYSTEM)) == "PROGRAM_NOT_FOUND"


# -- looking a code up ------------------------------------------------------------------------


async def test_a_typed_code_is_read_leniently(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    typed = f" {code[:4].lower()}-{code[4:]} "
    found = await bank.referrals.attribution.lookup(typed)
    assert (found.code, found.owner_id, found.program.id) == (code, inviter.id, p.id)


@pytest.mark.parametrize("typed", ["NOSUCHCODE", "", "ab", "💸💸💸💸", "x" * 500, "DROP TABLE;"])
async def test_an_unknown_code_is_not_found(bank: Bank, typed: str) -> None:
    await program(bank)
    assert await code_error(bank.referrals.attribution.lookup(typed)) == "REFERRAL_CODE_NOT_FOUND"


# -- attaching --------------------------------------------------------------------------------


async def test_a_new_customer_is_attributed_once_with_the_channel(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    friend = await customer(bank)
    referral = await bank.referrals.attribution.attach(
        friend.id, code.lower(), SYSTEM, channel=Channel.TELEGRAM
    )
    assert (referral.customer_id, referral.program_id, referral.code) == (friend.id, p.id, code)
    assert (referral.referrer_id, referral.channel) == (inviter.id, Channel.TELEGRAM)
    assert (referral.status, referral.rewards) == (ReferralStatus.ATTACHED, ())
    assert await bank.referrals.attribution.referral(friend.id) == referral

    _other_inviter, other_code = await referrer(bank, p)
    attach = bank.referrals.attribution.attach
    assert await code_error(attach(friend.id, other_code, SYSTEM)) == "ALREADY_REFERRED"
    assert await code_error(attach(friend.id, code, SYSTEM)) == "ALREADY_REFERRED"
    assert (await bank.referrals.attribution.referral(friend.id)).referrer_id == inviter.id


async def test_a_partner_promo_code_attributes_without_a_referrer(bank: Bank) -> None:
    shop = await partner(bank)
    await bank.referrals.programs.add_promo_code(shop.id, SYSTEM, "ROHLIK10")
    friend = await customer(bank)
    referral = await bank.referrals.attribution.attach(friend.id, "rohlik10", SYSTEM)
    assert (referral.program_id, referral.referrer_id, referral.channel) == (shop.id, None, None)
    await verify(bank, friend.id)
    rewards = (await bank.referrals.attribution.referral(friend.id)).rewards
    assert [(r.role.value, r.amount) for r in rewards] == [("referee", 300)]
    assert shop.terms.kind is ProgramKind.PARTNER


async def test_a_customer_cannot_use_their_own_code(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    attach = bank.referrals.attribution.attach
    assert await code_error(attach(inviter.id, code, SYSTEM)) == "SELF_REFERRAL"


async def test_a_verified_customer_is_too_late_for_a_code(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    settled = await verified_customer(bank)
    attach = bank.referrals.attribution.attach
    assert await code_error(attach(settled.id, code, SYSTEM)) == "ALREADY_QUALIFIED"


async def test_codes_of_programs_not_running_are_refused(bank: Bank, clock: MutableClock) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    attach = bank.referrals.attribution.attach
    friend = await customer(bank)
    await bank.referrals.programs.pause(p.id, SYSTEM)
    assert await code_error(attach(friend.id, code, SYSTEM)) == "PROGRAM_PAUSED"
    await bank.referrals.programs.resume(p.id, SYSTEM)
    clock.advance(days=31)
    assert await code_error(attach(friend.id, code, SYSTEM)) == "PROGRAM_ENDED"
    shop = await partner(bank, starts_at=clock.now() + timedelta(days=1))
    await bank.referrals.programs.add_promo_code(shop.id, SYSTEM, "SOON10")
    assert await code_error(attach(friend.id, "SOON10", SYSTEM)) == "PROGRAM_NOT_STARTED"
    with pytest.raises(CoreError):
        await bank.referrals.attribution.referral(friend.id)


async def test_unknown_codes_and_customers_are_refused(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    attach = bank.referrals.attribution.attach
    friend = await customer(bank)
    assert await code_error(attach(friend.id, "NOPE1234", SYSTEM)) == "REFERRAL_CODE_NOT_FOUND"
    assert await code_error(attach(friend.id, "   ", SYSTEM)) == "REFERRAL_CODE_NOT_FOUND"
    assert await code_error(attach(uuid4(), code, SYSTEM)) == "CUSTOMER_NOT_FOUND"
    assert await code_error(bank.referrals.attribution.referral(friend.id)) == "REFERRAL_NOT_FOUND"


async def test_a_phone_that_already_earned_cannot_be_attributed_again(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    phone = "+380 67 123 4567"
    first = await customer(bank, phone=phone)
    await bank.referrals.attribution.attach(first.id, code, SYSTEM)
    await verify(bank, first.id)
    await release_phone(bank, first.id)
    again = await customer(bank, phone=phone)
    attach = bank.referrals.attribution.attach
    assert await code_error(attach(again.id, code, SYSTEM)) == "REPEATED_PHONE"


async def test_a_refused_attach_is_audited_and_changes_nothing(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    with pytest.raises(CoreError):
        await bank.referrals.attribution.attach(inviter.id, code, SYSTEM)
    async with bank.db.read() as conn:
        (_, newest), *_ = await recent(conn, limit=1)
        count = (await conn.execute(select(referrals.c.id))).all()
    assert (newest.action, newest.outcome) == ("attach_referral_code", "rejected:SELF_REFERRAL")
    assert newest.target == f"customer:{inviter.id}"
    assert count == []


async def test_concurrent_attaches_leave_one_attribution(bank: Bank) -> None:
    p = await program(bank)
    codes = [(await referrer(bank, p))[1] for _ in range(4)]
    friend = await customer(bank)
    results = await asyncio.gather(
        *(bank.referrals.attribution.attach(friend.id, c, SYSTEM) for c in codes),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, CoreError)]
    assert len(won) == 1
    assert len(lost) == 3
    assert {e.code for e in lost} == {"ALREADY_REFERRED"}


# -- identity documents -----------------------------------------------------------------------


async def test_only_a_keyed_hash_of_a_document_is_kept(bank: Bank) -> None:
    friend = await customer(bank)
    number = "PX9988776"
    await bank.referrals.attribution.record_document(friend.id, "CZ", number, SYSTEM)
    await bank.referrals.attribution.record_document(friend.id, "CZ", number, SYSTEM)  # again
    async with bank.db.read() as conn:
        rows = (await conn.execute(select(identity_fingerprints))).all()
        audit = [r for _, r in await recent(conn, limit=5)]
        dump = str((await conn.execute(text("SELECT * FROM identity_fingerprints"))).all())
    assert len(rows) == 1
    assert len(rows[0].document_index) == 64
    assert number not in dump
    assert all(number not in str(r.details) for r in audit)
    assert audit[0].action == "record_identity_document"


@pytest.mark.parametrize(
    ("country", "number", "field"),
    [
        ("XX", "123456", "document_country"),
        ("CZEE", "123456", "document_country"),
        ("CZ", "12", "document_number"),
        ("CZ", "ЖЖ123456", "document_number"),
        ("CZ", "1" * 25, "document_number"),
    ],
)
async def test_a_malformed_document_is_refused_without_echoing_it(
    bank: Bank, country: str, number: str, field: str
) -> None:
    friend = await customer(bank)
    with pytest.raises(CoreError) as caught:
        await bank.referrals.attribution.record_document(friend.id, country, number, SYSTEM)
    assert (caught.value.code, caught.value.data) == ("VALIDATION_ERROR", {"field": field})
    assert number not in caught.value.message


async def test_a_document_of_an_unknown_customer_is_refused(bank: Bank) -> None:
    with pytest.raises(CoreError) as caught:
        await bank.referrals.attribution.record_document(uuid4(), "CZ", "123456", SYSTEM)
    assert caught.value.code == "CUSTOMER_NOT_FOUND"
