"""A whole conversation over the WhatsApp Cloud API: Teller's app on the demo bank takes
webhooks signed with the App Secret and answers through a double of the Graph API (start →
balance → transfer by card number, with a tapped reply button and the passcode)."""

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

TOKEN = "EAAG-system-user-token"
APP_SECRET = "0123456789abcdef0123456789abcdef"
NUMBER_ID = "106540352242922"
BSUID = "US.13491208655302741918"
PHONE = "16505551234"
WEBHOOK = "/webhooks/whatsapp/cloud"
PUBLIC = "http://teller.test"  # the harness's TELLER_PUBLIC_URL


def graph_api(call: Call) -> Answer:
    if call.method == "POST" and call.path == f"/v25.0/{NUMBER_ID}/messages":
        return Answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.out"}]})
    return Answer(400, {"error": {"message": "Unsupported request", "code": 100}})


@dataclass
class Sent:
    """One message Teller sent, as the customer sees it."""

    kind: str
    text: str
    choices: dict[str, str]  # title → id
    link: str | None


class WhatsApp:
    """The customer's side: signed notifications in, the double's calls out."""

    def __init__(self, teller: RunningTeller, double: PlatformDouble) -> None:
        self.teller = teller
        self.double = double
        self.seen = 0
        self.ids = itertools.count(1)

    async def notify(self, message: dict[str, Any]) -> None:
        """One message in Meta's notification envelope, as Meta signs it."""
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER_ID},
            "contacts": [{"profile": {"name": "James"}, "wa_id": PHONE, "user_id": BSUID}],
            "messages": [
                {"from": PHONE, "id": f"wamid.in{next(self.ids)}", "timestamp": "1749416383"}
                | message
            ],
        }
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}
            ],
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = await self.teller.client.post(
            WEBHOOK,
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        assert response.status_code == 200, response.text

    async def say(self, text: str) -> list[Sent]:
        await self.notify({"type": "text", "text": {"body": text}})
        await self.teller.settle()
        return self.replies()

    async def tap(self, sent: list[Sent], title: str) -> list[Sent]:
        choice = next(s.choices[title] for s in sent if title in s.choices)
        reply_type = "button_reply"
        await self.notify(
            {
                "type": "interactive",
                "interactive": {"type": reply_type, reply_type: {"id": choice, "title": title}},
            }
        )
        await self.teller.settle()
        return self.replies()

    def replies(self) -> list[Sent]:
        calls = self.double.calls_to(f"/{NUMBER_ID}/messages")
        new, self.seen = calls[self.seen :], len(calls)
        return [self._read(call) for call in new]

    def _read(self, call: Call) -> Sent:
        assert call.headers["authorization"] == f"Bearer {TOKEN}"
        message = call.json()
        assert message["messaging_product"] == "whatsapp"
        assert message["recipient"] == BSUID  # the customer is their business-scoped id
        kind = message["type"]
        if kind == "text":
            return Sent(kind, message["text"]["body"], {}, None)
        if kind == "interactive":
            interactive = message["interactive"]
            text = interactive["body"]["text"]
            if interactive["type"] == "button":
                buttons = interactive["action"]["buttons"]
                choices = {b["reply"]["title"]: b["reply"]["id"] for b in buttons}
            elif interactive["type"] == "list":
                rows = interactive["action"]["sections"][0]["rows"]
                choices = {r["title"]: r["id"] for r in rows}
            else:
                choices = {}
            return Sent(interactive["type"], text, choices, None)
        media = message[kind]
        return Sent(kind, media.get("caption", ""), {}, media["link"])


@pytest.fixture
def graph_double() -> Iterator[PlatformDouble]:
    with PlatformDouble(graph_api) as double:
        yield double


async def test_start_balance_and_a_transfer_by_card_number(
    tmp_path: Path, graph_double: PlatformDouble
) -> None:
    env = {
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "vt-123",
        "WHATSAPP_PHONE_NUMBER_ID": NUMBER_ID,
        "WHATSAPP_API_URL": f"{graph_double.url}/v25.0",
    }
    async with running_teller(tmp_path, env) as teller:
        assert "whatsapp_cloud" in teller.channels.adapters
        await teller.link("whatsapp_cloud", BSUID, "james")
        chat = WhatsApp(teller, graph_double)

        # The dashboard's handshake.
        query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=vt-123"
        handshake = await teller.client.get(f"{WEBHOOK}?{query}")
        assert (handshake.status_code, handshake.text) == (200, "1158201444")

        # A forged notification reaches nobody.
        forged = await teller.client.post(
            WEBHOOK, content=b'{"object":"whatsapp_business_account"}', headers={}
        )
        assert forged.status_code == 401

        started = await chat.say("Hi")
        assert started, "the first message starts the conversation"
        assert any(s.choices for s in started), "the menu offers buttons or a list"

        balance = await chat.say("what's my balance?")
        assert "€458.00" in joined(balance)

        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "Send €20.00 to Anna N." in joined(confirm)
        assert anna not in joined(confirm)
        offered = next(s for s in confirm if s.choices)
        assert offered.kind == "button"  # two short choices: WhatsApp reply buttons
        assert list(offered.choices) == ["Confirm", "Cancel"]

        asked = await chat.tap(confirm, "Confirm")
        assert "passcode" in joined(asked)

        done = await chat.say(str(teller.customer("james")["passcode"]))
        assert "Sent €20.00" in joined(done)
        receipt = [s.link for s in done if s.kind == "image"]
        assert receipt, "the receipt is a picture"
        assert receipt[0] is not None
        assert receipt[0].startswith(PUBLIC + "/webchat/media/")

        # The receipt is served where WhatsApp fetches it.
        picture = await teller.client.get(receipt[0].removeprefix(PUBLIC))
        assert picture.status_code == 200
        assert picture.headers["content-type"].startswith("image/")

        statuses = await teller.outbox("whatsapp_cloud", BSUID)
        assert statuses, "replies went through the outbox"
        assert all(status == "sent" for status, _ in statuses), statuses


async def test_a_passcode_delivered_three_times_at_once_and_again_late_pays_once(
    tmp_path: Path, graph_double: PlatformDouble
) -> None:
    env = {
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "vt-123",
        "WHATSAPP_PHONE_NUMBER_ID": NUMBER_ID,
        "WHATSAPP_API_URL": f"{graph_double.url}/v25.0",
    }
    async with running_teller(tmp_path, env) as teller:
        await teller.link("whatsapp_cloud", BSUID, "james")
        chat = WhatsApp(teller, graph_double)
        await chat.say("Hi")
        anna = await card_number(teller, "anna")
        confirm = await chat.say(f"send 20 euro to card {anna}")
        assert "passcode" in joined(await chat.tap(confirm, "Confirm"))
        before = await balance_of(teller, "anna")
        passcode = str(teller.customer("james")["passcode"])
        chat.ids = itertools.repeat(777)  # every copy the same message

        copies = await asyncio.gather(*(chat.say(passcode) for _ in range(3)))
        await teller.settle()
        answered = [s for sent in copies for s in sent] + chat.replies()
        late = await chat.say(passcode)

        assert joined(answered).count("Sent €20.00") == 1
        assert late == []
        assert await balance_of(teller, "anna") == before + 2000
