"""The payments API end to end: quotes, transfers, reviews, switches, limits, risk rules
and money requests through the ASGI app, with roles and problem codes."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from core.bank import Bank
from tests.e2e.conftest import KeyFactory
from tests.fakes import MutableClock

API = "/api/v1"
_keys = itertools.count(1)


class Client:
    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http = http
        self.headers = {"X-API-Key": key}

    async def call(
        self,
        method: str,
        path: str,
        json: object = None,
        *,
        key: str | None = "auto",
        **params: Any,
    ) -> httpx.Response:
        headers = dict(self.headers)
        if key == "auto":
            key = f"k-{next(_keys)}" if method == "POST" else None
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.request(
            method, API + path, json=json, headers=headers, params=params
        )

    async def ok(self, method: str, path: str, json: object = None, **kw: Any) -> Any:
        response = await self.call(method, path, json, **kw)
        assert response.status_code in (200, 201, 204), response.text
        return None if response.status_code == 204 else response.json()

    async def problem(
        self, expected: int, method: str, path: str, json: object = None, **kw: Any
    ) -> dict[str, Any]:
        response = await self.call(method, path, json, **kw)
        assert response.status_code == expected, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def admin(http: httpx.AsyncClient, make_key: KeyFactory) -> Client:
    return Client(http, await make_key("bank.admin"))


@pytest.fixture
async def chat(http: httpx.AsyncClient, make_key: KeyFactory) -> Client:
    """The messenger side: reads and moves customers' money, decides nothing for staff."""
    return Client(http, await make_key("bank.read", "bank.payments", "bank.customers"))


async def customer(api: Client, name: str, phone: str, funded: int = 0) -> tuple[str, str, str]:
    """(customer id, account id, IBAN) of a verified customer with a EUR account."""
    created = await api.ok("POST", "/customers", {"full_name": name, "phone": phone})
    await api.ok("PUT", f"/customers/{created['id']}/kyc", {"status": "verified"})
    account = await api.ok("POST", f"/customers/{created['id']}/accounts", {"currency": "EUR"})
    if funded:
        body = {"account_id": account["id"], "amount_minor": funded, "currency": "EUR"}
        await api.ok("POST", "/deposits", body)
    return created["id"], account["id"], account["number"]


def transfer(source: str, kind: str, value: str, minor: int, **extra: Any) -> dict[str, Any]:
    return {
        "source_account_id": source,
        "recipient": {"kind": kind, "value": value},
        "amount_minor": minor,
        "currency": "EUR",
        **extra,
    }


async def test_a_customer_previews_and_sends_money_by_phone(
    admin: Client, chat: Client, bank: Bank
) -> None:
    await admin.ok(
        "PUT", "/payments/fees/transfer_internal/EUR", {"fixed_minor": 25, "percent_bp": 100}
    )
    _, source, _ = await customer(admin, "Olga Kovalenko", "+420601000001", funded=50_000)
    payee, payee_account, iban = await customer(admin, "Ivan Petrov", "+420601000002")
    preview = await chat.ok(
        "POST",
        "/payments/transfers/preview",
        transfer(source, "phone", "+420 601 000 002", 10_000),
        key=None,
    )
    assert (preview["amount_minor"], preview["fee_minor"], preview["total_minor"]) == (
        10_000,
        125,
        10_125,
    )
    assert preview["recipient"] == {
        "kind": "phone",
        "display_name": "Ivan P.",
        "account_last4": iban[-4:],
    }
    assert preview["limits"]["remaining_minor"] == 500_000
    body = transfer(
        source, "phone", "+420 601 000 002", 10_000, expected_fee_minor=125, description="Dinner"
    )
    sent = await chat.ok("POST", "/payments/transfers", body, key="send-1")
    assert (sent["status"], sent["total_minor"], sent["recipient_customer_id"]) == (
        "completed",
        10_125,
        payee,
    )
    again = await chat.ok("POST", "/payments/transfers", body, key="send-1")
    assert again["id"] == sent["id"]
    read = await chat.ok("GET", f"/payments/transfers/{sent['id']}")
    assert read["entry_id"] == sent["entry_id"]
    balance = await chat.ok("GET", f"/accounts/{payee_account}/balance")
    assert balance["ledger_minor"] == 10_000
    changed = await chat.problem(
        409, "POST", "/payments/transfers", {**body, "expected_fee_minor": 0}
    )
    assert (changed["code"], changed["data"]["fee"]) == ("FEE_CHANGED", 125)
    assert (await bank.verify_ledger()).ok


async def test_money_moving_posts_need_a_key_and_staff_routes_need_bank_admin(
    admin: Client, chat: Client
) -> None:
    _, source, _ = await customer(admin, "Olga Kovalenko", "+420601000011", funded=5_000)
    _, _, iban = await customer(admin, "Ivan Petrov", "+420601000012")
    missing = await chat.problem(
        400, "POST", "/payments/transfers", transfer(source, "account", iban, 100), key=None
    )
    assert missing["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    for method, path, body in (
        ("PUT", "/payments/fees/exchange/*", {"percent_bp": 10}),
        ("PUT", "/payments/limits/full/EUR", {"daily_minor": 1, "monthly_minor": 1}),
        ("POST", "/payments/switches", {"scope": "all", "reason": "x"}),
        ("GET", "/payments/risk/rules", None),
        ("POST", "/payments/transfers/00000000-0000-0000-0000-000000000000/approve", {}),
    ):
        refused = await chat.problem(403, method, path, body)
        assert refused["code"] == "FORBIDDEN"


