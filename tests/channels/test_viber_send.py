"""Sending every reply, mapping Viber's errors, downloading what customers send, and the
doctor/setup calls — against a Viber double on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from bots.channel import AdapterDeps, DeliveryError, Outgoing, PrepareError, Received
from bots.doubles import Answer, Call, PlatformDouble
from bots.viber import ViberAdapter, ViberConfig
from bots.viber.actions import link_marker
from bots.viber.client import MAX_REQUEST_BYTES
from flows.messages import (
    Button,
    Buttons,
    Document,
    HandoffNotice,
    Image,
    Inbound,
    Kind,
    Reply,
    RequestContact,
    SecureLink,
    Text,
    degrade,
)
from flows.ports import Media

TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
USER = "01234567890A="
SENDER = {"name": "Teller Bank", "avatar": "https://teller.example/avatar.png"}
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]


class Store:
    def __init__(self) -> None:
        self.items: dict[str, Media] = {}

    async def get(self, media_id: str) -> Media | None:
        return self.items.get(media_id)

    def public_url(self, media_id: str, filename: str = "") -> str:
        return f"https://teller.example/media/{media_id}/{self.items[media_id].filename}"


def ok(call: Call) -> Answer:
    return Answer(200, {"status": 0, "status_message": "ok", "message_token": 5741311803571721087})


@pytest.fixture(scope="module")
def server() -> Iterator[PlatformDouble]:
    with PlatformDouble(ok) as d:
        yield d


@pytest.fixture
def double(server: PlatformDouble) -> PlatformDouble:
    server.reset()
    server.responder = ok
    return server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture
def store() -> Store:
    return Store()


def make(
    double: PlatformDouble, http: httpx.AsyncClient, store: Store, **config: Any
) -> ViberAdapter:
    settings: dict[str, Any] = {
        "auth_token": TOKEN,
        "api_url": double.url,
        "bot_name": "Teller Bank",
        "bot_avatar": "https://teller.example/avatar.png",
        "chat_uri": "tellerbank",
    }
    settings.update(config)
    return ViberAdapter(ViberConfig(**settings), AdapterDeps(http, store))


@pytest.fixture
def viber(double: PlatformDouble, http: httpx.AsyncClient, store: Store) -> ViberAdapter:
    return make(double, http, store)


async def send(viber: ViberAdapter, reply: Reply, **kw: Any) -> None:
    await viber.send(Outgoing(USER, reply, outbox_id=1, **kw))


def sent(double: PlatformDouble) -> list[dict[str, Any]]:
    calls = double.calls_to("/pa/send_message")
    for call in calls:
        assert call.method == "POST"
        assert call.headers["x-viber-auth-token"] == TOKEN
        assert call.headers["content-type"] == "application/json"
        assert len(call.body) <= MAX_REQUEST_BYTES
    return [c.json() for c in calls]


# -- every reply --------------------------------------------------------------------------------


async def test_text(viber: ViberAdapter, double: PlatformDouble) -> None:
    text = "Your balance is 1 234,50 EUR"
    await send(viber, Text(text))
    assert sent(double) == [{"receiver": USER, "sender": SENDER, "type": "text", "text": text}]


async def test_the_sender_name_is_cut_to_28_and_avatar_is_optional(
    double: PlatformDouble, http: httpx.AsyncClient, store: Store
) -> None:
    viber = make(double, http, store, bot_name="T" * 40, bot_avatar=None)
    await send(viber, Text("hi"))
    assert sent(double)[0]["sender"] == {"name": "T" * 28}


async def test_handoff_notice_is_text(viber: ViberAdapter, double: PlatformDouble) -> None:
    await send(viber, HandoffNotice("A person will answer soon.", "waiting"))
    assert sent(double)[0]["text"] == "A person will answer soon."


async def test_buttons_are_a_keyboard_of_reply_buttons(
    viber: ViberAdapter, double: PlatformDouble
) -> None:
    buttons = (Button("Balance", "flow:balance"), Button("Cards & <more>", "flow:cards"))
    await send(viber, Buttons("What next?", buttons))
    [message] = sent(double)
    assert message["type"] == "text"
    assert message["text"] == "What next?"
    assert message["keyboard"] == {
        "Type": "keyboard",
        "DefaultHeight": False,
        "Buttons": [
            {
                "Columns": 6,
                "Rows": 1,
                "ActionType": "reply",
                "ActionBody": "btn:flow:balance",
                "Text": "Balance",
                "Silent": True,
            },
            {
                "Columns": 6,
                "Rows": 1,
                "ActionType": "reply",
                "ActionBody": "btn:flow:cards",
                "Text": "Cards &amp; &lt;more&gt;",
                "Silent": True,
            },
        ],
    }
    assert "min_api_version" not in message


async def test_many_buttons_go_two_to_a_row(viber: ViberAdapter, double: PlatformDouble) -> None:
    buttons = tuple(Button(f"Choice {n}", f"c{n}") for n in range(24))
    [fitted] = degrade(Buttons("Pick one", buttons), viber.capabilities)
    await send(viber, fitted)
    keys = sent(double)[0]["keyboard"]["Buttons"]
    assert len(keys) == 24
    assert {k["Columns"] for k in keys} == {3}
    assert keys[23]["ActionBody"] == "btn:c23"


async def test_too_many_or_too_long_buttons_degrade_to_numbered_text(
    viber: ViberAdapter,
) -> None:
    many = Buttons("Pick", tuple(Button(str(n), str(n)) for n in range(25)))
    assert isinstance(degrade(many, viber.capabilities)[0], Text)
    long = Buttons("Pick", (Button("x" * 31, "x"),))
    assert isinstance(degrade(long, viber.capabilities)[0], Text)


async def test_image_with_a_short_caption(
    viber: ViberAdapter, double: PlatformDouble, store: Store
) -> None:
    store.items["m1"] = Media("m1", "image/png", "card.png", b"\x89PNG...")
    await send(viber, Image("m1", caption="Your new card", filename="card.png"))
    assert sent(double) == [
        {
            "receiver": USER,
            "sender": SENDER,
            "type": "picture",
            "text": "Your new card",
            "media": "https://teller.example/media/m1/card.png",
        }
    ]


async def test_image_with_a_long_caption_sends_it_after(
    viber: ViberAdapter, double: PlatformDouble, store: Store
) -> None:
    store.items["m1"] = Media("m1", "image/png", "card.png", b"\x89PNG...")
    caption = "word " * 40
    await send(viber, Image("m1", caption=caption))
    picture, text = sent(double)
    assert (picture["type"], picture["text"]) == ("picture", "")
    assert (text["type"], text["text"]) == ("text", caption)


async def test_document_is_a_file_with_its_size(
    viber: ViberAdapter, double: PlatformDouble, store: Store
) -> None:
    store.items["d1"] = Media("d1", "application/pdf", "statement.pdf", b"%PDF-1.7" + b"0" * 92)
    await send(viber, Document("d1", "statement-2026-11.pdf", caption="November"))
    file, caption = sent(double)
    assert file == {
        "receiver": USER,
        "sender": SENDER,
        "type": "file",
        "media": "https://teller.example/media/d1/statement.pdf",
        "size": 100,
        "file_name": "statement-2026-11.pdf",
    }
    assert caption["text"] == "November"


async def test_a_document_no_longer_stored_is_permanent(
    viber: ViberAdapter, double: PlatformDouble
) -> None:
    with pytest.raises(DeliveryError) as err:
        await send(viber, Document("gone", "statement.pdf"))
    assert err.value.permanent
    assert double.calls == []


async def test_request_contact_is_a_share_phone_button(
    viber: ViberAdapter, double: PlatformDouble
) -> None:
    await send(viber, RequestContact("Share your phone number", "Share my number"))
    assert sent(double) == [
        {
            "receiver": USER,
            "sender": SENDER,
            "type": "text",
            "text": "Share your phone number",
            "min_api_version": 3,
            "tracking_data": "share-phone",
            "keyboard": {
                "Type": "keyboard",
                "DefaultHeight": False,
                "Buttons": [
                    {
                        "Columns": 6,
                        "Rows": 1,
                        "ActionType": "share-phone",
                        "ActionBody": "share-phone",
                        "Text": "Share my number",
                    }
                ],
            },
        }
    ]


async def test_secure_link_is_an_open_url_button_and_the_address(
    viber: ViberAdapter, double: PlatformDouble
) -> None:
    url = "https://teller.example/secure/eyJpIjoi.abc"
    await send(viber, SecureLink(url, "Set your PIN on this page:", "Set PIN"))
    [message] = sent(double)
    assert message["text"] == f"Set your PIN on this page:\n{url}"
    assert message["tracking_data"] == link_marker(url)
    assert url not in message["tracking_data"]
    assert message["keyboard"]["Buttons"] == [
        {
            "Columns": 6,
            "Rows": 1,
            "ActionType": "open-url",
            "ActionBody": url,
            "OpenURLType": "external",
            "Silent": True,
            "Text": "Set PIN",
        }
    ]


async def test_a_long_text_stays_within_30_kb_per_request(
    viber: ViberAdapter, double: PlatformDouble
) -> None:
    # 7000 characters, but JSON writes a control character as six bytes: 38.5 KB
    text = "💳\x01" * 3500
    [fitted] = degrade(Text(text), viber.capabilities)
    await send(viber, fitted)
    messages = sent(double)
    assert len(messages) == 2
    assert "".join(m["text"] for m in messages) == text


async def test_a_closed_window_does_not_matter_on_viber(
    viber: ViberAdapter, double: PlatformDouble
) -> None:
    await send(viber, Buttons("Hi", (Button("OK", "ok"),)), window_open=False, notification=True)
    assert len(sent(double)) == 1


# -- errors ---------------------------------------------------------------------------------------


def status(code: int, message: str) -> Answer:
    return Answer(200, {"status": code, "status_message": message})


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after"),
    [
        (status(5, "receiverNotRegistered"), True, None),
        (status(6, "receiverNotSubscribed"), True, None),
        (status(7, "publicAccountBlocked"), True, None),
        (status(2, "invalidAuthToken"), True, None),
        (status(12, "tooManyRequests"), False, 1.0),
        (Answer(429, {"status": 12}, headers={"Retry-After": "3"}), False, 3.0),
        (Answer(429, b"slow down", content_type="text/plain"), False, 1.0),
        (Answer(500, b"oops", content_type="text/plain"), False, None),
        (Answer(503, {}), False, None),
        (Answer(403, {}), True, None),
        (Answer(404, {}), True, None),
        (Answer(200, b"<html>", content_type="text/html"), False, None),
        (Answer(200, {"no": "status"}), False, None),
    ],
)
async def test_error_mapping(
    viber: ViberAdapter,
    double: PlatformDouble,
    answer: Answer,
    permanent: bool,
    retry_after: float | None,
) -> None:
    double.responder = lambda call: answer
    text = "Card 4111 1111 1111 1111 is blocked"
    with pytest.raises(DeliveryError) as err:
        await send(viber, Text(text))
    assert err.value.permanent is permanent
    assert err.value.retry_after == retry_after
    assert TOKEN not in err.value.reason
    assert "4111" not in err.value.reason


async def test_the_reason_names_vibers_status(viber: ViberAdapter, double: PlatformDouble) -> None:
    double.responder = lambda call: status(6, "receiverNotSubscribed")
    with pytest.raises(DeliveryError) as err:
        await send(viber, Text("hi"))
    assert err.value.reason == (
        "viber send_message: status 6 receiverNotSubscribed (receiverNotSubscribed)"
    )


async def test_an_unreachable_api_is_transient(http: httpx.AsyncClient, store: Store) -> None:
    with PlatformDouble(ok) as gone:
        url = gone.url
    config = ViberConfig(auth_token=TOKEN, api_url=url)
    viber = ViberAdapter(config, AdapterDeps(http, store))
    with pytest.raises(DeliveryError) as err:
        await send(viber, Text("hi"))
    assert not err.value.permanent
    assert TOKEN not in err.value.reason


# -- prepare: what customers send ----------------------------------------------------------------


def media_server(answers: dict[str, Answer]) -> PlatformDouble:
    return PlatformDouble(lambda call: answers.get(call.path, Answer(404, {})))


def received(kind: Kind, url: str, filename: str, size: str | None = None) -> Received:
    inbound = Inbound("viber", USER, "5741311803571721087", kind, text="caption")
    fetch = {"url": url, "filename": filename} | ({"size": size} if size else {})
    return Received(inbound, fetch)


async def test_prepare_downloads_a_picture(viber: ViberAdapter) -> None:
    photo = b"\xff\xd8\xff" + b"j" * 5000
    with media_server({"/p/photo.jpg": Answer(200, photo, content_type="image/jpeg")}) as cdn:
        msg = await viber.prepare(received(Kind.IMAGE, f"{cdn.url}/p/photo.jpg", "photo.jpg"))
        [call] = cdn.calls
    assert msg.attachment is not None
    assert msg.attachment.data == photo
    assert msg.attachment.content_type == "image/jpeg"
    assert msg.attachment.filename == "photo.jpg"
    assert msg.text == "caption"
    assert "x-viber-auth-token" not in call.headers  # the CDN link needs no token


async def test_prepare_names_an_octet_stream_by_its_file_name(viber: ViberAdapter) -> None:
    pdf = b"%PDF-1.7 ..."
    answer = Answer(200, pdf, content_type="application/octet-stream")
    with media_server({"/d/1": answer}) as cdn:
        msg = await viber.prepare(received(Kind.DOCUMENT, f"{cdn.url}/d/1", "statement.pdf"))
    assert msg.attachment is not None
    assert (msg.attachment.content_type, msg.attachment.filename) == (
        "application/pdf",
        "statement.pdf",
    )


async def test_prepare_refuses_more_than_10_mb(viber: ViberAdapter) -> None:
    big = b"0" * (10 * 1024 * 1024 + 1)
    answer = Answer(200, big, content_type="image/jpeg")
    with media_server({"/big": answer}) as cdn, pytest.raises(PrepareError) as err:
        await viber.prepare(received(Kind.IMAGE, f"{cdn.url}/big", "photo.jpg"))
    assert err.value.permanent


async def test_prepare_trusts_a_declared_size_over_10_mb(viber: ViberAdapter) -> None:
    size = str(11 * 1024 * 1024)
    with media_server({}) as cdn:
        with pytest.raises(PrepareError) as err:
            await viber.prepare(received(Kind.DOCUMENT, f"{cdn.url}/x", "a.pdf", size))
        assert cdn.calls == []
    assert err.value.permanent


@pytest.mark.parametrize(
    ("answer", "permanent"),
    [(Answer(404, {}), True), (Answer(403, {}), True), (Answer(500, {}), False)],
)
async def test_prepare_errors(viber: ViberAdapter, answer: Answer, permanent: bool) -> None:
    with media_server({"/p": answer}) as cdn:
        url = f"{cdn.url}/p?Expires=1&Signature=secret"
        with pytest.raises(PrepareError) as err:
            await viber.prepare(received(Kind.IMAGE, url, "photo.jpg"))
    assert err.value.permanent is permanent
    assert "Signature" not in err.value.reason


async def test_prepare_leaves_other_messages_alone(viber: ViberAdapter) -> None:
    inbound = Inbound("viber", USER, "1", Kind.TEXT, text="hi")
    assert await viber.prepare(Received(inbound)) is inbound
    contact = replace(inbound, kind=Kind.CONTACT, contact_phone="+420601234567")
    assert await viber.prepare(Received(contact)) is contact


# -- doctor and setup -----------------------------------------------------------------------------


def account(**fields: Any) -> dict[str, Any]:
    info = {
        "status": 0,
        "status_message": "ok",
        "id": "pa:75346594275468546724",
        "name": "Teller Bank",
        "uri": "tellerbank",
        "webhook": "https://teller.example/webhooks/viber",
        "event_types": EVENT_TYPES,
        "subscribers_count": 35,
    }
    info.update(fields)
    return info


async def test_check_all_well(viber: ViberAdapter, double: PlatformDouble) -> None:
    double.responder = lambda call: Answer(200, account())
    checks = await viber.check()
    assert [(c.name, c.ok) for c in checks] == [
        ("viber token", True),
        ("viber webhook", True),
        ("viber chat URI", True),
    ]
    [call] = double.calls_to("/pa/get_account_info")
    assert call.headers["x-viber-auth-token"] == TOKEN
    assert call.json() == {}


async def test_check_without_a_webhook(viber: ViberAdapter, double: PlatformDouble) -> None:
    double.responder = lambda call: Answer(200, account(webhook=""))
    token, webhook, _ = await viber.check()
    assert token.ok
    assert not webhook.ok
    assert "teller channels setup" in webhook.fix


async def test_check_with_missing_event_types(viber: ViberAdapter, double: PlatformDouble) -> None:
    double.responder = lambda call: Answer(200, account(event_types=["delivered", "seen"]))
    _, webhook, _ = await viber.check()
    assert not webhook.ok
    assert "conversation_started" in webhook.detail


async def test_check_with_a_wrong_chat_uri(
    double: PlatformDouble, http: httpx.AsyncClient, store: Store
) -> None:
    double.responder = lambda call: Answer(200, account())
    viber = make(double, http, store, chat_uri="somethingelse")
    *_, uri = await viber.check()
    assert not uri.ok
    assert uri.fix == "Set VIBER_CHAT_URI=tellerbank"
    viber = make(double, http, store, chat_uri=None)
    *_, unset = await viber.check()
    assert (unset.ok, unset.fix) == (False, "Set VIBER_CHAT_URI=tellerbank")


async def test_check_with_a_bad_token(viber: ViberAdapter, double: PlatformDouble) -> None:
    double.responder = lambda call: status(2, "invalidAuthToken")
    [token] = await viber.check()
    assert not token.ok
    assert "VIBER_AUTH_TOKEN" in token.fix
    assert TOKEN not in token.detail + token.fix


async def test_setup_registers_the_webhook(viber: ViberAdapter, double: PlatformDouble) -> None:
    url = "https://teller.example/webhooks/viber"
    result = await viber.setup(url)
    [call] = double.calls_to("/pa/set_webhook")
    assert call.headers["x-viber-auth-token"] == TOKEN
    assert json.loads(call.body) == {"url": url, "event_types": EVENT_TYPES, "send_name": True}
    assert url in result


async def test_setup_refused(viber: ViberAdapter, double: PlatformDouble) -> None:
    double.responder = lambda call: status(1, "Result[HttpRequest[POST ...], Failed]")
    result = await viber.setup("https://teller.example/webhooks/viber")
    assert result.startswith("Viber did not set the webhook")
    assert "CA-signed" in result


def test_deep_link_from_the_adapter(viber: ViberAdapter) -> None:
    assert viber.deep_link("INV42") == "viber://pa?chatURI=tellerbank&context=INV42"


def test_declared_capabilities_and_limits(viber: ViberAdapter) -> None:
    caps = viber.capabilities
    assert (caps.max_buttons, caps.max_button_title, caps.max_text) == (24, 30, 7000)
    assert caps.images
    assert caps.documents
    assert caps.request_contact
    assert (viber.limits.per_second, viber.limits.per_chat_per_second) == (20, 1)
    assert viber.window_hours is None
    assert viber.name == "viber"
