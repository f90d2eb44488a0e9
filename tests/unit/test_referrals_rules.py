"""The referral rules as pure values: program status, codes, terms, and what a referral
earns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import CoreError
from core.referrals.codes import ALPHABET, new_code, read_code
from core.referrals.model import (
    Caps,
    Program,
    ProgramKind,
    ProgramStatus,
    ProgramTerms,
    QualifyingEvent,
    ReferralStatus,
    Rejection,
    Role,
    SkipReason,
)
from core.referrals.rules import (
    Grant,
    Occurrence,
    Screening,
    Usage,
    decide,
    ensure_open,
    meets,
)
from core.referrals.terms import check_terms, fixed_changes

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=1)


def make(**overrides: Any) -> Program:
    terms = ProgramTerms(
        name="Spring",
        kind=ProgramKind.REFERRAL,
        qualifying_event=QualifyingEvent.KYC_VERIFIED,
        reward_currency="EUR",
        referrer_reward=1000,
        referee_reward=500,
        starts_at=T0,
        ends_at=T0 + timedelta(days=30),
        descriptions={"en": "Invite"},
    )
    return Program(uuid4(), replace(terms, **overrides), T0, T0)


def earn(program: Program, usage: Usage | None = None, **screening: bool) -> tuple[object, ...]:
    usage = usage or Usage()
    decision = decide(
        program, NOW, has_referrer=True, screening=Screening(**screening), usage=usage
    )
    return decision.status, decision.rejection, decision.grants


# -- status and opening --------------------------------------------------------------------------


def test_a_program_is_scheduled_active_paused_and_ended_by_its_dates_and_flag() -> None:
    program = make()
    assert program.status(T0 - timedelta(seconds=1)) is ProgramStatus.SCHEDULED
    assert program.status(T0) is ProgramStatus.ACTIVE
    assert make(paused=True).status(NOW) is ProgramStatus.PAUSED
    assert make(paused=True).status(T0 + timedelta(days=30)) is ProgramStatus.ENDED
    assert make(ends_at=None).status(T0 + timedelta(days=3650)) is ProgramStatus.ACTIVE


@pytest.mark.parametrize(
    ("program", "at", "code"),
    [
        (make(), T0 - timedelta(minutes=1), "PROGRAM_NOT_STARTED"),
        (make(), T0 + timedelta(days=30), "PROGRAM_ENDED"),
        (make(paused=True), NOW, "PROGRAM_PAUSED"),
    ],
)
def test_codes_are_refused_outside_a_running_program(
    program: Program, at: datetime, code: str
) -> None:
    with pytest.raises(CoreError) as caught:
        ensure_open(program, at)
    assert caught.value.code == code
    assert caught.value.data["program_id"] == str(program.id)


def test_a_top_up_meets_its_program_only_from_the_minimum_in_its_currency() -> None:
    program = make(
        qualifying_event=QualifyingEvent.FIRST_TOPUP, min_topup=2000, min_topup_currency="EUR"
    )
    top_up = QualifyingEvent.FIRST_TOPUP
    assert meets(program, Occurrence(top_up, 2000, "EUR"))
    assert not meets(program, Occurrence(top_up, 1999, "EUR"))
    assert not meets(program, Occurrence(top_up, 9999, "CZK"))
    assert not meets(program, Occurrence(QualifyingEvent.CARD_ISSUED))
    assert meets(
        make(qualifying_event=QualifyingEvent.CARD_ISSUED), Occurrence(QualifyingEvent.CARD_ISSUED)
    )


# -- codes ---------------------------------------------------------------------------------------


@given(prefix=st.text(alphabet="ABCXYZ0189", max_size=12), length=st.integers(4, 16))
def test_a_drawn_code_reads_back_as_itself(prefix: str, length: int) -> None:
    code = new_code(prefix, length)
    assert code.startswith(prefix)
    assert len(code) == len(prefix) + length
    assert set(code[len(prefix) :]) <= set(ALPHABET)
    assert read_code(code) == code
    assert read_code(f" {code.lower()[:3]}-{code.lower()[3:]} ") == code


@pytest.mark.parametrize("typed", ["", "abc", "A" * 33, "ŽLUŤOUČKÝ", "AB+CD", "x" * 1000])
def test_text_that_cannot_be_a_code_reads_as_none(typed: str) -> None:
    assert read_code(typed) is None


def test_drawn_codes_do_not_repeat() -> None:
    assert len({new_code("", 8) for _ in range(2000)}) == 2000


# -- terms ---------------------------------------------------------------------------------------


def test_terms_come_back_tidied() -> None:
    terms = replace(make().terms, name=" Spring ", reward_currency="eur", code_prefix="spr")
    checked = check_terms(terms, ("EUR", "CZK"))
    assert (checked.name, checked.reward_currency, checked.code_prefix) == ("Spring", "EUR", "SPR")


def test_the_promised_terms_are_the_ones_fixed_after_the_start() -> None:
    before = make().terms
    after = replace(
        before, referee_reward=1, name="Other", caps=Caps(referrer_rewards=1), ends_at=None
    )
    assert fixed_changes(before, after) == ["referee_reward"]


# -- what a referral earns -----------------------------------------------------------------------


def test_a_clean_referral_grants_both_rewards() -> None:
    assert earn(make()) == (
        ReferralStatus.QUALIFIED,
        None,
        (Grant(Role.REFEREE, 500), Grant(Role.REFERRER, 1000)),
    )


def test_a_program_without_a_referrer_or_zero_rewards_grants_what_it_has() -> None:
    partner = make(kind=ProgramKind.PARTNER, referrer_reward=0, partner_name="Shop")
    decision = decide(partner, NOW, has_referrer=False, screening=Screening(), usage=Usage())
    assert decision.grants == (Grant(Role.REFEREE, 500),)
    nothing = decide(
        make(referee_reward=0, referrer_reward=0),
        NOW,
        has_referrer=True,
        screening=Screening(),
        usage=Usage(),
    )
    assert (nothing.status, nothing.grants) == (ReferralStatus.QUALIFIED, ())


@pytest.mark.parametrize(
    ("program", "screening", "reason"),
    [
        (make(paused=True), {}, Rejection.PROGRAM_PAUSED),
        (make(ends_at=NOW), {}, Rejection.PROGRAM_ENDED),
        (make(), {"self_referral": True}, Rejection.SELF_REFERRAL),
        (make(), {"repeated_phone": True}, Rejection.REPEATED_PHONE),
        (make(), {"repeated_document": True}, Rejection.REPEATED_DOCUMENT),
        (make(), {"self_referral": True, "repeated_phone": True}, Rejection.SELF_REFERRAL),
    ],
)
def test_rejected_referrals_earn_nothing(
    program: Program, screening: dict[str, bool], reason: Rejection
) -> None:
    assert earn(program, **screening) == (ReferralStatus.REJECTED, reason, ())


def test_the_program_cap_rejects_once_reached() -> None:
    program = make(caps=Caps(program_referrals=10))
    assert earn(program, Usage(program_referrals=9))[0] is ReferralStatus.QUALIFIED
    assert earn(program, Usage(program_referrals=10))[1] is Rejection.PROGRAM_CAP


@pytest.mark.parametrize(
    ("caps", "usage", "skipped"),
    [
        (Caps(referrer_rewards=2), Usage(referrer_rewards=1), None),
        (Caps(referrer_rewards=2), Usage(referrer_rewards=2), SkipReason.REFERRER_CAP),
        (Caps(referrer_amount=3000), Usage(referrer_amount=2000), None),
        (Caps(referrer_amount=3000), Usage(referrer_amount=2001), SkipReason.REFERRER_CAP),
        (Caps(referrer_rewards_per_day=3), Usage(referrer_rewards_last_day=2), None),
        (
            Caps(referrer_rewards_per_day=3),
            Usage(referrer_rewards_last_day=3),
            SkipReason.VELOCITY,
        ),
        (Caps(program_amount=1500), Usage(), None),
        (Caps(program_amount=1500), Usage(program_amount=1), SkipReason.PROGRAM_CAP),
    ],
)
def test_the_referrers_reward_is_skipped_past_a_cap_and_the_referees_is_not(
    caps: Caps, usage: Usage, skipped: SkipReason | None
) -> None:
    _, _, grants = earn(make(caps=caps), usage)
    assert grants == (Grant(Role.REFEREE, 500), Grant(Role.REFERRER, 1000, skipped))


def test_a_spent_budget_skips_both() -> None:
    _, _, grants = earn(make(caps=Caps(program_amount=1000)), Usage(program_amount=600))
    assert grants == (
        Grant(Role.REFEREE, 500, SkipReason.PROGRAM_CAP),
        Grant(Role.REFERRER, 1000, SkipReason.PROGRAM_CAP),
    )
