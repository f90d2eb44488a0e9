"""What WhatsApp Cloud and Messenger share (bots/meta.py): Meta's signature vectors
verify, the GET handshake echoes the challenge only for our verify token, Graph errors
become the right delivery errors, and downloads stop at 10 MB."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from bots.channel import DeliveryError, PrepareError
from bots.doubles import Answer, Call, PlatformDouble
from bots.meta import download, graph_call, graph_error, handshake, verify_signature

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "0123456789abcdef0123456789abcdef"  # SIGNATURES.md (b) and (c)


# -- signature vectors (fixtures/SIGNATURES.md) ---------------------------------------------------


def test_meta_sdk_vector_a_verifies() -> None:
    header = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"
    assert verify_signature(b"test", header, "TEST_APP_SECRET")


def test_whatsapp_cloud_text_fixture_vector_b_verifies() -> None:
    raw = (FIXTURES / "whatsapp_cloud_text.json").read_bytes()
    assert len(raw) == 985
    digest = "83f7a5f7891eb7caccd2ef9d84248ce545b13a4ecbd12e79cb8e597904e136ea"
    assert hashlib.sha256(raw).hexdigest() == digest
    header = "sha256=b7edbc92d5227c36ddf894643f3b69f7758dc739f63a162f04ad8c6e2a8059e5"
    assert verify_signature(raw, header, SECRET)
    assert not verify_signature(raw + b" ", header, SECRET)


def test_messenger_text_fixture_vector_c_verifies() -> None:
    raw = (FIXTURES / "messenger_text.json").read_bytes()
    assert len(raw) == 314
    digest = "f10330c0260d4b36bb9a8be38def3d03c9422e34ad8e7670a08bfcd5bb8ea169"
    assert hashlib.sha256(raw).hexdigest() == digest
    header = "sha256=d2d4099b531c3c14ac2aaeadec308b127bb936ae4804bedd019c16142c4f3d55"
    assert verify_signature(raw, header, SECRET)
    assert not verify_signature(raw + b" ", header, SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",  # no scheme
        "sha1=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
        "sha256=1c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
        "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d98882",  # cut
        "sha256=ünïcödé",
    ],
)
def test_a_missing_or_wrong_signature_does_not_verify(header: str | None) -> None:
    assert not verify_signature(b"test", header, "TEST_APP_SECRET")


def test_an_unset_app_secret_verifies_nothing() -> None:
    forged = "sha256=" + hmac.new(b"", b"test", hashlib.sha256).hexdigest()
    assert not verify_signature(b"test", forged, "")


def test_the_signature_header_is_read_in_either_case_of_hex() -> None:
    header = "sha256=0C61947B610D4F45E65F3D680E26027121EC2413E77598BCB6CFC6E0D9888221"
    assert verify_signature(b"test", header, "TEST_APP_SECRET")


# -- the GET handshake (SIGNATURES.md: illustrative vectors) --------------------------------------


@pytest.fixture
async def handshake_client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()

    @app.get("/webhooks/meta")
    async def verify(request: Request) -> Response:
        return handshake(request, "vt-123")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://teller.test") as client:
        yield client


async def test_the_handshake_echoes_the_challenge_for_our_verify_token(
    handshake_client: httpx.AsyncClient,
) -> None:
    query = "hub.mode=subscribe&hub.challenge=42&hub.verify_token=vt-123"
    response = await handshake_client.get(f"/webhooks/meta?{query}")
    assert response.status_code == 200
    assert response.text == "42"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        "hub.mode=subscribe&hub.challenge=42&hub.verify_token=other",
        "hub.mode=subscribe&hub.challenge=42",
        "hub.mode=unsubscribe&hub.challenge=42&hub.verify_token=vt-123",
        "hub.challenge=42&hub.verify_token=vt-123",
        "hub.mode=subscribe&hub.verify_token=vt-123",
        "",
    ],
)
async def test_the_handshake_refuses_anything_else_with_403(
    handshake_client: httpx.AsyncClient, query: str
) -> None:
    response = await handshake_client.get(f"/webhooks/meta?{query}")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "42" not in response.text


async def test_an_unset_verify_token_refuses_every_handshake() -> None:
    app = FastAPI()

    @app.get("/hook")
    async def verify(request: Request) -> Response:
        return handshake(request, "")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://teller.test") as client:
        response = await client.get("/hook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=")
    assert response.status_code == 403


# -- Graph errors ---------------------------------------------------------------------------------


def _error(code: int, subcode: int | None = None) -> dict[str, object]:
    error: dict[str, object] = {"message": "the customer wrote: 4111 1111", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "code", "retry_after"),
    [
        (400, 4, 60.0),
        (400, 17, 60.0),
        (400, 32, 60.0),
        (400, 613, 60.0),
        (400, 80007, 60.0),
        (400, 130429, 2.0),
        (400, 131057, 2.0),
        (400, 131056, 6.0),
    ],
)
def test_rate_limits_are_retried_after_the_platforms_pace(
    status: int, code: int, retry_after: float
) -> None:
    error = graph_error(status, _error(code))
    assert not error.permanent
    assert error.retry_after == retry_after
    assert str(code) in error.reason


def test_http_429_without_a_code_uses_retry_after_or_a_minute() -> None:
    assert graph_error(429, None, "7").retry_after == 7.0
    assert graph_error(429, None).retry_after == 60.0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (_error(131047), "24-hour window closed"),
        (_error(10, 2018278), "24-hour window closed"),
        (_error(551), "blocked"),
        (_error(200, 1545041), "blocked"),
        (_error(1545041), "blocked"),
        (_error(200), "not permitted"),
        (_error(190), "access token"),
        (_error(100), "Graph error 100"),
        (_error(131026), "Graph error 131026"),
    ],
)
def test_permanent_graph_errors(body: dict[str, object], words: str) -> None:
    error = graph_error(400, body)
    assert error.permanent
    assert error.retry_after is None
    assert words in error.reason
    assert "4111" not in error.reason  # Graph's message may quote what was sent


def test_a_permissions_error_does_not_read_as_a_blocked_person() -> None:
    """Delivery marks a person unreachable when the reason says "blocked"; a token missing a
    permission must not do that to everyone."""
    assert "blocked" not in graph_error(403, _error(200)).reason


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, _error(1)), (503, _error(2)), (400, _error(2)), (502, None), (500, {"x": 1})],
)
def test_platform_trouble_is_transient(status: int, body: object) -> None:
    error = graph_error(status, body)
    assert not error.permanent
    assert error.retry_after is None


def test_a_4xx_without_a_graph_body_is_permanent() -> None:
    error = graph_error(404, None)
    assert error.permanent
    assert error.reason == "rejected: HTTP 404"


# -- graph_call and download against a double -----------------------------------------------------


def _serve(call: Call) -> Answer:
    if call.path == "/big":
        return Answer(200, b"x" * 2048, content_type="application/octet-stream")
    if call.path == "/gone":
        return Answer(404, {"error": "gone"})
    if call.path == "/busy":
        return Answer(503, b"")
    if call.path == "/file":
        return Answer(200, b"%PDF-1.4", content_type="application/pdf; charset=binary")
    if call.path == "/rate":
        return Answer(400, _error(130429))
    return Answer(200, {"id": "1"})


@pytest.fixture(scope="module")
def double() -> Iterator[PlatformDouble]:
    with PlatformDouble(_serve) as running:
        yield running


async def test_graph_calls_carry_the_token_in_the_header_only(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        answer = await graph_call(http, "GET", f"{double.url}/me", "page-token-1")
    assert answer == {"id": "1"}
    call = double.calls_to("/me")[-1]
    assert call.headers["authorization"] == "Bearer page-token-1"
    assert "page-token-1" not in str(call.query)


async def test_graph_calls_raise_mapped_errors(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeliveryError) as raised:
            await graph_call(http, "POST", f"{double.url}/rate", "t", body={"a": 1})
    assert raised.value.retry_after == 2.0


async def test_an_unreachable_graph_is_a_transient_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(DeliveryError) as raised:
            await graph_call(http, "GET", "https://graph.test/me", "secret-token")
    assert not raised.value.permanent
    assert "secret-token" not in raised.value.reason


async def test_downloads_give_bytes_and_content_type(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        data, content_type = await download(http, f"{double.url}/file")
    assert data == b"%PDF-1.4"
    assert content_type == "application/pdf"


async def test_downloads_stop_past_the_limit(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(PrepareError) as raised:
            await download(http, f"{double.url}/big", limit=1024)
    assert raised.value.permanent


async def test_a_gone_file_is_permanent_and_a_busy_server_is_not(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(PrepareError) as gone:
            await download(http, f"{double.url}/gone?sig=secret")
        with pytest.raises(PrepareError) as busy:
            await download(http, f"{double.url}/busy")
    assert gone.value.permanent
    assert "secret" not in gone.value.reason
    assert not busy.value.permanent
