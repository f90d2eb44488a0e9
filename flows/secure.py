"""Single-use secure pages: what is never typed in chat (a PIN, a card's full number and
CVV) happens on a page of Teller's behind a signed link valid for minutes.

A link carries its purpose, the customer, the card, an expiry and a random id, signed
with flows' key. The page checks the signature and the expiry when it is opened and spends
the id when it is used (``SqlSecureLinks.use``), so a forwarded or replayed link does
nothing.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from flows.sealing import Sealer

PURPOSES = ("pin_set", "pin_change", "card_show")
LINK_TTL = timedelta(minutes=5)


class BadLink(ValueError):
    """Forged, expired or for something else."""


@dataclass(frozen=True, slots=True)
class LinkClaims:
    id: str
    purpose: str
    customer_id: UUID
    card_id: UUID
    expires_at: datetime
    language: str
    channel: str
    user: str


class SecurePages:
    def __init__(self, sealer: Sealer, base_url: str, now: Callable[[], datetime]) -> None:
        self._sealer = sealer
        self._base = base_url.rstrip("/")
        self._now = now

    def mint(
        self,
        purpose: str,
        customer_id: UUID,
        card_id: UUID,
        *,
        language: str,
        channel: str,
        user: str,
        ttl: timedelta = LINK_TTL,
    ) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown secure page {purpose!r}")
        claims = {
            "i": secrets.token_urlsafe(12),
            "p": purpose,
            "c": str(customer_id),
            "k": str(card_id),
            "e": int((self._now() + ttl).timestamp()),
            "l": language,
            "h": channel,
            "u": user,
        }
        body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
        mac = base64.urlsafe_b64encode(self._sealer.sign(body, "secure-link")[:18])
        return f"{self._base}/secure/{body.decode().rstrip('=')}.{mac.decode()}"

    def read(self, token: str) -> LinkClaims:
        body, _, mac = token.partition(".")
        padded = body + "=" * (-len(body) % 4)
        expected = base64.urlsafe_b64encode(
            self._sealer.sign(padded.encode(), "secure-link")[:18]
        ).decode()
        if not mac or not hmac.compare_digest(mac, expected):
            raise BadLink("the link is not ours")
        try:
            claims = json.loads(base64.urlsafe_b64decode(padded))
            expires = datetime.fromtimestamp(int(claims["e"]), UTC)
            parsed = LinkClaims(
                claims["i"],
                claims["p"],
                UUID(claims["c"]),
                UUID(claims["k"]),
                expires,
                claims["l"],
                claims["h"],
                claims["u"],
            )
        except (ValueError, KeyError, TypeError):
            raise BadLink("the link is damaged") from None
        if expires <= self._now():
            raise BadLink("the link has expired")
        return parsed
