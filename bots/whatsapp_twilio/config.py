"""What the WhatsApp-through-Twilio adapter needs to know (the wiring fills it from settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.templates import Templates

TWILIO_API = "https://api.twilio.com"
CONTENT_API = "https://content.twilio.com"
MESSAGES_PATH = "/webhooks/whatsapp/twilio"
STATUS_PATH = "/webhooks/whatsapp/twilio/status"


@dataclass(frozen=True, slots=True)
class TwilioWhatsAppConfig:
    account_sid: str
    auth_token: str = field(repr=False)  # signs webhooks and authenticates API calls
    from_number: str  # the WhatsApp sender, "whatsapp:+14155238886"
    # Teller's public base URL ("https://bank.example"): Twilio signs the URL it called,
    # which behind a proxy is not the URL Teller sees, so signatures are checked against it.
    public_url: str
    api_url: str = TWILIO_API
    number: str | None = None  # the sender's number for wa.me links (digits, "+" allowed)
    templates: Templates | None = None
    # Content API (interactive replies). None: Twilio's when api_url is Twilio's, else
    # api_url itself, so a platform double standing in for api.twilio.com serves both.
    content_api_url: str | None = None

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")

    @property
    def messages_url(self) -> str:
        """The URL to paste into the Twilio console as the sender's incoming-message URL."""
        return self.base_url + MESSAGES_PATH

    @property
    def status_url(self) -> str:
        """Where Twilio reports what became of each message (sent with every message)."""
        return self.base_url + STATUS_PATH

    @property
    def api(self) -> str:
        return self.api_url.rstrip("/")

    @property
    def content_api(self) -> str:
        if self.content_api_url:
            return self.content_api_url.rstrip("/")
        return CONTENT_API if self.api == TWILIO_API else self.api
