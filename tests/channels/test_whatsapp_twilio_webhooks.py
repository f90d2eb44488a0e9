"""WhatsApp through Twilio, inbound: recorded webhook forms parse into the message model,
Twilio's signature vectors verify, and the routes refuse what Twilio did not sign."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from fastapi import FastAPI
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bots.channel import AdapterDeps
from bots.whatsapp_twilio import TwilioWhatsAppAdapter, TwilioWhatsAppConfig
from bots.whatsapp_twilio.parse import is_status, parse_message, parse_status
from bots.whatsapp_twilio.signature import Form, compute_signature, parse_form, verify
from flows.messages import Kind
from tests.channels.support import NoMedia, RecordingIntake

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "96yc5z9g44vl4ks2p1suc42yb9p4lpmu"  # SIGNATURES.md (b)
PUBLIC = "https://bank.example"
MESSAGES = f"{PUBLIC}/webhooks/whatsapp/twilio"
STATUS = f"{PUBLIC}/webhooks/whatsapp/twilio/status"
MEDIA_URL = (
    "https://api.twilio.com/2010-04-01/Accounts/AC1a03647d811fab342c0ad608e382fab2/Messages/"
    "MM21151abfaadc1fb79b782f8460862a52/Media/ME5f0afa2336bd0f73ca553fb5a2e3150bc"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sdk_signature(url: str, body: bytes, token: str = TOKEN) -> str:
    """Twilio's own SDK signing the form, independent of the adapter's code."""
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    signature: str = RequestValidator(token).compute_signature(url, params)
    return signature


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


@pytest.fixture
async def client(intake: RecordingIntake) -> AsyncIterator[httpx.AsyncClient]:
    """The adapter's routes in an app that sees itself at another URL than Twilio called
    (as behind a proxy): only the configured public URL makes signatures match."""
    async with httpx.AsyncClient() as http:
        config = TwilioWhatsAppConfig(
            account_sid="AC1a03647d811fab342c0ad608e382fab2",
            auth_token=TOKEN,
            from_number="whatsapp:+14123456789",
            public_url=PUBLIC + "/",
        )
        adapter = TwilioWhatsAppAdapter(
            config, AdapterDeps(http, NoMedia(f"{PUBLIC}/webchat/media"))
        )
        app = FastAPI()
        app.include_router(adapter.router(intake), prefix="/webhooks")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.7:8000") as c:
            yield c


async def post(
    client: httpx.AsyncClient,
    body: bytes,
    *,
    path: str = "/webhooks/whatsapp/twilio",
    signature: str | None = None,
    sign_url: str | None = None,
) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is None and sign_url is None:
        sign_url = PUBLIC + path
    if sign_url is not None:
        signature = sdk_signature(sign_url, body)
    if signature:
        headers["X-Twilio-Signature"] = signature
    return await client.post(path, content=body, headers=headers)


def form(**fields: str) -> bytes:
    base = {
        "SmsMessageSid": "SM0123456789abcdef0123456789abcdef",
        "NumMedia": "0",
        "SmsSid": "SM0123456789abcdef0123456789abcdef",
        "SmsStatus": "received",
        "Body": "",
        "To": "whatsapp:+14123456789",
        "NumSegments": "1",
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC1a03647d811fab342c0ad608e382fab2",
        "From": "whatsapp:+31612345678",
        "ApiVersion": "2010-04-01",
    }
    return urlencode({**base, **fields}).encode()


# -- 1. recorded fixtures ------------------------------------------------------------------


def test_text_fixture() -> None:
    received = parse_message(parse_form(fixture("twilio_whatsapp_text.txt")))
    assert received is not None
    msg = received.inbound
    assert (msg.channel, msg.user, msg.message_id) == (
        "whatsapp_twilio",
        "+31612345678",
        "SM892512e202b34d4109b10a3893fa9640",
    )
    assert msg.kind is Kind.TEXT
    assert msg.text == "test"
    assert msg.payload == ""
    assert msg.referral is None
    assert msg.display_name is None
    assert msg.attachment is None
    assert received.fetch == {}


def test_media_fixture_is_an_image_to_fetch() -> None:
    received = parse_message(parse_form(fixture("twilio_whatsapp_media.txt")))
    assert received is not None
    assert received.inbound.kind is Kind.IMAGE
    assert received.inbound.user == "+31612345678"
    assert received.inbound.message_id == "MM21151abfaadc1fb79b782f8460862a52"
    assert received.inbound.text == ""
    assert received.inbound.attachment is None  # prepare downloads it
    assert received.fetch == {"url": MEDIA_URL, "content_type": "image/jpeg"}


def test_location_fixture() -> None:
    received = parse_message(parse_form(fixture("twilio_whatsapp_location.txt")))
    assert received is not None
    assert received.inbound.kind is Kind.LOCATION
    assert received.inbound.text == "52.303897857666016,4.750025749206543"
    assert received.inbound.message_id == "SM9c871cd9649aa3829298e153ae6a8123"
    assert received.fetch == {}


@pytest.mark.parametrize(
    ("name", "sid", "status"),
    [
        ("status_delivered", "SMdf55df64a2ff4920bb0748193cfbb640", "delivered"),
        ("status_sent", "SM0cec4ed334e74bcbb64eb8b6684e9654", "sent"),
    ],
)
def test_status_fixtures(name: str, sid: str, status: str) -> None:
    parsed = parse_form(fixture(f"twilio_whatsapp_{name}.txt"))
    assert is_status(parsed)
    result = parse_status(parsed)
    assert result is not None
    assert (result.message_sid, result.user, result.status, result.error_code) == (
        sid,
        "+31612345678",
        status,
        "",
    )
    assert not result.failed


def test_messages_are_not_statuses() -> None:
    for name in ("twilio_whatsapp_text.txt", "twilio_whatsapp_media.txt"):
        assert not is_status(parse_form(fixture(name)))


# -- newer WhatsApp fields (no public recording: forms built from Twilio's field names) -------


def test_profile_name_and_button_payload() -> None:
    body = form(ProfileName="Jana", WaId="31612345678", ButtonText="Yes", ButtonPayload="ok:1")
    received = parse_message(parse_form(body))
    assert received is not None
    msg = received.inbound
    assert msg.kind is Kind.PAYLOAD
    assert (msg.payload, msg.text, msg.display_name) == ("ok:1", "Yes", "Jana")


def test_list_pick_is_a_payload() -> None:
    received = parse_message(parse_form(form(ListId="card:2", ListTitle="Card 2", Body="Card 2")))
    assert received is not None
    assert received.inbound.kind is Kind.PAYLOAD
    assert received.inbound.payload == "card:2"


def test_wa_id_when_from_is_missing() -> None:
    received = parse_message(parse_form(form(From="", WaId="447700900123", Body="hi")))
    assert received is not None
    assert received.inbound.user == "+447700900123"


def test_invite_greeting_starts_with_a_referral() -> None:
    body = form(Body="Hi Teller! My invite code: TELLERAB12")
    received = parse_message(parse_form(body))
    assert received is not None
    msg = received.inbound
    assert msg.kind is Kind.START
    assert msg.referral == "TELLERAB12"
    assert msg.text == "Hi Teller! My invite code: TELLERAB12"


def test_pdf_is_a_document() -> None:
    body = form(NumMedia="1", MediaUrl0=MEDIA_URL, MediaContentType0="application/pdf", Body="x")
    received = parse_message(parse_form(body))
    assert received is not None
    assert received.inbound.kind is Kind.DOCUMENT
    assert received.inbound.text == "x"
    assert received.fetch["content_type"] == "application/pdf"


@pytest.mark.parametrize("content_type", ["image/webp", "audio/ogg", "video/mp4", "text/vcard"])
def test_stickers_voice_video_and_contact_cards_are_empty_text(content_type: str) -> None:
    body = form(NumMedia="1", MediaUrl0=MEDIA_URL, MediaContentType0=content_type)
    received = parse_message(parse_form(body))
    assert received is not None
    assert received.inbound.kind is Kind.TEXT
    assert received.inbound.text == ""
    assert received.fetch == {}


def test_a_form_without_sender_or_id_is_not_a_message() -> None:
    assert parse_message(parse_form(b"AccountSid=AC1&Body=hi")) is None


# -- 2. signature vectors ------------------------------------------------------------------


def test_vector_a_sdk_unit_test() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = Form(
        {
            "CallSid": ["CA1234567890ABCDE"],
            "Digits": ["1234"],
            "From": ["+14158675309"],
            "To": ["+18005551212"],
            "Caller": ["+14158675309"],
        }
    )
    assert compute_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert verify("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not verify("12346", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_vector_b_whatsapp_text_fixture() -> None:
    body = fixture("twilio_whatsapp_text.txt")
    assert hashlib.sha256(body).hexdigest() == (
        "befd3b43b103afa2dcdd5145664a5457870859d7ed575f6f61497cedc6efabf0"
    )
    url = "https://example.com/api/whatsapp/messages"
    signature = "ZOa7yMdySjKzwTRlBwpr0Ao/Nq4="
    assert verify(TOKEN, url, parse_form(body), signature)
    # The same URL with the default port: Twilio signs either way.
    with_port = "https://example.com:443/api/whatsapp/messages"
    assert verify(TOKEN, with_port, parse_form(body), signature)
    assert not verify(TOKEN, url, parse_form(body + b"&Extra=1"), signature)
    assert not verify(TOKEN, url, parse_form(body.replace(b"Body=test", b"Body=tesT")), signature)
    assert not verify(TOKEN, url + "?x=1", parse_form(body), signature)
    assert not verify(TOKEN, url, parse_form(body), "")
    assert not verify(TOKEN, url, parse_form(body), None)
    assert not verify("", url, parse_form(body), signature)


def test_repeated_and_blank_parameters_are_signed_like_the_sdk() -> None:
    body = b"B=2&A=&B=1&C=x"
    url = "https://bank.example/hook"
    params = {"A": [""], "B": ["2", "1"], "C": ["x"]}

    class MultiDict(dict[str, list[str]]):
        def getall(self, name: str) -> list[str]:
            return self[name]

    expected = RequestValidator(TOKEN).compute_signature(url, MultiDict(params))
    assert verify(TOKEN, url, parse_form(body), expected)


# -- routes ----------------------------------------------------------------------------------


async def test_route_accepts_the_signed_fixture(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    response = await post(client, fixture("twilio_whatsapp_text.txt"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert [r.inbound.message_id for r in intake.received] == [
        "SM892512e202b34d4109b10a3893fa9640"
    ]
    assert intake.received[0].inbound.text == "test"


async def test_route_signature_covers_the_query_string(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = fixture("twilio_whatsapp_text.txt")
    path = "/webhooks/whatsapp/twilio?rc=3&tt=20"
    ok = await post(client, body, path=path)
    assert ok.status_code == 200
    wrong = await post(client, body, path=path, sign_url=MESSAGES)
    assert wrong.status_code == 403
    assert len(intake.received) == 1


async def test_route_media_fixture(client: httpx.AsyncClient, intake: RecordingIntake) -> None:
    response = await post(client, fixture("twilio_whatsapp_media.txt"))
    assert response.status_code == 200
    assert intake.received[0].fetch["url"] == MEDIA_URL


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("missing", {"signature": ""}),
        ("wrong", {"signature": "ZOa7yMdySjKzwTRlBwpr0Ao/Nq4="}),
        (
            "the URL Teller sees, not the public one",
            {"sign_url": "http://10.0.0.7:8000/webhooks/whatsapp/twilio"},
        ),
        ("another path", {"sign_url": STATUS}),
    ],
)
async def test_route_refuses_unsigned(
    client: httpx.AsyncClient, intake: RecordingIntake, case: str, kwargs: dict[str, str]
) -> None:
    response = await post(client, fixture("twilio_whatsapp_text.txt"), **kwargs)
    assert response.status_code == 403, case
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "BAD_SIGNATURE"
    assert intake.received == []
    assert intake.events == []


async def test_route_refuses_a_tampered_body(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = fixture("twilio_whatsapp_text.txt")
    signature = sdk_signature(MESSAGES, body)
    tampered = body.replace(b"Body=test", b"Body=send+all+my+money")
    response = await post(client, tampered, signature=signature)
    assert response.status_code == 403
    assert intake.received == []


async def test_route_refuses_a_body_that_is_not_utf8(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    response = await post(client, b"Body=\xff\xfe", signature="x")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert intake.received == []


# -- 3. what is acknowledged and not processed -------------------------------------------------


@pytest.mark.parametrize(
    "name", ["twilio_whatsapp_status_delivered.txt", "twilio_whatsapp_status_sent.txt"]
)
@pytest.mark.parametrize("path", ["/webhooks/whatsapp/twilio/status", "/webhooks/whatsapp/twilio"])
async def test_statuses_are_acknowledged(
    client: httpx.AsyncClient, intake: RecordingIntake, name: str, path: str
) -> None:
    response = await post(client, fixture(name), path=path)
    assert response.status_code == 200
    assert "<Response/>" in response.text
    assert intake.received == []
    assert intake.events == []


async def test_a_failed_message_is_reported(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = urlencode(
        {
            "SmsSid": "SM0cec4ed334e74bcbb64eb8b6684e9654",
            "SmsStatus": "undelivered",
            "MessageStatus": "undelivered",
            "ErrorCode": "63016",
            "To": "whatsapp:+31612345678",
            "MessageSid": "SM0cec4ed334e74bcbb64eb8b6684e9654",
            "AccountSid": "AC1a03647d811fab342c0ad608e382fab2",
            "From": "whatsapp:+14123456789",
            "ApiVersion": "2010-04-01",
        }
    ).encode()
    response = await post(client, body, path="/webhooks/whatsapp/twilio/status")
    assert response.status_code == 200
    assert intake.events == [("whatsapp_twilio", "+31612345678", "failed", "63016")]
    assert intake.received == []


async def test_a_sticker_is_acknowledged_as_empty_text(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = form(NumMedia="1", MediaUrl0=MEDIA_URL, MediaContentType0="image/webp")
    response = await post(client, body)
    assert response.status_code == 200
    assert intake.received[0].inbound.kind is Kind.TEXT
    assert intake.received[0].inbound.text == ""


async def test_a_signed_form_that_is_no_message_is_acknowledged(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    response = await post(client, b"AccountSid=AC1a03647d811fab342c0ad608e382fab2")
    assert response.status_code == 200
    assert intake.received == []
