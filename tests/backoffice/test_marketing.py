"""Marketing in the back office: programs (create, edit, schedule, pause and resume), their
links and QR codes, tracked openings, and who may do any of it."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from backoffice.roles import Role
from core.actors import SYSTEM
from core.bank import Bank
from core.referrals.model import Channel, ProgramKind, ProgramStatus
from teller.settings import Settings
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.marketing_support import (
    BOT,
    PUBLIC,
    audited,
    create,
    program_form,
    programs,
)
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import customer, terms, verify

OTHER_ROLES = [r for r in Role if r is not Role.MARKETER]
PAGES = "/backoffice/marketing/programs"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Telegram set up for links (a bot's username is all a deep link needs)."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        nlu_engine="off",
        telegram_bot_username=BOT,
        public_url=PUBLIC,
    )


async def test_a_marketer_creates_a_partner_program_with_its_links_and_qr_codes(
    staff_client: StaffFactory, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="autumn-26", name="Autumn at Rohlík")

    (program,) = await programs(bank)
    assert program.id == program_id
    assert program.terms.kind is ProgramKind.PARTNER
    assert (program.terms.referee_reward, program.terms.caps.program_amount) == (500, 100_000)
    assert program.terms.starts_at == datetime(2026, 1, 1, tzinfo=UTC)
    page = await marketer.get(f"/backoffice/marketing/programs/{program_id}")
    assert page.status_code == 200
    assert "AUTUMN26" in page.text
    assert f"{PUBLIC}/r/AUTUMN26/telegram" in page.text
    assert f"https://t.me/{BOT}?start=AUTUMN26" in page.text
    assert f"{PUBLIC}/r/AUTUMN26/webchat" in page.text
    assert "/r/AUTUMN26/viber" not in page.text  # Viber is not set up
    qr = await marketer.get(
        f"/backoffice/marketing/programs/{program_id}/qr/AUTUMN26/telegram.png"
    )
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG")
    listing = await marketer.get("/backoffice/marketing")
    assert "Autumn at Rohlík" in listing.text
    assert [a[0] for a in await audited(bank, "create_program")] == [f"staff:{marketer.username}"]
    assert [a[3]["code"] for a in await audited(bank, "add_promo_code")] == ["AUTUMN26"]


async def test_a_partner_program_without_a_typed_code_gets_a_drawn_one(
    staff_client: StaffFactory, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, code_prefix="RH", code_length="6")
    page = await marketer.get(f"/backoffice/marketing/programs/{program_id}")
    assert f"{PUBLIC}/r/RH" in page.text
    add = await marketer.post(f"{PAGES}/{program_id}/codes", {"code": "RH-SECOND"})
    assert add.status_code == 303
    again = await marketer.post(f"{PAGES}/{program_id}/codes", {"code": "rhsecond"})
    assert "error=REFERRAL_CODE_EXISTS" in again.headers["location"]
    page = await marketer.get(again.headers["location"])
    assert "This promo code is already in use." in page.text
    assert "RHSECOND" in page.text


async def test_invalid_programs_are_refused_in_the_staff_members_language(
    staff_client: StaffFactory, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    await marketer.post("/backoffice/language", {"language": "cs", "back": "/backoffice"})
    ends_first = await marketer.post(
        "/backoffice/marketing/programs",
        program_form(starts_at="2026-05-01T00:00", ends_at="2026-04-01T00:00"),
    )
    assert ends_first.status_code == 422
    assert 'id="f-ends_at"' in ends_first.text
    assert 'aria-invalid="true"' in ends_first.text
    assert "Konec je datum a čas po začátku." in ends_first.text
    bad_amount = await marketer.post(
        "/backoffice/marketing/programs", program_form(referee_reward="five")
    )
    assert bad_amount.status_code == 422
    assert "Částka jako 10 nebo 10,50" in bad_amount.text
    assert await programs(bank) == []
    taken = program_form()
    await create(marketer, **taken)
    twice = await marketer.post("/backoffice/marketing/programs", taken)
    assert twice.status_code == 422
    assert "Program s tímto názvem už existuje." in twice.text
    assert len(await programs(bank)) == 1
    refusals = await audited(bank, "create_program")
    assert [r[2] for r in refusals] == [
        "rejected:VALIDATION_ERROR",
        "ok",
        "rejected:PROGRAM_EXISTS",
    ]


async def test_a_program_is_scheduled_edited_paused_and_resumed(
    staff_client: StaffFactory, bank: Bank, clock: MutableClock
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, starts_at="2026-04-01T08:00", ends_at="2026-06-30T00:00")
    program = await bank.referrals.programs.get(program_id)
    assert program.status(clock.now()) is ProgramStatus.SCHEDULED
    edit = await marketer.get(f"/backoffice/marketing/programs/{program_id}/edit")
    assert 'value="2026-04-01T08:00"' in edit.text
    saved = await marketer.post(
        f"/backoffice/marketing/programs/{program_id}",
        program_form(name=program.terms.name, referee_reward="7.50", starts_at="2026-03-02T09:45"),
    )
    assert saved.status_code == 303
    program = await bank.referrals.programs.get(program_id)
    assert (program.terms.referee_reward, program.terms.ends_at) == (750, None)

    clock.advance(minutes=20)  # started: the rewards are promised now
    late = await marketer.post(
        f"/backoffice/marketing/programs/{program_id}",
        program_form(name=program.terms.name, referee_reward="9.00", starts_at="2026-03-02T09:45"),
    )
    assert late.status_code == 422
    assert "The program has started" in late.text
    assert (await bank.referrals.programs.get(program_id)).terms.referee_reward == 750
    budget = await marketer.post(  # what may always change: the end and the budget
        f"{PAGES}/{program_id}",
        program_form(
            name=program.terms.name,
            referee_reward="7.50",
            starts_at="2026-03-02T09:45",
            ends_at="2026-04-30T00:00",
            cap_budget="250",
        ),
    )
    assert budget.status_code == 303, budget.text
    program = await bank.referrals.programs.get(program_id)
    assert (program.terms.ends_at, program.terms.caps.program_amount) == (
        datetime(2026, 4, 30, tzinfo=UTC),
        25_000,
    )

    paused = await marketer.post(f"{PAGES}/{program_id}/pause")
    assert paused.status_code == 303
    assert (await bank.referrals.programs.get(program_id)).status(
        clock.now()
    ) is ProgramStatus.PAUSED
    page = await marketer.get(f"/backoffice/marketing/programs/{program_id}")
    assert "Resume" in page.text
    await marketer.post(f"{PAGES}/{program_id}/resume")
    assert (await bank.referrals.programs.get(program_id)).status(
        clock.now()
    ) is ProgramStatus.ACTIVE
    actions = [
        (await audited(bank, a))[-1][0]
        for a in ("edit_program", "pause_program", "resume_program")
    ]
    assert actions == [f"staff:{marketer.username}"] * 3


async def test_a_tracked_link_counts_the_opening_and_redirects_to_the_deep_link(
    staff_client: StaffFactory, anonymous: httpx.AsyncClient, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="OPENME")
    opened = await anonymous.get("/r/openme/telegram")
    assert opened.status_code == 302
    assert opened.headers["location"] == f"https://t.me/{BOT}?start=OPENME"
    web = await anonymous.get("/r/OPENME/webchat")
    assert web.headers["location"] == f"{PUBLIC}/webchat?ref=OPENME"
    assert (await anonymous.get("/r/NOSUCHCODE/telegram")).status_code == 404
    assert (await anonymous.get("/r/OPENME/viber")).status_code == 404  # not set up
    assert (await anonymous.get("/r/OPENME/fax")).status_code == 404
    funnel = await marketer.get(f"/backoffice/marketing/programs/{program_id}/funnel")
    assert funnel.status_code == 200
    assert '<tr data-channel="telegram">' in funnel.text
    row = funnel.text.split('<tr data-channel="telegram">')[1].split("</tr>")[0]
    assert '<td data-stage="opened">1</td>' in row
    total = funnel.text.split('<tr data-channel="all">')[1].split("</tr>")[0]
    assert '<td data-stage="opened">2</td>' in total


async def test_a_visitor_s_openings_of_a_link_count_once_per_half_hour(
    staff_client: StaffFactory, anonymous: httpx.AsyncClient, clock: MutableClock
) -> None:
    # The address is public: reloads and scripts must not inflate the funnel, and every
    # opening is still sent on to the deep link.
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="ONCE2026")
    phone = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile"}
    laptop = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}

    async def opened() -> dict[str, int]:
        page = await marketer.get(f"{PAGES}/{program_id}/funnel")
        return {c: funnel_row(page.text, c)["opened"] for c in ("all", "telegram")}

    for _ in range(5):
        answer = await anonymous.get("/r/ONCE2026/telegram", headers=phone)
        assert answer.status_code == 302
        assert answer.headers["location"] == f"https://t.me/{BOT}?start=ONCE2026"
    assert await opened() == {"all": 1, "telegram": 1}

    await anonymous.get("/r/ONCE2026/telegram", headers=laptop)  # another browser
    await anonymous.get("/r/ONCE2026/webchat", headers=phone)  # another link
    assert await opened() == {"all": 3, "telegram": 2}

    clock.advance(minutes=29)
    await anonymous.get("/r/ONCE2026/telegram", headers=phone)
    assert await opened() == {"all": 3, "telegram": 2}
    clock.advance(minutes=2)  # half an hour after it was counted
    await anonymous.get("/r/ONCE2026/telegram", headers=phone)
    assert await opened() == {"all": 4, "telegram": 3}


async def test_concurrent_openings_by_one_visitor_count_once(
    staff_client: StaffFactory, anonymous: httpx.AsyncClient
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="RACE2026")
    answers = await asyncio.gather(*(anonymous.get("/r/RACE2026/telegram") for _ in range(8)))
    assert {a.status_code for a in answers} == {302}
    page = await marketer.get(f"{PAGES}/{program_id}/funnel")
    assert funnel_row(page.text, "telegram")["opened"] == 1


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_other_roles_are_refused_every_marketing_page(
    staff_client: StaffFactory, bank: Bank, role: Role
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="ROLES1")
    other = await staff_client(role)
    base = f"/backoffice/marketing/programs/{program_id}"
    for url in (
        "/backoffice/marketing",
        "/backoffice/marketing/programs/new",
        base,
        f"{base}/edit",
        f"{base}/funnel",
        f"{base}/qr/ROLES1/telegram.png",
        "/backoffice/marketing/texts",
        "/backoffice/marketing/texts/start.welcome_new",
    ):
        assert (await other.get(url)).status_code == 403, url
    for url, data in (
        ("/backoffice/marketing/programs", program_form()),
        (base, program_form()),
        (f"{base}/pause", {}),
        (f"{base}/codes", {"code": "ROLES2"}),
        ("/backoffice/marketing/texts/start.welcome_new", {"language": "en", "text": "Hi"}),
    ):
        assert (await other.post(url, data)).status_code == 403, url
    assert len(await programs(bank)) == 1
    assert (await bank.referrals.programs.get(program_id)).terms.paused is False


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    staff_client: StaffFactory, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="CSRF01")
    base = f"/backoffice/marketing/programs/{program_id}"
    for url, data in (
        ("/backoffice/marketing/programs", program_form()),
        (base, program_form(name="Renamed")),
        (f"{base}/pause", {}),
        (f"{base}/codes", {"code": "CSRF02"}),
        ("/backoffice/marketing/texts/start.welcome_new", {"language": "en", "text": "Hi"}),
    ):
        answer = await marketer.http.post(url, data=data)
        assert answer.status_code == 403, url
    (program,) = await programs(bank)
    assert program.terms.paused is False
    assert program.terms.name != "Renamed"
    assert (await bank.referrals.attribution.lookup("CSRF01")).code == "CSRF01"
    assert await audited(bank, "add_promo_code") == [
        (f"staff:{marketer.username}", f"program:{program_id}", "ok", {"code": "CSRF01"})
    ]


async def test_unknown_programs_and_codes_of_other_programs_are_not_found(
    staff_client: StaffFactory,
) -> None:
    marketer = await staff_client(Role.MARKETER)
    mine = await create(marketer, promo_code="MINE01")
    await create(marketer, promo_code="THEIRS01")
    for url in (
        f"/backoffice/marketing/programs/{uuid4()}",
        f"/backoffice/marketing/programs/{uuid4()}/edit",
        f"/backoffice/marketing/programs/{uuid4()}/funnel",
        "/backoffice/marketing/programs/not-an-id",
        f"/backoffice/marketing/programs/{mine}/qr/THEIRS01/telegram.png",
        f"/backoffice/marketing/programs/{mine}/qr/MINE01/fax.png",
        f"/backoffice/marketing/programs/{mine}/qr/MINE01/viber.png",
    ):
        assert (await marketer.get(url)).status_code == 404, url
    for url in (
        f"/backoffice/marketing/programs/{uuid4()}/pause",
        f"/backoffice/marketing/programs/{uuid4()}",
    ):
        assert (await marketer.post(url, program_form())).status_code == 404, url


async def start_chat(anonymous: httpx.AsyncClient, user: str, code: str) -> httpx.Response:
    """A web chat opened from ``/webchat?ref=<code>``."""
    body = {"user_id": user, "text": "/start", "referral": code}
    return await anonymous.post("/webchat/api/messages", json=body)


def funnel_row(html: str, channel: str) -> dict[str, int]:
    row = html.split(f'<tr data-channel="{channel}">')[1].split("</tr>")[0]
    cells = re.findall(r'<td data-stage="(\w+)">(\d+)</td>', row)
    return {stage: int(count) for stage, count in cells}


async def test_the_funnel_joins_openings_started_chats_and_the_bank_s_referrals(
    staff_client: StaffFactory, anonymous: httpx.AsyncClient, bank: Bank
) -> None:
    marketer = await staff_client(Role.MARKETER)
    program_id = await create(marketer, promo_code="FUNNEL01")
    await anonymous.get("/r/FUNNEL01/webchat")
    for user in ("visitor-a", "visitor-b"):  # two chats start with the code, one twice
        assert (await start_chat(anonymous, user, "funnel01")).status_code == 200
    await start_chat(anonymous, "visitor-a", "FUNNEL01")
    await start_chat(anonymous, "visitor-c", "NOPE1234")  # not this program's code
    friend = await customer(bank)
    await bank.referrals.attribution.attach(friend.id, "FUNNEL01", SYSTEM, channel=Channel.WEBCHAT)
    await verify(bank, friend.id)

    page = await marketer.get(f"{PAGES}/{program_id}/funnel")
    webchat = funnel_row(page.text, "webchat")
    assert webchat == {
        "opened": 1,
        "started": 2,
        "signed_up": 1,
        "verified": 1,
        "card_issued": 0,
        "first_topup": 0,
        "rewarded": 1,
    }
    assert funnel_row(page.text, "all") == webchat


async def test_saving_a_running_program_keeps_a_start_with_seconds(
    staff_client: StaffFactory, bank: Bank, clock: MutableClock
) -> None:
    made = await bank.referrals.programs.create(
        terms(bank, starts_at=clock.now() - timedelta(seconds=75)), SYSTEM
    )
    marketer = await staff_client(Role.MARKETER)
    form = await marketer.get(f"{PAGES}/{made.id}/edit")
    assert 'value="2026-03-02T09:28"' in form.text
    saved = await marketer.post(
        f"{PAGES}/{made.id}",
        program_form(
            kind="referral",
            partner_name="",
            name=made.terms.name,
            referrer_reward="10.00",
            referee_reward="5.00",
            starts_at="2026-03-02T09:28",
            ends_at="2026-05-01T00:00",
            code_prefix="TELL",
            code_length="6",
            cap_budget="",
            description_en="Invite a friend, both get a bonus",
            description_cs="Pozvěte přítele",
        ),
    )
    assert saved.status_code == 303, saved.text
    program = await bank.referrals.programs.get(made.id)
    assert program.terms.starts_at == made.terms.starts_at
    assert program.terms.ends_at == datetime(2026, 5, 1, tzinfo=UTC)
