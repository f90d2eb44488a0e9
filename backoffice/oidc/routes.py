"""Signing in with the bank's identity provider: ``/backoffice/oidc/login`` sends the
browser to Keycloak; ``/backoffice/oidc/callback`` takes it back, checks state, nonce and
the ID token, maps the realm roles and opens a session exactly as a password sign-in does.

The attempt (state, nonce, PKCE verifier, where to go next) travels in a cookie encrypted
with the bank's keyring, so any replica can finish what another started. That cookie is
SameSite=Lax: the provider sends the browser back with a cross-site navigation, which a
Strict cookie would not survive (decision 0089).
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from backoffice.context import Backoffice, backoffice
from backoffice.oidc.provider import Attempt, Provider, SignInRefused, new_attempt
from backoffice.oidc.sign_out import keep_id_token
from backoffice.sessions import LANGUAGES
from backoffice.signin import open_session, safe_next, set_session_cookie
from backoffice.web import render
from core.actors import Actor, ActorKind
from core.audit import log as audit_log
from core.crypto import DecryptionError

router = APIRouter(prefix="/backoffice/oidc")
FLOW_COOKIE = "teller_staff_oidc"
FLOW_PATH = "/backoffice/oidc"
FLOW_CONTEXT = "backoffice-oidc-attempt"
FLOW_TTL = timedelta(minutes=10)


def _provider(request: Request) -> Provider:
    provider: Provider | None = getattr(request.app.state, "backoffice_oidc", None)
    if provider is None:
        raise SignInRefused("NOT_CONFIGURED")
    return provider


def _language(value: str) -> str:
    return value if value in LANGUAGES else "en"


def _redirect_uri(bo: Backoffice) -> str:
    # From the configured public address, never from the request's Host header.
    return bo.config.public_url.rstrip("/") + "/backoffice/oidc/callback"


def _seal(bo: Backoffice, attempt: Attempt, next_: str, language: str) -> str:
    payload = {
        "lang": language,
        "state": attempt.state,
        "nonce": attempt.nonce,
        "verifier": attempt.verifier,
        "next": next_,
        "at": bo.clock().timestamp(),
    }
    return bo.keyring.encrypt(json.dumps(payload), context=FLOW_CONTEXT)


def _unseal(bo: Backoffice, sealed: str) -> tuple[Attempt, str, str]:
    try:
        payload = json.loads(bo.keyring.decrypt(sealed, context=FLOW_CONTEXT))
        attempt = Attempt(str(payload["state"]), str(payload["nonce"]), str(payload["verifier"]))
        started = float(payload["at"])
        next_ = str(payload["next"])
        language = _language(str(payload.get("lang", "en")))
    except (DecryptionError, ValueError, KeyError, TypeError) as exc:
        raise SignInRefused("STATE_MISMATCH") from exc
    if not 0 <= bo.clock().timestamp() - started <= FLOW_TTL.total_seconds():
        raise SignInRefused("ATTEMPT_EXPIRED")
    return attempt, next_, language


def _refused(request: Request, code: str, status: int) -> Response:
    response = render(
        request,
        "oidc/refused.html",
        None,
        status=status,
        language=request.query_params.get("lang", "en"),
        code=code,
    )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


async def _record_refusal(request: Request, bo: Backoffice, refusal: SignInRefused) -> None:
    who = Actor(ActorKind.STAFF, (refusal.who or "sso")[:64])
    address = request.client.host if request.client else "unknown"
    async with bo.db.transaction() as conn:
        await audit_log.record(
            conn,
            bo.clock(),
            who,
            "backoffice.sign_in",
            f"staff:{who.id}",
            {"address": address, "method": "oidc"},
            f"rejected:{refusal.code}",
        )


@router.get("/login")
async def login(request: Request) -> Response:
    bo = backoffice(request)
    try:
        provider = _provider(request)
        attempt = new_attempt()
        target = await provider.authorization_url(attempt, _redirect_uri(bo))
    except SignInRefused as refusal:
        return _refused(request, refusal.code, 404 if refusal.code == "NOT_CONFIGURED" else 502)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        _seal(
            bo,
            attempt,
            safe_next(request.query_params.get("next", "")),
            _language(request.query_params.get("lang", "en")),
        ),
        max_age=int(FLOW_TTL.total_seconds()),
        path=FLOW_PATH,
        secure=bo.config.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/callback")
async def callback(request: Request) -> Response:
    bo = backoffice(request)
    params = request.query_params
    try:
        provider = _provider(request)
        if params.get("error"):
            raise SignInRefused("PROVIDER_ERROR")
        attempt, next_, language = _unseal(bo, request.cookies.get(FLOW_COOKIE, ""))
        state, code = params.get("state", ""), params.get("code", "")
        if not state or not secrets.compare_digest(state, attempt.state):
            raise SignInRefused("STATE_MISMATCH")
        if not code:
            raise SignInRefused("CODE_REFUSED")
        identity = await provider.identity(code, attempt, _redirect_uri(bo))
        try:
            account = await bo.accounts.vouched(
                identity.subject, identity.username, identity.name, identity.roles
            )
        except IntegrityError as exc:
            # Another subject already signed in under this username (a person removed
            # and added again in Keycloak): an admin must sort out which one it is.
            raise SignInRefused("USERNAME_TAKEN", identity.username) from exc
        if not account.active:
            raise SignInRefused("DEACTIVATED", identity.username)
    except SignInRefused as refusal:
        if refusal.code != "NOT_CONFIGURED":
            await _record_refusal(request, bo, refusal)
        return _refused(request, refusal.code, 404 if refusal.code == "NOT_CONFIGURED" else 403)
    address = request.client.host if request.client else "unknown"
    token = await open_session(bo, account, language=language, address=address, method="oidc")
    # A page rather than a redirect: the browser arrived from the provider's site, and a
    # redirect in that navigation would not send the new SameSite=Strict session cookie.
    response = render(request, "oidc/continue.html", None, language=language, target=next_)
    set_session_cookie(response, bo, token)
    keep_id_token(response, bo, identity.id_token)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
