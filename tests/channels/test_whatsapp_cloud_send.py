"""WhatsApp Cloud API, outbound: every reply type becomes the Graph API call WhatsApp
documents (against a platform double), errors map to retries or permanent failures,
templates go out of the window, media downloads are checked, and doctor reads the number."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from bots.channel import AdapterDeps, DeliveryError, Outgoing, PrepareError, Received
from bots.doubles import Answer, Call, PlatformDouble
from bots.templates import Templates
from bots.whatsapp_cloud import CloudWhatsAppAdapter, CloudWhatsAppConfig
from flows.messages import (
    Button,
    Buttons,
    Document,
    HandoffNotice,
    Image,
    Inbound,
    Kind,
    RequestContact,
    SecureLink,
    Text,
    degrade,
)
from flows.ports import Media

TOKEN = "EAAG-system-user-token"
NUMBER_ID = "106540352242922"
USER = "16505551234"
PICTURE = b"\x89PNG\r\n\x1a\n" + b"p" * 100
Responder = Callable[[Call], Answer | None]


class Graph:
    """The double's answers: a test sets ``special`` for the calls it cares about."""

    def __init__(self) -> None:
        self.special: Responder = lambda call: None

    def __call__(self, call: Call) -> Answer:
        answer = self.special(call)
        if answer is not None:
            return answer
        if call.path.endswith("/messages"):
            return Answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.1"}]})
        return Answer(200, {"id": "1"})


class FakeMedia:
    async def get(self, media_id: str) -> Media | None:
        return None

    def public_url(self, media_id: str, filename: str = "") -> str:
        return f"https://teller.test/webchat/media/{media_id}"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph()


@pytest.fixture(scope="module")
def double(graph: Graph) -> Iterator[PlatformDouble]:
    with PlatformDouble(graph) as running:
        yield running


@pytest.fixture
async def adapter(graph: Graph, double: PlatformDouble) -> AsyncIterator[CloudWhatsAppAdapter]:
    graph.special = lambda call: None
    double.reset()
    async with httpx.AsyncClient() as http:
        config = CloudWhatsAppConfig(
            access_token=TOKEN,
            app_secret="app-secret",
            verify_token="vt-123",
            phone_number_id=NUMBER_ID,
            api_url=f"{double.url}/v25.0",
            number="+1 555 078 3881",
            templates=Templates.load(),
        )
        yield CloudWhatsAppAdapter(config, AdapterDeps(http, FakeMedia()))


async def sent(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, reply: Any, **out: Any
) -> list[dict[str, Any]]:
    """What ``send`` posted to the messages endpoint, checking the token went in the header."""
    await adapter.send(Outgoing(out.pop("user", USER), reply, 1, **out))
    calls = double.calls_to(f"/v25.0/{NUMBER_ID}/messages")
    assert calls, double.calls
    for call in calls:
        assert call.method == "POST"
        assert call.headers["authorization"] == f"Bearer {TOKEN}"
        assert call.query == {}
    return [call.json() for call in calls]


def envelope(**content: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": USER, **content}


# -- every reply type -----------------------------------------------------------------------------


async def test_text(adapter: CloudWhatsAppAdapter, double: PlatformDouble) -> None:
    assert await sent(adapter, double, Text("Your balance is 1 250.00 EUR")) == [
        envelope(type="text", text={"body": "Your balance is 1 250.00 EUR", "preview_url": False})
    ]


async def test_up_to_three_short_buttons_are_reply_buttons(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = Buttons("Send 50.00 EUR to Petr?", (Button("Send", "yes"), Button("Cancel", "no")))
    assert await sent(adapter, double, reply) == [
        envelope(
            type="interactive",
            interactive={
                "type": "button",
                "body": {"text": "Send 50.00 EUR to Petr?"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "yes", "title": "Send"}},
                        {"type": "reply", "reply": {"id": "no", "title": "Cancel"}},
                    ]
                },
            },
        )
    ]


async def test_more_buttons_are_a_list_with_a_localized_label(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    choices = tuple(Button(f"Účet {n}", f"account:{n}") for n in range(1, 6))
    [body] = await sent(adapter, double, Buttons("Který účet?", choices), language="cs")
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "list",
        "body": {"text": "Který účet?"},
        "action": {
            "button": "Vybrat",
            "sections": [
                {"rows": [{"id": f"account:{n}", "title": f"Účet {n}"} for n in range(1, 6)]}
            ],
        },
    }


