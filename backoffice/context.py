"""What the back office's pages need from the rest of Teller, handed over by the
composition root (``teller``), which may import everything; the back office itself may
import only core and flows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import Request

from backoffice.accounts import StaffAccounts
from backoffice.sessions import Sessions
from core.bank import Bank
from core.crypto import Keyring
from core.persistence.database import Database
from flows.service import Conversations


@dataclass(frozen=True)
class OidcConfig:
    """Sign-in with an OpenID Connect provider (Keycloak), see ``backoffice.oidc``."""

    issuer: str  # what the ID tokens' iss claim says: <server>/realms/<realm>
    server_url: str  # where Teller reaches the provider (may differ inside a network)
    realm: str
    client_id: str
    client_secret: str | None  # None for a public client (PKCE alone)
    role_prefix: str = "teller-"  # realm role teller-agent → agent


@dataclass
class BackofficeConfig:
    secure_cookies: bool = True  # off only for plain-HTTP development
    idle_timeout: timedelta = timedelta(minutes=30)
    login_attempts: int = 5  # failed sign-ins per user and per address …
    login_window: timedelta = timedelta(minutes=15)  # … within this window
    public_url: str = ""  # for links and QR codes that leave the building
    # A tracked link's opening counts once per visitor and link within this window.
    link_open_window: timedelta = timedelta(minutes=30)
    oidc: OidcConfig | None = None  # sign-in with the bank's identity provider
    local_signin: bool = True  # passwords and TOTP; may be off when oidc is on


@dataclass
class Backoffice:
    db: Database
    bank: Bank
    keyring: Keyring
    clock: Callable[[], datetime]
    config: BackofficeConfig
    # (channel, referral code) → the deep link that starts a chat there, or None when
    # that channel is not configured.
    deep_link: Callable[[str, str], str | None] = lambda channel, code: None
    # A link → a PNG picture of its QR code (drawn by ``render``, which the back office
    # may not import itself).
    qr_png: Callable[[str], bytes] | None = None
    accounts: StaffAccounts = field(init=False)
    sessions: Sessions = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = StaffAccounts(self.db, self.keyring, self.clock)
        self.sessions = Sessions(self.db, self.clock, self.config.idle_timeout)


def backoffice(request: Request) -> Backoffice:
    found: Backoffice = request.app.state.backoffice
    return found


def conversations(request: Request) -> Conversations:
    """The conversations service (built when the app starts)."""
    found: Conversations = request.app.state.conversations
    return found
