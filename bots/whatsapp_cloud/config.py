"""What the WhatsApp Cloud API adapter needs to know (the wiring fills it from settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.templates import Templates

GRAPH_API = "https://graph.facebook.com/v25.0"
WEBHOOK_PATH = "/whatsapp/cloud"  # under /webhooks


@dataclass(frozen=True, slots=True)
class CloudWhatsAppConfig:
    access_token: str = field(repr=False)  # a system user's token: sends and downloads
    app_secret: str = field(repr=False)  # signs the webhooks (App settings → Basic)
    verify_token: str = field(repr=False)  # ours, typed into the dashboard for the handshake
    phone_number_id: str  # the business number's Graph id (not the number itself)
    api_url: str = GRAPH_API
    number: str | None = None  # the business number for wa.me links (digits, "+" allowed)
    templates: Templates | None = None  # notifications outside the 24-hour window
    # The WhatsApp Business Account's id: with it, doctor checks that the app is subscribed
    # to the account's webhooks and ``teller channels setup`` subscribes it.
    business_account_id: str | None = None

    @property
    def api(self) -> str:
        return self.api_url.rstrip("/")
