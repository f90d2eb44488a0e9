"""Every error the core API answers with: status, problem+json, stable code, and no effect.

Each refused command is checked to have changed nothing: the ledger's account, entry and
posting counts (``bank.verify_ledger()``, which must also find no problem) and the
accounts as the API shows them (balance, held, status). Tables of bad inputs share one
test (and one set of fixtures) each; every assertion names the input it is about.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest

from core.bank import Bank
from core.ledger.model import BankPurpose
from tests.fakes import MutableClock

API = "/api/v1"
CARD = "4111 1111 1111 1111"
CARD_DIGITS = CARD.replace(" ", "")
LIMIT = 16 * 1024  # settings.max_body_bytes in tests/e2e/conftest.py
JSON = {"content-type": "application/json"}


def problem(r: httpx.Response, status: int, code: str, case: object = None) -> dict[str, Any]:
    """Assert ``r`` is an RFC 9457 problem with ``status`` and ``code``; return its body."""
    about = f"{case!r}: {r.text}"
    assert r.status_code == status, about
    assert r.headers["content-type"] == "application/problem+json", about
    body: dict[str, Any] = r.json()
    assert body["code"] == code, about
    assert body["status"] == status, about
    assert body["type"] == f"urn:teller:problem:{code.lower()}", about
    assert body["title"], about
    return body


class Api:
    """A thin client over the test app, authenticated as an admin."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str], bank: Bank) -> None:
        self.http = http
        self.headers = headers
        self.bank = bank
        self._keys = itertools.count(1)

    def key(self) -> str:
        return f"key-{next(self._keys)}"

    async def call(
        self,
        method: str,
        path: str,
        json: object = None,
        *,
        key: str | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.request(
            method, API + path, json=json, headers=headers, params=params
        )

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.call("GET", path, params=params)

    async def post(
        self, path: str, json: object = None, *, key: str | None = None
    ) -> httpx.Response:
        return await self.call("POST", path, json, key=key)

    async def put(self, path: str, json: object) -> httpx.Response:
        return await self.call("PUT", path, json)

    async def money(self, path: str, json: object) -> httpx.Response:
        """A money-moving request with a fresh idempotency key."""
        return await self.post(path, json, key=self.key())

    async def raw(self, path: str, content: bytes, key: str = "raw") -> httpx.Response:
        headers = {**self.headers, **JSON, "Idempotency-Key": key}
        return await self.http.post(API + path, content=content, headers=headers)

    async def customer(self, **fields: object) -> str:
        r = await self.post("/customers", {"full_name": "Jana Dvořáková", **fields})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def account(self, customer_id: str, currency: str = "EUR") -> str:
        r = await self.post(f"/customers/{customer_id}/accounts", {"currency": currency})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def deposit(self, account_id: str, minor: int, currency: str = "EUR") -> dict[str, Any]:
        body = {"account_id": account_id, "amount_minor": minor, "currency": currency}
        r = await self.money("/deposits", body)
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    async def hold(self, account_id: str, counterparty: str, minor: int, **fields: object) -> str:
        r = await self.money(
            "/holds", hold(account_id, counterparty, amount_minor=minor, **fields)
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def overdraft(self, account_id: str, limit: int) -> None:
        r = await self.put(
            f"/accounts/{account_id}/overdraft-limit", {"overdraft_limit_minor": limit}
        )
        assert r.status_code == 200, r.text

    async def snapshot(self, *account_ids: str) -> tuple[object, ...]:
        """What a refused command must leave alone: ledger counts and the accounts."""
        report = await self.bank.verify_ledger()
        assert report.ok, report.problems
        accounts = []
        for account_id in account_ids:
            r = await self.get(f"/accounts/{account_id}")
            assert r.status_code == 200, r.text
            accounts.append(r.json())
        return report.accounts, report.entries, report.postings, accounts


@dataclass(frozen=True)
class Accounts:
    customer: str
    a: str  # EUR, 100.00 deposited
    b: str  # EUR, empty
    czk: str  # CZK, empty


@pytest.fixture
async def api(http: httpx.AsyncClient, admin_headers: dict[str, str], bank: Bank) -> Api:
    return Api(http, admin_headers, bank)


@pytest.fixture
async def acc(api: Api) -> Accounts:
    customer = await api.customer()
    a, b = await api.account(customer), await api.account(customer)
    czk = await api.account(customer, "CZK")
    await api.deposit(a, 10_000)
    return Accounts(customer, a, b, czk)


def _amount(fields: dict[str, object]) -> dict[str, object]:
    """1.00 EUR unless ``fields`` give an amount (as minor units or as a decimal)."""
    given = "amount" in fields or "amount_minor" in fields
    return {"currency": "EUR", **({} if given else {"amount_minor": 100}), **fields}


def transfer(source: str, destination: str, **fields: object) -> dict[str, object]:
    return {"source_account_id": source, "destination_account_id": destination, **_amount(fields)}


def deposit(account: str, **fields: object) -> dict[str, object]:
    return {"account_id": account, **_amount(fields)}


def hold(account: str, counterparty: str, **fields: object) -> dict[str, object]:
    return {"account_id": account, "counterparty_account_id": counterparty, **_amount(fields)}


def money_body(path: str, acc: Accounts, **fields: object) -> dict[str, object]:
    """A body for ``path`` moving money from ``acc.a`` (to ``acc.b`` where it goes anywhere)."""
    if path == "/transfers":
        return transfer(acc.a, acc.b, **fields)
    if path == "/holds":
        return hold(acc.a, acc.b, **fields)
    return deposit(acc.a, **fields)


COMMANDS = ["/deposits", "/withdrawals", "/transfers", "/holds"]


# -- funds, status and existence of accounts ------------------------------------------


async def test_transfer_beyond_available_is_refused_and_changes_nothing(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a, acc.b)
    r = await api.money("/transfers", transfer(acc.a, acc.b, amount_minor=10_001))
    body = problem(r, 422, "INSUFFICIENT_FUNDS")
    assert body["data"]["available"] == 10_000
    assert body["data"]["requested"] == 10_001
    assert await api.snapshot(acc.a, acc.b) == before


async def test_withdrawal_or_hold_beyond_available_is_refused_and_changes_nothing(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a, acc.b)
    for path in ("/withdrawals", "/holds"):
        r = await api.money(path, money_body(path, acc, amount="100.01"))
        problem(r, 422, "INSUFFICIENT_FUNDS", path)
    assert await api.snapshot(acc.a, acc.b) == before


async def test_pending_hold_makes_its_money_unavailable_for_transfers(
    api: Api, acc: Accounts
) -> None:
    await api.hold(acc.a, acc.b, 9_000)
    before = await api.snapshot(acc.a, acc.b)
    r = await api.money("/transfers", transfer(acc.a, acc.b, amount_minor=1_001))
    assert problem(r, 422, "INSUFFICIENT_FUNDS")["data"]["available"] == 1_000
    assert await api.snapshot(acc.a, acc.b) == before


@pytest.mark.parametrize("side", ["source", "destination"])
async def test_money_does_not_move_to_or_from_a_frozen_account(
    api: Api, acc: Accounts, side: str
) -> None:
    frozen = acc.a if side == "source" else acc.b
    r = await api.post(f"/accounts/{frozen}/freeze", {"reason": "fraud review"})
    assert r.status_code == 200, r.text
    before = await api.snapshot(acc.a, acc.b)
    body = problem(await api.money("/transfers", transfer(acc.a, acc.b)), 409, "ACCOUNT_FROZEN")
    assert body["data"]["account_id"] == frozen
    path = "/withdrawals" if side == "source" else "/deposits"
    problem(await api.money(path, deposit(frozen)), 409, "ACCOUNT_FROZEN", path)
    problem(await api.money("/holds", hold(acc.a, acc.b)), 409, "ACCOUNT_FROZEN", "hold")
    assert await api.snapshot(acc.a, acc.b) == before


async def test_closed_account_moves_no_money_and_stays_closed(api: Api, acc: Accounts) -> None:
    r = await api.post(f"/accounts/{acc.b}/close", {"reason": "customer asked"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    before = await api.snapshot(acc.a, acc.b)
    problem(await api.money("/transfers", transfer(acc.a, acc.b)), 409, "ACCOUNT_CLOSED")
    problem(await api.money("/deposits", deposit(acc.b)), 409, "ACCOUNT_CLOSED")
    for action in ("close", "freeze", "unfreeze"):
        r = await api.post(f"/accounts/{acc.b}/{action}", {"reason": "again"})
        problem(r, 409, "ACCOUNT_CLOSED", action)
    problem(
        await api.put(f"/accounts/{acc.b}/overdraft-limit", {"overdraft_limit_minor": 100}),
        409,
        "ACCOUNT_CLOSED",
    )
    assert await api.snapshot(acc.a, acc.b) == before


async def test_account_with_money_cannot_be_closed(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a)
    r = await api.post(f"/accounts/{acc.a}/close", {"reason": "moving away"})
    assert problem(r, 409, "ACCOUNT_NOT_EMPTY")["data"]["balance"] == 10_000
    assert await api.snapshot(acc.a) == before


async def test_account_with_only_a_pending_hold_cannot_be_closed(api: Api, acc: Accounts) -> None:
    await api.overdraft(acc.b, 500)
    await api.hold(acc.b, acc.a, 500)  # balance 0, held 500
    before = await api.snapshot(acc.b)
    body = problem(
        await api.post(f"/accounts/{acc.b}/close", {"reason": "moving away"}),
        409,
        "ACCOUNT_NOT_EMPTY",
    )
    assert (body["data"]["balance"], body["data"]["held"]) == (0, 500)
    assert await api.snapshot(acc.b) == before


async def test_reading_an_unknown_account_is_not_found(api: Api) -> None:
    for path in ("/accounts/{id}", "/accounts/{id}/balance", "/accounts/{id}/statement"):
        problem(await api.get(path.format(id=uuid4())), 404, "ACCOUNT_NOT_FOUND", path)


async def test_money_to_or_from_an_unknown_account_is_refused_and_changes_nothing(
    api: Api, acc: Accounts
) -> None:
    unknown = str(uuid4())
    before = await api.snapshot(acc.a, acc.b)
    for path, body in [
        ("/transfers", transfer(acc.a, unknown)),
        ("/transfers", transfer(unknown, acc.a)),
        ("/deposits", deposit(unknown)),
        ("/withdrawals", deposit(unknown)),
        ("/holds", hold(acc.a, unknown)),
        ("/holds", hold(unknown, acc.a)),
    ]:
        r = await api.money(path, body)
        assert problem(r, 404, "ACCOUNT_NOT_FOUND", body)["data"]["account_id"] == unknown
    assert await api.snapshot(acc.a, acc.b) == before


async def test_changing_an_unknown_account_is_not_found(api: Api) -> None:
    before = await api.snapshot()
    for method, action, body in [
        ("POST", "freeze", {"reason": "a reason"}),
        ("POST", "unfreeze", {"reason": "a reason"}),
        ("POST", "close", {"reason": "a reason"}),
        ("PUT", "overdraft-limit", {"overdraft_limit_minor": 1}),
    ]:
        r = await api.call(method, f"/accounts/{uuid4()}/{action}", body)
        problem(r, 404, "ACCOUNT_NOT_FOUND", action)
    assert await api.snapshot() == before


async def test_bank_own_accounts_cannot_change_status(api: Api, bank: Bank) -> None:
    settlement = str(await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR"))
    before = await api.snapshot(settlement)
    for action in ("freeze", "close"):
        r = await api.post(f"/accounts/{settlement}/{action}", {"reason": "why not"})
        assert problem(r, 422, "VALIDATION_ERROR", action)["data"]["field"] == "account_id"
    assert await api.snapshot(settlement) == before


# -- customers --------------------------------------------------------------------------


async def test_unknown_customer_is_not_found_everywhere(api: Api) -> None:
    unknown = uuid4()
    before = await api.snapshot()
    problem(await api.get(f"/customers/{unknown}"), 404, "CUSTOMER_NOT_FOUND")
    problem(await api.get(f"/customers/{unknown}/accounts"), 404, "CUSTOMER_NOT_FOUND")
    r = await api.post(f"/customers/{unknown}/accounts", {"currency": "EUR"})
    problem(r, 404, "CUSTOMER_NOT_FOUND")
    r = await api.put(f"/customers/{unknown}/kyc", {"status": "verified"})
    problem(r, 404, "CUSTOMER_NOT_FOUND")
    assert await api.snapshot() == before


async def test_second_customer_with_the_same_phone_or_email_is_refused(api: Api) -> None:
    for first, second in [
        ({"phone": "+420 601 234 567"}, {"phone": "+420601234567"}),
        ({"phone": "+420602000000"}, {"phone": "00420 602-000-000"}),
        ({"email": "jana@example.com"}, {"email": "Jana@Example.COM"}),
    ]:
        existing = await api.customer(**first)
        before = await api.snapshot()
        r = await api.post("/customers", {"full_name": "Someone Else", **second})
        assert problem(r, 409, "CUSTOMER_EXISTS", second)["data"] == {}
        assert existing not in r.text
        assert await api.snapshot() == before


# -- currencies and amounts -------------------------------------------------------------


async def test_transfer_from_euros_to_a_koruna_account_is_a_currency_mismatch(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a, acc.czk)
    for path, body in [
        ("/transfers", transfer(acc.a, acc.czk)),
        ("/holds", hold(acc.a, acc.czk)),
    ]:
        problem(await api.money(path, body), 422, "CURRENCY_MISMATCH", path)
    assert await api.snapshot(acc.a, acc.czk) == before


async def test_amount_in_another_currency_than_the_account_is_a_currency_mismatch(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a, acc.b)
    for path in COMMANDS:
        r = await api.money(path, money_body(path, acc, currency="CZK"))
        problem(r, 422, "CURRENCY_MISMATCH", path)
    assert await api.snapshot(acc.a, acc.b) == before


async def test_amount_in_a_made_up_currency_is_unknown(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a, acc.b)
    for path in COMMANDS:
        for amount in ({"amount_minor": 100}, {"amount": "1.00"}):
            r = await api.money(path, money_body(path, acc, currency="XYZ", **amount))
            problem(r, 422, "UNKNOWN_CURRENCY", (path, amount))
    assert await api.snapshot(acc.a, acc.b) == before


async def test_account_in_a_currency_the_bank_does_not_keep_is_refused(
    api: Api, acc: Accounts
) -> None:
    """XYZ is no ISO code; GBP is ISO 4217 but this bank keeps no pounds; gold is no money."""
    before = await api.snapshot()
    for currency in ("XYZ", "GBP", "XAU", "gbp"):
        r = await api.post(f"/customers/{acc.customer}/accounts", {"currency": currency})
        problem(r, 422, "UNKNOWN_CURRENCY", currency)
    assert await api.snapshot() == before
    assert len((await api.get(f"/customers/{acc.customer}/accounts")).json()) == 3


async def test_transfer_or_hold_to_the_same_account_is_refused(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a)
    problem(await api.money("/transfers", transfer(acc.a, acc.a)), 422, "SAME_ACCOUNT")
    problem(await api.money("/holds", hold(acc.a, acc.a)), 422, "SAME_ACCOUNT")
    assert await api.snapshot(acc.a) == before


@pytest.mark.parametrize("path", COMMANDS)
async def test_zero_or_negative_amounts_are_refused(api: Api, acc: Accounts, path: str) -> None:
    before = await api.snapshot(acc.a, acc.b)
    for amount in (
        {"amount_minor": 0},
        {"amount_minor": -100},
        {"amount": "0"},
        {"amount": "0.00"},
        {"amount": "-5.00"},
    ):
        r = await api.money(path, money_body(path, acc, **amount))
        problem(r, 422, "NON_POSITIVE_AMOUNT", amount)
    assert await api.snapshot(acc.a, acc.b) == before


async def test_more_decimals_than_the_currency_has_are_refused(api: Api, acc: Accounts) -> None:
    jpy = await api.account(acc.customer, "JPY")
    before = await api.snapshot(acc.a, jpy)
    for account, amount, currency in [
        (acc.a, "10.001", "EUR"),
        (acc.a, "0.001", "EUR"),
        (jpy, "5.5", "JPY"),
        (jpy, "0.5", "JPY"),
    ]:
        r = await api.money("/deposits", deposit(account, amount=amount, currency=currency))
        problem(r, 422, "TOO_MANY_DECIMALS", (amount, currency))
    assert await api.snapshot(acc.a, jpy) == before


async def test_fewer_decimals_or_trailing_zeros_are_fine(api: Api, acc: Accounts) -> None:
    """Unlike chat text, an API amount is a plain decimal: "10.000" can only mean ten."""
    jpy = await api.account(acc.customer, "JPY")
    for account, amount, currency in [
        (jpy, "500", "JPY"),
        (jpy, "7.0", "JPY"),
        (acc.b, "1.5", "EUR"),
        (acc.b, "10.000", "EUR"),
    ]:
        r = await api.money("/deposits", deposit(account, amount=amount, currency=currency))
        assert r.status_code == 201, (amount, r.text)
    assert (await api.get(f"/accounts/{jpy}/balance")).json()["ledger_minor"] == 507
    assert (await api.get(f"/accounts/{acc.b}/balance")).json()["ledger_minor"] == 1150


async def test_amount_that_is_not_a_plain_decimal_is_invalid(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.b)
    for amount in [
        "abc", "", "1e3", "1E+3", "1_000", "1,000.00", "12,50", " 12.50", "12.50 ", "NaN",
        "Infinity", "0x10", "١٢", "10.", ".5", "€5", CARD, "1234567890123456",
    ]:  # fmt: skip
        r = await api.money("/deposits", deposit(acc.b, amount=amount))
        problem(r, 422, "INVALID_AMOUNT", amount)
    assert await api.snapshot(acc.b) == before


async def test_absurdly_large_amounts_are_invalid_not_a_crash(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.b)
    for amount in [{"amount_minor": 10**17}, {"amount_minor": 10**19}, {"amount_minor": 10**30}]:
        r = await api.money("/deposits", deposit(acc.b, **amount))
        problem(r, 422, "INVALID_AMOUNT", amount)
    r = await api.money("/deposits", deposit(acc.b, amount_minor=10**15, currency="JPY"))
    problem(r, 422, "INVALID_AMOUNT", "JPY has no decimals")
    assert await api.snapshot(acc.b) == before


async def test_largest_amount_the_decimal_form_allows_is_accepted_in_either_form(
    api: Api, acc: Accounts
) -> None:
    largest = 10**17 - 1  # 999 999 999 999 999.99 EUR: fifteen integer digits
    assert (await api.money("/deposits", deposit(acc.b, amount_minor=largest))).status_code == 201
    r = await api.money("/deposits", deposit(acc.b, amount="999999999999999.99"))
    assert r.status_code == 201, r.text
    assert (await api.get(f"/accounts/{acc.b}/balance")).json()["ledger_minor"] == 2 * largest


async def test_absurd_or_negative_overdraft_limit_is_a_validation_error_not_a_crash(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a)
    for limit in (10**19, 10**30, -1, "100"):
        r = await api.put(f"/accounts/{acc.a}/overdraft-limit", {"overdraft_limit_minor": limit})
        problem(r, 422, "VALIDATION_ERROR", limit)
        body = {"currency": "EUR", "overdraft_limit_minor": limit}
        r = await api.post(f"/customers/{acc.customer}/accounts", body)
        problem(r, 422, "VALIDATION_ERROR", limit)
    assert await api.snapshot(acc.a) == before


async def test_lowering_the_overdraft_below_what_is_used_is_refused(
    api: Api, acc: Accounts
) -> None:
    await api.overdraft(acc.b, 500)
    r = await api.money("/transfers", transfer(acc.b, acc.a, amount_minor=400))
    assert r.status_code == 201, r.text
    before = await api.snapshot(acc.a, acc.b)
    r = await api.put(f"/accounts/{acc.b}/overdraft-limit", {"overdraft_limit_minor": 399})
    problem(r, 422, "INSUFFICIENT_FUNDS")
    assert await api.snapshot(acc.a, acc.b) == before


# -- idempotency --------------------------------------------------------------------------


async def test_replay_with_the_same_key_and_body_returns_the_first_entry_once(
    api: Api, acc: Accounts
) -> None:
    body = transfer(acc.a, acc.b, amount="12.50")
    first = await api.post("/transfers", body, key="pay-1")
    assert first.status_code == 201, first.text
    after_first = await api.snapshot(acc.a, acc.b)
    for _ in range(2):
        again = await api.post("/transfers", body, key="pay-1")
        assert again.status_code == 201, again.text
        assert again.json() == first.json()
    assert await api.snapshot(acc.a, acc.b) == after_first
    assert (await api.get(f"/accounts/{acc.b}/balance")).json()["ledger_minor"] == 1250


async def test_replay_of_amount_in_minor_units_matches_the_same_amount_as_decimal(
    api: Api, acc: Accounts
) -> None:
    """The fingerprint is of the command, not the JSON: 12.50 and 1250 are one request."""
    first = await api.post("/transfers", transfer(acc.a, acc.b, amount="12.50"), key="k")
    after_first = await api.snapshot(acc.a, acc.b)
    again = await api.post("/transfers", transfer(acc.a, acc.b, amount_minor=1250), key="k")
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert await api.snapshot(acc.a, acc.b) == after_first


async def test_replay_of_a_hold_returns_the_first_hold(api: Api, acc: Accounts) -> None:
    first = await api.post("/holds", hold(acc.a, acc.b, amount_minor=700), key="h-1")
    after_first = await api.snapshot(acc.a, acc.b)
    again = await api.post("/holds", hold(acc.a, acc.b, amount_minor=700), key="h-1")
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await api.snapshot(acc.a, acc.b) == after_first
    assert (await api.get(f"/accounts/{acc.a}/balance")).json()["held_minor"] == 700


async def test_same_key_with_a_different_body_is_a_conflict_and_changes_nothing(
    api: Api, acc: Accounts
) -> None:
    r = await api.post("/transfers", transfer(acc.a, acc.b, amount_minor=100), key="pay-2")
    assert r.status_code == 201, r.text
    before = await api.snapshot(acc.a, acc.b)
    for change in (
        {"amount_minor": 200},
        {"description": "Rent"},
        {"destination_account_id": acc.czk, "currency": "CZK"},
    ):
        r = await api.post("/transfers", {**transfer(acc.a, acc.b), **change}, key="pay-2")
        problem(r, 409, "IDEMPOTENCY_CONFLICT", change)
    assert await api.snapshot(acc.a, acc.b) == before


async def test_same_key_for_another_kind_of_command_is_a_conflict(api: Api, acc: Accounts) -> None:
    assert (await api.post("/deposits", deposit(acc.a), key="cash-1")).status_code == 201
    before = await api.snapshot(acc.a)
    problem(
        await api.post("/withdrawals", deposit(acc.a), key="cash-1"), 409, "IDEMPOTENCY_CONFLICT"
    )
    assert await api.snapshot(acc.a) == before


async def test_refused_command_does_not_use_up_its_idempotency_key(
    api: Api, acc: Accounts
) -> None:
    body = transfer(acc.b, acc.a, amount_minor=500)
    problem(await api.post("/transfers", body, key="retry-me"), 422, "INSUFFICIENT_FUNDS")
    await api.deposit(acc.b, 500)
    r = await api.post("/transfers", body, key="retry-me")
    assert r.status_code == 201, r.text


async def test_money_moving_request_without_an_idempotency_key_is_refused(
    api: Api, acc: Accounts
) -> None:
    held = await api.hold(acc.a, acc.b, 100)
    entry = (await api.deposit(acc.a, 100))["id"]
    before = await api.snapshot(acc.a, acc.b)
    requests: list[tuple[str, object]] = [
        *((path, money_body(path, acc)) for path in COMMANDS),
        (f"/holds/{held}/post", {}),
        (f"/holds/{held}/void", None),
        (f"/entries/{entry}/reversal", {"reason": "mistake"}),
    ]
    for path, body in requests:
        for key in (None, ""):
            r = await api.post(path, body, key=key)
            problem(r, 400, "IDEMPOTENCY_KEY_REQUIRED", (path, key))
    assert await api.snapshot(acc.a, acc.b) == before
    assert (await api.get(f"/holds/{held}")).json()["status"] == "pending"


async def test_overlong_idempotency_key_is_refused(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a, acc.b)
    r = await api.post("/transfers", transfer(acc.a, acc.b), key="k" * 129)
    assert problem(r, 422, "VALIDATION_ERROR")["data"]["field"] == "idempotency_key"
    assert await api.snapshot(acc.a, acc.b) == before
    r = await api.post("/transfers", transfer(acc.a, acc.b), key="k" * 128)
    assert r.status_code == 201, r.text


# -- request shape ------------------------------------------------------------------------


async def test_malformed_deposit_is_a_validation_error_naming_the_field(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a)
    for change, field in [
        ({"account_id": None}, "body.account_id"),  # missing
        ({"currency": None}, "body.currency"),  # missing
        ({"amount_minor": "100"}, "body.amount_minor"),  # a string, not an integer
        ({"amount_minor": 10.5}, "body.amount_minor"),  # a float
        ({"amount_minor": True}, "body.amount_minor"),  # a boolean
        ({"account_id": 42}, "body.account_id"),
        ({"account_id": "not-a-uuid"}, "body.account_id"),
        ({"currency": "EURO"}, "body.currency"),
        ({"currency": 978}, "body.currency"),
        ({"description": ""}, "body.description"),
        ({"description": "x" * 201}, "body.description"),
        ({"note": "extra"}, "body.note"),  # extra fields are refused
        ({"amount": "1.00"}, "body"),  # both amount and amount_minor
        ({"amount_minor": None}, "body"),  # neither
    ]:
        body = deposit(acc.a)
        for name, value in change.items():
            if value is None:
                body.pop(name)
            else:
                body[name] = value
        result = problem(await api.money("/deposits", body), 422, "VALIDATION_ERROR", change)
        assert field in [e["field"] for e in result["errors"]], change
        assert all(set(e) == {"field", "message"} for e in result["errors"]), change
    assert await api.snapshot(acc.a) == before


async def test_body_that_is_not_an_object_is_a_validation_error(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a)
    for content in (b"[]", b'"text"', b"42", b"null", b""):
        problem(await api.raw("/deposits", content), 422, "VALIDATION_ERROR", content)
    assert await api.snapshot(acc.a) == before


async def test_description_must_be_printable_text(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a, acc.b)
    for description in ("   ", "line\nbreak", "tab\there", "nul\x00"):
        r = await api.money("/transfers", transfer(acc.a, acc.b, description=description))
        body = problem(r, 422, "VALIDATION_ERROR", description)
        assert body["data"]["field"] == "description"
    assert await api.snapshot(acc.a, acc.b) == before


async def test_malformed_customer_is_a_validation_error(api: Api) -> None:
    before = await api.snapshot()
    for body, field in [
        ({"full_name": ""}, "body.full_name"),
        ({}, "body.full_name"),
        ({"full_name": "A", "phone": "601"}, "phone"),
        ({"full_name": "A", "email": "not-an-email"}, "email"),
        ({"full_name": "A", "language": "xx"}, "language"),
        ({"full_name": "\u0000"}, "full_name"),
    ]:
        result = problem(await api.post("/customers", body), 422, "VALIDATION_ERROR", body)
        if field.startswith("body."):
            assert field in [e["field"] for e in result["errors"]], body
        else:
            assert result["data"]["field"] == field, body
    assert await api.snapshot() == before


async def test_unknown_kyc_status_is_a_validation_error(api: Api, acc: Accounts) -> None:
    for status in ("approved", "VERIFIED", ""):
        r = await api.put(f"/customers/{acc.customer}/kyc", {"status": status})
        problem(r, 422, "VALIDATION_ERROR", status)
    assert (await api.get(f"/customers/{acc.customer}")).json()["kyc_status"] == "unverified"


async def test_statement_with_a_bad_period_or_page_is_a_validation_error(
    api: Api, acc: Accounts
) -> None:
    for params in [
        {"limit": "0"},
        {"limit": "501"},
        {"after_seq": "-1"},
        {"after_seq": str(2**63)},
        {"since": "yesterday"},
        {"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
        {"since": "2026-03-02T00:00:00Z", "until": "2026-03-02T00:00:00Z"},
        {"until": "0001-01-01T00:00:00Z"},  # 30 days before is before year 1
        {"since": "0001-01-01T00:00:00+01:00", "until": "2026-03-01T00:00:00Z"},
        {"until": "9999-12-31T23:00:00-05:00"},  # after year 9999 in UTC
    ]:
        r = await api.get(f"/accounts/{acc.a}/statement", **params)
        problem(r, 422, "VALIDATION_ERROR", params)


async def test_id_in_the_path_that_is_no_uuid_is_a_validation_error(api: Api) -> None:
    body = problem(await api.get("/accounts/42"), 422, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "path.account_id"


async def test_body_that_is_not_json_is_malformed(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a)
    for content in [
        b'{"account_id": ',
        b"{'single': 'quotes'}",
        b'{"a": 1,}',
        b"nope",
        b"\xff\xfe",
        b'{"description": "\xff"}',  # not UTF-8
    ]:
        problem(await api.raw("/deposits", content), 400, "MALFORMED_JSON", content)
    assert await api.snapshot(acc.a) == before


# -- body size ----------------------------------------------------------------------------


def _padded_deposit(account_id: str, size: int) -> bytes:
    """A valid deposit, padded with JSON whitespace to exactly ``size`` bytes."""
    body = f'{{"account_id": "{account_id}", "amount_minor": 100, "currency": "EUR"}}'.encode()
    return body + b" " * (size - len(body))


async def test_body_over_the_limit_with_content_length_is_refused_unread(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a)
    r = await api.raw("/deposits", _padded_deposit(acc.a, LIMIT + 1))
    problem(r, 413, "PAYLOAD_TOO_LARGE")
    assert await api.snapshot(acc.a) == before


async def test_streamed_body_over_the_limit_without_content_length_is_refused(
    api: Api, acc: Accounts
) -> None:
    content = _padded_deposit(acc.a, LIMIT + 1)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), 1000):
            yield content[start : start + 1000]

    before = await api.snapshot(acc.a)
    headers = {**api.headers, **JSON, "Idempotency-Key": "big"}
    request = api.http.build_request("POST", f"{API}/deposits", content=chunks(), headers=headers)
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    problem(await api.http.send(request), 413, "PAYLOAD_TOO_LARGE")
    assert await api.snapshot(acc.a) == before


async def test_body_of_exactly_the_limit_is_accepted(api: Api, acc: Accounts) -> None:
    r = await api.raw("/deposits", _padded_deposit(acc.b, LIMIT))
    assert r.status_code == 201, r.text


# -- holds --------------------------------------------------------------------------------


async def test_unknown_hold_is_not_found(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a)
    for method, path, body in [
        ("GET", "/holds/{id}", None),
        ("POST", "/holds/{id}/post", {}),
        ("POST", "/holds/{id}/void", None),
    ]:
        r = await api.call(method, path.format(id=uuid4()), body, key=api.key())
        problem(r, 404, "HOLD_NOT_FOUND", path)
    assert await api.snapshot(acc.a) == before


async def test_voided_hold_cannot_be_posted_or_voided_again(api: Api, acc: Accounts) -> None:
    held = await api.hold(acc.a, acc.b, 1_000)
    assert (await api.post(f"/holds/{held}/void", key=api.key())).status_code == 200
    before = await api.snapshot(acc.a, acc.b)
    body = problem(await api.post(f"/holds/{held}/void", key=api.key()), 409, "HOLD_NOT_PENDING")
    assert body["data"]["status"] == "voided"
    problem(await api.post(f"/holds/{held}/post", {}, key=api.key()), 409, "HOLD_NOT_PENDING")
    assert await api.snapshot(acc.a, acc.b) == before


async def test_posted_hold_cannot_be_posted_or_voided_again(api: Api, acc: Accounts) -> None:
    held = await api.hold(acc.a, acc.b, 1_000)
    assert (await api.post(f"/holds/{held}/post", {}, key=api.key())).status_code == 200
    before = await api.snapshot(acc.a, acc.b)
    problem(await api.post(f"/holds/{held}/post", {}, key=api.key()), 409, "HOLD_NOT_PENDING")
    problem(await api.post(f"/holds/{held}/void", key=api.key()), 409, "HOLD_NOT_PENDING")
    assert await api.snapshot(acc.a, acc.b) == before


async def test_hold_at_or_past_its_expiry_cannot_be_posted_or_voided(
    api: Api, acc: Accounts, clock: MutableClock
) -> None:
    held = await api.hold(acc.a, acc.b, 1_000, ttl_seconds=60)
    clock.advance(seconds=60)
    before = await api.snapshot(acc.a, acc.b)
    for _ in range(2):
        body = problem(
            await api.post(f"/holds/{held}/post", {}, key=api.key()), 409, "HOLD_EXPIRED"
        )
        assert body["data"]["hold_id"] == held
        problem(await api.post(f"/holds/{held}/void", key=api.key()), 409, "HOLD_EXPIRED")
        clock.advance(hours=1)
    assert await api.snapshot(acc.a, acc.b) == before
    assert (await api.get(f"/holds/{held}")).json()["status"] == "pending"  # until the job


async def test_hold_just_before_expiry_can_still_be_posted(
    api: Api, acc: Accounts, clock: MutableClock
) -> None:
    held = await api.hold(acc.a, acc.b, 1_000, ttl_seconds=60)
    clock.advance(seconds=59.999)
    r = await api.post(f"/holds/{held}/post", {}, key=api.key())
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "posted"


async def test_posting_more_than_the_hold_is_refused(api: Api, acc: Accounts) -> None:
    held = await api.hold(acc.a, acc.b, 1_000)
    before = await api.snapshot(acc.a, acc.b)
    r = await api.post(f"/holds/{held}/post", {"amount_minor": 1_001}, key=api.key())
    body = problem(r, 422, "HOLD_AMOUNT_EXCEEDED")
    assert (body["data"]["held"], body["data"]["requested"]) == (1_000, 1_001)
    assert await api.snapshot(acc.a, acc.b) == before
    assert (await api.get(f"/holds/{held}")).json()["status"] == "pending"


async def test_posting_a_hold_for_nothing_is_a_validation_error(api: Api, acc: Accounts) -> None:
    held = await api.hold(acc.a, acc.b, 1_000)
    before = await api.snapshot(acc.a, acc.b)
    for amount in (0, -1, "5"):
        r = await api.post(f"/holds/{held}/post", {"amount_minor": amount}, key=api.key())
        problem(r, 422, "VALIDATION_ERROR", amount)
    assert await api.snapshot(acc.a, acc.b) == before


async def test_hold_lifetime_outside_a_second_to_a_month_is_refused(
    api: Api, acc: Accounts
) -> None:
    before = await api.snapshot(acc.a, acc.b)
    for ttl in (0, -5, 31 * 24 * 3600 + 1, "60"):
        r = await api.money("/holds", hold(acc.a, acc.b, ttl_seconds=ttl))
        problem(r, 422, "VALIDATION_ERROR", ttl)
    assert await api.snapshot(acc.a, acc.b) == before


# -- entries and reversals ---------------------------------------------------------------


async def test_unknown_entry_is_not_found(api: Api, acc: Accounts) -> None:
    before = await api.snapshot(acc.a)
    problem(await api.get(f"/entries/{uuid4()}"), 404, "ENTRY_NOT_FOUND")
    r = await api.post(f"/entries/{uuid4()}/reversal", {"reason": "typo"}, key=api.key())
    problem(r, 404, "ENTRY_NOT_FOUND")
    assert await api.snapshot(acc.a) == before


async def test_entry_cannot_be_reversed_twice(api: Api, acc: Accounts) -> None:
    entry = (await api.deposit(acc.b, 300))["id"]
    r = await api.post(f"/entries/{entry}/reversal", {"reason": "wrong account"}, key="r-1")
    assert r.status_code == 201, r.text
    before = await api.snapshot(acc.b)
    r = await api.post(f"/entries/{entry}/reversal", {"reason": "wrong account"}, key="r-2")
    assert problem(r, 409, "ALREADY_REVERSED")["data"]["entry_id"] == entry
    assert await api.snapshot(acc.b) == before


async def test_reversal_cannot_itself_be_reversed(api: Api, acc: Accounts) -> None:
    entry = (await api.deposit(acc.b, 300))["id"]
    reversal = await api.post(f"/entries/{entry}/reversal", {"reason": "oops"}, key="r-1")
    before = await api.snapshot(acc.b)
    r = await api.post(
        f"/entries/{reversal.json()['id']}/reversal", {"reason": "undo undo"}, key="r-2"
    )
    problem(r, 409, "ALREADY_REVERSED")
    assert await api.snapshot(acc.b) == before


async def test_reversal_that_would_overdraw_or_touch_a_frozen_account_is_refused(
    api: Api, acc: Accounts
) -> None:
    deposited = (await api.deposit(acc.b, 300))["id"]
    moved = await api.money("/transfers", transfer(acc.b, acc.a, amount_minor=300))
    assert moved.status_code == 201, moved.text
    before = await api.snapshot(acc.a, acc.b)
    r = await api.post(f"/entries/{deposited}/reversal", {"reason": "bounced"}, key=api.key())
    problem(r, 422, "INSUFFICIENT_FUNDS")  # the 3.00 left acc.b already
    assert await api.snapshot(acc.a, acc.b) == before
    await api.post(f"/accounts/{acc.a}/freeze", {"reason": "review"})
    before = await api.snapshot(acc.a, acc.b)
    r = await api.post(f"/entries/{moved.json()['id']}/reversal", {"reason": "x"}, key=api.key())
    problem(r, 409, "ACCOUNT_FROZEN")
    assert await api.snapshot(acc.a, acc.b) == before


# -- routes and privacy -------------------------------------------------------------------


async def test_unknown_route_is_a_problem_not_found(api: Api) -> None:
    for path in ("/nope", "/accounts", "/deposits/1/x", "/v2/customers"):
        problem(await api.get(path), 404, "NOT_FOUND", path)


async def test_wrong_method_is_refused_and_says_which_are_allowed(api: Api) -> None:
    r = await api.call("DELETE", "/deposits")
    problem(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "POST"


async def test_problem_never_echoes_what_was_sent(api: Api, acc: Accounts) -> None:
    for path, body, code in [
        ("/deposits", deposit(acc.a, amount=CARD), "INVALID_AMOUNT"),
        ("/deposits", deposit(acc.a, amount=CARD_DIGITS), "INVALID_AMOUNT"),
        ("/deposits", deposit(acc.a, currency=CARD_DIGITS), "VALIDATION_ERROR"),
        ("/deposits", deposit(CARD_DIGITS), "VALIDATION_ERROR"),
        ("/deposits", deposit(CARD), "VALIDATION_ERROR"),
        ("/deposits", deposit(acc.a, amount_minor=CARD_DIGITS), "VALIDATION_ERROR"),
        ("/deposits", deposit(acc.a, description=CARD_DIGITS * 13), "VALIDATION_ERROR"),
        ("/deposits", deposit(acc.a, description=CARD + "\n"), "VALIDATION_ERROR"),
        ("/deposits", deposit(acc.a, card_number=CARD_DIGITS), "VALIDATION_ERROR"),
        ("/customers", {"full_name": "Jana", "phone": CARD_DIGITS}, "VALIDATION_ERROR"),
        ("/customers", {"full_name": "Jana", "email": CARD_DIGITS}, "VALIDATION_ERROR"),
        ("/customers", {"full_name": CARD_DIGITS * 9}, "VALIDATION_ERROR"),
        ("/customers", {"full_name": "Jana", "language": CARD_DIGITS}, "VALIDATION_ERROR"),
    ]:
        r = await api.money(path, body)
        problem(r, 422, code, body)
        assert CARD_DIGITS[-8:] not in r.text, body
        assert "1111 1111" not in r.text, body


async def test_problem_for_a_bad_path_or_query_never_echoes_it(api: Api, acc: Accounts) -> None:
    statement = f"/accounts/{acc.a}/statement"
    for r in (
        await api.get(f"/accounts/{CARD_DIGITS}"),
        await api.get(f"/customers/{CARD_DIGITS}/accounts"),
        await api.get(statement, since=CARD_DIGITS, after_seq=CARD, limit=CARD_DIGITS),
    ):
        problem(r, 422, "VALIDATION_ERROR", r.url)
        assert CARD_DIGITS[-8:] not in r.text
        assert "1111 1111" not in r.text


async def test_malformed_json_problem_never_echoes_the_body(api: Api) -> None:
    r = await api.raw("/deposits", f'{{"card": "{CARD_DIGITS}", '.encode())
    problem(r, 400, "MALFORMED_JSON")
    assert CARD_DIGITS not in r.text