async def test_a_title_too_long_for_a_button_fits_a_list_row(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = Buttons("Which card?", (Button("Virtual card ••• 4242", "card:1"),))  # 21 characters
    [body] = await sent(adapter, double, reply)
    assert body["interactive"]["type"] == "list"
    assert body["interactive"]["action"]["button"] == "Choose"


async def test_choices_that_fit_no_interactive_form_are_numbered_text(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = Buttons("Pick one", (Button("A", "x" * 257), Button("B", "b")))  # ids ≤ 256
    [body] = await sent(adapter, double, reply)
    assert body["text"]["body"] == "Pick one\n\n1. A\n2. B"


async def test_the_channel_capabilities_send_eleven_choices_as_numbered_text(
    adapter: CloudWhatsAppAdapter,
) -> None:
    reply = Buttons("Pick", tuple(Button(str(n), str(n)) for n in range(11)))
    [fitted] = degrade(reply, adapter.capabilities)
    assert isinstance(fitted, Text)


async def test_an_image_goes_by_its_public_link_with_its_caption(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = Image("m-123", caption="Your new card", filename="card.png")
    assert await sent(adapter, double, reply) == [
        envelope(
            type="image",
            image={"link": "https://teller.test/webchat/media/m-123", "caption": "Your new card"},
        )
    ]


async def test_a_document_keeps_its_file_name(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = Document("m-9", "statement-2026-10.pdf")
    assert await sent(adapter, double, reply) == [
        envelope(
            type="document",
            document={
                "link": "https://teller.test/webchat/media/m-9",
                "filename": "statement-2026-10.pdf",
            },
        )
    ]


async def test_a_secure_link_is_a_url_button(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = SecureLink(
        "https://teller.test/s/abc", "Set your PIN on this page.", "Set my PIN now please"
    )
    [body] = await sent(adapter, double, reply)
    assert body["interactive"] == {
        "type": "cta_url",
        "body": {"text": "Set your PIN on this page."},
        "action": {
            "name": "cta_url",
            "parameters": {
                "display_text": "Set my PIN now plea…",
                "url": "https://teller.test/s/abc",
            },
        },
    }


async def test_a_secure_link_that_is_not_https_is_text_with_the_url(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = SecureLink("http://localhost:8000/s/abc", "Set your PIN on this page.", "Set PIN")
    [body] = await sent(adapter, double, reply)
    assert body["text"]["body"] == "Set your PIN on this page.\nhttp://localhost:8000/s/abc"


@pytest.mark.parametrize(
    "reply",
    [
        RequestContact("Your phone number, please.", "Share"),
        HandoffNotice("A colleague will answer.", "waiting"),
    ],
)
async def test_contact_requests_and_handoff_notices_are_text(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, reply: Any
) -> None:
    [body] = await sent(adapter, double, reply)
    assert body["type"] == "text"
    assert body["text"]["body"] == reply.text


async def test_a_person_known_only_by_business_scoped_id_is_the_recipient(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    [body] = await sent(adapter, double, Text("Hi"), user="US.13491208655302741918")
    assert body["recipient"] == "US.13491208655302741918"
    assert "to" not in body


# -- outside the 24-hour window -------------------------------------------------------------------


async def test_a_notification_outside_the_window_is_the_approved_template(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    text = "You received 50.00 EUR from Petr.\n\nBalance: 1 300.00 EUR"
    [body] = await sent(adapter, double, Text(text), window_open=False, language="uk")
    assert body == envelope(
        type="template",
        template={
            "name": "teller_account_update",
            "language": {"code": "uk"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {
                            "type": "text",
                            "text": "You received 50.00 EUR from Petr. · Balance: 1 300.00 EUR",
                        }
                    ],
                }
            ],
        },
    )


async def test_anything_but_text_outside_the_window_is_refused_for_good(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    reply = Buttons("Still there?", (Button("Yes", "yes"),))
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(Outgoing(USER, reply, 1, window_open=False))
    assert raised.value.permanent
    assert raised.value.reason == "24-hour window closed"
    assert double.calls == []


async def test_without_a_template_nothing_goes_out_of_the_window(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        config = CloudWhatsAppConfig(TOKEN, "s", "v", NUMBER_ID, api_url=f"{double.url}/v25.0")
        adapter = CloudWhatsAppAdapter(config, AdapterDeps(http, FakeMedia()))
        with pytest.raises(DeliveryError) as raised:
            await adapter.send(Outgoing(USER, Text("News"), 1, window_open=False))
    assert raised.value.permanent
    assert "24-hour window closed" in raised.value.reason


# -- errors ---------------------------------------------------------------------------------------


def error(status: int, code: int) -> Responder:
    body = {"error": {"message": f"(#{code}) Your balance is 1 250.00", "code": code}}
    return lambda call: Answer(status, body) if call.path.endswith("/messages") else None


@pytest.mark.parametrize(
    ("status", "code", "permanent", "retry_after", "words"),
    [
        (429, 130429, False, 2.0, "rate limited"),
        (400, 131056, False, 6.0, "rate limited"),
        (400, 80007, False, 60.0, "rate limited"),
        (500, 131000, False, None, "platform error"),
        (503, 2, False, None, "platform error"),
        (400, 131047, True, None, "24-hour window closed"),
        (401, 190, True, None, "access token"),
        (400, 131026, True, None, "Graph error 131026"),
    ],
)
async def test_graph_errors_become_delivery_errors(
    adapter: CloudWhatsAppAdapter,
    double: PlatformDouble,
    graph: Graph,
    status: int,
    code: int,
    permanent: bool,
    retry_after: float | None,
    words: str,
) -> None:
    graph.special = error(status, code)
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(Outgoing(USER, Text("Your balance is 1 250.00"), 1))
    assert raised.value.permanent is permanent
    assert raised.value.retry_after == retry_after
    assert words in raised.value.reason
    assert "1 250" not in raised.value.reason
    assert TOKEN not in raised.value.reason


async def test_a_timeout_is_retried() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        config = CloudWhatsAppConfig(TOKEN, "s", "v", NUMBER_ID)
        adapter = CloudWhatsAppAdapter(config, AdapterDeps(http, FakeMedia()))
        with pytest.raises(DeliveryError) as raised:
            await adapter.send(Outgoing(USER, Text("Hi"), 1))
    assert not raised.value.permanent


# -- prepare: downloading what the customer sent --------------------------------------------------


def media_info(double: PlatformDouble, **overrides: Any) -> Responder:
    digest = hashlib.sha256(PICTURE).digest()
    info = {
        "messaging_product": "whatsapp",
        "url": f"{double.url}/lookaside/whatsapp_business/?mid=65463453&ext=1&hash=x",
        "mime_type": "image/jpeg",
        "sha256": base64.b64encode(digest).decode(),
        "file_size": len(PICTURE),
        "id": "65463453",
        **overrides,
    }

    def answer(call: Call) -> Answer | None:
        if call.path == "/v25.0/65463453":
            return Answer(200, info)
        if call.path.startswith("/lookaside/"):
            return Answer(200, PICTURE, content_type="image/jpeg")
        return None

    return answer


def received_image() -> Received:
    inbound = Inbound("whatsapp_cloud", "US.1", "wamid.xyzxyz", Kind.IMAGE)
    return Received(
        inbound, {"media_id": "65463453", "mime_type": "image/jpeg", "filename": "image"}
    )


async def test_prepare_looks_the_media_up_then_downloads_it_with_the_token(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = media_info(double)
    inbound = await adapter.prepare(received_image())
    assert inbound.attachment is not None
    assert inbound.attachment.data == PICTURE
    assert inbound.attachment.content_type == "image/jpeg"
    assert inbound.attachment.filename == "image"
    lookup, fetch = double.calls
    assert (lookup.method, lookup.path) == ("GET", "/v25.0/65463453")
    assert fetch.path == "/lookaside/whatsapp_business/"
    assert lookup.headers["authorization"] == fetch.headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_hex_checksum_is_accepted_too(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = media_info(double, sha256=hashlib.sha256(PICTURE).hexdigest())
    inbound = await adapter.prepare(received_image())
    assert inbound.attachment is not None


async def test_a_checksum_mismatch_is_fetched_again(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = media_info(double, sha256=base64.b64encode(b"x" * 32).decode())
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(received_image())
    assert not raised.value.permanent


async def test_a_file_over_10_mb_is_refused_without_downloading(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = media_info(double, file_size=str(10 * 1024 * 1024 + 1))
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(received_image())
    assert raised.value.permanent
    assert [c.path for c in double.calls] == ["/v25.0/65463453"]


async def test_a_media_id_meta_no_longer_has_is_given_up(
    adapter: CloudWhatsAppAdapter, graph: Graph
) -> None:
    body = {"error": {"message": "Unsupported get request", "code": 100, "error_subcode": 33}}
    graph.special = lambda call: Answer(400, body)
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(received_image())
    assert raised.value.permanent


async def test_a_message_without_media_is_prepared_as_it_is(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    inbound = Inbound("whatsapp_cloud", "US.1", "wamid.1", Kind.TEXT, text="hi")
    assert await adapter.prepare(Received(inbound)) is inbound
    assert double.calls == []


# -- doctor and setup -----------------------------------------------------------------------------


async def test_check_reads_the_business_number(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    number = {
        "display_phone_number": "+1 555-078-3881",
        "verified_name": "Teller Bank",
        "quality_rating": "GREEN",
        "id": NUMBER_ID,
    }
    graph.special = lambda call: Answer(200, number) if call.path.endswith(NUMBER_ID) else None
    checks = await adapter.check()
    assert all(c.ok for c in checks), checks
    assert any("+1 555-078-3881 (Teller Bank)" in c.detail for c in checks)
    [call] = double.calls
    assert call.query["fields"] == "display_phone_number,verified_name,quality_rating"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


async def test_check_says_how_to_fix_an_expired_token(
    adapter: CloudWhatsAppAdapter, graph: Graph
) -> None:
    body = {"error": {"message": "Error validating access token", "code": 190}}
    graph.special = lambda call: Answer(401, body)
    [secrets, token] = await adapter.check()
    assert secrets.ok
    assert not token.ok
    assert "WHATSAPP_ACCESS_TOKEN" in token.fix


async def test_check_flags_a_red_number(adapter: CloudWhatsAppAdapter, graph: Graph) -> None:
    graph.special = lambda call: Answer(
        200, {"display_phone_number": "1", "quality_rating": "RED"}
    )
    checks = await adapter.check()
    assert [c.ok for c in checks] == [True, True, True, False, True]
    assert "WHATSAPP_BUSINESS_ACCOUNT_ID" in checks[-1].detail


WABA = "102290129340398"


def _with_account(adapter: CloudWhatsAppAdapter) -> CloudWhatsAppAdapter:
    config = dataclasses.replace(adapter.config, business_account_id=WABA)
    return CloudWhatsAppAdapter(config, adapter.deps)


async def test_check_reads_the_webhook_subscription(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    apps = {"data": [{"whatsapp_business_api_data": {"id": "67084", "name": "Teller"}}]}
    graph.special = lambda call: (
        Answer(200, apps) if call.path.endswith("subscribed_apps") else None
    )
    checks = await _with_account(adapter).check()
    assert checks[-1].ok
    assert checks[-1].detail == "subscribed: Teller"
    subscription = double.calls[-1]
    assert (subscription.method, subscription.path) == ("GET", f"/v25.0/{WABA}/subscribed_apps")
    assert subscription.headers["authorization"] == f"Bearer {TOKEN}"


async def test_check_flags_a_business_account_without_a_subscribed_app(
    adapter: CloudWhatsAppAdapter, graph: Graph
) -> None:
    graph.special = lambda call: (
        Answer(200, {"data": []}) if call.path.endswith("subscribed_apps") else None
    )
    subscription = (await _with_account(adapter).check())[-1]
    assert not subscription.ok
    assert "teller channels setup" in subscription.fix


async def test_setup_subscribes_the_app_when_the_business_account_is_known(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = lambda call: (
        Answer(200, {"success": True}) if call.path.endswith("subscribed_apps") else None
    )
    text = await _with_account(adapter).setup("https://bank.example/webhooks/whatsapp/cloud")
    assert text.startswith(f"Subscribed the app to business account {WABA}")
    [call] = double.calls
    assert (call.method, call.path) == ("POST", f"/v25.0/{WABA}/subscribed_apps")


async def test_check_flags_unset_webhook_secrets(double: PlatformDouble) -> None:
    async with httpx.AsyncClient() as http:
        config = CloudWhatsAppConfig(TOKEN, "", "", NUMBER_ID, api_url=f"{double.url}/v25.0")
        checks = await CloudWhatsAppAdapter(config, AdapterDeps(http, FakeMedia())).check()
    assert not checks[0].ok
    assert "WHATSAPP_APP_SECRET" in checks[0].detail


async def test_setup_tells_the_operator_the_exact_callback_url(
    adapter: CloudWhatsAppAdapter, double: PlatformDouble
) -> None:
    text = await adapter.setup("https://bank.example/webhooks/whatsapp/cloud")
    assert "Callback URL: https://bank.example/webhooks/whatsapp/cloud" in text
    assert "WHATSAPP_VERIFY_TOKEN" in text
    assert double.calls == []


async def test_the_channel_declares_whatsapps_limits(adapter: CloudWhatsAppAdapter) -> None:
    assert adapter.name == "whatsapp_cloud"
    assert adapter.window_hours == 24
    assert (adapter.capabilities.max_buttons, adapter.capabilities.max_button_title) == (10, 24)
    assert adapter.capabilities.max_text == 4096
    assert not adapter.capabilities.request_contact
    assert adapter.limits.per_second == 80
    assert adapter.limits.per_chat_per_second == pytest.approx(1 / 6)
