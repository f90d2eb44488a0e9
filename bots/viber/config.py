"""What the wiring gives the Viber adapter (from ``VIBER_*`` settings)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ViberConfig:
    auth_token: str = field(repr=False)  # signs webhooks and authorises API calls
    api_url: str = "https://chatapi.viber.com"
    bot_name: str = "Teller"  # shown as the sender of every message (Viber: ≤ 28 chars)
    bot_avatar: str | None = None
    chat_uri: str | None = None  # the bot's URI, for viber://pa?chatURI=… invite links
