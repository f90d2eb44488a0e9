"""Whole journeys through the core API: statements, holds, reversals, account care, docs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.actors import SYSTEM
from core.audit.log import recent
from core.bank import Bank
from tests.fakes import MutableClock

API = "/api/v1"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # where MutableClock starts


class Api:
    """A thin admin client that fails loudly on anything but success."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.http = http
        self.headers = headers
        self._keys = itertools.count(1)

    def key(self) -> str:
        return f"flow-{next(self._keys)}"

    async def call(
        self, method: str, path: str, json: object = None, *, key: str | None = None, **params: Any
    ) -> httpx.Response:
        headers = dict(self.headers)
        if method == "POST":
            headers["Idempotency-Key"] = key or self.key()
        return await self.http.request(
            method, API + path, json=json, headers=headers, params=params
        )

    async def ok(
        self, method: str, path: str, json: object = None, *, key: str | None = None, **params: Any
    ) -> Any:
        r = await self.call(method, path, json, key=key, **params)
        assert r.status_code in (200, 201), r.text
        return r.json()

    async def get(self, path: str, **params: Any) -> Any:
        return await self.ok("GET", path, **params)

    async def post(self, path: str, json: object = None, *, key: str | None = None) -> Any:
        return await self.ok("POST", path, json, key=key)

    async def put(self, path: str, json: object) -> Any:
        return await self.ok("PUT", path, json)

    async def customer(self, name: str = "Olga Kovalenko", **fields: object) -> str:
        return str((await self.post("/customers", {"full_name": name, **fields}))["id"])

    async def account(self, customer: str, currency: str = "EUR", **fields: object) -> str:
        body = {"currency": currency, **fields}
        return str((await self.post(f"/customers/{customer}/accounts", body))["id"])

    async def deposit(self, account: str, minor: int) -> dict[str, Any]:
        body = {"account_id": account, "amount_minor": minor, "currency": "EUR"}
        result: dict[str, Any] = await self.post("/deposits", body)
        return result

    async def withdraw(self, account: str, minor: int) -> dict[str, Any]:
        body = {"account_id": account, "amount_minor": minor, "currency": "EUR"}
        result: dict[str, Any] = await self.post("/withdrawals", body)
        return result

    async def transfer(self, source: str, destination: str, minor: int, **fields: object) -> Any:
        body = {
            "source_account_id": source,
            "destination_account_id": destination,
            "amount_minor": minor,
            "currency": "EUR",
            **fields,
        }
        return await self.post("/transfers", body)

    async def balance(self, account: str) -> tuple[int, int, int]:
        """(ledger, held, available) in minor units."""
        b = await self.get(f"/accounts/{account}/balance")
        return b["ledger_minor"], b["held_minor"], b["available_minor"]


@pytest.fixture
def api(http: httpx.AsyncClient, admin_headers: dict[str, str]) -> Api:
    return Api(http, admin_headers)


async def ledger_is_sound(bank: Bank) -> None:
    report = await bank.verify_ledger()
    assert report.ok, report.problems


# -- statements ----------------------------------------------------------------------------


@pytest.fixture
async def history(api: Api, clock: MutableClock) -> tuple[str, str]:
    """Account a over five days: +100.00, -30.00, -10.00, +5.00, +2.50 (one a day)."""
    customer = await api.customer()
    a, b = await api.account(customer), await api.account(customer)
    await api.deposit(a, 10_000)  # 03-02
    clock.advance(days=1)
    await api.transfer(a, b, 3_000, description="Rent")  # 03-03
    clock.advance(days=1)
    await api.withdraw(a, 1_000)  # 03-04
    clock.advance(days=1)
    await api.deposit(a, 500)  # 03-05
    clock.advance(days=1)
    await api.transfer(b, a, 250, description="Refund")  # 03-06
    return a, b


def _iso(day: int) -> str:
    return datetime(2026, 3, day, tzinfo=UTC).isoformat()


