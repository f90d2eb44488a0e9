"""``HttpBank`` against a real HTTP server on loopback that fails on purpose.

The server is a small Starlette test double run by uvicorn in a background thread. Each
test gives it a plan (one action per incoming request: fail with 503, answer slowly, …)
and reads back what it received, above all the ``Idempotency-Key`` of every attempt.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from integrations.bank import (
    Amount,
    BankUnavailable,
    InsufficientFunds,
    InvalidRequest,
)
from integrations.bank.http import HttpBank

API_KEY = "tlr_0badc0de_secret-that-must-never-be-logged-0123456789"
SOURCE, DESTINATION = uuid.uuid4(), uuid.uuid4()
CREATED_AT = "2026-03-02T09:30:00Z"


@dataclass
class Double:
    """The fake bank's script and memory."""

    plan: list[str] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> entry
    in_flight: int = 0  # requests still being handled (a slow one outlives its client)

    def reset(self, *plan: str) -> None:
        self.plan[:] = plan
        self.keys.clear()
        self.entries.clear()


def problem(status: int, code: str, **extra: Any) -> JSONResponse:
    body = {"type": f"urn:teller:problem:{code.lower()}", "title": code, "status": status}
    return JSONResponse(
        {**body, "code": code, **extra}, status, media_type="application/problem+json"
    )


def build_app(double: Double) -> Starlette:
    async def act(request: Request, succeed: Callable[[], Response]) -> Response:
        double.keys.append(request.headers.get("idempotency-key"))
        action = double.plan.pop(0) if double.plan else "ok"
        double.in_flight += 1
        try:
            return await respond(action, succeed)
        finally:
            double.in_flight -= 1

    async def respond(action: str, succeed: Callable[[], Response]) -> Response:
        if action == "slow":  # the answer is lost to the client's timeout, the work is done
            await asyncio.sleep(0.5)
            return succeed()
        if action == "ok":
            return succeed()
        if action.startswith("429"):
            return PlainTextResponse("slow down", 429, {"Retry-After": action.split(":")[1]})
        if action == "422":
            data = {"account_id": str(SOURCE), "available": 100, "requested": 500}
            return problem(422, "INSUFFICIENT_FUNDS", data=data)
        if action == "422-schema":
            errors = [{"field": "body.amount_minor", "message": "Input should be an integer"}]
            return problem(422, "VALIDATION_ERROR", errors=errors)
        if action.endswith("html"):  # what a proxy in front of the bank says
            return Response("<h1>Bad Gateway</h1>", int(action[:3]), media_type="text/html")
        return PlainTextResponse("unavailable", int(action))

    async def transfer(request: Request) -> Response:
        body = await request.json()
        key = request.headers.get("idempotency-key") or ""

        def succeed() -> Response:
            # Idempotent like the real core: one entry per key, however often it comes.
            entry = double.entries.setdefault(key, entry_for(body))
            return JSONResponse(entry, 201)

        return await act(request, succeed)

    async def customers(request: Request) -> Response:
        body = await request.json()
        return await act(request, lambda: JSONResponse(customer_for(body), 201))

    async def balance(request: Request) -> Response:
        return await act(request, lambda: JSONResponse(balance_for(request)))

    return Starlette(
        routes=[
            Route("/api/v1/transfers", transfer, methods=["POST"]),
            Route("/api/v1/customers", customers, methods=["POST"]),
            Route("/api/v1/accounts/{account_id}/balance", balance, methods=["GET"]),
        ]
    )


def entry_for(body: dict[str, Any]) -> dict[str, Any]:
    amount, currency = body["amount_minor"], body["currency"]
    legs = [(body["source_account_id"], -amount), (body["destination_account_id"], amount)]
    return {
        "id": str(uuid.uuid4()),
        "kind": "transfer",
        "description": body["description"],
        "created_at": CREATED_AT,
        "reverses_entry_id": None,
        "postings": [
            {
                "account_id": account,
                "amount_minor": minor,
                "currency": currency,
                "balance_after_minor": minor,
            }
            for account, minor in legs
        ],
    }


def customer_for(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "full_name": body["full_name"],
        "phone": None,
        "email": None,
        "language": body["language"],
        "kyc_status": "unverified",
        "created_at": CREATED_AT,
    }


def balance_for(request: Request) -> dict[str, Any]:
    return {
        "account_id": request.path_params["account_id"],
        "currency": "EUR",
        "ledger_minor": 500,
        "held_minor": 0,
        "available_minor": 500,
        "overdraft_limit_minor": 0,
    }


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Double]]:
    """The double, served on a free loopback port for the whole module."""
    double = Double()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # No log_config and no log_level: uvicorn then leaves the process's logging alone
    # (a level set here would silence uvicorn's loggers for the tests that follow).
    config = uvicorn.Config(
        build_app(double), log_config=None, log_level=None, lifespan="off", ws="none"
    )
    uv = uvicorn.Server(config)
    # A thread of its own: signal handlers stay with pytest, and its loop is not ours.
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test double did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", double
    uv.should_exit = True
    thread.join(5)
    sock.close()


async def settled(double: Double) -> None:
    """Wait until the double has finished every request, even those the client gave up on."""
    deadline = time.monotonic() + 2
    # A poll, not an asyncio.Event: the counter belongs to the server's thread and loop.
    while double.in_flight and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert double.in_flight == 0


@pytest.fixture
async def double(server: tuple[str, Double]) -> AsyncIterator[Double]:
    server[1].reset()
    yield server[1]
    await settled(server[1])  # nothing from this test may touch the next one's state


MakeBank = Callable[..., HttpBank]