async def test_staff_review_held_transfers_through_the_api(
    admin: Client, chat: Client, bank: Bank
) -> None:
    _, source, _ = await customer(admin, "Olga Kovalenko", "+420601000021", funded=1_000_000)
    _, account, iban = await customer(admin, "Ivan Petrov", "+420601000022")
    first = await chat.ok(
        "POST", "/payments/transfers", transfer(source, "account", iban, 250_000)
    )
    second = await chat.ok(
        "POST", "/payments/transfers", transfer(source, "account", iban, 240_000)
    )
    assert (first["status"], first["risk_score"]) == ("pending_review", 70)
    assert [r["rule"] for r in first["risk_reasons"]] == ["large_amount", "new_recipient"]
    queue = await admin.ok("GET", "/payments/transfers", status="pending_review")
    assert {p["id"] for p in queue} == {first["id"], second["id"]}
    approved = await admin.ok(
        "POST", f"/payments/transfers/{first['id']}/approve", {"note": "called"}
    )
    assert (approved["status"], approved["decision"]) == ("completed", "approved")
    rejected = await admin.ok(
        "POST", f"/payments/transfers/{second['id']}/reject", {"reason": "mule"}
    )
    assert rejected["status"] == "rejected"
    late = await admin.problem(409, "POST", f"/payments/transfers/{second['id']}/approve", {})
    assert late["code"] == "PAYMENT_NOT_PENDING"
    no_reason = await admin.problem(422, "POST", f"/payments/transfers/{first['id']}/reject", {})
    assert no_reason["code"] == "VALIDATION_ERROR"
    balance = await chat.ok("GET", f"/accounts/{account}/balance")
    assert balance["ledger_minor"] == 250_000
    assert (await bank.verify_ledger()).ok


async def test_a_switch_stops_transfers_with_a_clear_code_until_lifted(
    admin: Client, chat: Client, clock: MutableClock
) -> None:
    _, source, _ = await customer(admin, "Olga Kovalenko", "+420601000031", funded=5_000)
    _, _, iban = await customer(admin, "Ivan Petrov", "+420601000032")
    until = "2026-03-02T12:00:00+00:00"
    switch = await admin.ok(
        "POST",
        "/payments/switches",
        {"scope": "transfers", "currency": "eur", "ends_at": until, "reason": "Maintenance"},
    )
    assert (switch["currency"], switch["created_by"][:4]) == ("EUR", "api:")
    refused = await chat.problem(
        409, "POST", "/payments/transfers", transfer(source, "account", iban, 100)
    )
    assert refused["code"] == "OPERATION_DISABLED"
    assert refused["data"] == {
        "operation": "transfer_internal",
        "currency": "EUR",
        "scope": "transfers",
        "until": until,
        "reason": "Maintenance",
    }
    status = await chat.ok("GET", "/payments/operations/transfer_internal", currency="EUR")
    assert (status["enabled"], status["reason"]) == (False, "Maintenance")
    assert (await chat.ok("GET", "/payments/operations/exchange", currency="EUR"))["enabled"]
    assert [s["id"] for s in await chat.ok("GET", "/payments/switches")] == [switch["id"]]
    await admin.ok("POST", f"/payments/switches/{switch['id']}/lift")
    assert (await chat.ok("GET", "/payments/operations/transfer_internal", currency="EUR"))[
        "enabled"
    ]
    await chat.ok("POST", "/payments/transfers", transfer(source, "account", iban, 100))
    bad = await admin.problem(
        422, "POST", "/payments/switches", {"scope": "everything", "reason": "x"}
    )
    assert bad["data"]["field"] == "scope"