async def test_statement_for_a_period_has_its_lines_balances_and_totals(
    api: Api, history: tuple[str, str]
) -> None:
    a, _ = history
    page = await api.get(f"/accounts/{a}/statement", since=_iso(3), until=_iso(6))
    assert page["currency"] == "EUR"
    assert [
        (ln["kind"], ln["amount_minor"], ln["balance_after_minor"]) for ln in page["lines"]
    ] == [
        ("transfer", -3_000, 7_000),
        ("withdrawal", -1_000, 6_000),
        ("deposit", 500, 6_500),
    ]
    assert page["lines"][0]["description"] == "Rent"
    assert [ln["seq"] for ln in page["lines"]] == [2, 3, 4]
    assert (page["opening_balance_minor"], page["closing_balance_minor"]) == (10_000, 6_500)
    assert (page["total_credits_minor"], page["total_debits_minor"]) == (500, -4_000)
    opening, lines = page["opening_balance_minor"], page["lines"]
    assert opening + sum(ln["amount_minor"] for ln in lines) == page["closing_balance_minor"]
    assert page["next_cursor"] is None


async def test_statement_pages_with_after_seq_and_keeps_period_totals_on_every_page(
    api: Api, history: tuple[str, str]
) -> None:
    a, _ = history
    period = {"since": _iso(1), "until": _iso(7)}
    pages, after = [], None
    while True:
        params = {**period, "limit": 2, **({} if after is None else {"after_seq": after})}
        page = await api.get(f"/accounts/{a}/statement", **params)
        pages.append(page)
        after = page["next_cursor"]
        if after is None:
            break
        assert after == page["lines"][-1]["seq"]
    assert [len(p["lines"]) for p in pages] == [2, 2, 1]
    lines = [ln for p in pages for ln in p["lines"]]
    assert [ln["seq"] for ln in lines] == [1, 2, 3, 4, 5]
    assert [ln["amount_minor"] for ln in lines] == [10_000, -3_000, -1_000, 500, 250]
    assert len({ln["entry_id"] for ln in lines}) == 5
    for page in pages:
        assert (page["opening_balance_minor"], page["closing_balance_minor"]) == (0, 6_750)
        assert (page["total_credits_minor"], page["total_debits_minor"]) == (10_750, -4_000)
    past_the_end = await api.get(f"/accounts/{a}/statement", **period, after_seq=5)
    assert (past_the_end["lines"], past_the_end["next_cursor"]) == ([], None)


async def test_statement_period_is_half_open_and_naive_bounds_are_utc(
    api: Api, history: tuple[str, str]
) -> None:
    a, _ = history
    deposit_at = (T0 + timedelta(days=3)).replace(tzinfo=None).isoformat()  # 03-05 09:30
    page = await api.get(f"/accounts/{a}/statement", since=deposit_at, until=_iso(6))
    assert [ln["amount_minor"] for ln in page["lines"]] == [500]  # since is included
    page = await api.get(f"/accounts/{a}/statement", since=_iso(3), until=deposit_at)
    assert [ln["amount_minor"] for ln in page["lines"]] == [-3_000, -1_000]  # until is not
    prague = "2026-03-05T10:30:00+01:00"  # the same instant as 09:30 UTC
    page = await api.get(f"/accounts/{a}/statement", since=prague, until=_iso(6))
    assert [ln["amount_minor"] for ln in page["lines"]] == [500]


async def test_statement_of_a_quiet_period_carries_the_balance_over(
    api: Api, history: tuple[str, str]
) -> None:
    a, _ = history
    page = await api.get(f"/accounts/{a}/statement", since=_iso(10), until=_iso(20))
    assert page["lines"] == []
    assert (page["opening_balance_minor"], page["closing_balance_minor"]) == (6_750, 6_750)
    assert (page["total_credits_minor"], page["total_debits_minor"]) == (0, 0)
    page = await api.get(f"/accounts/{a}/statement", since="2026-01-01T00:00:00Z", until=_iso(2))
    assert (page["opening_balance_minor"], page["closing_balance_minor"]) == (0, 0)


