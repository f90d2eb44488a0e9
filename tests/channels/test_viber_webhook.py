"""``POST /webhooks/viber``: signatures (SIGNATURES.md's vectors), what reaches the intake,
and the answers Viber gets."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bots.channel import AdapterDeps
from bots.viber import ViberAdapter, ViberConfig
from bots.viber.signature import sign, verify
from flows.messages import Kind
from tests.channels.support import NoMedia, RecordingIntake

FIXTURES = Path(__file__).parent / "fixtures"
DOC_TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"  # SIGNATURES.md vector (b)
SDK_TOKEN = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3"  # vector (a)
SDK_BODY = b'{"event":"webhook","timestamp":4977069964384421269,"message_token":1478683725125}'
SDK_SIGNATURE = "d21b343448c8aee33b8e93768ef6ceb64a6ba6163099973a2b8bd028fea510ef"
TEXT_SIGNATURE = "942f258d2728a8d74d7503de6f2000e6e49a5811045d2b5a2740c7f6248f9ffc"
PROBLEM = "application/problem+json"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def app_for(adapter: ViberAdapter, intake: RecordingIntake) -> FastAPI:
    app = FastAPI()
    app.include_router(adapter.router(intake), prefix="/webhooks")
    return app


async def post(
    app: FastAPI, body: bytes, headers: dict[str, str] | None = None, query: str = ""
) -> httpx.Response:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
        return await client.post(f"/webhooks/viber{query}", content=body, headers=headers or {})


def adapter(http: httpx.AsyncClient, token: str = DOC_TOKEN) -> ViberAdapter:
    config = ViberConfig(auth_token=token, bot_name="Teller Bank", bot_avatar="https://a/b.png")
    return ViberAdapter(config, AdapterDeps(http, NoMedia("https://teller.example/media")))


def signed(body: bytes, token: str = DOC_TOKEN) -> dict[str, str]:
    return {"X-Viber-Content-Signature": sign(body, token)}


# -- signatures ---------------------------------------------------------------------------------


def test_vector_a_the_sdks_own() -> None:
    assert sign(SDK_BODY, SDK_TOKEN) == SDK_SIGNATURE
    assert verify(SDK_BODY, SDK_SIGNATURE, SDK_TOKEN)
    assert verify(SDK_BODY, SDK_SIGNATURE.upper(), SDK_TOKEN)
    assert not verify(SDK_BODY + b" ", SDK_SIGNATURE, SDK_TOKEN)
    assert not verify(SDK_BODY, None, SDK_TOKEN)
    assert not verify(SDK_BODY, "ü" * 64, SDK_TOKEN)


def test_vector_b_over_the_text_fixture() -> None:
    body = (FIXTURES / "viber_message_text.json").read_bytes()
    assert len(body) == 716
    digest = "745c87ff28c078a972918103edbbde621e2f5827bce90614519af666d5aa699c"
    assert hashlib.sha256(body).hexdigest() == digest
    assert sign(body, DOC_TOKEN) == TEXT_SIGNATURE
    expected = hmac.new(DOC_TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert expected == TEXT_SIGNATURE


async def test_vector_a_through_the_route(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    app = app_for(adapter(http, SDK_TOKEN), intake)
    response = await post(app, SDK_BODY, {"X-Viber-Content-Signature": SDK_SIGNATURE})
    assert response.status_code == 200  # Viber's registration check
    assert intake.untouched


async def test_vector_b_through_the_route(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    body = (FIXTURES / "viber_message_text.json").read_bytes()
    response = await post(
        app_for(adapter(http), intake), body, {"X-Viber-Content-Signature": TEXT_SIGNATURE}
    )
    assert response.status_code == 200
    [received] = intake.received
    assert received.inbound.message_id == "4912661846655238145"
    assert received.inbound.kind is Kind.TEXT
    assert received.inbound.user == "01234567890A="


async def test_signature_from_the_sig_query_parameter(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    body = (FIXTURES / "viber_message_text.json").read_bytes()
    response = await post(app_for(adapter(http), intake), body, query=f"?sig={TEXT_SIGNATURE}")
    assert response.status_code == 200
    assert len(intake.received) == 1


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, ""),  # missing
        ({"X-Viber-Content-Signature": "0" * 64}, ""),  # wrong
        ({"X-Viber-Content-Signature": ""}, ""),
        ({"X-Viber-Content-Signature": TEXT_SIGNATURE[:-1]}, ""),
        ({}, "?sig=" + "0" * 64),
        ({"X-Viber-Content-Signature": sign(b"other body", DOC_TOKEN)}, ""),
        ({"X-Viber-Content-Signature": sign(b"", "another-token")}, ""),
    ],
)
async def test_forged_signatures_are_refused(
    http: httpx.AsyncClient, headers: dict[str, str], query: str
) -> None:
    intake = RecordingIntake()
    body = (FIXTURES / "viber_message_text.json").read_bytes()
    response = await post(app_for(adapter(http), intake), body, headers, query)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "BAD_SIGNATURE"
    assert intake.untouched


async def test_a_tampered_body_is_refused(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    body = (FIXTURES / "viber_message_text.json").read_bytes()
    tampered = body.replace(b"01234567890A=", b"01234567890B=")
    headers = {"X-Viber-Content-Signature": TEXT_SIGNATURE}
    response = await post(app_for(adapter(http), intake), tampered, headers)
    assert response.status_code == 401
    assert intake.untouched


# -- what the intake gets ------------------------------------------------------------------------


async def test_subscribed_unsubscribed_and_failed_are_events(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    app = app_for(adapter(http), intake)
    sub = (FIXTURES / "viber_subscribed.json").read_bytes()
    unsub = b'{"event":"unsubscribed","timestamp":1,"user_id":"u1=","message_token":7}'
    failed = b'{"event":"failed","timestamp":1,"message_token":8,"user_id":"u1=","desc":"gone"}'
    for body in (sub, unsub, failed):
        response = await post(app, body, signed(body))
        assert response.status_code == 200
    assert intake.events == [
        ("viber", "jc9HsWTZ2Yf2NkRZ8KcNug==", "subscribed", ""),
        ("viber", "u1=", "unsubscribed", ""),
        ("viber", "u1=", "failed", "gone"),
    ]
    assert intake.received == []


@pytest.mark.parametrize(
    "body",
    [
        (FIXTURES / "viber_seen.json").read_bytes(),
        b'{"event":"delivered","timestamp":1,"message_token":9,"user_id":"u1="}',
        b'{"event":"webhook","timestamp":1,"message_token":9}',
        b'{"event":"client_status","timestamp":1}',
    ],
)
async def test_receipts_are_acknowledged_and_nothing_else(
    http: httpx.AsyncClient, body: bytes
) -> None:
    intake = RecordingIntake()
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 200
    assert response.content == b""
    assert intake.untouched


async def test_a_sticker_is_acknowledged_as_empty_text(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    body = json.dumps(
        {
            "event": "message",
            "timestamp": 1,
            "message_token": 5098034272017990000,
            "sender": {"id": "u1=", "name": "Ann"},
            "message": {"type": "sticker", "sticker_id": 46105},
        }
    ).encode()
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 200
    [received] = intake.received
    assert (received.inbound.kind, received.inbound.text) == (Kind.TEXT, "")
    assert received.inbound.message_id == "5098034272017990000"


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"event":"message"}'])
async def test_malformed_json_is_a_400(http: httpx.AsyncClient, body: bytes) -> None:
    intake = RecordingIntake()
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert intake.untouched


async def test_an_intake_failure_asks_viber_to_deliver_again(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake(fail=True)
    body = (FIXTURES / "viber_message_text.json").read_bytes()
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM


async def test_an_oversized_body_is_refused(http: httpx.AsyncClient) -> None:
    intake = RecordingIntake()
    body = b'{"event":"webhook","pad":"' + b"x" * (1024 * 1024) + b'"}'
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 413
    assert intake.untouched


# -- conversation_started ------------------------------------------------------------------------


def conversation_started(context: str | None, *, subscribed: bool, language: str) -> bytes:
    event = json.loads((FIXTURES / "viber_conversation_started.json").read_bytes())
    event["subscribed"] = subscribed
    event["user"]["language"] = language
    if context is None:
        del event["context"]
    else:
        event["context"] = context
    return json.dumps(event).encode()


async def test_conversation_started_fixture_is_answered_with_the_welcome(
    http: httpx.AsyncClient,
) -> None:
    intake = RecordingIntake()
    body = (FIXTURES / "viber_conversation_started.json").read_bytes()
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 200
    welcome = response.json()
    assert "receiver" not in welcome  # Viber: the send_message JSON without a receiver
    assert welcome["type"] == "text"
    assert welcome["text"].startswith("Hi! I'm Teller")
    assert welcome["sender"] == {"name": "Teller Bank", "avatar": "https://a/b.png"}
    [button] = welcome["keyboard"]["Buttons"]
    assert (button["ActionType"], button["ActionBody"], button["Text"]) == (
        "reply",
        "start:",
        "Start",
    )
    assert intake.untouched  # nothing to process until the person writes


async def test_the_welcome_carries_the_code_in_the_readers_language(
    http: httpx.AsyncClient,
) -> None:
    intake = RecordingIntake()
    body = conversation_started("INV-7", subscribed=False, language="uk")
    response = await post(app_for(adapter(http), intake), body, signed(body))
    welcome = response.json()
    assert welcome["text"].startswith("Вітаємо!")
    assert welcome["tracking_data"] == "start:INV-7"
    [button] = welcome["keyboard"]["Buttons"]
    assert (button["ActionBody"], button["Text"]) == ("start:INV-7", "Почати")
    assert intake.untouched

    # the person taps Start: their first message starts the conversation with the code
    tap = json.dumps(
        {
            "event": "message",
            "timestamp": 1457764197700,
            "message_token": 4912661846655238146,
            "sender": {"id": "01234567890A=", "name": "John McClane", "language": "uk"},
            "message": {"type": "text", "text": "start:INV-7", "tracking_data": "start:INV-7"},
        }
    ).encode()
    response = await post(app_for(adapter(http), intake), tap, signed(tap))
    assert response.status_code == 200
    [received] = intake.received
    assert received.inbound.kind is Kind.START
    assert received.inbound.referral == "INV-7"
    assert received.inbound.message_id == "4912661846655238146"


@pytest.mark.parametrize(
    ("language", "greeting"), [("cs", "Dobrý den!"), ("ru", "Здравствуйте!"), ("de", "Hi!")]
)
async def test_welcome_languages(http: httpx.AsyncClient, language: str, greeting: str) -> None:
    intake = RecordingIntake()
    body = conversation_started(None, subscribed=False, language=language)
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.json()["text"].startswith(greeting)


async def test_a_subscriber_following_an_invite_link_starts_over(
    http: httpx.AsyncClient,
) -> None:
    intake = RecordingIntake()
    body = conversation_started("INV-7", subscribed=True, language="en")
    response = await post(app_for(adapter(http), intake), body, signed(body))
    assert response.status_code == 200
    assert response.content == b""
    [received] = intake.received
    assert (received.inbound.kind, received.inbound.referral) == (Kind.START, "INV-7")
    assert received.inbound.message_id == "conversation_started:4912661846655238145"
