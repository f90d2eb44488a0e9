"""The back office's parts from settings (the composition root hands them over)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta

from backoffice.context import Backoffice, BackofficeConfig, OidcConfig
from backoffice.oidc.provider import realm_of
from render.qr import qr_image
from teller.deeplinks import deep_links
from teller.keys import load_keyring
from teller.settings import ConfigurationError, Settings
from teller.wiring import Container


def oidc_config(settings: Settings) -> OidcConfig | None:
    """Staff sign-in with Keycloak, when its issuer and the back office's client are set."""
    if not (settings.oidc_issuer and settings.backoffice_oidc_client_id):
        return None
    try:
        server, realm = realm_of(settings.oidc_issuer)
    except ValueError as exc:
        raise ConfigurationError(f"TELLER_OIDC_ISSUER: {exc}") from exc
    secret = settings.backoffice_oidc_client_secret
    return OidcConfig(
        issuer=settings.oidc_issuer.rstrip("/"),
        server_url=(settings.backoffice_oidc_server_url or server).rstrip("/") + "/",
        realm=realm,
        client_id=settings.backoffice_oidc_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        role_prefix=settings.backoffice_oidc_role_prefix,
    )


def backoffice_config(settings: Settings) -> BackofficeConfig:
    oidc = oidc_config(settings)
    if not settings.backoffice_local_signin and oidc is None:
        raise ConfigurationError(
            "TELLER_BACKOFFICE_LOCAL_SIGNIN=false needs sign-in with Keycloak "
            "(TELLER_OIDC_ISSUER and TELLER_BACKOFFICE_OIDC_CLIENT_ID)"
        )
    return BackofficeConfig(
        # Plain-HTTP development on localhost would lose Secure cookies.
        secure_cookies=settings.is_production,
        idle_timeout=timedelta(minutes=settings.backoffice_idle_minutes),
        login_attempts=settings.backoffice_login_attempts,
        login_window=timedelta(minutes=settings.backoffice_login_window_minutes),
        public_url=settings.base_url,
        oidc=oidc,
        local_signin=settings.backoffice_local_signin,
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