async def test_statement_without_a_period_covers_the_last_thirty_days_of_the_bank_clock(
    api: Api, history: tuple[str, str], clock: MutableClock
) -> None:
    a, _ = history
    clock.advance(seconds=1)  # the period is half-open: [now - 30 days, now)
    page = await api.get(f"/accounts/{a}/statement")
    assert len(page["lines"]) == 5
    clock.advance(days=29)
    page = await api.get(f"/accounts/{a}/statement")
    assert len(page["lines"]) == 1  # 30 days back from 04-04 reach only the refund of 03-06


# -- holds ---------------------------------------------------------------------------------


async def test_hold_reserves_money_then_posts_in_part_while_another_is_voided(
    api: Api, bank: Bank, clock: MutableClock
) -> None:
    customer = await api.customer()
    card, merchant = await api.account(customer), await api.account(customer)
    await api.deposit(card, 10_000)

    def hold(minor: int) -> dict[str, object]:
        return {
            "account_id": card,
            "counterparty_account_id": merchant,
            "amount_minor": minor,
            "currency": "EUR",
            "description": "Hotel Praha",
        }

    first = await api.post("/holds", hold(3_000))
    assert first["status"] == "pending"
    assert (first["posted_amount_minor"], first["entry_id"]) == (None, None)
    assert datetime.fromisoformat(first["expires_at"]) == clock.now() + timedelta(days=7)
    assert await api.balance(card) == (10_000, 3_000, 7_000)
    second = await api.post("/holds", hold(2_000))
    assert await api.balance(card) == (10_000, 5_000, 5_000)
    account = await api.get(f"/accounts/{card}")
    assert (account["held_minor"], account["available_minor"]) == (5_000, 5_000)

    clock.advance(hours=20)
    posted = await api.post(f"/holds/{first['id']}/post", {"amount_minor": 2_500}, key="cap-1")
    assert (posted["status"], posted["posted_amount_minor"]) == ("posted", 2_500)
    assert (
        await api.post(f"/holds/{first['id']}/post", {"amount_minor": 2_500}, key="cap-1")
        == posted
    )
    entry = await api.get(f"/entries/{posted['entry_id']}")
    assert (entry["kind"], entry["description"]) == ("hold_post", "Hotel Praha")
    assert {(p["account_id"], p["amount_minor"]) for p in entry["postings"]} == {
        (card, -2_500),
        (merchant, 2_500),
    }
    assert await api.balance(card) == (7_500, 2_000, 5_500)  # the 5.00 not captured is free
    assert await api.balance(merchant) == (2_500, 0, 2_500)

    voided = await api.post(f"/holds/{second['id']}/void")
    assert voided["status"] == "voided"
    assert voided["entry_id"] is None
    assert await api.balance(card) == (7_500, 0, 7_500)
    assert (await api.get(f"/holds/{first['id']}"))["status"] == "posted"
    assert (await api.get(f"/holds/{second['id']}"))["status"] == "voided"
    statement = await api.get(f"/accounts/{card}/statement", since=_iso(1), until=_iso(10))
    assert [ln["kind"] for ln in statement["lines"]] == ["deposit", "hold_post"]
    await ledger_is_sound(bank)


async def test_hold_posted_without_an_amount_captures_all_of_it(api: Api, bank: Bank) -> None:
    customer = await api.customer()
    card, merchant = await api.account(customer), await api.account(customer)
    await api.deposit(card, 1_000)
    body = {
        "account_id": card,
        "counterparty_account_id": merchant,
        "amount": "9.99",
        "currency": "EUR",
    }
    held = await api.post("/holds", body)
    posted = await api.post(f"/holds/{held['id']}/post", {})
    assert posted["posted_amount_minor"] == 999
    assert await api.balance(card) == (1, 0, 1)
    await ledger_is_sound(bank)


async def test_expired_hold_gives_its_money_back_when_the_expiry_job_runs(
    api: Api, bank: Bank, clock: MutableClock
) -> None:
    customer = await api.customer()
    card, merchant = await api.account(customer), await api.account(customer)
    await api.deposit(card, 1_000)
    body = {
        "account_id": card,
        "counterparty_account_id": merchant,
        "amount_minor": 600,
        "currency": "EUR",
        "ttl_seconds": 3600,
    }
    held = await api.post("/holds", body)
    assert await bank.ledger.expire_holds(SYSTEM) == 0
    clock.advance(hours=1)
    assert await bank.ledger.expire_holds(SYSTEM) == 1
    assert (await api.get(f"/holds/{held['id']}"))["status"] == "expired"
    assert await api.balance(card) == (1_000, 0, 1_000)
    await ledger_is_sound(bank)


