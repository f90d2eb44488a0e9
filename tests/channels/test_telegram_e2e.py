"""A whole conversation over Telegram: Teller's app on the demo bank takes Telegram updates
on its webhook (and, in development mode, by long polling) and answers through a double of
the Bot API (/start → balance → transfer by card number, with a tapped button and the
passcode, and the receipt uploaded as a photo)."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from bots.doubles import Answer, Call, PlatformDouble
from tests.channels.harness import RunningTeller, running_teller
from tests.channels.support import balance_of, card_number, joined

TOKEN = "123456789:AAE-teller-e2e-test-token"
SECRET = "bank_bot-webhook_s3cret"
USER = 424242
WEBHOOK = "/webhooks/telegram"
SENDS = ("/sendMessage", "/sendPhoto", "/sendDocument")


class BotApiDouble:
    """Answers like the Bot API; sent messages get increasing ids; getUpdates serves what
    the test queued for it, once."""

    def __init__(self) -> None:
        self.message_ids = itertools.count(1000)
        self.lock = threading.Lock()
        self.pending: list[dict[str, Any]] = []

    def __call__(self, call: Call) -> Answer:
        method = call.path.rsplit("/", 1)[-1]
        if not call.path.startswith(f"/bot{TOKEN}/"):
            return Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if method.startswith("send"):
            with self.lock:
                message_id = next(self.message_ids)
            result = {"message_id": message_id, "date": 1700000000, "chat": {"id": USER}}
            return Answer(200, {"ok": True, "result": result})
        if method == "getUpdates":
            with self.lock:
                batch, self.pending = self.pending, []
            return Answer(200, {"ok": True, "result": batch})
        return Answer(200, {"ok": True, "result": True})


@dataclass
class Sent:
    """One message Teller sent, as the customer sees it."""

    method: str
    message_id: int
    text: str
    choices: dict[str, str]  # button title → callback_data
    file: tuple[str, str, bytes] | None  # (filename, content type, bytes)
    markup: dict[str, Any]


def multipart(call: Call) -> dict[str, Any]:
    head = f"Content-Type: {call.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=policy.default).parsebytes(head + call.body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        data = part.get_payload(decode=True)
        filename = part.get_filename()
        fields[name] = (
            data.decode() if filename is None else (filename, part.get_content_type(), data)
        )
    return fields


class Telegram:
    """The customer's side: updates in, the double's calls out."""

    def __init__(self, teller: RunningTeller, double: PlatformDouble) -> None:
        self.teller = teller
        self.double = double
        self.update_ids = itertools.count(700_000_001)
        self.message_ids = itertools.count(1)
        self.seen = 0
        self.answered: Any = None  # the last webhook's answer (a call Telegram makes)

    def person(self) -> dict[str, Any]:
        return {"id": USER, "is_bot": False, "first_name": "James", "language_code": "en"}

    def message(self, text: str) -> dict[str, Any]:
        return {
            "update_id": next(self.update_ids),
            "message": {
                "message_id": next(self.message_ids),
                "date": 1700000000,
                "chat": {"id": USER, "type": "private", "first_name": "James"},
                "from": self.person(),
                "text": text,
            },
        }

    async def post(self, update: dict[str, Any]) -> None:
        response = await self.teller.client.post(
            WEBHOOK,
            content=json.dumps(update).encode(),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert response.status_code == 200, response.text
        self.answered = response.json() if response.content else None

    async def say(self, text: str) -> list[Sent]:
        await self.post(self.message(text))
        await self.teller.settle()
        return self.replies()

    async def tap(self, sent: list[Sent], title: str) -> list[Sent]:
        shown = next(s for s in sent if title in s.choices)
        await self.post(
            {
                "update_id": next(self.update_ids),
                "callback_query": {
                    "id": f"cq-{shown.message_id}",
                    "from": self.person(),
                    "chat_instance": "-7000000000000000001",
                    "data": shown.choices[title],
                    "message": {
                        "message_id": shown.message_id,
                        "date": 1700000000,
                        "chat": {"id": USER, "type": "private"},
                        "from": {"id": 123456789, "is_bot": True, "first_name": "Teller"},
                        "text": shown.text,
                    },
                },
            }
        )
        await self.teller.settle()
        return self.replies()

    def replies(self) -> list[Sent]:
        calls = [c for c in self.double.calls if c.path.endswith(SENDS)]
        first, self.seen = self.seen, len(calls)
        # The double numbers sent messages from 1000 in the order they arrive.
        return [self._read(calls[n], 1000 + n) for n in range(first, len(calls))]

    def _read(self, call: Call, message_id: int) -> Sent:
        method = call.path.rsplit("/", 1)[-1]
        if method == "sendMessage":
            body = call.json()
            markup = body.get("reply_markup", {})
            assert "parse_mode" not in body
            file = None
            text = body["text"]
        else:
            body = multipart(call)
            markup = {}
            kind = "photo" if method == "sendPhoto" else "document"
            file = body[kind]
            text = body.get("caption", "")
        assert str(body["chat_id"]) == str(USER)
        keys = [k for row in markup.get("inline_keyboard", []) for k in row]
        choices = {k["text"]: k["callback_data"] for k in keys if "callback_data" in k}
        return Sent(method, message_id, text, choices, file, markup)


@pytest.fixture
def bot_api() -> BotApiDouble:
    return BotApiDouble()


@pytest.fixture
def telegram_double(bot_api: BotApiDouble) -> Iterator[PlatformDouble]:
    with PlatformDouble(bot_api) as double:
        yield double


def env(double: PlatformDouble, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_URL": double.url,
        "TELEGRAM_BOT_USERNAME": "TellerBankBot",
        **extra,
    }


async def test_start_balance_and_a_transfer_by_card_number(
    tmp_path: Path, telegram_double: PlatformDouble
) -> None:
    async with running_teller(tmp_path, env(telegram_double)) as teller:
        assert "telegram" in teller.channels.adapters
        await teller.link("telegram", str(USER), "james")
        chat = Telegram(teller, telegram_double)

        started = await chat.say("/start")
        assert started, "the start answers"
        assert any(s.choices for s in started), "the menu offers buttons"

        balance = await chat.say("what's my balance?")
        assert "€458.00" in joined(balance)

        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "Send €20.00 to Anna N." in joined(confirm)
        assert anna not in joined(confirm)
        shown = next(s for s in confirm if s.choices)
        assert list(shown.choices) == ["Confirm", "Cancel"]
        assert shown.markup["inline_keyboard"][0] == [
            {"text": "Confirm", "callback_data": shown.choices["Confirm"]},
            {"text": "Cancel", "callback_data": shown.choices["Cancel"]},
        ]

        asked = await chat.tap(confirm, "Confirm")
        assert "passcode" in joined(asked)
        # The tap was answered in the webhook's own response (no spinner, no call of its
        # own) and its keyboard taken away.
        assert chat.answered == {
            "method": "answerCallbackQuery",
            "callback_query_id": f"cq-{shown.message_id}",
        }
        assert telegram_double.calls_to("/answerCallbackQuery") == []
        [edited] = telegram_double.calls_to("/editMessageReplyMarkup")
        assert edited.json() == {"chat_id": USER, "message_id": shown.message_id}

        done = await chat.say(str(teller.customer("james")["passcode"]))
        assert "Sent €20.00" in joined(done)
        receipts = [s.file for s in done if s.method == "sendPhoto"]
        assert receipts, "the receipt is uploaded as a photo"
        assert receipts[0] is not None
        filename, content_type, data = receipts[0]
        assert filename.endswith(".png")
        assert content_type == "image/png"
        assert data[:8] == b"\x89PNG\r\n\x1a\n"

        statuses = await teller.outbox("telegram", str(USER))
        assert statuses, "replies went through the outbox"
        assert all(status == "sent" for status, _ in statuses), statuses


async def test_a_forged_update_reaches_nothing(
    tmp_path: Path, telegram_double: PlatformDouble
) -> None:
    async with running_teller(tmp_path, env(telegram_double)) as teller:
        chat = Telegram(teller, telegram_double)
        response = await teller.client.post(
            WEBHOOK,
            content=json.dumps(chat.message("/start")).encode(),
            headers={"X-Telegram-Bot-Api-Secret-Token": "guessed"},
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        await teller.settle()
        assert telegram_double.calls == []
        assert await teller.outbox("telegram", str(USER)) == []


async def test_long_polling_in_development(
    tmp_path: Path, telegram_double: PlatformDouble, bot_api: BotApiDouble
) -> None:
    settings = env(telegram_double, TELEGRAM_MODE="polling")
    async with running_teller(tmp_path, settings) as teller:
        await teller.link("telegram", str(USER), "james")
        chat = Telegram(teller, telegram_double)
        with bot_api.lock:
            bot_api.pending.append(chat.message("/start"))
            bot_api.pending.append(chat.message("balance"))

        def answered(calls: list[Call]) -> bool:
            texts = [c.json()["text"] for c in calls if c.path.endswith("/sendMessage")]
            return any("€458.00" in t.replace("\u00a0", " ") for t in texts)

        # The double records calls in its own thread: wait there, not on this loop.
        await asyncio.to_thread(telegram_double.wait_for, answered, 30)
        assert telegram_double.calls[0].path == f"/bot{TOKEN}/deleteWebhook"


async def test_a_passcode_delivered_three_times_at_once_and_again_late_pays_once(
    tmp_path: Path, telegram_double: PlatformDouble
) -> None:
    # Telegram redelivers an update it did not see answered: three copies race through
    # the webhook, and a fourth comes after the turn is done. One transfer, one answer.
    async with running_teller(tmp_path, env(telegram_double)) as teller:
        await teller.link("telegram", str(USER), "james")
        chat = Telegram(teller, telegram_double)
        await chat.say("/start")
        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "passcode" in joined(await chat.tap(confirm, "Confirm"))
        before = await balance_of(teller, "anna")

        passcode = chat.message(str(teller.customer("james")["passcode"]))
        await asyncio.gather(*(chat.post(passcode) for _ in range(3)))
        await teller.settle()
        done = chat.replies()
        await chat.post(passcode)  # late
        await teller.settle()
        late = chat.replies()

        assert joined(done).count("Sent €20.00") == 1
        assert late == []
        assert await balance_of(teller, "anna") == before + 2000
