"""WhatsApp through Twilio Programmable Messaging: the channel adapter."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter

from bots.channel import AdapterDeps, Check, Intake, Limits, Outgoing, PrepareError, Received
from bots.whatsapp_twilio import media
from bots.whatsapp_twilio.config import TwilioWhatsAppConfig
from bots.whatsapp_twilio.doctor import account_check, sender_check, template_check, webhook_check
from bots.whatsapp_twilio.links import deep_link
from bots.whatsapp_twilio.parse import CHANNEL
from bots.whatsapp_twilio.routes import build_router
from bots.whatsapp_twilio.sending import MAX_TEXT, Sender
from flows.messages import Capabilities, Inbound

# The 24-hour session allows quick replies (3 buttons, 20-character titles) and lists (10
# items, 24 characters) without approval; send() picks the type (decision 0073).
CAPABILITIES = Capabilities(
    max_buttons=10,
    max_button_title=24,
    max_text=MAX_TEXT,
    images=True,
    documents=True,
    request_contact=False,  # WhatsApp has no share-phone: the sender's number is known
)
# Twilio: "By default, each WhatsApp sender supports up to 80 messages per second (MPS)
# for outbound traffic (text or media)", more is queued for up to four hours
# (twilio.com/docs/whatsapp/best-practices-and-faqs). The sandbox number allows one
# request every 3 seconds. One message a second to a person, with a short burst, keeps a
# multi-part answer in order without tripping WhatsApp's per-person pacing.
LIMITS = Limits(per_second=80, per_chat_per_second=1, per_chat_burst=3)


class TwilioWhatsAppAdapter:
    name = CHANNEL
    capabilities = CAPABILITIES
    limits = LIMITS
    window_hours: int | None = 24

    def __init__(self, config: TwilioWhatsAppConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps
        self.auth = (config.account_sid, config.auth_token)
        self.sender = Sender(config, deps.http, deps.media)

    def router(self, intake: Intake) -> APIRouter:
        return build_router(self.config, intake)

    async def prepare(self, received: Received) -> Inbound:
        inbound = received.inbound
        url = received.fetch.get("url")
        if not url:
            return inbound
        if not media.media_allowed(url, self.config.api):
            raise PrepareError("twilio media: not a Twilio URL", permanent=True)
        content_type = received.fetch.get("content_type", "")
        try:
            attachment = await media.download(self.deps.http, url, content_type, self.auth)
        except PrepareError as exc:
            if exc.permanent:  # too big or refused: do not keep it at Twilio either
                await media.delete(self.deps.http, url, self.auth)
            raise
        await media.delete(self.deps.http, url, self.auth)
        return replace(inbound, attachment=attachment)

    async def send(self, out: Outgoing) -> None:
        await self.sender.send(out)

    async def check(self) -> list[Check]:
        return [
            await account_check(self.deps.http, self.config),
            sender_check(self.config),
            webhook_check(self.config),
            await template_check(self.deps.http, self.config),
        ]

    async def setup(self, webhook_url: str = "") -> str:
        """Twilio has no portable API to point a WhatsApp sender at a URL (the sandbox,
        senders and Messaging Services each keep their own), so this says what to paste
        where. The URL comes from the configured public URL, not ``webhook_url``: Twilio
        signs the URL it calls, and Teller checks signatures against that one."""
        note = ""
        if webhook_url and webhook_url.rstrip("/") != self.config.messages_url:
            note = (
                f"\n(Not {webhook_url}: signatures are checked against TELLER_PUBLIC_URL, "
                "so Twilio must call the URL above.)"
            )
        return (
            "WhatsApp through Twilio is configured in the Twilio console:\n"
            "  Messaging → Senders → WhatsApp senders → your sender (or, for the sandbox, "
            "Messaging → Try it out → WhatsApp sandbox settings), and if the sender "
            "belongs to a Messaging Service, that service's Integration page instead.\n"
            f"  'Webhook URL for incoming messages' / 'When a message comes in': "
            f"{self.config.messages_url}  (HTTP POST)\n"
            "  Leave the status callback URL empty: Teller asks for status callbacks on "
            f"every message it sends ({self.config.status_url})."
            f"{note}"
        )

    def deep_link(self, code: str) -> str:
        if not self.config.number:
            raise ValueError("the WhatsApp number (digits) is not configured")
        return deep_link(self.config.number, code)