# -- reversals -----------------------------------------------------------------------------


async def test_reversal_undoes_a_transfer_with_a_new_entry_and_leaves_the_original(
    api: Api, bank: Bank
) -> None:
    customer = await api.customer()
    a, b = await api.account(customer), await api.account(customer)
    await api.deposit(a, 10_000)
    original = await api.transfer(a, b, 4_000)
    reason = {"reason": "sent to the wrong account"}
    reversal = await api.post(f"/entries/{original['id']}/reversal", reason, key="undo-1")
    assert reversal["kind"] == "reversal"
    assert reversal["reverses_entry_id"] == original["id"]
    assert reversal["description"] == "Reversal: sent to the wrong account"
    assert sorted((p["account_id"], p["amount_minor"]) for p in reversal["postings"]) == sorted(
        (p["account_id"], -p["amount_minor"]) for p in original["postings"]
    )
    assert await api.balance(a) == (10_000, 0, 10_000)
    assert await api.balance(b) == (0, 0, 0)
    assert await api.get(f"/entries/{original['id']}") == original  # postings never change
    assert await api.get(f"/entries/{reversal['id']}") == reversal
    again = await api.post(f"/entries/{original['id']}/reversal", reason, key="undo-1")
    assert again == reversal
    statement = await api.get(f"/accounts/{b}/statement", since=_iso(1), until=_iso(10))
    assert [(ln["kind"], ln["amount_minor"]) for ln in statement["lines"]] == [
        ("transfer", 4_000),
        ("reversal", -4_000),
    ]
    await ledger_is_sound(bank)


# -- customers and accounts ----------------------------------------------------------------


async def test_customer_is_created_unverified_and_kyc_moves_it_along(api: Api, bank: Bank) -> None:
    created = await api.post(
        "/customers",
        {
            "full_name": "  Mykola   Shevchenko ",
            "phone": "+420 601 234 567",
            "email": "Mykola@Example.com",
            "language": "uk",
        },
    )
    assert created["full_name"] == "Mykola Shevchenko"
    assert (created["phone"], created["email"]) == ("+420601234567", "mykola@example.com")
    assert (created["language"], created["kyc_status"]) == ("uk", "unverified")
    for status in ("pending", "verified"):
        changed = await api.put(f"/customers/{created['id']}/kyc", {"status": status})
        assert changed["kyc_status"] == status
    assert await api.get(f"/customers/{created['id']}") == {**created, "kyc_status": "verified"}
    async with bank.db.read() as conn:
        records = [r for _, r in await recent(conn, limit=20)]
    kyc = [r.details["kyc_status"] for r in records if r.action == "set_kyc_status"]
    assert kyc == ["verified", "pending"]
    assert all(r.actor == "api:client-1" for r in records if r.action == "set_kyc_status")


async def test_overdraft_limit_lets_an_account_go_below_zero_up_to_the_limit(
    api: Api, bank: Bank
) -> None:
    customer = await api.customer()
    a, b = await api.account(customer), await api.account(customer)
    account = await api.put(f"/accounts/{b}/overdraft-limit", {"overdraft_limit_minor": 5_000})
    assert (account["overdraft_limit_minor"], account["available_minor"]) == (5_000, 5_000)
    await api.transfer(b, a, 3_000)
    assert await api.balance(b) == (-3_000, 0, 2_000)
    refused = await api.call(
        "POST",
        "/transfers",
        {
            "source_account_id": b,
            "destination_account_id": a,
            "amount_minor": 2_001,
            "currency": "EUR",
        },
    )
    assert refused.json()["code"] == "INSUFFICIENT_FUNDS"
    await api.transfer(b, a, 2_000)
    assert await api.balance(b) == (-5_000, 0, 0)
    await api.transfer(a, b, 5_000)
    account = await api.put(f"/accounts/{b}/overdraft-limit", {"overdraft_limit_minor": 0})
    assert (account["overdraft_limit_minor"], account["balance_minor"]) == (0, 0)
    opened = await api.post(
        f"/customers/{customer}/accounts", {"currency": "EUR", "overdraft_limit_minor": 100}
    )
    assert opened["available_minor"] == 100
    await ledger_is_sound(bank)


