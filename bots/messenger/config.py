"""What the Messenger adapter needs to know (the wiring fills it from settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

GRAPH_API = "https://graph.facebook.com/v25.0"
WEBHOOK_PATH = "/messenger"  # under /webhooks
GET_STARTED = "start"  # the Get Started button's postback payload (set by ``setup``)


@dataclass(frozen=True, slots=True)
class MessengerConfig:
    page_token: str = field(repr=False)  # the Page's access token: sends as the Page
    app_secret: str = field(repr=False)  # signs the webhooks (App settings → Basic)
    verify_token: str = field(repr=False)  # ours, typed into the dashboard for the handshake
    api_url: str = GRAPH_API
    page_name: str | None = None  # the Page's username, for m.me links

    @property
    def api(self) -> str:
        return self.api_url.rstrip("/")
