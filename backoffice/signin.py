"""Signing in and out, the staff member's language, and the home page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.accounts import StaffAccount
from backoffice.context import Backoffice, backoffice
from backoffice.oidc.sign_out import forget_id_token, provider_sign_out_url
from backoffice.roles import ALL_ROLES
from backoffice.security import (
    COOKIE,
    LoginThrottle,
    audit,
    check_csrf,
    current_staff,
    require,
)
from backoffice.sessions import LANGUAGES, Staff
from backoffice.web import render
from core.actors import Actor, ActorKind
from core.audit import log as audit_log

router = APIRouter(prefix="/backoffice")
LOGIN_COOKIE = "teller_staff_login"  # the sign-in form's CSRF token (double submit)
any_staff = require(*ALL_ROLES)


def safe_next(target: str) -> str:
    # Only back into the back office: never an open redirect.
    if target.startswith("/backoffice") and not target.startswith("//") and "\\" not in target:
        return target
    return "/backoffice"


def _cookie(
    response: Response, bo: Backoffice, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/backoffice",
        secure=bo.config.secure_cookies,
        httponly=True,
        samesite="strict",
    )


async def open_session(
    bo: Backoffice, account: StaffAccount, *, language: str, address: str, method: str
) -> str:
    """A session for ``account`` and the sign-in's audit record; returns the cookie's
    token. Every way of signing in (password and TOTP, the identity provider) ends here."""
    token = await bo.sessions.start(account.id, language)
    async with bo.db.transaction() as conn:
        await audit_log.record(
            conn,
            bo.clock(),
            Actor(ActorKind.STAFF, account.username),
            "backoffice.sign_in",
            f"staff:{account.id}",
            {"address": address, "method": method},
        )
    return token


def set_session_cookie(response: Response, bo: Backoffice, token: str) -> None:
    # Gone with the browser; the idle limit is kept server-side.
    _cookie(response, bo, COOKIE, token, None)


def _login_page(
    request: Request, bo: Backoffice, *, status: int = 200, error: str = "", next_: str = ""
) -> Response:
    token = secrets.token_urlsafe(24)
    language = request.query_params.get("lang", "en")
    response = render(
        request,
        "login.html",
        None,
        status=status,
        language=language if language in LANGUAGES else "en",
        login_token=token,
        error=error,
        next=safe_next(next_ or request.query_params.get("next", "")),
        oidc=getattr(request.app.state, "backoffice_oidc", None) is not None,
        local=bo.config.local_signin,
    )
    _cookie(response, bo, LOGIN_COOKIE, token, 600)
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    if await current_staff(request) is not None:
        return RedirectResponse("/backoffice", status_code=303)
    return _login_page(request, backoffice(request))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    bo = backoffice(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, bo, status=403, error="login.expired", next_=next)
    if not bo.config.local_signin:
        return _login_page(request, bo, status=403, error="oidc.local_off", next_=next)
    throttle = LoginThrottle(bo)
    address = request.client.host if request.client else "unknown"
    if await throttle.blocked(username, address):
        return _login_page(request, bo, status=429, error="login.throttled", next_=next)
    account = await bo.accounts.verify(username, password, code)
    who = Actor(ActorKind.STAFF, username.strip().lower()[:64] or "?")
    if account is None:
        await throttle.failed(username, address)
        async with bo.db.transaction() as conn:
            await audit_log.record(
                conn,
                bo.clock(),
                who,
                "backoffice.sign_in",
                f"staff:{who.id}",
                {"address": address},
                "rejected:BAD_CREDENTIALS",
            )
        return _login_page(request, bo, status=401, error="login.failed", next_=next)
    await throttle.succeeded(username)
    token = await open_session(
        bo,
        account,
        language=request.query_params.get("lang", "en"),
        address=address,
        method="password+totp",
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, bo, token)
    response.delete_cookie(LOGIN_COOKIE, path="/backoffice")
    forget_id_token(response)  # an earlier provider sign-in's, left by an idle timeout
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    bo = backoffice(request)
    staff = await current_staff(request)
    provider_url = None
    if staff is not None:
        await check_csrf(request, staff.csrf)
        await bo.sessions.end(staff.session)
        async with bo.db.transaction() as conn:
            await audit(conn, bo, staff, "sign_out", f"staff:{staff.id}")
        # Teller's session has ended; one at the identity provider ends next, in the
        # browser, which the provider then sends back to the sign-in page.
        provider_url = await provider_sign_out_url(request, bo)
    response = RedirectResponse(provider_url or "/backoffice/login", status_code=303)
    response.delete_cookie(COOKIE, path="/backoffice")
    forget_id_token(response)
    return response


@router.post("/language")
async def language(
    request: Request,
    staff: Annotated[Staff, Depends(any_staff)],
    language: Annotated[str, Form(max_length=8)] = "en",
    back: Annotated[str, Form(max_length=500)] = "/backoffice",
) -> Response:
    await backoffice(request).sessions.set_language(staff.session, language)
    return RedirectResponse(safe_next(back), status_code=303)


@router.get("")
async def home(request: Request, staff: Annotated[Staff, Depends(any_staff)]) -> Response:
    return render(request, "home.html", staff)