async def test_frozen_account_can_be_read_but_not_used_until_unfrozen(
    api: Api, bank: Bank
) -> None:
    customer = await api.customer()
    a, b = await api.account(customer), await api.account(customer)
    await api.deposit(a, 1_000)
    frozen = await api.post(f"/accounts/{a}/freeze", {"reason": "suspicious login"})
    assert frozen["status"] == "frozen"
    assert (await api.get(f"/accounts/{a}"))["status"] == "frozen"
    assert await api.balance(a) == (1_000, 0, 1_000)  # reads still work
    body = {
        "source_account_id": a,
        "destination_account_id": b,
        "amount_minor": 100,
        "currency": "EUR",
    }
    assert (await api.call("POST", "/transfers", body)).json()["code"] == "ACCOUNT_FROZEN"
    unfrozen = await api.post(f"/accounts/{a}/unfreeze", {"reason": "customer confirmed"})
    assert unfrozen["status"] == "open"
    await api.transfer(a, b, 100)
    assert await api.balance(b) == (100, 0, 100)
    async with bank.db.read() as conn:
        records = [r for _, r in await recent(conn, limit=20)]
    reasons = {r.action: r.details.get("reason") for r in records if r.target == f"account:{a}"}
    assert reasons["freeze_account"] == "suspicious login"
    assert reasons["unfreeze_account"] == "customer confirmed"


async def test_emptied_account_can_be_closed_for_good(api: Api) -> None:
    customer = await api.customer()
    a, b = await api.account(customer), await api.account(customer)
    await api.deposit(a, 1_000)
    await api.transfer(a, b, 1_000)
    closed = await api.post(f"/accounts/{a}/close", {"reason": "customer asked"})
    assert (closed["status"], closed["balance_minor"]) == ("closed", 0)
    listed = await api.get(f"/customers/{customer}/accounts")
    assert {x["id"]: x["status"] for x in listed} == {a: "closed", b: "open"}


async def test_customer_accounts_are_listed_in_opening_order_with_balances(
    api: Api, clock: MutableClock
) -> None:
    customer = await api.customer()
    other = await api.customer("Someone Else")
    await api.account(other)
    opened = []
    for currency in ("EUR", "CZK", "JPY"):
        opened.append(await api.account(customer, currency, name=f"My {currency}"))
        clock.advance(seconds=1)
    await api.deposit(opened[0], 4_200)
    listed = await api.get(f"/customers/{customer}/accounts")
    assert [x["id"] for x in listed] == opened
    assert [(x["currency"], x["name"]) for x in listed] == [
        ("EUR", "My EUR"),
        ("CZK", "My CZK"),
        ("JPY", "My JPY"),
    ]
    assert [x["balance_minor"] for x in listed] == [4_200, 0, 0]
    assert {x["customer_id"] for x in listed} == {customer}
    assert all(x["kind"] == "customer" and x["number"].startswith("CZ") for x in listed)
    assert await api.get(f"/customers/{await api.customer('Nobody')}/accounts") == []


# -- documents and health ------------------------------------------------------------------

