"""WhatsApp Cloud API, inbound: every recorded notification parses into the message model,
Meta's signature vector verifies through the route, forgeries are refused before the
intake, batches yield every message, failed statuses are reported, and the rest is
acknowledged."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from bots.channel import AdapterDeps, Received
from bots.whatsapp_cloud import (
    CloudWhatsAppAdapter,
    CloudWhatsAppConfig,
    code_from_text,
    deep_link,
)
from bots.whatsapp_cloud.webhook import parse
from flows.messages import Kind
from tests.channels.support import NoMedia, RecordingIntake

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "0123456789abcdef0123456789abcdef"  # SIGNATURES.md (b)
BSUID = "US.13491208655302741918"  # the pywa fixtures' business-scoped user id
PATH = "/webhooks/whatsapp/cloud"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(raw(name))
    return payload


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def only(payload: dict[str, Any]) -> Received:
    [received] = parse(payload).received
    return received


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


@pytest.fixture
async def client(intake: RecordingIntake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        config = CloudWhatsAppConfig(
            access_token="EAAG-token",
            app_secret=SECRET,
            verify_token="vt-123",
            phone_number_id="106540352242922",
            api_url="https://graph.test/v25.0",
        )
        adapter = CloudWhatsAppAdapter(
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


def test_text_from_a_customer_without_a_business_scoped_id_is_keyed_by_phone() -> None:
    received = only(load("whatsapp_cloud_text.json"))
    msg = received.inbound
    assert msg.channel == "whatsapp_cloud"
    assert msg.user == "16505551234"
    assert msg.message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    assert msg.kind is Kind.TEXT
    assert msg.text == "Does it come in another color?"
    assert msg.referral is None
    assert msg.display_name == "Sheena Nelson"
    assert msg.at == datetime.fromtimestamp(1749416383, UTC)
    assert received.fetch == {}


def test_a_reply_button_tap_is_its_payload() -> None:
    msg = only(load("whatsapp_cloud_interactive_button_reply.json")).inbound
    assert msg.user == BSUID
    assert msg.kind is Kind.PAYLOAD
    assert msg.payload == "callback_data"
    assert msg.text == "title"
    assert msg.message_id == "wamid.xyzxyz"


def test_a_list_row_pick_is_its_payload() -> None:
    msg = only(load("whatsapp_cloud_interactive_list_reply.json")).inbound
    assert (msg.kind, msg.payload, msg.message_id) == (
        Kind.PAYLOAD,
        "callback_data",
        "wamid.zyzxyz",
    )
    assert msg.user == BSUID


def test_a_template_quick_reply_is_its_payload() -> None:
    msg = only(load("whatsapp_cloud_template_quick_reply_button.json")).inbound
    assert (msg.kind, msg.payload, msg.text) == (Kind.PAYLOAD, "callback_data", "title")
    assert msg.message_id == "wamid.xsidjw"


def test_an_image_is_noted_for_download_by_media_id() -> None:
    received = only(load("whatsapp_cloud_image.json"))
    assert received.inbound.kind is Kind.IMAGE
    assert received.inbound.attachment is None
    assert received.inbound.user == BSUID
    assert received.fetch == {
        "media_id": "65463453",
        "mime_type": "image/jpeg",
        "filename": "image",
    }


def test_a_document_keeps_its_caption_and_file_name() -> None:
    received = only(load("whatsapp_cloud_document.json"))
    assert received.inbound.kind is Kind.DOCUMENT
    assert received.inbound.text == "caption"
    assert received.fetch == {
        "media_id": "1234567890987654321",
        "mime_type": "application/pdf",
        "filename": "filename.pdf",
    }


def test_a_shared_contact_card_is_never_the_senders_own_number() -> None:
    msg = only(load("whatsapp_cloud_contacts.json")).inbound
    assert msg.kind is Kind.CONTACT
    assert msg.contact_phone == "+1 555-555-5555"
    assert msg.contact_is_sender is False
    assert msg.user == BSUID


def test_a_click_to_whatsapp_ad_message_keeps_its_text_and_no_referral() -> None:
    msg = only(load("whatsapp_cloud_referral.json")).inbound
    assert (msg.kind, msg.text, msg.referral) == (Kind.TEXT, "BODY", None)
    assert msg.message_id == "wamid.ID"


def test_a_customer_without_a_phone_number_is_keyed_by_the_business_scoped_id() -> None:
    """Usernames hide the number: no ``from``, no ``wa_id``, only ``user_id``."""
    payload = load("whatsapp_cloud_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Sheena"}, "user_id": "US.99"}]
    del value["messages"][0]["from"]
    assert only(payload).inbound.user == "US.99"


def test_the_invite_code_of_a_wa_me_greeting_is_the_referral() -> None:
    payload = load("whatsapp_cloud_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = "Hi Teller! My invite code: ANNA7X2Q"
    msg = only(payload).inbound
    assert msg.kind is Kind.TEXT
    assert msg.referral == "ANNA7X2Q"
    assert msg.text == "Hi Teller! My invite code: ANNA7X2Q"


@pytest.mark.parametrize("kind", ["sticker", "audio", "video", "unsupported", "order"])
def test_what_teller_cannot_read_becomes_an_empty_text(kind: str) -> None:
    payload = load("whatsapp_cloud_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = kind
    message[kind] = {"id": "1", "mime_type": "audio/ogg"}
    msg = only(payload).inbound
    assert (msg.kind, msg.text) == (Kind.TEXT, "")


def test_a_location_is_a_location() -> None:
    payload = load("whatsapp_cloud_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "location"
    message["location"] = {"latitude": 50.08, "longitude": 14.42}
    assert only(payload).inbound.kind is Kind.LOCATION


def test_reactions_are_dropped() -> None:
    payload = load("whatsapp_cloud_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "reaction"
    message["reaction"] = {"message_id": "wamid.x", "emoji": "👍"}
    assert parse(payload).received == []


def test_every_message_of_a_batch_is_received() -> None:
    text, image = load("whatsapp_cloud_text.json"), load("whatsapp_cloud_image.json")
    batch = {"object": "whatsapp_business_account", "entry": text["entry"] + image["entry"]}
    value = batch["entry"][0]["changes"][0]["value"]
    second = copy.deepcopy(value["messages"][0])
    second["id"] = "wamid.second"
    second["text"]["body"] = "And in blue?"
    value["messages"].append(second)
    received = parse(batch).received
    assert [r.inbound.message_id for r in received] == [
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        "wamid.second",
        "wamid.xyzxyz",
    ]
    assert [r.inbound.user for r in received] == ["16505551234", "16505551234", BSUID]


# -- the route ------------------------------------------------------------------------------------


async def test_a_signed_fixture_is_accepted_as_meta_signed_it(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = raw("whatsapp_cloud_text.json")
    vector = "sha256=b7edbc92d5227c36ddf894643f3b69f7758dc739f63a162f04ad8c6e2a8059e5"
    response = await post(client, body, vector)
    assert response.status_code == 200
    [received] = intake.received
    assert received.inbound.text == "Does it come in another color?"


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in FIXTURES.glob("whatsapp_cloud_*.json")),
)
async def test_every_fixture_is_accepted_through_the_route(
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
        sign(raw("whatsapp_cloud_text.json"), "another-app-secret"),
        sign(raw("whatsapp_cloud_text.json") + b" "),
        "sha256=b7edbc92d5227c36ddf894643f3b69f7758dc739f63a162f04ad8c6e2a8059e6",
    ],
)
async def test_a_missing_wrong_or_tampered_signature_is_refused_before_the_intake(
    client: httpx.AsyncClient, intake: RecordingIntake, signature: str | None
) -> None:
    response = await post(client, raw("whatsapp_cloud_text.json"), signature)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "INVALID_SIGNATURE"
    assert intake.received == []
    assert intake.events == []


async def test_a_tampered_body_with_the_original_signature_is_refused(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = raw("whatsapp_cloud_text.json")
    tampered = body.replace(b"another color", b"another colour")
    response = await post(client, tampered, sign(body))
    assert response.status_code == 401
    assert intake.received == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
async def test_a_signed_body_that_is_not_a_json_object_is_a_400(
    client: httpx.AsyncClient, intake: RecordingIntake, body: bytes
) -> None:
    response = await post(client, body, sign(body))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert intake.received == []


async def test_failed_statuses_are_reported_and_the_others_ignored(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    # The statuses shape of Meta's webhook reference (values ours): one failed message
    # (outside the window), one delivered.
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [
            {
                "id": "wamid.out1",
                "status": "failed",
                "timestamp": "1749416400",
                "recipient_id": "16505551234",
                "errors": [{"code": 131047, "title": "Re-engagement message"}],
            },
            {
                "id": "wamid.out2",
                "status": "delivered",
                "timestamp": "1749416401",
                "recipient_id": "16505551234",
                "recipient_user_id": "US.77",
            },
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(payload).encode()
    response = await post(client, body, sign(body))
    assert response.status_code == 200
    assert intake.received == []
    assert intake.events == [("whatsapp_cloud", "16505551234", "failed", "131047")]


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account", "entry": "nonsense"},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "x"}]}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": None}]}]},
        {},
    ],
)
async def test_what_is_not_a_customer_message_is_acknowledged(
    client: httpx.AsyncClient, intake: RecordingIntake, payload: dict[str, Any]
) -> None:
    body = json.dumps(payload).encode()
    response = await post(client, body, sign(body))
    assert response.status_code == 200
    assert intake.received == []


async def test_the_handshake_route_answers_the_dashboards_check(client: httpx.AsyncClient) -> None:
    ok = await client.get(
        f"{PATH}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=vt-123"
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = await client.get(f"{PATH}?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x")
    assert wrong.status_code == 403


# -- wa.me invitations ----------------------------------------------------------------------------


def test_a_wa_me_link_prefills_the_greeting_with_the_code() -> None:
    link = deep_link("+420 777 123 456", "ANNA7X2Q")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/420777123456")
    [text] = parse_qs(parts.query)["text"]
    assert text == "Hi Teller! My invite code: ANNA7X2Q"
    assert code_from_text(text) == "ANNA7X2Q"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hi Teller! My invite code: ANNA7X2Q", "ANNA7X2Q"),
        ("hello, my invite code is... no. INVITE CODE anna7x2q thanks", "anna7x2q"),
        ("Hi! invite code:ANNA-7X2Q", "ANNA-7X2Q"),
        ("my invite code is ANNA7X2Q", "ANNA7X2Q"),
        ("Hi Teller!", None),
        ("My invite code:", None),
    ],
)
def test_the_code_is_read_back_from_what_the_customer_sent(text: str, code: str | None) -> None:
    assert code_from_text(text) == code


def test_a_number_without_digits_makes_no_link() -> None:
    with pytest.raises(ValueError, match="digits"):
        deep_link("whatsapp:", "X")
