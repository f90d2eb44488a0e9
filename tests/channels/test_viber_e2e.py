"""A whole conversation over Viber: Teller's app on the demo bank takes signed Viber callbacks
and answers through a double of Viber's REST API (welcome → Start → balance → transfer by
card number, with a tapped button and the passcode)."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.doubles import Answer, Call, PlatformDouble
from bots.viber.signature import sign
from tests.channels.harness import RunningTeller, running_teller
from tests.channels.support import balance_of, card_number, joined

TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
USER = "jc9HsWTZ2Yf2NkRZ8KcNug=="
WEBHOOK = "/webhooks/viber"
PUBLIC = "http://teller.test"  # the harness's TELLER_PUBLIC_URL


def viber_api(call: Call) -> Answer:
    if call.path == "/pa/send_message":
        return Answer(200, {"status": 0, "status_message": "ok", "message_token": 1})
    return Answer(200, {"status": 3, "status_message": "badData"})


@dataclass
class Sent:
    """One message Teller sent, as the customer sees it."""

    kind: str
    text: str
    choices: dict[str, str]  # button title → ActionBody
    media: str | None


class Viber:
    """The customer's side: signed callbacks in, the double's calls out."""

    def __init__(self, teller: RunningTeller, double: PlatformDouble) -> None:
        self.teller = teller
        self.double = double
        self.seen = 0
        self.tokens = itertools.count(5_000_000_000_000_000_001)  # above 2**53, as Viber's
        self.tracking: str | None = None

    async def callback(self, event: dict[str, Any]) -> httpx.Response:
        body = json.dumps(event, ensure_ascii=False).encode()
        response = await self.teller.client.post(
            WEBHOOK,
            content=body,
            headers={"X-Viber-Content-Signature": sign(body, TOKEN)},
        )
        assert response.status_code == 200, response.text
        return response

    async def say(self, text: str) -> list[Sent]:
        message: dict[str, Any] = {"type": "text", "text": text}
        if self.tracking:
            message["tracking_data"] = self.tracking  # Viber echoes the last one
        await self.callback(
            {
                "event": "message",
                "timestamp": 1457764197627,
                "message_token": next(self.tokens),
                "sender": {
                    "id": USER,
                    "name": "James",
                    "avatar": "http://avatar.example.com",
                    "country": "GB",
                    "language": "en",
                    "api_version": 10,
                },
                "message": message,
                "silent": False,
            }
        )
        await self.teller.settle()
        return self.replies()

    async def tap(self, sent: list[Sent], title: str) -> list[Sent]:
        body = next(s.choices[title] for s in sent if title in s.choices)
        return await self.say(body)

    def replies(self) -> list[Sent]:
        calls = self.double.calls_to("/pa/send_message")
        new, self.seen = calls[self.seen :], len(calls)
        return [self._read(call) for call in new]

    def _read(self, call: Call) -> Sent:
        assert call.headers["x-viber-auth-token"] == TOKEN
        message = call.json()
        assert message["receiver"] == USER
        assert message["sender"]["name"] == "Teller"
        self.tracking = message.get("tracking_data")
        keys = message.get("keyboard", {}).get("Buttons", [])
        choices = {html.unescape(k["Text"]): k["ActionBody"] for k in keys}
        return Sent(message["type"], message.get("text", ""), choices, message.get("media"))


@pytest.fixture
def viber_double() -> Iterator[PlatformDouble]:
    with PlatformDouble(viber_api) as double:
        yield double


async def test_welcome_start_balance_and_a_transfer_by_card_number(
    tmp_path: Path, viber_double: PlatformDouble
) -> None:
    env = {"VIBER_AUTH_TOKEN": TOKEN, "VIBER_API_URL": viber_double.url}
    async with running_teller(tmp_path, env) as teller:
        assert "viber" in teller.channels.adapters
        await teller.link("viber", USER, "james")
        chat = Viber(teller, viber_double)

        # Opening the chat: the welcome is the HTTP answer, nothing is queued or sent.
        welcome = await chat.callback(
            {
                "event": "conversation_started",
                "timestamp": 1457764197627,
                "type": "open",
                "user": {"id": USER, "name": "James", "language": "en", "api_version": 10},
                "message_token": next(chat.tokens),
                "subscribed": False,
            }
        )
        await teller.settle()
        assert chat.replies() == []
        start = welcome.json()["keyboard"]["Buttons"][0]
        assert start["Text"] == "Start"
        chat.tracking = welcome.json()["tracking_data"]

        # Tapping Start subscribes and starts the conversation.
        started = await chat.say(start["ActionBody"])
        assert started, "the start answers"
        assert any(s.choices for s in started), "the menu offers buttons"

        balance = await chat.say("what's my balance?")
        assert "€458.00" in joined(balance)

        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "Send €20.00 to Anna N." in joined(confirm)
        assert anna not in joined(confirm)
        offered = next(s.choices for s in confirm if s.choices)
        assert list(offered) == ["Confirm", "Cancel"]
        assert all(body.startswith("btn:") for body in offered.values())

        asked = await chat.tap(confirm, "Confirm")
        assert "passcode" in joined(asked)

        done = await chat.say(str(teller.customer("james")["passcode"]))
        assert "Sent €20.00" in joined(done)
        receipt = [s.media for s in done if s.kind == "picture"]
        assert receipt, "the receipt is a picture"
        assert receipt[0] is not None
        assert receipt[0].startswith(PUBLIC + "/webchat/media/")

        # The receipt is served where Viber fetches it.
        picture = await teller.client.get(receipt[0].removeprefix(PUBLIC))
        assert picture.status_code == 200
        assert picture.headers["content-type"].startswith("image/")

        statuses = await teller.outbox("viber", USER)
        assert statuses, "replies went through the outbox"
        assert all(status == "sent" for status, _ in statuses), statuses


async def test_a_passcode_delivered_three_times_at_once_and_again_late_pays_once(
    tmp_path: Path, viber_double: PlatformDouble
) -> None:
    env = {"VIBER_AUTH_TOKEN": TOKEN, "VIBER_API_URL": viber_double.url}
    async with running_teller(tmp_path, env) as teller:
        await teller.link("viber", USER, "james")
        chat = Viber(teller, viber_double)
        await chat.say("hi")  # the welcome back
        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "passcode" in joined(await chat.tap(confirm, "Confirm"))
        before = await balance_of(teller, "anna")
        passcode = str(teller.customer("james")["passcode"])
        chat.tokens = itertools.repeat(5_000_000_000_000_000_777)  # every copy the same

        copies = await asyncio.gather(*(chat.say(passcode) for _ in range(3)))
        await teller.settle()
        answered = [s for sent in copies for s in sent] + chat.replies()
        late = await chat.say(passcode)

        assert joined(answered).count("Sent €20.00") == 1
        assert late == []
        assert await balance_of(teller, "anna") == before + 2000