ROUTES = {
    "/customers": {"post"},
    "/customers/{customer_id}": {"get"},
    "/customers/{customer_id}/kyc": {"put"},
    "/customers/{customer_id}/contact": {"put"},
    "/customers/{customer_id}/accounts": {"get", "post"},
    "/accounts/{account_id}": {"get"},
    "/accounts/{account_id}/balance": {"get"},
    "/accounts/{account_id}/statement": {"get"},
    "/accounts/{account_id}/freeze": {"post"},
    "/accounts/{account_id}/unfreeze": {"post"},
    "/accounts/{account_id}/close": {"post"},
    "/accounts/{account_id}/overdraft-limit": {"put"},
    "/deposits": {"post"},
    "/withdrawals": {"post"},
    "/transfers": {"post"},
    "/entries/{entry_id}": {"get"},
    "/entries/{entry_id}/reversal": {"post"},
    "/holds": {"post"},
    "/holds/{hold_id}": {"get"},
    "/holds/{hold_id}/post": {"post"},
    "/holds/{hold_id}/void": {"post"},
    # FX (issue 3)
    "/fx/rates": {"get"},
    "/fx/rates/refresh": {"post"},
    "/fx/rates/{sell_currency}/{buy_currency}": {"get"},
    "/fx/quotes": {"post"},
    "/fx/quotes/{quote_id}": {"get"},
    "/fx/exchanges": {"post"},
    "/fx/exchanges/{exchange_id}": {"get"},
    "/fx/overrides": {"get", "post"},
    "/fx/overrides/{override_id}/cancel": {"post"},
    # referrals
    "/referral-programs": {"get", "post"},
    "/referral-programs/{program_id}": {"get", "patch"},
    "/referral-programs/{program_id}/pause": {"post"},
    "/referral-programs/{program_id}/resume": {"post"},
    "/referral-programs/{program_id}/promo-codes": {"post"},
    "/referral-programs/{program_id}/stats": {"get"},
    "/referral-programs/{program_id}/codes": {"post"},
    "/referral-programs/{program_id}/referrers/{customer_id}": {"get"},
    "/referral-codes/{code}": {"get"},
    "/customers/{customer_id}/referral": {"get", "post"},
    "/customers/{customer_id}/identity-documents": {"post"},
    "/customers/{customer_id}/cashback-rates": {"get"},
    # KYC (issue 3)
    "/customers/{customer_id}/kyc/applications": {"get", "post"},
    "/kyc/applications/{application_id}": {"get"},
    "/kyc/applications/{application_id}/personal-data": {"get", "put"},
    "/kyc/applications/{application_id}/documents": {"post"},
    "/kyc/applications/{application_id}/submit": {"post"},
    "/kyc/applications/{application_id}/decision": {"post"},
    "/kyc/reviews": {"get"},
    "/kyc/documents/{document_id}/content": {"get"},
    # bill payments (core/api/routes/bills.py)
    "/billers": {"get"},
    "/billers/{biller_id}": {"get"},
    "/billers/{biller_id}/validation": {"post"},
    "/bill-payments/quote": {"post"},
    "/bill-payments": {"post"},
    "/bill-payments/{payment_id}": {"get"},
    "/bill-payments/{payment_id}/receipt": {"get"},
    "/customers/{customer_id}/bill-payments": {"get"},
    "/customers/{customer_id}/bill-payments/repeat": {"post"},
    "/customers/{customer_id}/bill-payees": {"get", "post"},
    "/customers/{customer_id}/bill-payees/{payee_id}": {"patch", "delete"},
    "/customers/{customer_id}/bill-payees/{payee_id}/payments": {"post"},
    # cards (core/api/routes/cards.py)
    "/customers/{customer_id}/cards": {"get", "post"},
    "/cards/{card_id}": {"get"},
    "/cards/{card_id}/lock": {"post"},
    "/cards/{card_id}/unlock": {"post"},
    "/cards/{card_id}/block": {"post"},
    "/cards/{card_id}/reissue": {"post"},
    "/cards/{card_id}/limits": {"put"},
    "/cards/{card_id}/channels": {"put"},
    "/cards/{card_id}/pin": {"put"},
    "/cards/{card_id}/pin/change": {"post"},
    "/cards/{card_id}/pin/reset": {"post"},
    "/cards/{card_id}/reveal-tokens": {"post"},
    "/cards/reveal": {"post"},
    "/cards/lookup": {"post"},
    "/cards/{card_id}/authorizations": {"get"},
    "/cards/{card_id}/cashback": {"get"},
    "/accounts/{account_id}/bank-details": {"get"},
    "/cashback/rates": {"get"},
    "/cashback/rates/{kind}/{key}": {"put", "delete"},
    "/card-processing/authorizations": {"post"},
    "/card-processing/authorizations/{authorization_id}": {"get"},
    "/card-processing/authorizations/{authorization_id}/clearing": {"post"},
    "/card-processing/authorizations/{authorization_id}/reversal": {"post"},
    # top-ups and card payouts (core/api/routes/moneyio.py)
    "/topups/quote": {"post"},
    "/topups": {"post"},
    "/topups/{topup_id}": {"get"},
    "/acquirer/callbacks": {"post"},
    "/card-payouts/quote": {"post"},
    "/card-payouts": {"post"},
    "/card-payouts/{payout_id}": {"get"},
    "/card-payouts/{payout_id}/review": {"post"},
}
MONEY_MOVING = {
    "/deposits",
    "/withdrawals",
    "/transfers",
    "/entries/{entry_id}/reversal",
    "/holds",
    "/holds/{hold_id}/post",
    "/holds/{hold_id}/void",
    "/fx/exchanges",
    "/bill-payments",
    "/customers/{customer_id}/bill-payments/repeat",
    "/customers/{customer_id}/bill-payees/{payee_id}/payments",
    "/topups",
    "/card-payouts",
}
# Creating a customer or an account takes an optional key (so retries create nothing twice).
KEYED = MONEY_MOVING | {"/customers", "/customers/{customer_id}/accounts"}
# Issuing and reissuing a card too; card processing is keyed by the processor's own
# authorization id instead (docs/decisions/0018).
KEYED |= {"/customers/{customer_id}/cards", "/cards/{card_id}/reissue"}

