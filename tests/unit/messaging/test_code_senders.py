"""The one-time code adapters: Twilio's Messages API, SMTP, and the development outbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from integrations.messaging.dev_outbox import DevOutbox
from integrations.messaging.routing import ByAddress
from integrations.messaging.smtp_email import SmtpEmail
from integrations.messaging.twilio_sms import SmsFailed, TwilioSms


async def test_twilio_gets_the_message_with_basic_auth() -> None:
    seen: list[httpx.Request] = []

    def twilio(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SM123", "status": "queued"})

    sms = TwilioSms(
        "AC123",
        "secret",
        "+15005550006",
        api_url="http://twilio.test",
        transport=httpx.MockTransport(twilio),
    )
    await sms.send_code("+420601234567", "Your Teller code is 123456.")
    request = seen[0]
    assert request.url.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["authorization"].startswith("Basic ")
    form = parse_qs(request.content.decode())
    assert form == {
        "To": ["+420601234567"],
        "From": ["+15005550006"],
        "Body": ["Your Teller code is 123456."],
    }


async def test_a_refused_sms_raises_without_the_code() -> None:
    def twilio(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": 21211, "message": "Invalid 'To' 123456"})

    sms = TwilioSms(
        "AC1", "t", "+1", api_url="http://t.test", transport=httpx.MockTransport(twilio)
    )
    with pytest.raises(SmsFailed) as raised:
        await sms.send_code("+1", "code 123456")
    assert "21211" in str(raised.value)
    assert "123456" not in str(raised.value)


async def test_smtp_delivers_the_code_to_the_address() -> None:
    received: list[str] = []

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 smtp.test ESMTP\r\n")
        data_mode = False
        lines: list[str] = []
        while line := await reader.readline():
            text = line.decode().rstrip("\r\n")
            if data_mode:
                if text == ".":
                    data_mode = False
                    received.append("\n".join(lines))
                    writer.write(b"250 queued\r\n")
                else:
                    lines.append(text)
                continue
            verb = text.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250 smtp.test\r\n")
            elif verb == "DATA":
                data_mode = True
                writer.write(b"354 go ahead\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        mail = SmtpEmail("127.0.0.1", port, "Teller <codes@teller.test>", starttls=False)
        await mail.send_code("jana@example.com", "Your Teller code is 654321.")
    assert received
    assert "To: jana@example.com" in received[0]
    assert "Your Teller code is 654321." in received[0]


async def test_the_development_outbox_keeps_codes_for_its_page(tmp_path: Path) -> None:
    outbox = DevOutbox(tmp_path / "dev-outbox.jsonl")
    await outbox.send_code("+420601234567", "Your Teller code is 111222.")
    await outbox.send_code("jana@example.com", "Your Teller code is 333444.")
    recent = outbox.recent()
    assert [m["to"] for m in recent] == ["jana@example.com", "+420601234567"]
    line = json.loads((tmp_path / "dev-outbox.jsonl").read_text().splitlines()[0])
    assert line["text"] == "Your Teller code is 111222."


async def test_codes_go_by_sms_to_phones_and_by_mail_to_addresses() -> None:
    sent: list[tuple[str, str]] = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        async def send_code(self, to: str, text: str) -> None:
            sent.append((self.name, to))

    both = ByAddress(Recorder("sms"), Recorder("email"))
    await both.send_code("+420601234567", "x")
    await both.send_code("a@b.cz", "x")
    assert sent == [("sms", "+420601234567"), ("email", "a@b.cz")]
