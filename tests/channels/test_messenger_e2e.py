"""A whole conversation over Messenger: Teller's app on the demo bank takes page webhooks
signed with the App Secret and answers through a double of the Send API (Get Started →
balance → transfer by card number, with a tapped quick reply and the passcode)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bots.doubles import Answer, Call, PlatformDouble
from tests.channels.harness import RunningTeller, running_teller
from tests.channels.support import balance_of, card_number, joined

TOKEN = "EAAB-page-access-token"
APP_SECRET = "0123456789abcdef0123456789abcdef"
PSID = "1254459154682919"
PAGE_ID = "682498302938465"
WEBHOOK = "/webhooks/messenger"
PUBLIC = "http://teller.test"  # the harness's TELLER_PUBLIC_URL


def send_api(call: Call) -> Answer:
    if call.method == "POST" and call.path == "/v25.0/me/messages":
        return Answer(200, {"recipient_id": PSID, "message_id": "m_out"})
    return Answer(400, {"error": {"message": "Unsupported request", "code": 100}})


@dataclass
class Sent:
    """One message Teller sent, as the customer sees it."""

    text: str
    choices: dict[str, str]  # quick reply title → payload
    attachment: dict[str, Any] | None


class Messenger:
    """The customer's side: signed page events in, the double's calls out."""

    def __init__(self, teller: RunningTeller, double: PlatformDouble) -> None:
        self.teller = teller
        self.double = double
        self.seen = 0
        self.ids = itertools.count(1)
        self.clock = itertools.count(1_700_000_000_000, 1000)

    async def event(self, event: dict[str, Any]) -> None:
        item = {
            "sender": {"id": PSID},
            "recipient": {"id": PAGE_ID},
            "timestamp": next(self.clock),
        }
        payload = {
            "object": "page",
            "entry": [{"id": PAGE_ID, "time": 1, "messaging": [item | event]}],
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = await self.teller.client.post(
            WEBHOOK,
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        assert response.status_code == 200, response.text
        await self.teller.settle()

    async def get_started(self) -> list[Sent]:
        postback = {"mid": f"m_pb{next(self.ids)}", "title": "Get Started", "payload": "start"}
        await self.event({"postback": postback})
        return self.replies()

    async def say(self, text: str) -> list[Sent]:
        await self.event({"message": {"mid": f"m_{next(self.ids)}", "text": text}})
        return self.replies()

    async def tap(self, sent: list[Sent], title: str) -> list[Sent]:
        payload = next(s.choices[title] for s in sent if title in s.choices)
        message = {
            "mid": f"m_{next(self.ids)}",
            "text": title,
            "quick_reply": {"payload": payload},
        }
        await self.event({"message": message})
        return self.replies()

    def replies(self) -> list[Sent]:
        calls = self.double.calls_to("/me/messages")
        new, self.seen = calls[self.seen :], len(calls)
        return [self._read(call) for call in new]

    def _read(self, call: Call) -> Sent:
        assert call.headers["authorization"] == f"Bearer {TOKEN}"
        assert "access_token" not in call.query
        body = call.json()
        assert body["recipient"] == {"id": PSID}
        assert body["messaging_type"] == "RESPONSE"
        message = body["message"]
        quick = message.get("quick_replies", [])
        choices = {q["title"]: q["payload"] for q in quick if q["content_type"] == "text"}
        return Sent(message.get("text", ""), choices, message.get("attachment"))


@pytest.fixture
def send_double() -> Iterator[PlatformDouble]:
    with PlatformDouble(send_api) as double:
        yield double


async def test_get_started_balance_and_a_transfer_by_card_number(
    tmp_path: Path, send_double: PlatformDouble
) -> None:
    env = {
        "MESSENGER_PAGE_TOKEN": TOKEN,
        "MESSENGER_APP_SECRET": APP_SECRET,
        "MESSENGER_VERIFY_TOKEN": "vt-123",
        "MESSENGER_API_URL": f"{send_double.url}/v25.0",
        "MESSENGER_PAGE_NAME": "tellerbank",
    }
    async with running_teller(tmp_path, env) as teller:
        assert "messenger" in teller.channels.adapters
        await teller.link("messenger", PSID, "james")
        chat = Messenger(teller, send_double)

        query = "hub.mode=subscribe&hub.challenge=42&hub.verify_token=vt-123"
        handshake = await teller.client.get(f"{WEBHOOK}?{query}")
        assert (handshake.status_code, handshake.text) == (200, "42")
        forged = await teller.client.post(WEBHOOK, content=b'{"object":"page"}')
        assert forged.status_code == 401

        started = await chat.get_started()
        assert started, "Get Started answers"
        assert any(s.choices for s in started), "the menu offers quick replies"

        balance = await chat.say("what's my balance?")
        assert "€458.00" in joined(balance)

        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "Send €20.00 to Anna N." in joined(confirm)
        assert anna not in joined(confirm)
        offered = next(s.choices for s in confirm if s.choices)
        assert list(offered) == ["Confirm", "Cancel"]

        asked = await chat.tap(confirm, "Confirm")
        assert "passcode" in joined(asked)

        done = await chat.say(str(teller.customer("james")["passcode"]))
        assert "Sent €20.00" in joined(done)
        pictures = [s.attachment for s in done if s.attachment and s.attachment["type"] == "image"]
        assert pictures, "the receipt is a picture"
        url = pictures[0]["payload"]["url"]
        assert url.startswith(PUBLIC + "/webchat/media/")

        # The receipt is served where Messenger fetches it.
        picture = await teller.client.get(url.removeprefix(PUBLIC))
        assert picture.status_code == 200
        assert picture.headers["content-type"].startswith("image/")

        statuses = await teller.outbox("messenger", PSID)
        assert statuses, "replies went through the outbox"
        assert all(status == "sent" for status, _ in statuses), statuses


async def test_a_passcode_delivered_three_times_at_once_and_again_late_pays_once(
    tmp_path: Path, send_double: PlatformDouble
) -> None:
    env = {
        "MESSENGER_PAGE_TOKEN": TOKEN,
        "MESSENGER_APP_SECRET": APP_SECRET,
        "MESSENGER_VERIFY_TOKEN": "vt-123",
        "MESSENGER_API_URL": f"{send_double.url}/v25.0",
        "MESSENGER_PAGE_NAME": "tellerbank",
    }
    async with running_teller(tmp_path, env) as teller:
        await teller.link("messenger", PSID, "james")
        chat = Messenger(teller, send_double)
        await chat.get_started()
        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "passcode" in joined(await chat.tap(confirm, "Confirm"))
        before = await balance_of(teller, "anna")
        passcode = str(teller.customer("james")["passcode"])
        chat.ids, chat.clock = (
            itertools.repeat(777),
            itertools.repeat(1_700_000_100_000),
        )  # every copy the same message

        copies = await asyncio.gather(*(chat.say(passcode) for _ in range(3)))
        await teller.settle()
        answered = [s for sent in copies for s in sent] + chat.replies()
        late = await chat.say(passcode)

        assert joined(answered).count("Sent €20.00") == 1
        assert late == []
        assert await balance_of(teller, "anna") == before + 2000
