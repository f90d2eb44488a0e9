"""A whole conversation over WhatsApp through Twilio: Teller's app on the demo bank takes
signed Twilio webhooks and answers through a double of Twilio's API (start → balance →
transfer by card number, with a tapped button and the passcode)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bots.doubles import Answer, Call, PlatformDouble
from tests.channels.harness import RunningTeller, running_teller
from tests.channels.support import balance_of, card_number, joined

SID = "AC1a03647d811fab342c0ad608e382fab2"
TOKEN = "96yc5z9g44vl4ks2p1suc42yb9p4lpmu"
FROM = "whatsapp:+14123456789"
USER = "+31612345678"
WEBHOOK = "/webhooks/whatsapp/twilio"
PUBLIC = "http://teller.test"  # the harness's TELLER_PUBLIC_URL


@dataclass
class Twilio:
    """Twilio's Messages and Content APIs, remembering what each content offers."""

    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    sids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __call__(self, call: Call) -> Answer:
        if call.method == "POST" and call.path == "/v1/Content":
            sid = f"HX{next(self.sids):032x}"
            self.contents[sid] = call.json()["types"]
            return Answer(201, {"sid": sid})
        if call.method == "POST" and call.path.endswith("/Messages.json"):
            return Answer(201, {"sid": f"SM{next(self.sids):032x}", "status": "queued"})
        return Answer(404, {"code": 20404, "status": 404})


@dataclass
class Sent:
    """One message Teller sent, as the customer sees it."""

    text: str
    choices: dict[str, str]  # title → payload
    media_url: str | None


class WhatsApp:
    """The customer's side: signed webhooks in, the double's calls out."""

    def __init__(self, teller: RunningTeller, double: PlatformDouble, twilio: Twilio) -> None:
        self.teller = teller
        self.double = double
        self.twilio = twilio
        self.seen = 0
        self.ids = itertools.count(1)

    async def post(self, **fields: str) -> list[Sent]:
        form = {
            "SmsMessageSid": "",
            "NumMedia": "0",
            "SmsStatus": "received",
            "Body": "",
            "To": FROM,
            "NumSegments": "1",
            "MessageSid": "",
            "AccountSid": SID,
            "From": "whatsapp:" + USER,
            "ProfileName": "James",
            "WaId": USER.lstrip("+"),
            "ApiVersion": "2010-04-01",
            **fields,
        }
        sid = f"SM{next(self.ids):032x}"
        form["SmsMessageSid"] = form["MessageSid"] = sid
        body = urlencode(form).encode()
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + WEBHOOK, params)
        response = await self.teller.client.post(
            WEBHOOK,
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        assert response.status_code == 200, response.text
        assert "<Response/>" in response.text
        await self.teller.settle()
        return self.replies()

    async def say(self, text: str) -> list[Sent]:
        return await self.post(Body=text)

    async def tap(self, sent: list[Sent], title: str) -> list[Sent]:
        payload = next(s.choices[title] for s in sent if title in s.choices)
        return await self.post(Body=title, ButtonText=title, ButtonPayload=payload)

    def replies(self) -> list[Sent]:
        calls = self.double.calls_to("/Messages.json")
        new, self.seen = calls[self.seen :], len(calls)
        return [self._read(call.form()) for call in new]

    def _read(self, form: dict[str, str]) -> Sent:
        assert form["From"] == FROM
        assert form["To"] == "whatsapp:" + USER
        assert form["StatusCallback"] == PUBLIC + WEBHOOK + "/status"
        if "ContentSid" in form:
            types = self.twilio.contents[form["ContentSid"]]
            text = json.loads(form["ContentVariables"])["1"]
            quick = types.get("twilio/quick-reply")
            if quick is not None:
                choices = {a["title"]: a["id"] for a in quick["actions"]}
            else:
                choices = {i["item"]: i["id"] for i in types["twilio/list-picker"]["items"]}
            return Sent(text, choices, None)
        return Sent(form.get("Body", ""), {}, form.get("MediaUrl"))


@pytest.fixture
def twilio_double() -> Iterator[tuple[PlatformDouble, Twilio]]:
    twilio = Twilio()
    with PlatformDouble(twilio) as double:
        yield double, twilio


async def test_start_balance_and_a_transfer_by_card_number(
    tmp_path: Path, twilio_double: tuple[PlatformDouble, Twilio]
) -> None:
    double, twilio = twilio_double
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_URL": double.url,
        "TWILIO_WHATSAPP_FROM": FROM,
    }
    async with running_teller(tmp_path, env) as teller:
        assert "whatsapp_twilio" in teller.channels.adapters
        await teller.link("whatsapp_twilio", USER, "james")
        chat = WhatsApp(teller, double, twilio)

        started = await chat.say("Hi")
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

        asked = await chat.tap(confirm, "Confirm")
        assert "passcode" in joined(asked)

        done = await chat.say(str(teller.customer("james")["passcode"]))
        assert "Sent €20.00" in joined(done)
        receipt = [s.media_url for s in done if s.media_url]
        assert receipt, "the receipt is a picture"
        assert receipt[0].startswith(PUBLIC + "/webchat/media/")

        # The receipt is served where Twilio fetches it.
        picture = await teller.client.get(receipt[0].removeprefix(PUBLIC))
        assert picture.status_code == 200
        assert picture.headers["content-type"].startswith("image/")

        statuses = await teller.outbox("whatsapp_twilio", USER)
        assert statuses, "replies went through the outbox"
        assert all(status == "sent" for status, _ in statuses), statuses
        # Quick replies were made through the Content API, with the text as a variable.
        assert twilio.contents
        assert all("{{1}}" in json.dumps(t) for t in twilio.contents.values())


async def test_a_wa_me_invitation_starts_with_its_code(
    tmp_path: Path, twilio_double: tuple[PlatformDouble, Twilio]
) -> None:
    double, twilio = twilio_double
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_URL": double.url,
        "TWILIO_WHATSAPP_FROM": FROM,
    }
    async with running_teller(tmp_path, env) as teller:
        chat = WhatsApp(teller, double, twilio)
        greeting = await chat.say("Hi Teller! My invite code: TELLERAB12")
        assert greeting, "a newcomer is answered"
        state = await teller.conversations.store.load("whatsapp_twilio", USER)
        assert state is not None
        assert state["referral"] == "TELLERAB12"


async def test_a_passcode_delivered_three_times_at_once_and_again_late_pays_once(
    tmp_path: Path, twilio_double: tuple[PlatformDouble, Twilio]
) -> None:
    double, twilio = twilio_double
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_URL": double.url,
        "TWILIO_WHATSAPP_FROM": FROM,
    }
    async with running_teller(tmp_path, env) as teller:
        await teller.link("whatsapp_twilio", USER, "james")
        chat = WhatsApp(teller, double, twilio)
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
