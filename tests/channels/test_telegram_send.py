"""Replies through the Bot API, against the platform double: the exact calls, and how
Telegram's failures become delivery errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from email import policy
from email.parser import BytesParser
from typing import Any

import httpx
import pytest

from bots.channel import AdapterDeps, DeliveryError, Outgoing
from bots.doubles import Answer, Call, PlatformDouble
from bots.telegram import TelegramAdapter, TelegramConfig
from flows.messages import (
    Button,
    Buttons,
    Document,
    HandoffNotice,
    Image,
    Reply,
    RequestContact,
    SecureLink,
    Text,
)
from flows.ports import Media

TOKEN = "123456:TEST-token-never-in-reasons"
USER = "218485655"
NO_PREVIEW = {"is_disabled": True}
REMOVE = {"remove_keyboard": True}
PNG = b"\x89PNG\r\n\x1a\n" + b"picture" * 10
PDF = b"%PDF-1.7 statement"


class Store:
    def __init__(self) -> None:
        self.items = {
            "pic": Media("pic", "image/png", "card.png", PNG),
            "pdf": Media("pdf", "application/pdf", "statement.pdf", PDF),
        }

    async def get(self, media_id: str) -> Media | None:
        return self.items.get(media_id)

    def public_url(self, media_id: str, filename: str = "") -> str:
        return f"https://teller.example/media/{media_id}"


def sent_ok(call: Call) -> Answer:
    return Answer(200, {"ok": True, "result": {"message_id": 1}})


@pytest.fixture
def double() -> Iterator[PlatformDouble]:
    with PlatformDouble(sent_ok) as d:
        yield d


@pytest.fixture
async def adapter(double: PlatformDouble) -> AsyncIterator[TelegramAdapter]:
    async with httpx.AsyncClient(timeout=5) as http:
        config = TelegramConfig(TOKEN, "s", api_url=double.url)
        yield TelegramAdapter(config, AdapterDeps(http, Store()))


async def send(adapter: TelegramAdapter, reply: Reply) -> None:
    await adapter.send(Outgoing(USER, reply, outbox_id=1))


def methods(double: PlatformDouble) -> list[str]:
    return [c.path for c in double.calls]


def form(call: Call) -> dict[str, Any]:
    """A multipart body's fields: strings, and files as (filename, content type, bytes)."""
    head = f"Content-Type: {call.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=policy.default).parsebytes(head + call.body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        filename = part.get_filename()
        if filename is None:
            fields[str(name)] = data.decode()
        else:
            fields[str(name)] = (filename, part.get_content_type(), data)
    return fields


# -- each reply ------------------------------------------------------------------------------


