"""Referral programs through the core REST API: marketers' terms, roles, customers' codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from core.audit.log import recent
from core.bank import Bank
from tests.e2e.conftest import KeyFactory
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import event

API = "/api/v1"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # where MutableClock starts


def program_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": f"Spring {uuid4().hex[:6]}",
        "qualifying_event": "kyc_verified",
        "reward_currency": "EUR",
        "referrer_reward_minor": 1000,
        "referee_reward_minor": 500,
        "starts_at": (T0 - timedelta(hours=1)).isoformat(),
        "ends_at": (T0 + timedelta(days=30)).isoformat(),
        "descriptions": {"en": "Invite a friend", "ru": "Пригласите друга"},
        "code_prefix": "TELL",
        **fields,
    }


class Client:
    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http = http
        self.headers = {"X-API-Key": key}

    async def call(
        self, method: str, path: str, json: object = None, **params: Any
    ) -> httpx.Response:
        return await self.http.request(
            method, API + path, json=json, headers=self.headers, params=params
        )

    async def ok(self, method: str, path: str, json: object = None, **params: Any) -> Any:
        r = await self.call(method, path, json, **params)
        assert r.status_code in (200, 201, 204), r.text
        return None if r.status_code == 204 else r.json()


@pytest.fixture
async def admin(http: httpx.AsyncClient, make_key: KeyFactory) -> Client:
    return Client(http, await make_key("bank.admin"))


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


async def test_a_marketer_creates_edits_pauses_and_resumes_a_program(
    admin: Client, clock: MutableClock
) -> None:
    created = await admin.ok(
        "POST",
        "/referral-programs",
        program_body(caps={"referrer_rewards": 5, "referrer_rewards_per_day": 2}),
    )
    pid = created["id"]
    assert created["status"] == "active"
    assert created["caps"] == {
        "referrer_rewards": 5,
        "referrer_amount_minor": None,
        "referrer_rewards_per_day": 2,
        "program_referrals": None,
        "program_amount_minor": None,
    }
    assert created["descriptions"]["ru"] == "Пригласите друга"
    assert await admin.ok("GET", f"/referral-programs/{pid}") == created

    edited = await admin.ok(
        "PATCH",
        f"/referral-programs/{pid}",
        {"ends_at": None, "descriptions": {"en": "Forever"}, "caps": None},
    )
    assert (edited["ends_at"], edited["descriptions"], edited["caps"]["referrer_rewards"]) == (
        None,
        {"en": "Forever"},
        None,
    )
    assert edited["referee_reward_minor"] == 500  # untouched
    refused = await admin.call("PATCH", f"/referral-programs/{pid}", {"referee_reward_minor": 900})
    assert problem(refused, 409, "PROGRAM_STARTED")["data"]["fields"] == "referee_reward"

    assert (await admin.ok("POST", f"/referral-programs/{pid}/pause"))["status"] == "paused"
    paused = await admin.ok("GET", "/referral-programs", status="paused")
    assert [p["id"] for p in paused] == [pid]
    assert (await admin.ok("POST", f"/referral-programs/{pid}/resume"))["status"] == "active"


async def test_a_scheduled_program_can_be_rescheduled(admin: Client) -> None:
    later = (T0 + timedelta(days=7)).isoformat()
    created = await admin.ok(
        "POST", "/referral-programs", program_body(starts_at=later, ends_at=None)
    )
    assert created["status"] == "scheduled"
    sooner = (T0 + timedelta(days=1)).isoformat()
    moved = await admin.ok(
        "PATCH",
        f"/referral-programs/{created['id']}",
        {"starts_at": sooner, "referee_reward_minor": 700},
    )
    assert (moved["starts_at"], moved["referee_reward_minor"]) == (
        (T0 + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        700,
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"reward_currency": "GBP"}, "VALIDATION_ERROR"),
        ({"reward_currency": "XYZ"}, "UNKNOWN_CURRENCY"),
        ({"referee_reward_minor": "500"}, "VALIDATION_ERROR"),  # strings are not amounts
        ({"referee_reward_minor": 5.5}, "VALIDATION_ERROR"),
        ({"qualifying_event": "birthday"}, "VALIDATION_ERROR"),
        ({"descriptions": {"de": "Hallo"}}, "VALIDATION_ERROR"),
        ({"starts_at": "2026-03-01T00:00:00"}, "VALIDATION_ERROR"),  # no time zone
        ({"surprise": True}, "VALIDATION_ERROR"),
        ({"kind": "partner"}, "VALIDATION_ERROR"),  # no partner named
        ({"cashback": [{"category": "54a1", "rate_bp": 5}]}, "VALIDATION_ERROR"),
    ],
)
async def test_malformed_programs_are_problems(
    admin: Client, fields: dict[str, Any], code: str
) -> None:
    r = await admin.call("POST", "/referral-programs", program_body(**fields))
    problem(r, 422, code)
    assert await admin.ok("GET", "/referral-programs") == []


async def test_roles_guard_programs_codes_and_statistics(
    http: httpx.AsyncClient, make_key: KeyFactory, admin: Client
) -> None:
    reader = Client(http, await make_key("bank.read"))
    agent = Client(http, await make_key("bank.customers"))
    payments = Client(http, await make_key("bank.payments"))
    for who in (reader, agent, payments):
        problem(await who.call("POST", "/referral-programs", program_body()), 403, "FORBIDDEN")
    pid = (await admin.ok("POST", "/referral-programs", program_body()))["id"]
    for who in (reader, agent):
        problem(await who.call("POST", f"/referral-programs/{pid}/pause"), 403, "FORBIDDEN")
        problem(
            await who.call("PATCH", f"/referral-programs/{pid}", {"paused": True}),
            403,
            "FORBIDDEN",
        )
    customer = (
        await agent.ok("POST", "/customers", {"full_name": "Olena K", "phone": "+380671112233"})
    )["id"]
    problem(
        await reader.call("POST", f"/customers/{customer}/referral", {"code": "X"}),
        403,
        "FORBIDDEN",
    )
    problem(
        await reader.call(
            "POST",
            f"/customers/{customer}/identity-documents",
            {"document_country": "UA", "document_number": "FE123456"},
        ),
        403,
        "FORBIDDEN",
    )
    assert (await reader.ok("GET", f"/referral-programs/{pid}/stats"))["total"]["invited"] == 0
    assert await reader.ok("GET", f"/customers/{customer}/cashback-rates") == []


async def test_a_referral_journey_through_the_api(
    http: httpx.AsyncClient, make_key: KeyFactory, admin: Client, bank: Bank
) -> None:
    agent = Client(http, await make_key("bank.customers", "bank.read"))
    pid = (await admin.ok("POST", "/referral-programs", program_body()))["id"]
    inviter = (await agent.ok("POST", "/customers", {"full_name": "Anna Nováková"}))["id"]
    await agent.ok("PUT", f"/customers/{inviter}/kyc", {"status": "verified"})
    code = await agent.ok("POST", f"/referral-programs/{pid}/codes", {"customer_id": inviter})
    assert code["code"].startswith("TELL")
    assert code["program"]["id"] == pid
    assert await agent.ok("GET", f"/referral-codes/{code['code'].lower()}") == code

    friend = (await agent.ok("POST", "/customers", {"full_name": "Petr Malý"}))["id"]
    attached = await agent.ok(
        "POST", f"/customers/{friend}/referral", {"code": code["code"], "channel": "whatsapp"}
    )
    assert (attached["status"], attached["channel"], attached["referrer_id"]) == (
        "attached",
        "whatsapp",
        inviter,
    )
    problem(
        await agent.call("POST", f"/customers/{friend}/referral", {"code": code["code"]}),
        409,
        "ALREADY_REFERRED",
    )
    r = await agent.call(
        "POST",
        f"/customers/{friend}/identity-documents",
        {"document_country": "CZ", "document_number": "123456789"},
    )
    assert (r.status_code, r.content) == (204, b"")

    await agent.ok("PUT", f"/customers/{friend}/kyc", {"status": "verified"})
    decided = event(bank, "kyc.decided", customer_id=friend, decision="verified")
    await bank.referrals.rewards.handle(decided)

    referral = await agent.ok("GET", f"/customers/{friend}/referral")
    assert referral["status"] == "qualified"
    assert sorted((r["role"], r["amount_minor"], r["status"]) for r in referral["rewards"]) == [
        ("referee", 500, "paid"),
        ("referrer", 1000, "paid"),
    ]
    stats = await agent.ok("GET", f"/referral-programs/{pid}/stats")
    assert stats["total"] == {
        "invited": 1,
        "verified": 1,
        "rewarded": 1,
        "paid_out_minor": {"EUR": 1500},
    }
    assert stats["by_channel"]["whatsapp"]["paid_out_minor"] == {"EUR": 1500}
    summary = await agent.ok("GET", f"/referral-programs/{pid}/referrers/{inviter}")
    assert (summary["invited"], summary["earned_minor"]) == (1, {"EUR": 1000})


async def test_a_document_number_is_never_echoed_or_audited(admin: Client, bank: Bank) -> None:
    customer = (await admin.ok("POST", "/customers", {"full_name": "Jan Novák"}))["id"]
    number = "AB99887766"
    r = await admin.call(
        "POST",
        f"/customers/{customer}/identity-documents",
        {"document_country": "QQ", "document_number": number},
    )
    body = problem(r, 422, "VALIDATION_ERROR")
    assert number not in r.text
    assert body["data"] == {"field": "document_country"}
    await admin.ok(
        "POST",
        f"/customers/{customer}/identity-documents",
        {"document_country": "CZ", "document_number": number},
    )
    async with bank.db.read() as conn:
        records = await recent(conn, limit=10)
    assert all(number not in str(r.details) for _, r in records)


async def test_partner_programs_take_promo_codes_and_show_cashback(admin: Client) -> None:
    body = program_body(
        kind="partner",
        partner_name="Rohlík",
        referrer_reward_minor=0,
        cashback=[{"category": "5411", "rate_bp": 500}, {"category": "5499", "rate_bp": 200}],
    )
    shop = await admin.ok("POST", "/referral-programs", body)
    assert shop["cashback"] == [
        {"category": "5411", "rate_bp": 500},
        {"category": "5499", "rate_bp": 200},
    ]
    promo = await admin.ok(
        "POST", f"/referral-programs/{shop['id']}/promo-codes", {"code": "rohlik-5"}
    )
    assert (promo["code"], promo["referrer_id"]) == ("ROHLIK5", None)
    drawn = await admin.ok("POST", f"/referral-programs/{shop['id']}/promo-codes", {})
    assert drawn["code"].startswith("TELL")
    problem(
        await admin.call(
            "POST", f"/referral-programs/{shop['id']}/promo-codes", {"code": "ROHLIK5"}
        ),
        409,
        "REFERRAL_CODE_EXISTS",
    )
    customer = (await admin.ok("POST", "/customers", {"full_name": "Eva"}))["id"]
    rates = await admin.ok("GET", f"/customers/{customer}/cashback-rates")
    assert [(r["partner_name"], r["category"], r["rate_bp"]) for r in rates] == [
        ("Rohlík", "5411", 500),
        ("Rohlík", "5499", 200),
    ]
    only = await admin.ok("GET", f"/customers/{customer}/cashback-rates", category="5499")
    assert [r["category"] for r in only] == ["5499"]
    problem(
        await admin.call("GET", f"/customers/{customer}/cashback-rates", category="grocery"),
        422,
        "VALIDATION_ERROR",
    )
    problem(
        await admin.call("GET", f"/customers/{uuid4()}/cashback-rates"), 404, "CUSTOMER_NOT_FOUND"
    )


async def test_unknown_things_are_not_found(admin: Client) -> None:
    problem(await admin.call("GET", f"/referral-programs/{uuid4()}"), 404, "PROGRAM_NOT_FOUND")
    problem(await admin.call("GET", "/referral-codes/NOPE1234"), 404, "REFERRAL_CODE_NOT_FOUND")
    problem(await admin.call("GET", f"/customers/{uuid4()}/referral"), 404, "REFERRAL_NOT_FOUND")
    problem(
        await admin.call(
            "POST", f"/customers/{uuid4()}/referral", {"code": "NOPE1234", "channel": "fax"}
        ),
        422,
        "VALIDATION_ERROR",
    )
