"""Top-ups and card payouts through the whole ASGI app: the simulated acquirer's hosted
page (card form, 3-D Secure, redirect), its signed callback delivered to Teller's own
endpoint, the REST routes and their refusals — and the card number nowhere after it."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from core.actors import SYSTEM
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator
from core.bank import Bank
from core.crypto import Keyring
from core.persistence.database import Database
from integrations.acquirer import notices
from integrations.acquirer.signature import HEADER, sign
from integrations.acquirer.simulator import AcquirerSimulator
from integrations.cardnetwork.simulator import CardNetworkSimulator
from teller.app import create_app
from teller.settings import Environment, Settings
from teller.wiring import Container
from tests.e2e.conftest import KeyFactory
from tests.fakes import MutableClock, run_jobs
from tests.integration.helpers import balance_of, funded_account
from tests.integration.moneyio_support import (
    RETURN_URL,
    SECRET,
    everything_stored,
    make_acquirer,
    make_bank,
    make_network,
    notice_for,
)

API = "/api/v1"
PAN = "4242424242424242"


@pytest.fixture
def acquirer(clock: MutableClock) -> AcquirerSimulator:
    return make_acquirer(clock)


@pytest.fixture
def network(clock: MutableClock) -> CardNetworkSimulator:
    return make_network(clock)


@pytest.fixture
async def bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    acquirer: AcquirerSimulator,
    network: CardNetworkSimulator,
) -> Bank:
    built = make_bank(database, keyring, clock, acquirer, network)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


@pytest.fixture
def wired(app: FastAPI, acquirer: AcquirerSimulator) -> FastAPI:
    """The app, with the simulator delivering its callbacks to it (not over the network)."""
    acquirer.deliver_through(httpx.ASGITransport(app=app))
    return app


@pytest.fixture
async def headers(make_key: KeyFactory) -> dict[str, str]:
    return {"X-API-Key": await make_key("bank.payments", "bank.read")}


async def open_topup(
    http: httpx.AsyncClient, headers: dict[str, str], account_id: UUID, key: str = "t-1"
) -> dict[str, object]:
    body = {
        "account_id": str(account_id),
        "amount": "25.00",
        "currency": "EUR",
        "return_url": RETURN_URL,
    }
    r = await http.post(f"{API}/topups", json=body, headers={**headers, "Idempotency-Key": key})
    assert r.status_code == 201, r.text
    created: dict[str, object] = r.json()
    return created


def page_path(created: dict[str, object]) -> str:
    return urlsplit(str(created["payment_url"])).path


async def pay_by_card(http: httpx.AsyncClient, path: str, card: str) -> httpx.Response:
    form = {"card_number": card, "expiry": "12/30", "cvc": "123"}
    return await http.post(path, data=form)


def returned(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(RETURN_URL)
    return parse_qs(urlsplit(location).query)


async def test_a_customer_pays_on_the_hosted_page_and_the_account_is_credited(
    wired: FastAPI,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    bank: Bank,
    acquirer: AcquirerSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = await funded_account(bank)
    created = await open_topup(http, headers, account.id)
    assert created["status"] == "awaiting_payment"
    page = await http.get(page_path(created))
    assert page.status_code == 200
    assert "Pay by card" in page.text
    assert "25.00 EUR" in page.text
    assert page.headers["cache-control"] == "no-store"
    back = returned(await pay_by_card(http, page_path(created), "4242 4242 4242 4242"))
    assert back["status"] == ["succeeded"]
    assert back["reference"] == [str(created["id"])]
    assert back["start"] == ["topup"]  # the return URL's own query is kept
    assert acquirer.delivered == [200]
    topup = (await http.get(f"{API}/topups/{created['id']}", headers=headers)).json()
    assert topup["status"] == "completed"
    assert (topup["card_last4"], topup["card_brand"]) == ("4242", "visa")
    assert await balance_of(bank, account.id) == 2_500
    assert (await bank.verify_ledger()).ok
    # The number typed on the page reached neither the logs nor the database.
    for record in caplog.records:
        assert PAN not in record.getMessage()
        assert PAN not in str(record.msg)
    assert "4242 4242 4242 4242" not in caplog.text
    assert PAN not in caplog.text
    assert PAN not in await everything_stored(bank.db)


async def test_3d_secure_asks_for_the_one_time_code_before_paying(
    wired: FastAPI, http: httpx.AsyncClient, headers: dict[str, str], bank: Bank
) -> None:
    account = await funded_account(bank)
    created = await open_topup(http, headers, account.id)
    path = page_path(created)
    r = await pay_by_card(http, path, "4000 0000 0000 3220")
    assert (r.status_code, r.headers["location"]) == (303, f"{path.rsplit('/', 1)[1]}/3ds")
    challenge = await http.get(f"{path}/3ds")
    assert "One-time code" in challenge.text
    assert "3220" in challenge.text
    wrong = await http.post(f"{path}/3ds", data={"code": "000000"})
    assert wrong.status_code == 400
    assert (await http.get(f"{API}/topups/{created['id']}", headers=headers)).json()[
        "status"
    ] == "awaiting_payment"
    back = returned(await http.post(f"{path}/3ds", data={"code": "123456"}))
    assert back["status"] == ["succeeded"]
    assert await balance_of(bank, account.id) == 2_500


async def test_three_wrong_codes_fail_the_payment(
    wired: FastAPI, http: httpx.AsyncClient, headers: dict[str, str], bank: Bank
) -> None:
    account = await funded_account(bank)
    created = await open_topup(http, headers, account.id)
    path = page_path(created)
    await pay_by_card(http, path, "4000000000003220")
    for _ in range(2):
        assert (await http.post(f"{path}/3ds", data={"code": "1"})).status_code == 400
    back = returned(await http.post(f"{path}/3ds", data={"code": "1"}))
    assert back["status"] == ["failed"]
    topup = (await http.get(f"{API}/topups/{created['id']}", headers=headers)).json()
    assert (topup["status"], topup["failure_reason"]) == ("failed", "authentication_failed")
    assert await balance_of(bank, account.id) == 0


@pytest.mark.parametrize(
    ("card", "reason"),
    [("4000 0000 0000 0002", "card_declined"), ("4000 0000 0000 9995", "insufficient_funds")],
)
async def test_a_declined_card_fails_the_top_up_and_moves_nothing(
    wired: FastAPI,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    bank: Bank,
    card: str,
    reason: str,
) -> None:
    account = await funded_account(bank)
    created = await open_topup(http, headers, account.id)
    assert returned(await pay_by_card(http, page_path(created), card))["status"] == ["failed"]
    topup = (await http.get(f"{API}/topups/{created['id']}", headers=headers)).json()
    assert (topup["status"], topup["failure_reason"]) == ("failed", reason)
    assert await balance_of(bank, account.id) == 0


async def test_a_wrong_card_number_is_asked_again_without_being_echoed(
    wired: FastAPI, http: httpx.AsyncClient, headers: dict[str, str], bank: Bank
) -> None:
    account = await funded_account(bank)
    created = await open_topup(http, headers, account.id)
    r = await pay_by_card(http, page_path(created), "4242 4242 4242 4241")
    assert r.status_code == 400
    assert "not valid" in r.text
    assert "4242 4242 4242 4241" not in r.text
    assert "424242424242424" not in r.text


async def test_a_cancelled_or_expired_page_takes_no_payment(
    wired: FastAPI,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    bank: Bank,
    clock: MutableClock,
) -> None:
    account = await funded_account(bank)
    first = await open_topup(http, headers, account.id, "t-1")
    back = returned(await http.post(f"{page_path(first)}/cancel"))
    assert back["status"] == ["cancelled"]
    second = await open_topup(http, headers, account.id, "t-2")
    clock.advance(minutes=31)
    assert (await http.get(page_path(second))).status_code == 410
    assert (await pay_by_card(http, page_path(second), PAN)).status_code == 410
    await bank.cardmoney.topups.sweep(clock.now())
    for created in (first, second):
        topup = (await http.get(f"{API}/topups/{created['id']}", headers=headers)).json()
        assert topup["status"] == "expired"
    assert await balance_of(bank, account.id) == 0
    assert (await http.get("/dev/acquirer/pay/cs_nope")).status_code == 404


async def test_the_callback_endpoint_refuses_bad_signatures_with_problem_json(
    wired: FastAPI,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    bank: Bank,
    clock: MutableClock,
) -> None:
    account = await funded_account(bank)
    created = await open_topup(http, headers, account.id)
    notice = notice_for(
        UUID(str(created["id"])),
        (await bank.cardmoney.topups.get(UUID(str(created["id"])))).acquirer_reference or "",
        2_500,
    )
    at = int(clock.now().timestamp())
    body = notices.encode("evt_1", at, notice)
    url = f"{API}/acquirer/callbacks"
    attempts = {
        "missing": {},
        "mismatch": {HEADER: sign(body, b"guessed", at)},
        "malformed": {HEADER: "t=1"},
        "stale": {HEADER: sign(body, SECRET, at - 3600)},
    }
    for reason, extra in attempts.items():
        r = await http.post(
            url, content=body, headers={"Content-Type": "application/json", **extra}
        )
        assert r.status_code == 401, reason
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "CALLBACK_SIGNATURE_INVALID"
        assert r.json()["data"] == {"reason": reason}
    assert await balance_of(bank, account.id) == 0
    good = {"Content-Type": "application/json", HEADER: sign(body, SECRET, at)}
    for _ in range(2):
        r = await http.post(url, content=body, headers=good)
        assert (r.status_code, r.json()) == (200, {"received": True, "status": "completed"})
    assert await balance_of(bank, account.id) == 2_500


async def test_a_transfer_to_a_card_through_the_api(
    wired: FastAPI,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    bank: Bank,
    clock: MutableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = await funded_account(bank, 50_000)
    quote = await http.post(
        f"{API}/card-payouts/quote",
        json={"account_id": str(account.id), "amount_minor": 10_000, "currency": "EUR"},
        headers=headers,
    )
    assert quote.json() == {
        "amount_minor": 10_000,
        "fee_minor": 0,
        "total_minor": 10_000,
        "currency": "EUR",
    }
    body = {
        "account_id": str(account.id),
        "card_number": "4242 4242 4242 4242",
        "amount_minor": 10_000,
        "currency": "EUR",
        "description": "For Mum",
    }
    r = await http.post(
        f"{API}/card-payouts", json=body, headers={**headers, "Idempotency-Key": "p-1"}
    )
    assert r.status_code == 201, r.text
    assert PAN not in r.text
    assert "4242 4242 4242 4242" not in r.text
    payout = r.json()
    assert (payout["status"], payout["card_last4"], payout["total_minor"]) == (
        "pending",
        "4242",
        10_000,
    )
    await run_jobs(bank)
    clock.advance(seconds=31)
    await bank.cardmoney.payouts.sweep(clock.now())
    await run_jobs(bank)
    got = (await http.get(f"{API}/card-payouts/{payout['id']}", headers=headers)).json()
    assert got["status"] == "completed"
    assert await balance_of(bank, account.id) == 40_000
    assert PAN not in caplog.text
    assert PAN not in await everything_stored(bank.db)


async def test_card_payout_requests_are_refused_clearly(
    wired: FastAPI,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    make_key: KeyFactory,
    bank: Bank,
) -> None:
    account = await funded_account(bank, 50_000)
    body = {
        "account_id": str(account.id),
        "card_number": "4242 4242 4242 4241",
        "amount_minor": 100,
        "currency": "EUR",
    }
    url = f"{API}/card-payouts"
    r = await http.post(url, json=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    r = await http.post(url, json=body, headers={**headers, "Idempotency-Key": "k"})
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_CARD_NUMBER")
    assert r.json()["data"] == {"reason": "check_digit"}
    assert "4241" not in r.text
    reader = {"X-API-Key": await make_key("bank.read"), "Idempotency-Key": "k"}
    r = await http.post(url, json={**body, "card_number": PAN}, headers=reader)
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
    r = await http.get(f"{API}/card-payouts/{account.id}", headers=headers)
    assert (r.status_code, r.json()["code"]) == (404, "CARD_PAYOUT_NOT_FOUND")
    r = await http.post(
        f"{API}/card-payouts/{account.id}/review",
        json={"decision": "approve", "reason": "ok"},
        headers=headers,
    )
    assert r.status_code == 403  # staff decisions need bank.admin


async def test_the_hosted_page_is_not_served_in_production(
    bank: Bank, api_keys: ApiKeys, tmp_path: Path
) -> None:
    settings = Settings(
        env=Environment.PRODUCTION,
        data_dir=tmp_path,
        encryption_keys="x",
        index_key="y",
        database_url="postgresql://x/y",
    )
    container = Container(settings, bank.db, bank, api_keys, Authenticator(api_keys))
    app = create_app(settings, run_jobs=False, container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as client:
        assert (await client.get("/dev/acquirer/pay/cs_x")).status_code == 404
