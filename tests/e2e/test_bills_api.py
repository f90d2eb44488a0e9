"""The bill payment routes through the whole app: roles, the Idempotency-Key header,
problem responses, and a payment from validation to receipt."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.bills.policy import CatalogueFees
from core.crypto import Keyring
from core.persistence.database import Database
from integrations.billers.simulator import SimulatorBillerGateway, SimulatorSettings
from tests.conftest import CURRENCIES
from tests.e2e.conftest import KeyFactory
from tests.fakes import MutableClock

API = "/api/v1"
QUIET = SimulatorSettings(reject_rate=0, timeout_rate=0, min_delay=0, max_delay=0, hang=0)
ORDER = {
    "biller_id": "cz-praha-power",
    "fields": {"customer_number": "3982 5979 18"},
    "amount": "1200.00",
    "currency": "CZK",
}


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock) -> Bank:
    gateway = SimulatorBillerGateway(QUIET, clock.now)
    built = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        biller_gateway=gateway,
        bill_policy=CatalogueFees(),
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def funded_czk_account(http: httpx.AsyncClient, admin: dict[str, str]) -> str:
    customer = await http.post(
        f"{API}/customers", json={"full_name": "Eva Horáková"}, headers=admin
    )
    account = await http.post(
        f"{API}/customers/{customer.json()['id']}/accounts",
        json={"currency": "CZK"},
        headers=admin,
    )
    account_id = str(account.json()["id"])
    deposit = {"account_id": account_id, "amount_minor": 1_000_000, "currency": "CZK"}
    await http.post(
        f"{API}/deposits", json=deposit, headers={**admin, "Idempotency-Key": "deposit-1"}
    )
    return account_id


async def test_a_bill_from_validation_to_receipt(
    http: httpx.AsyncClient, admin_headers: dict[str, str], make_key: KeyFactory
) -> None:
    account_id = await funded_czk_account(http, admin_headers)
    reader = {"X-API-Key": await make_key("bank.read")}
    payer = {"X-API-Key": await make_key("bank.payments"), "Idempotency-Key": "bill-1"}
    checked = await http.post(
        f"{API}/billers/cz-praha-power/validation",
        json={"fields": {"customer_number": "3982597910"}, "amount_minor": 1},
        headers=reader,
    )
    assert checked.status_code == 200
    assert checked.json()["errors"] == [
        {"field": "amount", "code": "AMOUNT_TOO_LOW"},
        {"field": "customer_number", "code": "CHECK_DIGIT_INVALID"},
    ]
    body: dict[str, Any] = {**ORDER, "account_id": account_id}
    quote = await http.post(f"{API}/bill-payments/quote", json=body, headers=reader)
    assert (quote.json()["fee_minor"], quote.json()["total_minor"]) == (500, 120_500)
    paid = await http.post(f"{API}/bill-payments", json=body, headers=payer)
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert payment["status"] == "completed"
    replay = await http.post(f"{API}/bill-payments", json=body, headers=payer)
    assert (replay.status_code, replay.json()) == (201, payment)
    receipt = await http.get(f"{API}/bill-payments/{payment['id']}/receipt", headers=reader)
    assert receipt.json()["provider_reference"] == payment["provider_reference"]
    assert "3982597918" not in receipt.text


async def test_paying_needs_the_payments_role_and_an_idempotency_key(
    http: httpx.AsyncClient, admin_headers: dict[str, str], make_key: KeyFactory
) -> None:
    account_id = await funded_czk_account(http, admin_headers)
    body = {**ORDER, "account_id": account_id}
    reader = {"X-API-Key": await make_key("bank.read"), "Idempotency-Key": "k"}
    refused = await http.post(f"{API}/bill-payments", json=body, headers=reader)
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    payer = {"X-API-Key": await make_key("bank.payments")}
    keyless = await http.post(f"{API}/bill-payments", json=body, headers=payer)
    assert (keyless.status_code, keyless.json()["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    customer = (await http.get(f"{API}/accounts/{account_id}", headers=admin_headers)).json()[
        "customer_id"
    ]
    payee = {"biller_id": "cz-praha-power", "fields": ORDER["fields"], "name": "Flat"}
    saved = await http.post(f"{API}/customers/{customer}/bill-payees", json=payee, headers=payer)
    assert (saved.status_code, saved.json()["code"]) == (403, "FORBIDDEN")
    agent = {"X-API-Key": await make_key("bank.customers")}
    saved = await http.post(f"{API}/customers/{customer}/bill-payees", json=payee, headers=agent)
    assert saved.status_code == 201


async def test_bad_bill_requests_are_problems_with_stable_codes(
    http: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    account_id = await funded_czk_account(http, admin_headers)
    headers = {**admin_headers, "Idempotency-Key": "bad-1"}
    missing = await http.get(f"{API}/billers/cz-nobody", headers=admin_headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "BILLER_NOT_FOUND")
    invalid = await http.post(
        f"{API}/bill-payments",
        json={**ORDER, "account_id": account_id, "fields": {"phone": "601 123 456"}},
        headers=headers,
    )
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("application/problem+json")
    problem = invalid.json()
    assert problem["code"] == "BILL_FIELDS_INVALID"
    assert problem["data"]["errors"] == "customer_number:FIELD_REQUIRED;phone:FIELD_UNKNOWN"
    assert "601" not in invalid.text  # the customer's input is never echoed
    extra = await http.post(
        f"{API}/bill-payments", json={**ORDER, "account_id": account_id, "x": 1}, headers=headers
    )
    assert (extra.status_code, extra.json()["code"]) == (422, "VALIDATION_ERROR")
