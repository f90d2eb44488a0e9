"""The back office's parts from settings (the composition root hands them over)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

from backoffice.context import Backoffice, BackofficeConfig
from render.qr import qr_image
from teller.deeplinks import deep_links
from teller.keys import load_keyring
from teller.settings import Settings
from teller.wiring import Container


def backoffice_config(settings: Settings) -> BackofficeConfig:
    return BackofficeConfig(
        # Plain-HTTP development on localhost would lose Secure cookies.
        secure_cookies=settings.is_production,
        idle_timeout=timedelta(minutes=settings.backoffice_idle_minutes),
        login_attempts=settings.backoffice_login_attempts,
        login_window=timedelta(minutes=settings.backoffice_login_window_minutes),
        public_url=settings.base_url,
    )


def backoffice_of(
    settings: Settings, container: Container, clock: Callable[[], datetime]
) -> Backoffice:
    return Backoffice(
        db=container.db,
        bank=container.bank,
        keyring=load_keyring(settings),
        clock=clock,
        config=backoffice_config(settings),
        deep_link=deep_links(settings),
        qr_png=qr_png,
    )


def qr_png(data: str) -> bytes:
    """A link's QR code as a PNG picture about 320 pixels wide, for the marketing pages."""
    out = io.BytesIO()
    qr_image(data, 320).save(out, format="PNG")
    return out.getvalue()
