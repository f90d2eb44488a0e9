"""Messenger, outbound: every reply type becomes the Send API call Meta documents (against a
platform double), with the right messaging_type, message tags outside the window, errors
mapped to retries or permanent failures, attachments downloaded, doctor and setup."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from bots.channel import AdapterDeps, DeliveryError, Outgoing, PrepareError, Received
from bots.doubles import Answer, Call, PlatformDouble
from bots.messenger import MessengerAdapter, MessengerConfig
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
)
from flows.ports import Media

TOKEN = "EAAB-page-access-token"
PSID = "1254459154682919"
PICTURE = b"\xff\xd8\xff\xe0" + b"j" * 64
Responder = Callable[[Call], Answer | None]


class Graph:
    def __init__(self) -> None:
        self.special: Responder = lambda call: None

    def __call__(self, call: Call) -> Answer:
        answer = self.special(call)
        if answer is not None:
            return answer
        if call.path.endswith("/me/messages"):
            return Answer(200, {"recipient_id": PSID, "message_id": "m_1"})
        if call.path.startswith("/cdn/"):
            return Answer(200, PICTURE, content_type="image/jpeg")
        return Answer(200, {"success": True})


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
async def adapter(graph: Graph, double: PlatformDouble) -> AsyncIterator[MessengerAdapter]:
    graph.special = lambda call: None
    double.reset()
    async with httpx.AsyncClient() as http:
        config = MessengerConfig(
            page_token=TOKEN,
            app_secret="app-secret",
            verify_token="vt-123",
            api_url=f"{double.url}/v25.0",
            page_name="tellerbank",
        )
        yield MessengerAdapter(config, AdapterDeps(http, FakeMedia()))


async def sent(
    adapter: MessengerAdapter, double: PlatformDouble, reply: Any, **out: Any
) -> list[dict[str, Any]]:
    """What ``send`` posted to /me/messages, checking the token stayed out of the URL."""
    await adapter.send(Outgoing(PSID, reply, 1, **out))
    calls = double.calls_to("/v25.0/me/messages")
    assert calls, double.calls
    for call in calls:
        assert call.method == "POST"
        assert call.headers["authorization"] == f"Bearer {TOKEN}"
        assert call.query == {}
    return [call.json() for call in calls]


def response(message: dict[str, Any], kind: str = "RESPONSE") -> dict[str, Any]:
    return {"recipient": {"id": PSID}, "messaging_type": kind, "message": message}


# -- every reply type -----------------------------------------------------------------------------


async def test_an_answer_is_a_response(adapter: MessengerAdapter, double: PlatformDouble) -> None:
    assert await sent(adapter, double, Text("Your balance is 1 250.00 EUR")) == [
        response({"text": "Your balance is 1 250.00 EUR"})
    ]


async def test_news_inside_the_window_is_an_update(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    [body] = await sent(adapter, double, Text("You received 5.00 EUR"), notification=True)
    assert body["messaging_type"] == "UPDATE"


async def test_outside_the_window_text_goes_with_the_account_update_tag(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    [body] = await sent(adapter, double, Text("Your card was declined"), window_open=False)
    assert body == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "ACCOUNT_UPDATE",
        "message": {"text": "Your card was declined"},
    }


async def test_anything_but_text_outside_the_window_is_refused_for_good(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(Outgoing(PSID, Image("m-1"), 1, window_open=False))
    assert raised.value.permanent
    assert raised.value.reason == "24-hour window closed"
    assert double.calls == []


async def test_buttons_are_quick_replies(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    reply = Buttons("Send 50.00 EUR to Petr?", (Button("Send", "yes"), Button("Cancel", "no")))
    assert await sent(adapter, double, reply) == [
        response(
            {
                "text": "Send 50.00 EUR to Petr?",
                "quick_replies": [
                    {"content_type": "text", "title": "Send", "payload": "yes"},
                    {"content_type": "text", "title": "Cancel", "payload": "no"},
                ],
            }
        )
    ]


async def test_more_than_thirteen_choices_are_numbered_text(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    reply = Buttons("Pick", tuple(Button(f"C{n}", f"c{n}") for n in range(1, 15)))
    [body] = await sent(adapter, double, reply)
    assert body["message"]["text"].startswith("Pick\n\n1. C1\n2. C2")
    assert "quick_replies" not in body["message"]


async def test_a_contact_request_is_the_phone_number_quick_reply(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    reply = RequestContact("Your phone number, please.", "Share my number")
    assert await sent(adapter, double, reply) == [
        response(
            {
                "text": "Your phone number, please.",
                "quick_replies": [{"content_type": "user_phone_number"}],
            }
        )
    ]


async def test_an_image_is_an_attachment_by_url_and_its_caption_follows(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    reply = Image("m-123", caption="Your new card")
    assert await sent(adapter, double, reply) == [
        response(
            {
                "attachment": {
                    "type": "image",
                    "payload": {
                        "url": "https://teller.test/webchat/media/m-123",
                        "is_reusable": False,
                    },
                }
            }
        ),
        response({"text": "Your new card"}),
    ]


async def test_a_document_is_a_file_attachment(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    [body] = await sent(adapter, double, Document("m-9", "statement.pdf"))
    assert body["message"]["attachment"] == {
        "type": "file",
        "payload": {"url": "https://teller.test/webchat/media/m-9", "is_reusable": False},
    }


async def test_a_secure_link_is_a_url_button(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    url = "https://teller.test/s/abc"
    reply = SecureLink(url, "Set your PIN on this page.", "Set my PIN now please")
    [body] = await sent(adapter, double, reply)
    assert body["message"] == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "button",
                "text": "Set your PIN on this page.",
                "buttons": [{"type": "web_url", "url": url, "title": "Set my PIN now plea…"}],
            },
        }
    }


async def test_a_secure_link_that_is_not_https_is_text_with_the_url(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    reply = SecureLink("http://localhost:8000/s/abc", "Set your PIN on this page.", "Set PIN")
    [body] = await sent(adapter, double, reply)
    assert body["message"] == {"text": "Set your PIN on this page.\nhttp://localhost:8000/s/abc"}


async def test_a_handoff_notice_is_text(adapter: MessengerAdapter, double: PlatformDouble) -> None:
    [body] = await sent(adapter, double, HandoffNotice("A colleague will answer.", "waiting"))
    assert body["message"] == {"text": "A colleague will answer."}


async def test_long_text_is_cut_to_messengers_limit(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    bodies = await sent(adapter, double, Text("word " * 500))
    assert len(bodies) == 2
    assert all(len(b["message"]["text"]) <= 2000 for b in bodies)


# -- errors ---------------------------------------------------------------------------------------


def error(status: int, code: int, subcode: int | None = None) -> Responder:
    body: dict[str, Any] = {"message": f"(#{code}) text was: 1 250.00", "code": code}
    if subcode:
        body["error_subcode"] = subcode
    return lambda call: Answer(status, {"error": body}) if call.method == "POST" else None


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after", "words"),
    [
        (error(400, 551, 1545041), True, None, "blocked"),
        (error(400, 10, 2018278), True, None, "24-hour window closed"),
        (error(400, 613), False, 60.0, "rate limited"),
        (error(429, 32), False, 60.0, "rate limited"),
        (error(500, 1), False, None, "platform error"),
        (error(400, 2), False, None, "platform error"),
        (error(400, 190), True, None, "access token"),
        (error(400, 100, 2018001), True, None, "Graph error 100/2018001"),
    ],
)
async def test_graph_errors_become_delivery_errors(
    adapter: MessengerAdapter,
    graph: Graph,
    answer: Responder,
    permanent: bool,
    retry_after: float | None,
    words: str,
) -> None:
    graph.special = answer
    with pytest.raises(DeliveryError) as raised:
        await adapter.send(Outgoing(PSID, Text("hello"), 1))
    assert raised.value.permanent is permanent
    assert raised.value.retry_after == retry_after
    assert words in raised.value.reason
    assert "1 250" not in raised.value.reason


# -- prepare: downloading attachments -------------------------------------------------------------


def received_file(url: str) -> Received:
    inbound = Inbound("messenger", PSID, "mid.1", Kind.IMAGE)
    return Received(inbound, {"url": url})


async def test_prepare_downloads_the_attachment_without_the_token(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    inbound = await adapter.prepare(received_file(f"{double.url}/cdn/v/t1/123_n.jpg?oh=sig"))
    assert inbound.attachment is not None
    assert inbound.attachment.data == PICTURE
    assert inbound.attachment.content_type == "image/jpeg"
    assert inbound.attachment.filename == "123_n.jpg"
    [call] = double.calls
    assert "authorization" not in call.headers


async def test_an_attachment_over_10_mb_is_refused(
    adapter: MessengerAdapter, double: PlatformDouble, graph: Graph
) -> None:
    big = b"x" * (10 * 1024 * 1024 + 1)
    graph.special = lambda call: Answer(200, big, content_type="image/jpeg")
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(received_file(f"{double.url}/cdn/big.jpg"))
    assert raised.value.permanent


async def test_an_expired_attachment_url_is_given_up(
    adapter: MessengerAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = lambda call: Answer(403, b"URL signature expired", content_type="text/plain")
    with pytest.raises(PrepareError) as raised:
        await adapter.prepare(received_file(f"{double.url}/cdn/old.jpg"))
    assert raised.value.permanent


# -- doctor and setup -----------------------------------------------------------------------------


def page_answers(call: Call) -> Answer | None:
    if call.path == "/v25.0/me" and call.method == "GET":
        return Answer(200, {"id": "682498302938465", "name": "Teller Bank"})
    if call.path == "/v25.0/me/subscribed_apps" and call.method == "GET":
        fields = ["messages", "messaging_postbacks", "messaging_referrals", "message_reads"]
        return Answer(200, {"data": [{"name": "Teller", "id": "1", "subscribed_fields": fields}]})
    return None


async def test_check_names_the_page_and_its_subscription(
    adapter: MessengerAdapter, double: PlatformDouble, graph: Graph
) -> None:
    graph.special = page_answers
    checks = await adapter.check()
    assert all(c.ok for c in checks), checks
    assert any("Teller Bank" in c.detail for c in checks)
    assert {c.path for c in double.calls} == {"/v25.0/me", "/v25.0/me/subscribed_apps"}
    assert all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in double.calls)


async def test_check_flags_a_page_not_subscribed_to_postbacks(
    adapter: MessengerAdapter, graph: Graph
) -> None:
    def answers(call: Call) -> Answer | None:
        if call.path.endswith("/subscribed_apps"):
            return Answer(200, {"data": [{"subscribed_fields": ["messages"]}]})
        return page_answers(call)

    graph.special = answers
    subscription = (await adapter.check())[-1]
    assert not subscription.ok
    assert "messaging_postbacks" in subscription.detail
    assert "teller channels setup" in subscription.fix


async def test_check_says_how_to_fix_a_bad_page_token(
    adapter: MessengerAdapter, graph: Graph
) -> None:
    body = {"error": {"message": "Invalid OAuth access token.", "code": 190}}
    graph.special = lambda call: Answer(400, body)
    [secrets, token] = await adapter.check()
    assert secrets.ok
    assert not token.ok
    assert "MESSENGER_PAGE_TOKEN" in token.fix


async def test_setup_subscribes_the_page_and_sets_get_started(
    adapter: MessengerAdapter, double: PlatformDouble
) -> None:
    text = await adapter.setup("https://bank.example/webhooks/messenger")
    subscribe, profile = double.calls
    assert (subscribe.method, subscribe.path) == ("POST", "/v25.0/me/subscribed_apps")
    assert subscribe.query == {
        "subscribed_fields": "messages,messaging_postbacks,messaging_referrals"
    }
    assert (profile.method, profile.path) == ("POST", "/v25.0/me/messenger_profile")
    assert profile.json() == {"get_started": {"payload": "start"}}
    assert "Callback URL: https://bank.example/webhooks/messenger" in text
    assert "MESSENGER_VERIFY_TOKEN" in text


async def test_setup_reports_what_it_could_not_do(adapter: MessengerAdapter, graph: Graph) -> None:
    graph.special = error(400, 200)
    text = await adapter.setup("https://bank.example/webhooks/messenger")
    assert "Could not subscribe" in text
    assert "Callback URL" in text


async def test_the_channel_declares_messengers_limits(adapter: MessengerAdapter) -> None:
    assert adapter.name == "messenger"
    assert adapter.window_hours == 24
    caps = adapter.capabilities
    assert (caps.max_buttons, caps.max_button_title, caps.max_text) == (13, 20, 2000)
    assert (caps.request_contact, caps.images, caps.documents) == (True, True, True)
    assert adapter.limits.per_second == 250