async def test_fees_limits_and_risk_rules_are_configured_as_data(
    admin: Client, chat: Client
) -> None:
    quote = await chat.ok(
        "GET",
        "/payments/fees/quote",
        operation="transfer_card",
        currency="EUR",
        amount_minor=50_000,
    )
    assert (quote["fee_minor"], quote["rule"]["source"]) == (500, "default")
    rule = await admin.ok(
        "PUT", "/payments/fees/transfer_card/*", {"percent_bp": 200, "minimum_minor": 10}
    )
    assert (rule["currency"], rule["source"]) == ("*", "configured")
    quote = await chat.ok(
        "GET",
        "/payments/fees/quote",
        operation="transfer_card",
        currency="EUR",
        amount_minor=50_000,
    )
    assert quote["fee_minor"] == 1_000
    await admin.ok("DELETE", "/payments/fees/transfer_card/*")
    gone = await admin.problem(404, "DELETE", "/payments/fees/transfer_card/*")
    assert gone["code"] == "RULE_NOT_FOUND"
    bad = await admin.problem(
        422, "PUT", "/payments/fees/transfer_card/EUR", {"minimum_minor": 10, "maximum_minor": 5}
    )
    assert bad["data"]["field"] == "maximum"
    unknown = await chat.problem(
        422, "GET", "/payments/fees/quote", operation="teleport", currency="EUR", amount_minor=1
    )
    assert unknown["data"]["field"] == "operation"
    fees = await chat.ok("GET", "/payments/fees")
    card_eur = next(f for f in fees if (f["operation"], f["currency"]) == ("transfer_card", "EUR"))
    assert (card_eur["percent_bp"], card_eur["minimum_minor"], card_eur["source"]) == (
        100,
        100,
        "default",
    )
    cust, _, _ = await customer(admin, "Olga Kovalenko", "+420601000041")
    await admin.ok(
        "PUT", "/payments/limits/full/EUR", {"daily_minor": 1_000, "monthly_minor": 9_000}
    )
    status = await chat.ok("GET", f"/customers/{cust}/limits/EUR")
    assert (status["kyc_level"], status["daily_limit_minor"], status["remaining_minor"]) == (
        "full",
        1_000,
        1_000,
    )
    limits = await chat.ok("GET", "/payments/limits")
    assert any(r["source"] == "configured" for r in limits)
    rules = await admin.ok("GET", "/payments/risk/rules")
    assert (rules["source"], rules["config"]["threshold"]) == ("default", 60)
    saved = await admin.ok("PUT", "/payments/risk/rules", {**rules["config"], "threshold": 80})
    assert (saved["source"], saved["config"]["threshold"]) == ("configured", 80)
    refused = await admin.problem(
        422, "PUT", "/payments/risk/rules", {**rules["config"], "night": {}}
    )
    assert refused["data"]["field"].startswith("night")
    reset = await admin.ok("DELETE", "/payments/risk/rules")
    assert reset["source"] == "default"


async def test_money_requests_through_the_api(admin: Client, chat: Client) -> None:
    requester, requester_account, _ = await customer(admin, "Ivan Petrov", "+420601000051")
    payer, payer_account, _ = await customer(
        admin, "Olga Kovalenko", "+420601000052", funded=10_000
    )
    body = {
        "requester_account_id": requester_account,
        "payer": {"kind": "phone", "value": "+420601000052"},
        "amount": "12.50",
        "currency": "EUR",
        "note": "Cinema",
    }
    created = await chat.ok("POST", "/money-requests", body, key="req-1")
    assert (created["status"], created["amount_minor"], created["requester_name"]) == (
        "pending",
        1_250,
        "Ivan P.",
    )
    assert (await chat.ok("POST", "/money-requests", body, key="req-1"))["id"] == created["id"]
    asked = await chat.ok(
        "GET", f"/customers/{payer}/money-requests", role="payer", status="pending"
    )
    assert [r["id"] for r in asked] == [created["id"]]
    paid = await chat.ok(
        "POST", f"/money-requests/{created['id']}/accept", {"source_account_id": payer_account}
    )
    assert (paid["status"], paid["destination_account_id"]) == ("completed", requester_account)
    closed = await chat.ok("GET", f"/money-requests/{created['id']}")
    assert (closed["status"], closed["payment_id"]) == ("paid", paid["id"])
    second = await chat.ok("POST", "/money-requests", {**body, "amount": "1.00"})
    wrong = await chat.problem(
        404, "POST", f"/money-requests/{second['id']}/decline", {"payer_customer_id": requester}
    )
    assert wrong["code"] == "MONEY_REQUEST_NOT_FOUND"
    declined = await chat.ok(
        "POST", f"/money-requests/{second['id']}/decline", {"payer_customer_id": payer}
    )
    assert declined["status"] == "declined"
    third = await chat.ok("POST", "/money-requests", {**body, "amount": "2.00"})
    cancelled = await chat.ok(
        "POST", f"/money-requests/{third['id']}/cancel", {"requester_customer_id": requester}
    )
    assert cancelled["status"] == "cancelled"
    keyless = await chat.problem(
        400,
        "POST",
        f"/money-requests/{third['id']}/accept",
        {"source_account_id": payer_account},
        key=None,
    )
    assert keyless["code"] == "IDEMPOTENCY_KEY_REQUIRED"


async def test_unknown_things_are_not_found_and_bad_filters_are_invalid(chat: Client) -> None:
    zero = "00000000-0000-0000-0000-000000000000"
    assert (await chat.problem(404, "GET", f"/payments/transfers/{zero}"))[
        "code"
    ] == "PAYMENT_NOT_FOUND"
    assert (await chat.problem(404, "GET", f"/money-requests/{zero}"))[
        "code"
    ] == "MONEY_REQUEST_NOT_FOUND"
    assert (await chat.problem(422, "GET", "/payments/transfers", status="lost"))["data"][
        "field"
    ] == "status"
    assert (await chat.problem(404, "GET", f"/customers/{zero}/limits/EUR"))[
        "code"
    ] == "CUSTOMER_NOT_FOUND"