@pytest.fixture
async def make_bank(server: tuple[str, Double]) -> AsyncIterator[MakeBank]:
    """``make_bank(retries=…)`` → an HttpBank on the double, closed after the test."""
    made: list[HttpBank] = []

    def make(**options: Any) -> HttpBank:
        options = {"timeout": 2.0, "backoff": 0.01, **options}
        base_url = options.pop("base_url", server[0])
        made.append(HttpBank(base_url, API_KEY, **options))
        return made[-1]

    yield make
    for bank in made:
        await bank.aclose()


async def send_transfer(bank: HttpBank, key: str = "transfer-1") -> Any:
    return await bank.transfer(
        SOURCE, DESTINATION, Amount(500, "EUR"), description="Rent", idempotency_key=key
    )


async def test_retries_reuse_the_idempotency_key(double: Double, make_bank: MakeBank) -> None:
    double.reset("503", "502html", "504")
    entry = await send_transfer(make_bank(retries=3))
    assert double.keys == ["transfer-1"] * 4
    assert list(double.entries) == ["transfer-1"]
    assert entry.id == uuid.UUID(double.entries["transfer-1"]["id"])
    assert entry.posting_for(DESTINATION).amount_minor == 500


async def test_gives_up_after_the_retries_with_bank_unavailable(
    double: Double, make_bank: MakeBank
) -> None:
    double.reset(*["503"] * 10)
    with pytest.raises(BankUnavailable) as caught:
        await send_transfer(make_bank(retries=2))
    assert caught.value.retryable
    assert caught.value.data == {"status": 503, "attempts": 3}
    assert double.keys == ["transfer-1"] * 3
    assert double.entries == {}


async def test_a_lost_answer_is_retried_and_returns_the_first_result(
    double: Double, make_bank: MakeBank
) -> None:
    double.reset("slow")
    entry = await send_transfer(make_bank(timeout=0.2, retries=2))
    await settled(double)
    assert double.keys == ["transfer-1", "transfer-1"]
    assert len(double.entries) == 1  # the late first attempt found the retry's entry
    assert entry.id == uuid.UUID(double.entries["transfer-1"]["id"])


async def test_a_refusal_is_not_retried(double: Double, make_bank: MakeBank) -> None:
    double.reset("422")
    with pytest.raises(InsufficientFunds) as caught:
        await send_transfer(make_bank(retries=3))
    assert caught.value.code == "INSUFFICIENT_FUNDS"
    assert caught.value.data == {"account_id": str(SOURCE), "available": 100, "requested": 500}
    assert double.keys == ["transfer-1"]


async def test_a_schema_refusal_keeps_the_field_errors(
    double: Double, make_bank: MakeBank
) -> None:
    double.reset("422-schema")
    with pytest.raises(InvalidRequest) as caught:
        await send_transfer(make_bank(retries=3))
    assert caught.value.code == "VALIDATION_ERROR"
    assert caught.value.data["errors"] == [
        {"field": "body.amount_minor", "message": "Input should be an integer"}
    ]
    assert len(double.keys) == 1


async def test_an_error_without_a_problem_body_is_unavailable(
    double: Double, make_bank: MakeBank
) -> None:
    double.reset("500html")
    with pytest.raises(BankUnavailable) as caught:
        await send_transfer(make_bank(retries=3))
    assert caught.value.data == {"status": 500, "attempts": 1}
    assert len(double.keys) == 1  # a 500 is not a transient status


async def test_retry_after_is_honoured(double: Double, make_bank: MakeBank) -> None:
    double.reset("429:1")
    started = time.monotonic()
    await send_transfer(make_bank(retries=1))
    assert time.monotonic() - started >= 1.0
    assert double.keys == ["transfer-1"] * 2


async def test_a_long_retry_after_gives_up_at_once(double: Double, make_bank: MakeBank) -> None:
    double.reset("429:120")
    with pytest.raises(BankUnavailable) as caught:
        await send_transfer(make_bank(retries=3, max_wait=5))
    assert caught.value.retry_after == 120
    assert len(double.keys) == 1


async def test_a_request_without_a_key_is_retried_only_when_surely_not_done(
    double: Double, make_bank: MakeBank
) -> None:
    bank = make_bank(retries=3)
    double.reset("503")  # refused before any work: safe to send again
    customer = await bank.register_customer("Jan Novák", "cs")
    assert customer.full_name == "Jan Novák"
    assert double.keys == [None, None]

    double.reset("502html")  # a gateway may have passed it on: a retry could register twice
    with pytest.raises(BankUnavailable):
        await bank.register_customer("Jan Novák", "cs")
    assert double.keys == [None]


async def test_reads_are_retried_on_gateway_errors(double: Double, make_bank: MakeBank) -> None:
    double.reset("502html", "504")
    balance = await make_bank(retries=2).get_balance(SOURCE)
    assert balance.available == Amount(500, "EUR")
    assert len(double.keys) == 3


class CountingTransport(httpx.AsyncHTTPTransport):
    """A real transport that counts the requests it tries to send."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        return await super().handle_async_request(request)


async def test_connection_errors_are_retried_then_unavailable(make_bank: MakeBank) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    transport = CountingTransport()
    bank = make_bank(base_url=f"http://127.0.0.1:{port}", retries=2, transport=transport)
    with pytest.raises(BankUnavailable) as caught:
        await send_transfer(bank)
    assert caught.value.data == {"attempts": 3}
    assert transport.attempts == 3


async def test_retries_never_log_secrets(
    double: Double, make_bank: MakeBank, caplog: pytest.LogCaptureFixture
) -> None:
    double.reset("503")
    with caplog.at_level(logging.DEBUG):
        await send_transfer(make_bank(retries=1))
    assert "retry 1 of 1" in caplog.text
    assert API_KEY not in caplog.text
    assert "Rent" not in caplog.text  # nothing of the body
