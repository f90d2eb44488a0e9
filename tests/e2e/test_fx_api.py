"""The FX routes through the ASGI app: bodies, problem codes, roles, overrides."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.customers.service import NewCustomer
from core.ledger.commands import Deposit
from integrations.rates import parse_daily
from tests.e2e.conftest import KeyFactory
from tests.fakes import MutableClock

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"


@pytest.fixture
async def rated(bank: Bank) -> Bank:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    return bank


async def _headers(make_key: KeyFactory, *roles: str) -> dict[str, str]:
    return {"X-API-Key": await make_key(*roles)}


async def test_rates_are_listed_as_decimal_strings_with_date_and_source(
    http: httpx.AsyncClient, rated: Bank, make_key: KeyFactory
) -> None:
    response = await http.get("/api/v1/fx/rates", headers=await _headers(make_key, "bank.read"))
    assert response.status_code == 200
    body = response.json()
    assert body["base"] == "EUR"
    czk = next(r for r in body["rates"] if r["currency"] == "CZK")
    assert czk == {
        "currency": "CZK",
        "rate": "24.297",
        "as_of": "2026-02-27T15:00:00Z",
        "source": "ecb",
    }
    pair = await http.get(
        "/api/v1/fx/rates/usd/czk", headers=await _headers(make_key, "bank.read")
    )
    assert (pair.json()["mid_rate"], pair.json()["rate"]) == ("20.79866461", "20.69467128")


async def test_a_quote_from_a_decimal_amount_and_an_exchange_with_its_key(
    http: httpx.AsyncClient, rated: Bank, make_key: KeyFactory
) -> None:
    customer = await rated.customers.create(NewCustomer("Anna Horáková"), SYSTEM)
    eur = await rated.accounts.open(customer.id, "EUR", SYSTEM)
    czk = await rated.accounts.open(customer.id, "CZK", SYSTEM)
    await rated.ledger.deposit(Deposit("d", eur.id, 200_00, "EUR"), SYSTEM)
    headers = await _headers(make_key, "bank.payments")
    body = {"sell_currency": "EUR", "buy_currency": "CZK", "amount": "1000.00", "currency": "CZK"}
    quote = await http.post("/api/v1/fx/quotes", json=body, headers=headers)
    assert quote.status_code == 201, quote.text
    q = quote.json()
    assert (q["sell_amount_minor"], q["buy_amount_minor"], q["fixed_side"]) == (
        41_37,
        1_000_00,
        "buy",
    )
    assert (q["rate"], q["mid_rate"], q["status"]) == ("24.175515", "24.297", "open")
    exchange = {"quote_id": q["id"], "sell_account_id": str(eur.id), "buy_account_id": str(czk.id)}
    missing_key = await http.post("/api/v1/fx/exchanges", json=exchange, headers=headers)
    assert missing_key.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    done = await http.post(
        "/api/v1/fx/exchanges", json=exchange, headers={**headers, "Idempotency-Key": "e1"}
    )
    assert done.status_code == 201, done.text
    assert (done.json()["status"], done.json()["buy_amount_minor"]) == ("completed", 1_000_00)
    again = await http.post(
        "/api/v1/fx/exchanges", json=exchange, headers={**headers, "Idempotency-Key": "e2"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "QUOTE_ALREADY_USED")
    assert again.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "10.001", "currency": "EUR"}, 422, "TOO_MANY_DECIMALS"),
        ({"amount": "10", "currency": "JPY", "buy_currency": "JPY"}, 422, "SAME_CURRENCY"),
        ({"amount_minor": 0, "currency": "EUR"}, 422, "NON_POSITIVE_AMOUNT"),
        ({"amount_minor": -1, "currency": "EUR"}, 422, "NON_POSITIVE_AMOUNT"),
        ({"amount_minor": 100, "currency": "GBP"}, 422, "CURRENCY_MISMATCH"),
        ({"amount_minor": 100, "currency": "EUR", "buy_currency": "ABC"}, 422, "UNKNOWN_CURRENCY"),
        ({"amount_minor": 1.5, "currency": "EUR"}, 422, "VALIDATION_ERROR"),
        ({"currency": "EUR"}, 422, "VALIDATION_ERROR"),
    ],
)
async def test_bad_quote_requests_get_their_problem_codes(
    http: httpx.AsyncClient,
    rated: Bank,
    make_key: KeyFactory,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    request = {"sell_currency": "EUR", "buy_currency": "CZK", **body}
    if body.get("buy_currency") == "JPY":
        request["sell_currency"] = "JPY"
    response = await http.post(
        "/api/v1/fx/quotes", json=request, headers=await _headers(make_key, "bank.payments")
    )
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_each_fx_operation_needs_its_role(
    http: httpx.AsyncClient, rated: Bank, make_key: KeyFactory
) -> None:
    reader = await _headers(make_key, "bank.read")
    body = {"sell_currency": "EUR", "buy_currency": "CZK", "amount_minor": 100, "currency": "EUR"}
    assert (await http.post("/api/v1/fx/quotes", json=body, headers=reader)).status_code == 403
    payments = await _headers(make_key, "bank.payments")
    for method, path in [
        ("POST", "/api/v1/fx/rates/refresh"),
        ("GET", "/api/v1/fx/overrides"),
        ("POST", f"/api/v1/fx/overrides/{uuid4()}/cancel"),
    ]:
        response = await http.request(method, path, headers=payments, json={"reason": "x"})
        assert response.status_code == 403, path
    assert (await http.get("/api/v1/fx/rates")).status_code == 401


async def test_admins_set_list_and_cancel_rate_overrides(
    http: httpx.AsyncClient, rated: Bank, make_key: KeyFactory, clock: MutableClock
) -> None:
    admin = await _headers(make_key, "bank.admin")
    body = {
        "base_currency": "EUR",
        "quote_currency": "USD",
        "rate": "1.2000",
        "valid_until": "2026-03-02T12:00:00",  # naive: UTC
        "reason": "ECB file late",
    }
    created = await http.post("/api/v1/fx/overrides", json=body, headers=admin)
    assert created.status_code == 201, created.text
    override = created.json()
    assert (override["rate"], override["valid_from"]) == ("1.2000", "2026-03-02T09:30:00Z")
    assert override["created_by"].startswith("api:")
    pair = await http.get("/api/v1/fx/rates/EUR/USD", headers=admin)
    assert (pair.json()["mid_rate"], pair.json()["source"]) == ("1.2", "override")
    active = await http.get("/api/v1/fx/overrides?active=true", headers=admin)
    assert [o["id"] for o in active.json()] == [override["id"]]
    cancel = f"/api/v1/fx/overrides/{override['id']}/cancel"
    done = await http.post(cancel, json={"reason": "feed is back"}, headers=admin)
    assert done.json()["cancelled_at"] == "2026-03-02T09:30:00Z"
    twice = await http.post(cancel, json={"reason": "again"}, headers=admin)
    assert (twice.status_code, twice.json()["code"]) == (409, "RATE_OVERRIDE_ENDED")
    bad = await http.post("/api/v1/fx/overrides", json={**body, "rate": "1e3"}, headers=admin)
    assert (bad.status_code, bad.json()["code"]) == (422, "VALIDATION_ERROR")
    unknown = await http.post(
        f"/api/v1/fx/overrides/{uuid4()}/cancel", json={"reason": "x"}, headers=admin
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "RATE_OVERRIDE_NOT_FOUND")


async def test_refreshing_without_a_rates_source_is_a_bad_gateway(
    http: httpx.AsyncClient, bank: Bank, make_key: KeyFactory
) -> None:
    response = await http.post(
        "/api/v1/fx/rates/refresh", headers=await _headers(make_key, "bank.admin")
    )
    assert (response.status_code, response.json()["code"]) == (502, "RATES_SOURCE_FAILED")
