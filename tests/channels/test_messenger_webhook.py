"""Messenger, inbound: every recorded event parses into the message model, Meta's
signature vector verifies through the route, forgeries are refused before the intake,
batches yield every message, and echoes, deliveries, reads and standby are acknowledged."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from bots.channel import AdapterDeps, Received
from bots.messenger import MessengerAdapter, MessengerConfig, deep_link
from bots.messenger.webhook import parse
from flows.messages import Kind
from tests.channels.support import NoMedia, RecordingIntake

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "0123456789abcdef0123456789abcdef"  # SIGNATURES.md (c)
PATH = "/webhooks/messenger"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(raw(name))
    return payload


def envelope(*events: dict[str, Any]) -> dict[str, Any]:
    """The page envelope around ``messaging`` items (two fixtures are items alone)."""
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(events)}]}


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def only(payload: dict[str, Any]) -> Received:
    [received] = parse(payload)
    return received


def attachment_event(
    kind: str, url: str = "https://scontent.test/v/t1/123_n.jpg?oh=x"
) -> dict[str, Any]:
    """The Meta docs' attachment example with its placeholders filled in (SOURCES.md)."""
    entry = load("messenger_attachment_image.json")
    [event] = entry["messaging"]
    event["sender"]["id"] = "1254459154682919"
    event["recipient"]["id"] = "682498302938465"
    [attachment] = event["message"]["attachments"]
    attachment["type"] = kind
    attachment["payload"]["url"] = url
    return {"object": "page", "entry": [entry]}


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


