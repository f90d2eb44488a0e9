"""POST /webhooks/telegram: the secret token, the answers, and what reaches the intake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bots.channel import AdapterDeps
from bots.telegram import TelegramAdapter, TelegramConfig
from flows.messages import Kind
from tests.channels.support import NoMedia, RecordingIntake

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "bank_bot-webhook_s3cret"  # SIGNATURES.md's Telegram vector
URL = "/webhooks/telegram"


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


async def _client(secret: str | None, intake: RecordingIntake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        adapter = TelegramAdapter(
            TelegramConfig("123456:TEST-token", secret), AdapterDeps(http, NoMedia())
        )
        app = FastAPI()
        app.include_router(adapter.router(intake), prefix="/webhooks")
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
            yield client


@pytest.fixture
async def client(intake: RecordingIntake) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(SECRET, intake):
        yield c


def headers(secret: str | None = SECRET) -> dict[str, str]:
    base = {"content-type": "application/json"}
    return base if secret is None else {**base, "X-Telegram-Bot-Api-Secret-Token": secret}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.mark.parametrize(
    ("name", "kind", "user", "message_id"),
    [
        ("telegram_message_text_sdk.json", Kind.TEXT, "218485655", "892252934"),
        ("telegram_message_text.json", Kind.START, "1111111", "10000"),
        ("telegram_callback_query.json", Kind.PAYLOAD, "1111111", "10000"),
        ("telegram_document.json", Kind.DOCUMENT, "1111111", "10000"),
    ],
)
async def test_the_secret_vector_lets_each_fixture_in(
    client: httpx.AsyncClient,
    intake: RecordingIntake,
    name: str,
    kind: Kind,
    user: str,
    message_id: str,
) -> None:
    response = await client.post(URL, content=(FIXTURES / name).read_bytes(), headers=headers())
    assert response.status_code == 200
    [got] = intake.received
    assert (got.inbound.kind, got.inbound.user, got.inbound.message_id) == (
        kind,
        user,
        message_id,
    )
    assert got.inbound.attachment is None  # nothing is downloaded before the 200


@pytest.mark.parametrize("secret", ["nope", "bank_bot-webhook_s3cre", SECRET + "x", "", None])
async def test_a_wrong_or_missing_secret_is_401_and_nothing_is_taken(
    client: httpx.AsyncClient, intake: RecordingIntake, secret: str | None
) -> None:
    body = (FIXTURES / "telegram_message_text_sdk.json").read_bytes()
    response = await client.post(URL, content=body, headers=headers(secret))
    assert_problem(response, 401, "INVALID_SECRET_TOKEN")
    assert (intake.received, intake.events) == ([], [])


async def test_a_secret_with_bytes_outside_ascii_is_refused_not_an_error(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = (FIXTURES / "telegram_message_text_sdk.json").read_bytes()
    response = await client.post(
        URL,
        content=body,
        headers=[("X-Telegram-Bot-Api-Secret-Token", "s3cr\xe9t".encode("latin-1"))],
    )
    assert_problem(response, 401, "INVALID_SECRET_TOKEN")
    assert intake.received == []


async def test_without_a_configured_secret_every_update_is_refused(
    intake: RecordingIntake,
) -> None:
    body = (FIXTURES / "telegram_message_text_sdk.json").read_bytes()
    async for client in _client(None, intake):
        for secret in (SECRET, None, ""):
            response = await client.post(URL, content=body, headers=headers(secret))
            problem = assert_problem(response, 503, "WEBHOOK_SECRET_NOT_SET")
            assert problem["title"] == "TELEGRAM_WEBHOOK_SECRET is not set"
    assert intake.received == []


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'{"message": {}}', b'"x"'])
async def test_a_body_that_is_not_an_update_is_400(
    client: httpx.AsyncClient, intake: RecordingIntake, body: bytes
) -> None:
    response = await client.post(URL, content=body, headers=headers())
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert intake.received == []


def _update(**fields: Any) -> bytes:
    return json.dumps({"update_id": 900, **fields}).encode()


UNSUPPORTED = {
    "edited message": (FIXTURES / "telegram_edited_message.json").read_bytes(),
    "group message": _update(
        message={
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": -42, "type": "group", "title": "Friends"},
            "from": {"id": 7, "is_bot": False, "first_name": "A"},
            "text": "/start",
        }
    ),
    "channel post": _update(
        channel_post={
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": -10042, "type": "channel", "title": "News"},
            "text": "hi",
        }
    ),
    "reaction": _update(
        message_reaction={
            "chat": {"id": 7, "type": "private"},
            "message_id": 1,
            "date": 1700000000,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
    ),
    "invalid message": _update(message={"message_id": "not a number"}),
    "an update type from the future": _update(hologram={"id": 1}),
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
async def test_unsupported_updates_are_acknowledged_and_ignored(
    client: httpx.AsyncClient, intake: RecordingIntake, name: str
) -> None:
    response = await client.post(URL, content=UNSUPPORTED[name], headers=headers())
    assert response.status_code == 200
    assert (intake.received, intake.events) == ([], [])


async def test_a_sticker_is_answered_as_empty_text(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    sticker = {
        "file_id": "S",
        "file_unique_id": "SU",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    body = _update(
        message={
            "message_id": 3,
            "date": 1700000000,
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "A"},
            "sticker": sticker,
        }
    )
    response = await client.post(URL, content=body, headers=headers())
    assert response.status_code == 200
    [got] = intake.received
    assert (got.inbound.kind, got.inbound.text, got.inbound.message_id) == (Kind.TEXT, "", "900")


async def test_a_redelivered_update_carries_the_same_message_id(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = (FIXTURES / "telegram_message_text_sdk.json").read_bytes()
    for _ in range(2):
        assert (await client.post(URL, content=body, headers=headers())).status_code == 200
    assert [r.inbound.message_id for r in intake.received] == ["892252934", "892252934"]


async def test_blocking_the_bot_is_reported_as_an_event(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    bot = {"id": 1, "is_bot": True, "first_name": "Teller"}
    body = _update(
        my_chat_member={
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "A"},
            "date": 1700000000,
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
        }
    )
    response = await client.post(URL, content=body, headers=headers())
    assert response.status_code == 200
    assert intake.received == []
    assert intake.events == [("telegram", "7", "unsubscribed", "")]


async def test_a_tap_is_answered_in_the_webhooks_response_once_it_is_recorded(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    body = (FIXTURES / "telegram_callback_query.json").read_bytes()
    response = await client.post(URL, content=body, headers=headers())
    assert response.status_code == 200
    [got] = intake.received
    callback = got.fetch["callback_id"]
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": callback}
    assert got.fetch["answered"] == "webhook"  # the turn does not answer it again

    # A message is acknowledged with nothing to do.
    text = (FIXTURES / "telegram_message_text_sdk.json").read_bytes()
    response = await client.post(URL, content=text, headers=headers())
    assert (response.status_code, response.content) == (200, b"")
    assert "answered" not in intake.received[-1].fetch


async def test_a_tap_that_cannot_be_recorded_is_not_answered(
    client: httpx.AsyncClient, intake: RecordingIntake
) -> None:
    intake.fail = True
    body = (FIXTURES / "telegram_callback_query.json").read_bytes()
    with pytest.raises(RuntimeError):  # a 500 in production: Telegram delivers it again
        await client.post(URL, content=body, headers=headers())
    assert intake.untouched
