"""Programs as data: marketers create, edit, schedule and pause them; partner codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.actors import SYSTEM
from core.audit.log import recent
from core.bank import Bank
from core.errors import CoreError
from core.referrals.model import (
    Caps,
    CashbackRate,
    ProgramKind,
    ProgramStatus,
    QualifyingEvent,
)
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import partner, program, terms


async def test_a_program_keeps_its_terms_and_runs_on_its_dates(
    bank: Bank, clock: MutableClock
) -> None:
    start = clock.now() + timedelta(days=1)
    created = await program(
        bank,
        name="  Spring 2026 ",
        starts_at=start,
        ends_at=start + timedelta(days=10),
        reward_currency="eur",
        code_prefix="spr",
        caps=Caps(referrer_rewards=5, program_amount=100_000),
        descriptions={
            "en": "Invite friends",
            "uk": "Запросіть друзів",
            "ru": "Пригласите",
            "cs": "Pozvěte",
        },
    )
    again = await bank.referrals.programs.get(created.id)
    assert again == created
    assert (again.terms.name, again.terms.reward_currency, again.terms.code_prefix) == (
        "Spring 2026",
        "EUR",
        "SPR",
    )
    assert again.terms.caps == Caps(referrer_rewards=5, program_amount=100_000)
    assert again.terms.descriptions["uk"] == "Запросіть друзів"
    assert again.status(clock.now()) is ProgramStatus.SCHEDULED
    clock.advance(days=1)
    assert again.status(clock.now()) is ProgramStatus.ACTIVE
    clock.advance(days=10)
    assert again.status(clock.now()) is ProgramStatus.ENDED


async def test_programs_list_by_kind_and_status(bank: Bank, clock: MutableClock) -> None:
    running = await program(bank)
    later = await program(bank, starts_at=clock.now() + timedelta(days=2))
    shop = await partner(bank)
    programs = bank.referrals.programs
    assert {p.id for p in await programs.list_programs()} == {running.id, later.id, shop.id}
    assert [p.id for p in await programs.list_programs(kind=ProgramKind.PARTNER)] == [shop.id]
    active = await programs.list_programs(status=ProgramStatus.ACTIVE)
    assert {p.id for p in active} == {running.id, shop.id}
    assert [p.id for p in await programs.list_programs(status=ProgramStatus.SCHEDULED)] == [
        later.id
    ]


BAD_TERMS: list[tuple[str, dict[str, Any]]] = [
    ("name", {"name": "  "}),
    ("name", {"name": "x" * 81}),
    ("reward_currency", {"reward_currency": "GBP"}),  # not one the bank holds
    ("referee_reward", {"referee_reward": -1}),
    ("referrer_reward", {"referrer_reward": 10**13}),
    ("referrer_reward", {"referrer_reward": 1.5}),
    ("ends_at", {"ends_at": datetime(2026, 1, 1, tzinfo=UTC)}),  # before the start
    ("starts_at", {"starts_at": datetime(2026, 3, 1)}),  # noqa: DTZ001 - naive on purpose
    ("descriptions", {"descriptions": {"cs": "Jen česky"}}),  # English is required
    ("descriptions", {"descriptions": {"en": "Hi", "de": "Hallo"}}),
    ("descriptions", {"descriptions": {"en": "  "}}),
    ("descriptions", {"descriptions": {"en": "bell\x07"}}),
    ("partner_name", {"kind": ProgramKind.PARTNER, "referrer_reward": 0}),
    ("partner_name", {"partner_name": "Rohlík"}),  # a referral program has no partner
    ("referrer_reward", {"kind": ProgramKind.PARTNER, "partner_name": "Rohlík"}),
    ("cashback", {"cashback": (CashbackRate("5411", 500),)}),  # only partners give cashback
    ("min_topup", {"qualifying_event": QualifyingEvent.FIRST_TOPUP}),
    ("min_topup", {"min_topup": 100, "min_topup_currency": "EUR"}),
    (
        "min_topup",
        {
            "qualifying_event": QualifyingEvent.FIRST_TOPUP,
            "min_topup": 0,
            "min_topup_currency": "EUR",
        },
    ),
    ("code_prefix", {"code_prefix": "TOO-LONG"}),
    ("code_prefix", {"code_prefix": "ABCDEFGHIJKLM"}),
    ("code_length", {"code_length": 3}),
    ("code_length", {"code_length": 17}),
    ("caps.referrer_rewards", {"caps": Caps(referrer_rewards=0)}),
    ("caps.program_amount", {"caps": Caps(program_amount=-5)}),
]


@pytest.mark.parametrize(("field", "overrides"), BAD_TERMS)
async def test_malformed_terms_are_refused_naming_the_field(
    bank: Bank, field: str, overrides: dict[str, Any]
) -> None:
    with pytest.raises(CoreError) as caught:
        await program(bank, **overrides)
    assert (caught.value.code, caught.value.data.get("field")) == ("VALIDATION_ERROR", field)
    assert await bank.referrals.programs.list_programs() == []


@pytest.mark.parametrize(
    "rates",
    [
        (CashbackRate("541", 500),),
        (CashbackRate("5411", 500), CashbackRate("5411", 700)),
        (CashbackRate("5411", 0),),
        (CashbackRate("5411", 10_001),),
    ],
)
async def test_malformed_cashback_rates_are_refused(
    bank: Bank, rates: tuple[CashbackRate, ...]
) -> None:
    with pytest.raises(CoreError) as caught:
        await partner(bank, cashback=rates)
    assert (caught.value.code, caught.value.data["field"]) == ("VALIDATION_ERROR", "cashback")


async def test_an_unknown_currency_is_refused_as_such(bank: Bank) -> None:
    with pytest.raises(CoreError) as caught:
        await program(bank, reward_currency="XYZ")
    assert caught.value.code == "UNKNOWN_CURRENCY"


async def test_two_programs_cannot_share_a_name(bank: Bank) -> None:
    await program(bank, name="Spring")
    with pytest.raises(CoreError) as caught:
        await program(bank, name="Spring")
    assert caught.value.code == "PROGRAM_EXISTS"
    other = await program(bank, name="Summer")
    with pytest.raises(CoreError) as caught:
        await bank.referrals.programs.edit(other.id, replace(other.terms, name="Spring"), SYSTEM)
    assert caught.value.code == "PROGRAM_EXISTS"


async def test_a_scheduled_program_may_change_anything(bank: Bank, clock: MutableClock) -> None:
    p = await program(bank, starts_at=clock.now() + timedelta(days=1))
    changed = replace(
        p.terms,
        referee_reward=700,
        qualifying_event=QualifyingEvent.CARD_ISSUED,
        starts_at=clock.now() + timedelta(hours=2),
    )
    edited = await bank.referrals.programs.edit(p.id, changed, SYSTEM)
    assert (await bank.referrals.programs.get(p.id)).terms == edited.terms
    assert edited.terms.referee_reward == 700


async def test_a_running_program_keeps_its_promises_but_may_change_the_rest(
    bank: Bank, clock: MutableClock
) -> None:
    p = await program(bank)
    for field, value in (
        ("referee_reward", 900),
        ("reward_currency", "CZK"),
        ("qualifying_event", QualifyingEvent.CARD_ISSUED),
        ("code_prefix", "NEW"),
    ):
        with pytest.raises(CoreError) as caught:
            await bank.referrals.programs.edit(p.id, replace(p.terms, **{field: value}), SYSTEM)
        assert caught.value.code == "PROGRAM_STARTED"
        assert caught.value.data["fields"] == field
    allowed = replace(
        p.terms,
        name="Spring, extended",
        ends_at=clock.now() + timedelta(days=60),
        caps=Caps(referrer_rewards=3),
        descriptions={"en": "Now until May"},
    )
    await bank.referrals.programs.edit(p.id, allowed, SYSTEM)
    assert (await bank.referrals.programs.get(p.id)).terms == allowed


async def test_pausing_and_resuming_are_audited(bank: Bank, clock: MutableClock) -> None:
    p = await program(bank)
    paused = await bank.referrals.programs.pause(p.id, SYSTEM)
    assert paused.status(clock.now()) is ProgramStatus.PAUSED
    assert (await bank.referrals.programs.get(p.id)).terms.paused
    resumed = await bank.referrals.programs.resume(p.id, SYSTEM)
    assert resumed.status(clock.now()) is ProgramStatus.ACTIVE
    async with bank.db.read() as conn:
        actions = [(r.action, r.target) for _, r in await recent(conn, limit=3)]
    assert actions == [
        ("resume_program", f"program:{p.id}"),
        ("pause_program", f"program:{p.id}"),
        ("create_program", f"program:{p.id}"),
    ]


async def test_an_unknown_program_is_not_found(bank: Bank) -> None:
    from uuid import uuid4

    unknown = uuid4()
    for attempt in (
        bank.referrals.programs.get(unknown),
        bank.referrals.programs.pause(unknown, SYSTEM),
        bank.referrals.programs.edit(unknown, terms(bank), SYSTEM),
        bank.referrals.programs.add_promo_code(unknown, SYSTEM, "SHOP10"),
        bank.referrals.stats(unknown),
    ):
        with pytest.raises(CoreError) as caught:
            await attempt
        assert caught.value.code == "PROGRAM_NOT_FOUND"


async def test_a_refused_program_is_audited_and_nothing_is_stored(bank: Bank) -> None:
    with pytest.raises(CoreError):
        await program(bank, reward_currency="GBP")
    async with bank.db.read() as conn:
        (_, newest), *_ = await recent(conn, limit=1)
    assert (newest.action, newest.outcome) == ("create_program", "rejected:VALIDATION_ERROR")


# -- partner programs and their promo codes -------------------------------------------------


async def test_a_partner_program_takes_chosen_and_drawn_promo_codes(bank: Bank) -> None:
    shop = await partner(bank, code_prefix="RL", code_length=5)
    chosen = await bank.referrals.programs.add_promo_code(shop.id, SYSTEM, " rohlik-10 ")
    assert (chosen.code, chosen.owner_id, chosen.program.id) == ("ROHLIK10", None, shop.id)
    drawn = await bank.referrals.programs.add_promo_code(shop.id, SYSTEM)
    assert drawn.code.startswith("RL")
    assert len(drawn.code) == 7
    assert set(drawn.code[2:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    found = await bank.referrals.attribution.lookup("Rohlik 10")
    assert (found.code, found.program.terms.partner_name) == ("ROHLIK10", "Rohlík")


async def test_a_promo_code_is_unique_across_programs(bank: Bank) -> None:
    first, second = await partner(bank), await partner(bank)
    await bank.referrals.programs.add_promo_code(first.id, SYSTEM, "SHOP10")
    with pytest.raises(CoreError) as caught:
        await bank.referrals.programs.add_promo_code(second.id, SYSTEM, "shop10")
    assert caught.value.code == "REFERRAL_CODE_EXISTS"


@pytest.mark.parametrize("code", ["", "ab", "ŠKODA1", "x" * 33, "a+b-c-d"])
async def test_a_promo_code_must_look_like_one(bank: Bank, code: str) -> None:
    shop = await partner(bank)
    with pytest.raises(CoreError) as caught:
        await bank.referrals.programs.add_promo_code(shop.id, SYSTEM, code)
    assert (caught.value.code, caught.value.data["field"]) == ("VALIDATION_ERROR", "code")


async def test_only_partner_programs_have_promo_codes(bank: Bank) -> None:
    p = await program(bank)
    with pytest.raises(CoreError) as caught:
        await bank.referrals.programs.add_promo_code(p.id, SYSTEM, "SHOP10")
    assert caught.value.code == "WRONG_PROGRAM_KIND"


async def test_an_ended_program_takes_no_new_promo_codes(bank: Bank, clock: MutableClock) -> None:
    shop = await partner(bank)
    clock.advance(days=31)
    with pytest.raises(CoreError) as caught:
        await bank.referrals.programs.add_promo_code(shop.id, SYSTEM, "LATE10")
    assert caught.value.code == "PROGRAM_ENDED"