async def test_text_is_plain_with_no_markup_and_takes_any_reply_keyboard_away(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    await send(adapter, Text("Balance: *1 250,00 EUR* <b>"))
    [call] = double.calls
    assert (call.method, call.path) == ("POST", f"/bot{TOKEN}/sendMessage")
    assert call.json() == {
        "chat_id": 218485655,
        "text": "Balance: *1 250,00 EUR* <b>",
        "link_preview_options": NO_PREVIEW,
        "reply_markup": REMOVE,
    }


async def test_a_handoff_notice_is_text(adapter: TelegramAdapter, double: PlatformDouble) -> None:
    await send(adapter, HandoffNotice("A person will answer soon.", "waiting"))
    [call] = double.calls_to("/sendMessage")
    assert call.json()["text"] == "A person will answer soon."


async def test_short_buttons_sit_two_to_a_row(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    buttons = (Button("Confirm", "opt:4:yes"), Button("Cancel", "opt:4:no"), Button("Help", "h"))
    await send(adapter, Buttons("Send 10 EUR to Jan?", buttons))
    [call] = double.calls_to("/sendMessage")
    assert call.json() == {
        "chat_id": 218485655,
        "text": "Send 10 EUR to Jan?",
        "link_preview_options": NO_PREVIEW,
        "reply_markup": {
            "inline_keyboard": [
                [
                    {"text": "Confirm", "callback_data": "opt:4:yes"},
                    {"text": "Cancel", "callback_data": "opt:4:no"},
                ],
                [{"text": "Help", "callback_data": "h"}],
            ]
        },
    }


async def test_longer_buttons_get_a_row_each(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    buttons = (Button("Current account •••• 1234", "opt:1:a"), Button("Savings", "opt:1:b"))
    await send(adapter, Buttons("Which account?", buttons))
    keyboard = double.calls_to("/sendMessage")[0].json()["reply_markup"]["inline_keyboard"]
    assert keyboard == [
        [{"text": "Current account •••• 1234", "callback_data": "opt:1:a"}],
        [{"text": "Savings", "callback_data": "opt:1:b"}],
    ]


async def test_a_payload_over_64_bytes_sends_numbered_choices_instead(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    long_payload = "opt:9:" + "ž" * 30  # 36 characters, 66 bytes
    buttons = (Button("Water", long_payload), Button("Power", "opt:9:power"))
    await send(adapter, Buttons("Which bill?", buttons))
    [call] = double.calls_to("/sendMessage")
    assert call.json() == {
        "chat_id": 218485655,
        "text": "Which bill?\n\n1. Water\n2. Power",
        "link_preview_options": NO_PREVIEW,
        "reply_markup": REMOVE,
    }


async def test_an_image_is_uploaded_with_its_caption(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    await send(adapter, Image("pic", caption="Your new card", filename="card.png"))
    [call] = double.calls
    assert call.path == f"/bot{TOKEN}/sendPhoto"
    assert call.headers["content-type"].startswith("multipart/form-data")
    assert form(call) == {
        "chat_id": "218485655",
        "caption": "Your new card",
        "photo": ("card.png", "image/png", PNG),
    }


async def test_a_caption_over_1024_characters_follows_the_picture(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    caption = "Terms. " * 200  # 1400 characters
    await send(adapter, Image("pic", caption=caption))
    photo, text = double.calls
    assert photo.path.endswith("/sendPhoto")
    assert form(photo) == {"chat_id": "218485655", "photo": ("image.png", "image/png", PNG)}
    assert text.path.endswith("/sendMessage")
    assert text.json()["text"] == caption


async def test_a_document_is_uploaded(adapter: TelegramAdapter, double: PlatformDouble) -> None:
    await send(adapter, Document("pdf", "statement-2026-05.pdf", caption="May"))
    [call] = double.calls
    assert call.path == f"/bot{TOKEN}/sendDocument"
    assert form(call) == {
        "chat_id": "218485655",
        "caption": "May",
        "document": ("statement-2026-05.pdf", "application/pdf", PDF),
    }


async def test_a_file_gone_from_the_media_store_is_a_permanent_failure(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    with pytest.raises(DeliveryError) as caught:
        await send(adapter, Image("gone"))
    assert caught.value.permanent
    assert double.calls == []


async def test_request_contact_is_a_one_time_share_phone_keyboard(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    await send(adapter, RequestContact("Share your phone number", "📱 Share my number"))
    [call] = double.calls_to("/sendMessage")
    assert call.json() == {
        "chat_id": 218485655,
        "text": "Share your phone number",
        "reply_markup": {
            "keyboard": [[{"text": "📱 Share my number", "request_contact": True}]],
            "one_time_keyboard": True,
            "resize_keyboard": True,
        },
    }


async def test_an_https_secure_link_is_a_url_button(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    url = "https://teller.example/secure/pin?t=abc"
    await send(adapter, SecureLink(url, "Set your PIN on this page.", "Set PIN"))
    [call] = double.calls_to("/sendMessage")
    assert call.json() == {
        "chat_id": 218485655,
        "text": "Set your PIN on this page.",
        "link_preview_options": NO_PREVIEW,
        "reply_markup": {"inline_keyboard": [[{"text": "Set PIN", "url": url}]]},
    }


async def test_a_development_link_goes_as_text_without_a_preview(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    url = "http://127.0.0.1:8000/secure/pin?t=abc"
    await send(adapter, SecureLink(url, "Set your PIN on this page.", "Set PIN"))
    [call] = double.calls_to("/sendMessage")
    assert call.json() == {
        "chat_id": 218485655,
        "text": f"Set your PIN on this page.\n{url}",
        "link_preview_options": NO_PREVIEW,
        "reply_markup": REMOVE,
    }


# -- failures ----------------------------------------------------------------------------------


def assert_no_leaks(error: BaseException) -> None:
    """Nothing chained to the error holds a request (its URL has the token)."""
    seen: BaseException | None = error
    while seen is not None:
        assert not isinstance(seen, httpx.HTTPError)
        assert TOKEN not in str(seen)
        seen = seen.__cause__ or seen.__context__


def failing(status: int, description: str, **extra: Any) -> Callable[[Call], Answer]:
    def responder(call: Call) -> Answer:
        body = {"ok": False, "error_code": status, "description": description, **extra}
        return Answer(status, body)

    return responder


async def delivery_error(
    adapter: TelegramAdapter, double: PlatformDouble, responder: Callable[[Call], Answer]
) -> DeliveryError:
    double.responder = responder
    secret_text = "card 4111 1111 1111 1111"
    with pytest.raises(DeliveryError) as caught:
        await send(adapter, Text(secret_text))
    error = caught.value
    for leak in (TOKEN, "123456", secret_text):
        assert leak not in error.reason
        assert leak not in str(error)
    assert_no_leaks(error)
    return error


async def test_429_waits_as_long_as_telegram_says(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    responder = failing(429, "Too Many Requests: retry after 7", parameters={"retry_after": 7})
    error = await delivery_error(adapter, double, responder)
    assert (error.permanent, error.retry_after) == (False, 7.0)


async def test_a_blocked_bot_is_permanent(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    error = await delivery_error(
        adapter, double, failing(403, "Forbidden: bot was blocked by the user")
    )
    assert error.permanent
    assert "blocked" in error.reason


async def test_a_deactivated_user_is_permanent(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    error = await delivery_error(adapter, double, failing(403, "Forbidden: user is deactivated"))
    assert error.permanent


async def test_an_unknown_chat_is_permanent(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    error = await delivery_error(adapter, double, failing(400, "Bad Request: chat not found"))
    assert error.permanent
    assert error.reason == "telegram sendMessage: chat not found"


async def test_another_bad_request_is_permanent_with_telegrams_description(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    error = await delivery_error(adapter, double, failing(400, "Bad Request: BUTTON_DATA_INVALID"))
    assert error.permanent
    assert error.reason == "telegram sendMessage: 400 Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(
    adapter: TelegramAdapter, double: PlatformDouble, status: int
) -> None:
    error = await delivery_error(adapter, double, failing(status, "Internal Server Error"))
    assert (error.permanent, error.retry_after) == (False, None)


async def test_a_non_json_answer_is_retried_when_it_is_a_server_error(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    def gateway(call: Call) -> Answer:
        return Answer(502, b"<html>Bad Gateway</html>", content_type="text/html")

    error = await delivery_error(adapter, double, gateway)
    assert not error.permanent


async def test_a_refused_token_is_retried_until_the_operator_fixes_it(
    adapter: TelegramAdapter, double: PlatformDouble
) -> None:
    error = await delivery_error(adapter, double, failing(401, "Unauthorized"))
    assert not error.permanent
    assert "token was refused" in error.reason


async def test_a_timeout_is_retried_and_names_no_url() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(hang)) as http:
        adapter = TelegramAdapter(TelegramConfig(TOKEN, "s"), AdapterDeps(http, Store()))
        with pytest.raises(DeliveryError) as caught:
            await send(adapter, Text("hi"))
    assert not caught.value.permanent
    assert caught.value.reason == "telegram sendMessage: timed out"
    assert_no_leaks(caught.value)


async def test_a_connection_failure_is_retried() -> None:
    with PlatformDouble() as double:
        url = double.url  # a port nobody listens on once the double stops
    async with httpx.AsyncClient(timeout=5) as http:
        config = TelegramConfig(TOKEN, "s", api_url=url)
        adapter = TelegramAdapter(config, AdapterDeps(http, Store()))
        with pytest.raises(DeliveryError) as caught:
            await send(adapter, Text("hi"))
    assert not caught.value.permanent
    assert caught.value.reason == "telegram sendMessage: connection failed (ConnectError)"
    assert_no_leaks(caught.value)
