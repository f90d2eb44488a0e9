"""Signing out of the identity provider too, when staff signed in through it.

Ending Teller's session alone would leave the provider's: the next "Sign in with the
bank's identity provider" would then let anyone at that browser straight back in without
a password. So the ID token that the sign-in brought is kept, encrypted, in a cookie of
the back office's, and signing out sends the browser on to the provider's end-session
endpoint (OpenID Connect RP-initiated logout) with it as ``id_token_hint``; the provider
ends its session and sends the browser back to Teller's sign-in page.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from backoffice.context import Backoffice
from backoffice.oidc.provider import Provider
from core.crypto import DecryptionError

ID_COOKIE = "teller_staff_oidc_id"
ID_CONTEXT = "backoffice-oidc-id-token"
COOKIE_PATH = "/backoffice"


def keep_id_token(response: Response, bo: Backoffice, id_token: str) -> None:
    """Set with the session's cookie, and like it gone with the browser."""
    response.set_cookie(
        ID_COOKIE,
        bo.keyring.encrypt(id_token, context=ID_CONTEXT),
        path=COOKIE_PATH,
        secure=bo.config.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def forget_id_token(response: Response) -> None:
    response.delete_cookie(ID_COOKIE, path=COOKIE_PATH)


async def provider_sign_out_url(request: Request, bo: Backoffice) -> str | None:
    """Where the browser goes to end the provider's session as well; None when there is
    none to end (a password sign-in) or the provider cannot say where."""
    provider: Provider | None = getattr(request.app.state, "backoffice_oidc", None)
    sealed = request.cookies.get(ID_COOKIE)
    if provider is None or not sealed:
        return None
    try:
        id_token = bo.keyring.decrypt(sealed, context=ID_CONTEXT)
    except DecryptionError:
        return None
    back = bo.config.public_url.rstrip("/") + "/backoffice/login"
    return await provider.end_session_url(id_token, back)