# Payments (issue 3): transfers to customers, money requests, staff's review and rules.
_PAYMENTS_MONEY_MOVING = {
    "/payments/transfers/{payment_id}/approve",
    "/payments/transfers/{payment_id}/reject",
    "/money-requests/{request_id}/accept",
}
ROUTES.update(
    {
        "/payments/fees/quote": {"get"},
        "/payments/operations/{operation}": {"get"},
        "/customers/{customer_id}/limits/{currency}": {"get"},
        "/payments/transfers/preview": {"post"},
        "/payments/transfers": {"get", "post"},
        "/payments/transfers/{payment_id}": {"get"},
        "/money-requests": {"post"},
        "/money-requests/{request_id}": {"get"},
        "/customers/{customer_id}/money-requests": {"get"},
        "/money-requests/{request_id}/decline": {"post"},
        "/money-requests/{request_id}/cancel": {"post"},
        "/payments/fees": {"get"},
        "/payments/fees/{operation}/{currency}": {"put", "delete"},
        "/payments/limits": {"get"},
        "/payments/limits/{kyc_level}/{currency}": {"put", "delete"},
        "/payments/switches": {"get", "post"},
        "/payments/switches/{switch_id}/lift": {"post"},
        "/payments/risk/rules": {"get", "put", "delete"},
        **{path: {"post"} for path in _PAYMENTS_MONEY_MOVING},
    }
)
MONEY_MOVING |= _PAYMENTS_MONEY_MOVING
# Sending a transfer needs a key (its GET lists them); a money request takes one.
KEYED |= _PAYMENTS_MONEY_MOVING | {"/payments/transfers", "/money-requests"}
# Sealing a receipt moves no money: no key. Checking one is public.
ROUTES.update({"/receipts/seal": {"post"}, "/receipts/verify": {"get"}})


async def test_openapi_document_lists_every_route(http: httpx.AsyncClient) -> None:
    r = await http.get(f"{API}/openapi.json")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["info"]["title"] == "Teller core API"
    assert doc["servers"] == [{"url": API}]
    assert {path: set(ops) for path, ops in doc["paths"].items()} == ROUTES
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
            keyed = path in MONEY_MOVING or (method == "post" and path in KEYED)
            assert ("Idempotency-Key" in headers) == keyed, (method, path)


async def test_health_and_readiness_answer_with_the_database_ok(
    http: httpx.AsyncClient,
) -> None:
    r = await http.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    r = await http.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "checks": {"database": "ok"}}
