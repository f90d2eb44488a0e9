"""Cards through the REST API: a customer's card from issue to cashback, a processor's
authorizations, roles, bad input, and no card data in responses or logs."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
import structlog

from core.bank import Bank
from teller.logs import configure_logging
from tests.e2e.conftest import KeyFactory
from tests.unit.conftest import clean_logging  # noqa: F401 - the fixture, for the log test

API = "/api/v1"


@pytest.fixture(autouse=True)
async def _ledger_stays_consistent(bank: Bank) -> AsyncIterator[None]:
    yield
    report = await bank.verify_ledger()
    assert report.ok, report.problems


class Client:
    """One API client with its key: ``ok`` fails loudly on anything but success."""

    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http = http
        self.headers = {"X-API-Key": key}
        self._keys = itertools.count(1)

    async def call(self, method: str, path: str, json: object = None, **params: Any) -> Any:
        return await self.http.request(
            method, API + path, json=json, headers=self.headers, params=params or None
        )

    async def ok(self, method: str, path: str, json: object = None, **params: Any) -> Any:
        response = await self.call(method, path, json, **params)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def problem(
        self, status: int, code: str, method: str, path: str, json: object = None
    ) -> dict[str, Any]:
        response = await self.call(method, path, json)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body: dict[str, Any] = response.json()
        assert body["code"] == code
        return body


@pytest.fixture
async def staff(http: httpx.AsyncClient, make_key: KeyFactory) -> Client:
    return Client(http, await make_key("bank.admin"))


@pytest.fixture
async def flows(http: httpx.AsyncClient, make_key: KeyFactory) -> Client:
    """What flows hold: customers, payments and reading, not processing."""
    return Client(http, await make_key("bank.customers", "bank.payments", "bank.read"))


@pytest.fixture
async def processor(http: httpx.AsyncClient, make_key: KeyFactory) -> Client:
    return Client(http, await make_key("bank.processor"))


async def verified_account(
    staff: Client, name: str = "Ivan Petrov", funds: int = 50_000
) -> dict[str, Any]:
    customer = await staff.ok("POST", "/customers", {"full_name": name})
    await staff.ok("PUT", f"/customers/{customer['id']}/kyc", {"status": "verified"})
    account: dict[str, Any] = await staff.ok(
        "POST", f"/customers/{customer['id']}/accounts", {"currency": "EUR"}
    )
    response = await staff.http.post(
        API + "/deposits",
        json={"account_id": account["id"], "amount_minor": funds, "currency": "EUR"},
        headers={**staff.headers, "Idempotency-Key": uuid4().hex},
    )
    assert response.status_code == 201
    return account


def authorization(details: dict[str, Any], amount: int, **fields: object) -> dict[str, object]:
    return {
        "authorization_id": f"net-{uuid4().hex[:16]}",
        "card_number": details["number"],
        "expiry_month": details["expiry_month"],
        "expiry_year": details["expiry_year"],
        "amount_minor": amount,
        "currency": "EUR",
        "channel": "pos",
        "mcc": "5411",
        "merchant_name": "Albert Praha",
        **fields,
    }


async def issued(staff: Client, flows: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """A card issued through the API, and its details through a reveal."""
    account = await verified_account(staff)
    card = await flows.ok(
        "POST", f"/customers/{account['customer_id']}/cards", {"account_id": account["id"]}
    )
    token = await flows.ok("POST", f"/cards/{card['id']}/reveal-tokens")
    details = await flows.ok("POST", "/cards/reveal", {"token": token["token"]})
    return card, details


async def test_a_card_from_issue_to_a_cleared_purchase(
    staff: Client, flows: Client, processor: Client, bank: Bank
) -> None:
    account = await verified_account(staff)
    path = f"/customers/{account['customer_id']}/cards"
    response = await flows.call("POST", path, {"account_id": account["id"], "tier": "digital"})
    assert response.status_code == 201
    card = response.json()
    assert (card["tier_name"], card["status"], card["currency"]) == (
        "Digital Tariff Card",
        "active",
        "EUR",
    )
    assert "number" not in card
    assert "cvv" not in card
    assert [c["id"] for c in await flows.ok("GET", path)] == [card["id"]]

    token = await flows.ok("POST", f"/cards/{card['id']}/reveal-tokens")
    revealed = await flows.call("POST", "/cards/reveal", {"token": token["token"]})
    assert revealed.headers["cache-control"] == "no-store"
    details = revealed.json()
    assert details["number"].endswith(card["last4"])
    assert re.fullmatch(r"[0-9]{3}", details["cvv"])
    await flows.problem(
        409, "REVEAL_TOKEN_USED", "POST", "/cards/reveal", {"token": token["token"]}
    )

    await flows.ok("PUT", f"/cards/{card['id']}/pin", {"pin": "2580"})
    request = authorization(details, 1_250, channel="atm", mcc="6011", pin="2580")
    approved = await processor.ok("POST", "/card-processing/authorizations", request)
    assert (approved["approved"], approved["response_code"], approved["status"]) == (
        True,
        "00",
        "approved",
    )
    assert await processor.ok("POST", "/card-processing/authorizations", request) == approved
    ref = request["authorization_id"]
    cleared = await processor.ok(
        "POST",
        f"/card-processing/authorizations/{ref}/clearing",
        {"amount_minor": 1_200, "currency": "EUR"},
    )
    assert (cleared["status"], cleared["cleared_amount_minor"]) == ("cleared", 1_200)
    balance = await staff.ok("GET", f"/accounts/{account['id']}/balance")
    assert (balance["ledger_minor"], balance["held_minor"]) == (48_800, 0)
    assert (await processor.ok("GET", f"/card-processing/authorizations/{ref}"))["entry_id"]
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def test_lock_limits_and_reversal_are_observed_by_the_processor(
    staff: Client, flows: Client, processor: Client
) -> None:
    card, details = await issued(staff, flows)
    await flows.ok("POST", f"/cards/{card['id']}/lock")
    declined = await processor.ok(
        "POST", "/card-processing/authorizations", authorization(details, 500)
    )
    assert (declined["approved"], declined["decline_reason"], declined["response_code"]) == (
        False,
        "card_locked",
        "62",
    )
    await flows.ok("POST", f"/cards/{card['id']}/unlock")
    limits = {"per_transaction_limit_minor": 1_000, "daily_limit_minor": 1_500}
    assert (await flows.ok("PUT", f"/cards/{card['id']}/limits", limits))[
        "daily_limit_minor"
    ] == 1_500
    over = await processor.ok(
        "POST", "/card-processing/authorizations", authorization(details, 1_001)
    )
    assert over["decline_reason"] == "transaction_limit"
    first = await processor.ok(
        "POST", "/card-processing/authorizations", authorization(details, 1_000)
    )
    assert first["approved"]
    second = await processor.ok(
        "POST", "/card-processing/authorizations", authorization(details, 600)
    )
    assert second["decline_reason"] == "daily_limit"
    reversed_ = await processor.ok(
        "POST", f"/card-processing/authorizations/{first['authorization_id']}/reversal"
    )
    assert reversed_["status"] == "reversed"
    assert (
        await processor.ok("POST", "/card-processing/authorizations", authorization(details, 600))
    )["approved"]
    await flows.ok(
        "PUT", f"/cards/{card['id']}/channels", {"online_enabled": False, "atm_enabled": True}
    )
    online = await processor.ok(
        "POST", "/card-processing/authorizations", authorization(details, 100, channel="online")
    )
    assert online["decline_reason"] == "online_disabled"
    listed = await flows.ok("GET", f"/cards/{card['id']}/authorizations")
    assert len(listed) == 6


async def test_block_reissue_lookup_and_bank_details(staff: Client, flows: Client) -> None:
    card, details = await issued(staff, flows)
    found = await flows.ok("POST", "/cards/lookup", {"card_number": details["number"]})
    assert (found["holder_name"], found["last4"]) == ("Ivan P.", card["last4"])
    bank_details = await flows.ok("GET", f"/accounts/{card['account_id']}/bank-details")
    assert (bank_details["holder_name"], bank_details["bic"]) == ("Ivan Petrov", "TELLCZPP")
    blocked = await flows.ok("POST", f"/cards/{card['id']}/block", {"reason": "lost"})
    assert (blocked["status"], blocked["block_reason"]) == ("blocked", "lost")
    await flows.problem(409, "CARD_BLOCKED", "POST", f"/cards/{card['id']}/unlock")
    await flows.problem(
        404, "CARD_NOT_FOUND", "POST", "/cards/lookup", {"card_number": details["number"]}
    )
    response = await flows.call("POST", f"/cards/{card['id']}/reissue")
    assert response.status_code == 201
    assert response.json()["replaces_card_id"] == card["id"]


async def test_cashback_rates_and_summary(staff: Client, flows: Client, processor: Client) -> None:
    rate = await staff.ok(
        "PUT", "/cashback/rates/mcc/5411", {"rate_bps": 500, "description": "Groceries 5 %"}
    )
    assert rate == {"kind": "mcc", "key": "5411", "rate_bps": 500, "description": "Groceries 5 %"}
    await staff.problem(
        422,
        "VALIDATION_ERROR",
        "PUT",
        "/cashback/rates/mcc/5411",
        {"rate_bps": 5000, "description": "x"},
    )
    card, details = await issued(staff, flows)
    auth = await processor.ok(
        "POST", "/card-processing/authorizations", authorization(details, 2_000)
    )
    await processor.ok(
        "POST",
        f"/card-processing/authorizations/{auth['authorization_id']}/clearing",
        {"amount_minor": 2_000, "currency": "EUR"},
    )
    summary = await flows.ok("GET", f"/cards/{card['id']}/cashback")
    assert (summary["month"], summary["accrued_minor"], summary["paid"]) == ("2026-03", 100, False)
    assert await flows.ok("GET", "/cashback/rates") == [rate]
    response = await staff.call("DELETE", "/cashback/rates/mcc/5411")
    assert response.status_code == 204
    await staff.problem(404, "CASHBACK_RATE_NOT_FOUND", "DELETE", "/cashback/rates/mcc/5411")


# -- roles ----------------------------------------------------------------------------------


async def test_each_operation_needs_its_role(
    staff: Client, flows: Client, processor: Client, http: httpx.AsyncClient, make_key: KeyFactory
) -> None:
    card, details = await issued(staff, flows)
    reader = Client(http, await make_key("bank.read"))
    request = authorization(details, 100)
    for client, method, path, body in (
        (flows, "POST", "/card-processing/authorizations", request),
        (flows, "GET", "/card-processing/authorizations/x", None),
        (
            processor,
            "POST",
            f"/customers/{card['customer_id']}/cards",
            {"account_id": card["account_id"]},
        ),
        (processor, "POST", f"/cards/{card['id']}/reveal-tokens", None),
        (processor, "POST", "/cards/lookup", {"card_number": details["number"]}),
        (reader, "POST", f"/cards/{card['id']}/lock", None),
        (reader, "POST", "/cards/reveal", {"token": "x"}),
        (flows, "POST", f"/cards/{card['id']}/pin/reset", None),
        (flows, "PUT", "/cashback/rates/mcc/5411", {"rate_bps": 500, "description": "x"}),
    ):
        await client.problem(403, "FORBIDDEN", method, path, body)
    assert (await reader.ok("GET", f"/cards/{card['id']}"))["id"] == card["id"]


# -- bad input, and card data never echoed -------------------------------------------------


async def test_bad_requests_are_refused_without_echoing_card_data(
    staff: Client, flows: Client, processor: Client
) -> None:
    card, details = await issued(staff, flows)
    number = details["number"]
    cases: list[tuple[Client, int, str, str, str, object]] = [
        (
            processor,
            422,
            "VALIDATION_ERROR",
            "POST",
            "/card-processing/authorizations",
            {"card_number": number},
        ),
        (
            processor,
            422,
            "INVALID_CARD_NUMBER",
            "POST",
            "/card-processing/authorizations",
            authorization(
                details,
                100,
                card_number=number[:-1] + "0" if number[-1] != "0" else number[:-1] + "1",
            ),
        ),
        (
            processor,
            422,
            "VALIDATION_ERROR",
            "POST",
            "/card-processing/authorizations",
            authorization(details, 100, cvv="1234"),
        ),
        (
            processor,
            422,
            "VALIDATION_ERROR",
            "POST",
            "/card-processing/authorizations",
            {**authorization(details, 100), "extra": 1},
        ),
        (
            processor,
            422,
            "NON_POSITIVE_AMOUNT",
            "POST",
            "/card-processing/authorizations",
            authorization(details, 0),
        ),
        (
            processor,
            404,
            "AUTHORIZATION_NOT_FOUND",
            "POST",
            "/card-processing/authorizations/nope/reversal",
            None,
        ),
        (
            flows,
            422,
            "VALIDATION_ERROR",
            "POST",
            "/cards/lookup",
            {"card_number": number + "0" * 20},
        ),
        (
            flows,
            422,
            "INVALID_CARD_NUMBER",
            "POST",
            "/cards/lookup",
            {"card_number": "4242 4242 4242 4241"},
        ),
        (flows, 422, "WEAK_PIN", "PUT", f"/cards/{card['id']}/pin", {"pin": "1234"}),
        (flows, 422, "VALIDATION_ERROR", "PUT", f"/cards/{card['id']}/pin", {"pin": 2580}),
        (
            flows,
            422,
            "VALIDATION_ERROR",
            "PUT",
            f"/cards/{card['id']}/channels",
            {"online_enabled": "yes", "atm_enabled": True},
        ),
        (
            flows,
            422,
            "VALIDATION_ERROR",
            "PUT",
            f"/cards/{card['id']}/limits",
            {"per_transaction_limit_minor": 1.5, "daily_limit_minor": 2},
        ),
        (
            flows,
            422,
            "VALIDATION_ERROR",
            "POST",
            f"/cards/{card['id']}/block",
            {"reason": "forgot"},
        ),
        (
            flows,
            422,
            "VALIDATION_ERROR",
            "GET",
            f"/cards/{card['id']}/cashback?month=2026-3",
            None,
        ),
        (flows, 404, "CARD_NOT_FOUND", "GET", f"/cards/{uuid4()}", None),
    ]
    for client, status, code, method, path, body in cases:
        problem = await client.problem(status, code, method, path, body)
        assert number not in str(problem)
        assert details["cvv"] not in re.findall(r"[0-9]{3}", str(problem.get("data", "")))


@pytest.mark.usefixtures("clean_logging")
async def test_the_card_flow_logs_no_card_number_cvv_or_pin(
    staff: Client, flows: Client, processor: Client
) -> None:
    stream = io.StringIO()
    configure_logging(json=True, level="debug", stream=stream)
    structlog.get_logger("teller.test").info("start")
    card, details = await issued(staff, flows)
    await flows.ok("PUT", f"/cards/{card['id']}/pin", {"pin": "7391"})
    await flows.problem(
        422,
        "WRONG_PIN",
        "POST",
        f"/cards/{card['id']}/pin/change",
        {"current_pin": "4826", "new_pin": "5173"},
    )
    await flows.ok("POST", "/cards/lookup", {"card_number": details["number"]})
    request = authorization(details, 300, channel="online", cvv=details["cvv"], pin="7391")
    auth = await processor.ok("POST", "/card-processing/authorizations", request)
    await processor.ok(
        "POST",
        f"/card-processing/authorizations/{auth['authorization_id']}/clearing",
        {"amount_minor": 300, "currency": "EUR"},
    )
    text = stream.getvalue()
    assert "start" in text  # the pipeline was listening
    for secret in (details["number"], details["cvv"], "7391", "4826", "5173"):
        assert not re.search(rf"(?<![0-9A-Za-z]){secret}(?![0-9A-Za-z])", text), secret
