import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from teller.correlation import CorrelationIdMiddleware, current_correlation_id
from teller.logs import configure_logging

pytestmark = pytest.mark.usefixtures("clean_logging")


@pytest.fixture
def stream() -> io.StringIO:
    stream = io.StringIO()
    configure_logging(json=True, stream=stream)
    return stream


async def whoami(request: Request) -> JSONResponse:
    structlog.get_logger("teller.test").info("inside handler")
    logging.getLogger("teller.storage").info("SELECT 1")
    return JSONResponse({"correlation_id": current_correlation_id()})


def make_app(**options: Any) -> CorrelationIdMiddleware:
    return CorrelationIdMiddleware(Starlette(routes=[Route("/whoami", whoami)]), **options)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
        yield client


def is_generated(value: str) -> bool:
    return len(value) == 32 and all(char in "0123456789abcdef" for char in value)


async def test_a_sane_incoming_id_is_used_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/whoami", headers={"X-Request-ID": "edge-42.a_B"})
    assert response.headers["x-request-id"] == "edge-42.a_B"
    assert response.json() == {"correlation_id": "edge-42.a_B"}


async def test_a_missing_id_is_generated(client: httpx.AsyncClient) -> None:
    first = await client.get("/whoami")
    second = await client.get("/whoami")
    assert is_generated(first.headers["x-request-id"])
    assert first.json() == {"correlation_id": first.headers["x-request-id"]}
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize(
    "incoming", ["", "has space", "x" * 65, "../../etc/passwd", "id;drop", "ключ", "a\tb"]
)
async def test_a_malformed_id_is_replaced(client: httpx.AsyncClient, incoming: str) -> None:
    response = await client.get("/whoami", headers=[(b"x-request-id", incoming.encode("utf-8"))])
    assert is_generated(response.headers["x-request-id"])
    assert response.json() == {"correlation_id": response.headers["x-request-id"]}


async def test_an_id_of_64_characters_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.get("/whoami", headers={"X-Request-ID": "a" * 64})
    assert response.headers["x-request-id"] == "a" * 64


async def test_log_lines_inside_the_handler_carry_the_id(
    client: httpx.AsyncClient, stream: io.StringIO
) -> None:
    response = await client.get("/whoami", headers={"X-Request-ID": "req-7"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert response.status_code == 200
    inside = [line for line in lines if line["logger"] != "httpx"]
    assert [(line["event"], line["correlation_id"]) for line in inside] == [
        ("inside handler", "req-7"),
        ("SELECT 1", "req-7"),
    ]
    # The test client logs its own line after the response, outside the request.
    client_lines = [line for line in lines if line["logger"] == "httpx"]
    assert all("correlation_id" not in line for line in client_lines)


async def test_the_id_is_unbound_after_the_request_and_outer_bindings_survive(
    client: httpx.AsyncClient,
) -> None:
    structlog.contextvars.bind_contextvars(service="api")
    await client.get("/whoami", headers={"X-Request-ID": "req-8"})
    assert current_correlation_id() is None
    assert structlog.contextvars.get_contextvars() == {"service": "api"}


async def test_the_header_name_is_configurable() -> None:
    transport = httpx.ASGITransport(app=make_app(header="X-Correlation-ID"))
    async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
        response = await client.get("/whoami", headers={"X-Correlation-ID": "abc"})
    assert response.headers["x-correlation-id"] == "abc"
    assert "x-request-id" not in response.headers


async def test_an_id_set_by_the_app_is_replaced_not_duplicated() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"x-request-id", b"from-app"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=CorrelationIdMiddleware(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
        response = await client.get("/", headers={"X-Request-ID": "req-9"})
    assert response.headers.get_list("x-request-id") == ["req-9"]


async def test_websocket_accept_carries_the_id() -> None:
    seen: list[str | None] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert (await receive())["type"] == "websocket.connect"
        seen.append(current_correlation_id())
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [(b"x-request-id", b"ws-1")]}
    await CorrelationIdMiddleware(app)(scope, receive, send)

    assert seen == ["ws-1"]
    assert sent[0]["headers"] == [(b"x-request-id", b"ws-1")]
    assert sent[1] == {"type": "websocket.close", "code": 1000}


async def test_lifespan_passes_through_untouched() -> None:
    calls: list[tuple[Scope, Receive, Send, str | None]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append((scope, receive, send, current_correlation_id()))

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        return None

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    await CorrelationIdMiddleware(app)(scope, receive, send)

    assert calls == [(scope, receive, send, None)]
    assert structlog.contextvars.get_contextvars() == {}