@pytest.fixture
async def client(intake: RecordingIntake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        config = MessengerConfig(
            page_token="EAAB-page-token",
            app_secret=SECRET,
            verify_token="vt-123",
            api_url="https://graph.test/v25.0",
            page_name="tellerbank",
        )
        adapter = MessengerAdapter(
            config, AdapterDeps(http, NoMedia("https://teller.test/webchat/media"))
        )
        app = FastAPI()
        app.include_router(adapter.router(intake), prefix="/webhooks")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://teller.test") as c:
            yield c


async def post(client: httpx.AsyncClient, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await client.post(PATH, content=body, headers=headers)


# -- every fixture into the message model ---------------------------------------------------------


def test_text() -> None:
    received = only(load("messenger_text.json"))
    msg = received.inbound
    assert (msg.channel, msg.user, msg.message_id) == ("messenger", "0", "AAAA-BBBB-CCCC")
    assert (msg.kind, msg.text) == (Kind.TEXT, "text")
    assert received.fetch == {}


def test_a_quick_reply_tap_is_its_payload() -> None:
    msg = only(envelope(load("messenger_quick_reply.json"))).inbound
    assert msg.kind is Kind.PAYLOAD
    assert msg.payload == "<DEVELOPER_DEFINED_PAYLOAD>"
    assert msg.text == "hello, world!"
    assert msg.user == "<PSID>"
    assert msg.message_id == "mid.1457764197618:41d102a3e1ae206a38"


def test_the_phone_number_quick_reply_is_a_contact_to_be_proven_by_code() -> None:
    event = load("messenger_quick_reply.json")
    event["message"]["text"] = "+420 777 123 456"
    event["message"]["quick_reply"]["payload"] = "+420 777 123 456"
    msg = only(envelope(event)).inbound
    assert msg.kind is Kind.CONTACT
    assert msg.contact_phone == "+420 777 123 456"
    assert msg.contact_is_sender is True  # the number they give as theirs, as if typed


def test_get_started_from_an_m_me_link_starts_with_the_referral() -> None:
    msg = only(load("messenger_postback.json")).inbound
    assert msg.kind is Kind.START
    assert msg.referral == "USER_DEFINED_REFERRAL_PARAM"
    assert msg.message_id == "m_1457764197618:41d102a3e1ae206a38"
    assert msg.user == "0"


def test_a_postback_button_is_its_payload() -> None:
    payload = load("messenger_postback.json")
    postback = payload["entry"][0]["messaging"][0]["postback"]
    del postback["referral"]
    msg = only(payload).inbound
    assert (msg.kind, msg.payload, msg.text) == (Kind.PAYLOAD, "USER_DEFINED_PAYLOAD", "title")


def test_the_get_started_button_alone_starts_the_conversation() -> None:
    payload = load("messenger_postback.json")
    postback = payload["entry"][0]["messaging"][0]["postback"]
    del postback["referral"]
    postback["payload"] = "start"
    msg = only(payload).inbound
    assert (msg.kind, msg.referral) == (Kind.START, None)


def test_a_postback_without_mid_gets_the_same_id_when_redelivered() -> None:
    payload = load("messenger_postback.json")
    del payload["entry"][0]["messaging"][0]["postback"]["mid"]
    first, second = only(payload).inbound, only(json.loads(json.dumps(payload))).inbound
    assert first.message_id == second.message_id
    assert first.message_id.startswith("postback:")
    payload["entry"][0]["messaging"][0]["timestamp"] += 1
    assert only(payload).inbound.message_id != first.message_id


def test_an_m_me_link_in_an_existing_thread_starts_with_the_referral() -> None:
    msg = only(load("messenger_referral.json")).inbound
    assert msg.kind is Kind.START
    assert msg.referral == "USER_DEFINED_REFERRAL_PARAM"
    assert msg.message_id == "ref:0:2222222"


def test_an_image_is_noted_for_download_by_url() -> None:
    received = only(attachment_event("image"))
    assert received.inbound.kind is Kind.IMAGE
    assert received.inbound.message_id == "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c"
    assert received.inbound.user == "1254459154682919"
    assert received.fetch == {"url": "https://scontent.test/v/t1/123_n.jpg?oh=x"}


def test_a_file_is_a_document() -> None:
    received = only(attachment_event("file", "https://cdn.test/statement.pdf"))
    assert received.inbound.kind is Kind.DOCUMENT
    assert received.fetch == {"url": "https://cdn.test/statement.pdf"}


@pytest.mark.parametrize("kind", ["audio", "video", "reel", "fallback"])
def test_other_attachments_are_an_empty_text(kind: str) -> None:
    received = only(attachment_event(kind))
    assert (received.inbound.kind, received.inbound.text) == (Kind.TEXT, "")
    assert received.fetch == {}


def test_a_sticker_is_an_empty_text() -> None:
    payload = attachment_event("image")
    attachment = payload["entry"][0]["messaging"][0]["message"]["attachments"][0]
    attachment["payload"]["sticker_id"] = 369239263222822
    assert only(payload).inbound.kind is Kind.TEXT


def test_each_picture_of_a_message_is_its_own_message() -> None:
    payload = attachment_event("image")
    message = payload["entry"][0]["messaging"][0]["message"]
    message["attachments"].append({"type": "image", "payload": {"url": "https://cdn.test/b.jpg"}})
    ids = [r.inbound.message_id for r in parse(payload)]
    assert ids == ["mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c", "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c#1"]


def test_every_event_of_a_batch_is_received() -> None:
    text, referral = load("messenger_text.json"), load("messenger_referral.json")
    batch = {"object": "page", "entry": text["entry"] + referral["entry"]}
    batch["entry"][0]["messaging"].append(load("messenger_quick_reply.json"))
    kinds = [r.inbound.kind for r in parse(batch)]
    assert kinds == [Kind.TEXT, Kind.PAYLOAD, Kind.START]


@pytest.mark.parametrize(
    "event",
    [
        {
            "sender": {"id": "P"},
            "recipient": {"id": "U"},
            "timestamp": 1,
            "message": {"mid": "m.1", "is_echo": True, "text": "our own"},
        },
        {
            "sender": {"id": "U"},
            "recipient": {"id": "P"},
            "timestamp": 1,
            "delivery": {"mids": ["m.1"], "watermark": 1},
        },
        {
            "sender": {"id": "U"},
            "recipient": {"id": "P"},
            "timestamp": 1,
            "read": {"watermark": 1},
        },
        {
            "sender": {"id": "U"},
            "recipient": {"id": "P"},
            "timestamp": 1,
            "reaction": {"mid": "m.1", "action": "react", "emoji": "👍"},
        },
        {"recipient": {"id": "P"}, "timestamp": 1, "message": {"mid": "m.2", "text": "no sender"}},
    ],
)
def test_echoes_receipts_and_reactions_are_dropped(event: dict[str, Any]) -> None:
    assert parse(envelope(event)) == []


def test_standby_events_are_dropped() -> None:
    payload = load("messenger_text.json")
    entry = payload["entry"][0]
    entry["standby"] = entry.pop("messaging")
    assert parse(payload) == []


# -- the route ------------------------------------------------------------------------------------


async def test_a_signed_fixture_is_accepted_as_meta_signed_it(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    vector = "sha256=d2d4099b531c3c14ac2aaeadec308b127bb936ae4804bedd019c16142c4f3d55"
    response = await post(client, raw("messenger_text.json"), vector)
    assert response.status_code == 200
    [received] = intake.received
    assert received.inbound.message_id == "AAAA-BBBB-CCCC"


@pytest.mark.parametrize(
    "name", ["messenger_text.json", "messenger_postback.json", "messenger_referral.json"]
)
async def test_every_enveloped_fixture_is_accepted_through_the_route(
    client: httpx.AsyncClient, intake: RecordingIntake, name: str
) -> None:
    body = raw(name)
    response = await post(client, body, sign(body))
    assert response.status_code == 200
    assert len(intake.received) == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        sign(raw("messenger_text.json"), "another-app-secret"),
        sign(raw("messenger_text.json") + b" "),
        "sha1=" + hmac.new(SECRET.encode(), raw("messenger_text.json"), hashlib.sha1).hexdigest(),
    ],
)
async def test_a_missing_wrong_or_tampered_signature_is_refused_before_the_intake(
    client: httpx.AsyncClient, intake: RecordingIntake, signature: str | None
) -> None:
    response = await post(client, raw("messenger_text.json"), signature)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert intake.received == []


async def test_a_tampered_body_with_the_original_signature_is_refused(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = raw("messenger_text.json")
    response = await post(client, body.replace(b'"text"', b'"tExt"'), sign(body))
    assert response.status_code == 401
    assert intake.received == []


async def test_a_signed_body_that_is_not_json_is_a_400(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    response = await post(client, b"object=page", sign(b"object=page"))
    assert response.status_code == 400
    assert intake.received == []


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "instagram", "entry": [{"messaging": [load("messenger_quick_reply.json")]}]},
        {"object": "page", "entry": [{"id": "P", "messaging": "nonsense"}]},
        {"object": "page"},
    ],
)
async def test_what_is_not_a_page_message_is_acknowledged(
    client: httpx.AsyncClient, intake: RecordingIntake, payload: dict[str, Any]
) -> None:
    body = json.dumps(payload).encode()
    response = await post(client, body, sign(body))
    assert response.status_code == 200
    assert intake.received == []


async def test_the_handshake_route_answers_the_dashboards_check(client: httpx.AsyncClient) -> None:
    ok = await client.get(f"{PATH}?hub.mode=subscribe&hub.challenge=42&hub.verify_token=vt-123")
    assert (ok.status_code, ok.text) == (200, "42")
    wrong = await client.get(f"{PATH}?hub.mode=subscribe&hub.challenge=42&hub.verify_token=other")
    assert wrong.status_code == 403


# -- m.me links -----------------------------------------------------------------------------------


def test_an_m_me_link_carries_the_code_as_ref() -> None:
    link = deep_link("tellerbank", "ANNA7X2Q")
    assert link == "https://m.me/tellerbank?ref=ANNA7X2Q"
    assert parse_qs(urlsplit(deep_link("@teller bank", "A B")).query) == {"ref": ["A B"]}


def test_a_page_without_a_name_makes_no_link() -> None:
    with pytest.raises(ValueError, match="username"):
        deep_link(" ", "X")
