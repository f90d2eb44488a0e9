"""Who may do what: the session cookie, roles, CSRF tokens, the sign-in throttle, and the
audit record every staff action leaves.

Pages and actions declare their roles with ``Depends(require(Role.X, …))``. The dependency
answers for them when it refuses: a sign-in redirect for a browser without a session, a
403 page (or ``application/problem+json`` for API callers) for a role that does not fit,
and a 403 for a state-changing request without the session's CSRF token.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backoffice.context import Backoffice, backoffice
from backoffice.roles import Role
from backoffice.sessions import Staff
from backoffice.store import login_failures
from backoffice.web import is_htmx, render
from core.audit import log as audit_log

COOKIE = "teller_staff"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Refused(Exception):
    """A request the back office does not serve; see :func:`install`."""

    def __init__(self, status: int, code: str, title: str) -> None:
        super().__init__(title)
        self.status = status
        self.code = code
        self.title = title


def not_found(title: str = "Not found, or not yours to see.") -> Refused:
    """The refusal for an id a page does not show: unknown, or someone else's."""
    return Refused(404, "NOT_FOUND", title)


async def current_staff(request: Request) -> Staff | None:
    if "staff" in request.state._state:
        cached: Staff | None = request.state.staff
        return cached
    staff = await backoffice(request).sessions.load(request.cookies.get(COOKIE, ""))
    request.state.staff = staff
    return staff


def require(*roles: Role) -> Callable[[Request], Awaitable[Staff]]:
    """A dependency: the signed-in staff member holding one of ``roles``; on unsafe
    methods also the session's CSRF token."""
    if not roles:
        raise ValueError("name the roles a page needs")
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Staff:
        staff = await current_staff(request)
        if staff is None:
            raise Refused(401, "SIGN_IN_REQUIRED", "Sign in to continue.")
        if not (staff.roles & allowed):
            raise Refused(403, "ROLE_REQUIRED", "Your roles do not allow this.")
        if request.method not in SAFE_METHODS:
            await check_csrf(request, staff.csrf)
        return staff

    return dependency


async def check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette keeps it for the endpoint
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise Refused(403, "CSRF_FAILED", "The form has expired: reload the page and try again.")


def install(app: FastAPI) -> None:
    """Answer refusals: redirects and pages for browsers, problem+json for the rest."""

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        wants_html = "text/html" in request.headers.get("accept", "")
        if exc.status == 401:
            target = "/backoffice/login?next=" + quote(_page_of(request), safe="/")
            if is_htmx(request):
                return Response(status_code=401, headers={"HX-Redirect": target})
            if wants_html and request.method in SAFE_METHODS:
                return RedirectResponse(target, status_code=303)
        if wants_html and not is_htmx(request):
            staff = getattr(request.state, "staff", None) or None
            return render(
                request, "error.html", staff, status=exc.status, code=exc.code, title=exc.title
            )
        return JSONResponse(
            {"type": "about:blank", "title": exc.title, "status": exc.status, "code": exc.code},
            status_code=exc.status,
            media_type="application/problem+json",
            headers={"Cache-Control": "no-store"},
        )

    app.add_exception_handler(Refused, refused)


def _page_of(request: Request) -> str:
    """Where to come back to after signing in: for an htmx request (a queue refreshing
    itself, a form sent in place) the page it was made from, not the fragment's address."""
    if is_htmx(request):
        page = urlsplit(request.headers.get("HX-Current-URL", "")).path
        if page.startswith("/backoffice"):
            return page
    return request.url.path


async def audit(
    conn: AsyncConnection,
    bo: Backoffice,
    staff: Staff,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> None:
    """A staff action in the audit log, inside the action's own transaction."""
    await audit_log.record(
        conn, bo.clock(), staff.actor, f"backoffice.{action}", target, details, outcome
    )


class LoginThrottle:
    """Failed sign-ins counted per username and per address in a sliding window; at the
    limit, sign-in is refused before the password is even checked."""

    def __init__(self, bo: Backoffice) -> None:
        self._bo = bo

    def _keys(self, username: str, address: str) -> list[str]:
        return [f"user:{username.strip().lower()[:100]}", f"ip:{address[:100]}"]

    async def blocked(self, username: str, address: str) -> bool:
        since = self._bo.clock() - self._bo.config.login_window
        async with self._bo.db.read() as conn:
            for key in self._keys(username, address):
                count = (
                    await conn.execute(
                        select(func.count()).where(
                            and_(login_failures.c.key == key, login_failures.c.at >= since)
                        )
                    )
                ).scalar_one()
                if count >= self._bo.config.login_attempts:
                    return True
        return False

    async def failed(self, username: str, address: str) -> None:
        now = self._bo.clock()
        async with self._bo.db.transaction() as conn:
            await conn.execute(
                insert(login_failures),
                [{"key": k, "at": now} for k in self._keys(username, address)],
            )
            await conn.execute(
                delete(login_failures).where(login_failures.c.at < now - timedelta(days=1))
            )

    async def succeeded(self, username: str) -> None:
        async with self._bo.db.transaction() as conn:
            await conn.execute(
                delete(login_failures).where(login_failures.c.key == self._keys(username, "")[0])
            )
