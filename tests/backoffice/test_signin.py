"""Signing in (password and a one-time TOTP code), sessions, roles, CSRF, the throttle."""

from __future__ import annotations

from typing import Annotated

import httpx
import pyotp
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from backoffice.context import Backoffice
from backoffice.roles import Role
from backoffice.security import require
from backoffice.sessions import LANGUAGES, Staff
from backoffice.texts import FOLDER, catalog
from core.persistence.tables import audit_log
from tests.backoffice.conftest import PASSWORD, StaffFactory, hidden, sign_in
from tests.fakes import MutableClock


async def _account(backoffice: Backoffice, username: str, *roles: Role) -> pyotp.TOTP:
    created = await backoffice.accounts.create(
        username, "Test Person", frozenset(roles or (Role.AGENT,)), PASSWORD
    )
    totp = pyotp.parse_uri(created.totp_uri)
    assert isinstance(totp, pyotp.TOTP)
    return totp


async def _audit_actions(backoffice: Backoffice) -> list[tuple[str, str, str]]:
    async with backoffice.db.read() as conn:
        rows = (await conn.execute(select(audit_log).order_by(audit_log.c.id))).all()
    return [(r.actor, r.action, r.outcome) for r in rows if r.action.startswith("backoffice.")]


async def test_password_and_code_sign_in_and_the_menu_follows_the_roles(
    anonymous: httpx.AsyncClient, backoffice: Backoffice, clock: MutableClock
) -> None:
    totp = await _account(backoffice, "olga", Role.AGENT, Role.AUDITOR)
    answer = await sign_in(anonymous, "Olga", PASSWORD, totp.at(clock.now()))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/backoffice"
    cookie = answer.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=strict", "Path=/backoffice"):
        assert flag in cookie
    home = await anonymous.get("/backoffice")
    assert home.status_code == 200
    for shown in ("inbox", "audit"):
        assert f'href="/backoffice/{shown}"' in home.text
    for hidden_section in ("kyc", "settings", "staff", "marketing", "risk"):
        assert f'href="/backoffice/{hidden_section}"' not in home.text
    assert home.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert ("staff:olga", "backoffice.sign_in", "ok") in await _audit_actions(backoffice)


@pytest.mark.parametrize(
    ("password", "code_shift"),
    [("wrong password 123", 0), (PASSWORD, 5), (PASSWORD, None)],
    ids=["bad-password", "stale-code", "no-code"],
)
async def test_a_wrong_password_or_code_is_refused(
    anonymous: httpx.AsyncClient,
    backoffice: Backoffice,
    clock: MutableClock,
    password: str,
    code_shift: int | None,
) -> None:
    totp = await _account(backoffice, "petr")
    code = "" if code_shift is None else totp.at(clock.now(), counter_offset=code_shift)
    answer = await sign_in(anonymous, "petr", password, code)
    assert answer.status_code == 401
    assert "The username, password or code is wrong." in answer.text
    assert "teller_staff=" not in answer.headers.get("set-cookie", "")
    assert (await anonymous.get("/backoffice")).status_code == 303
    assert ("staff:petr", "backoffice.sign_in", "rejected:BAD_CREDENTIALS") in (
        await _audit_actions(backoffice)
    )


async def test_a_code_signs_in_once(
    app: FastAPI, backoffice: Backoffice, clock: MutableClock
) -> None:
    totp = await _account(backoffice, "ivana")
    code = totp.at(clock.now())
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t") as first,
        httpx.AsyncClient(transport=transport, base_url="http://t") as second,
    ):
        assert (await sign_in(first, "ivana", PASSWORD, code)).status_code == 303
        assert (await sign_in(second, "ivana", PASSWORD, code)).status_code == 401


async def test_sign_in_is_throttled_after_repeated_failures(
    anonymous: httpx.AsyncClient, backoffice: Backoffice, clock: MutableClock
) -> None:
    totp = await _account(backoffice, "mallory-target")
    for _ in range(5):
        await sign_in(anonymous, "mallory-target", "guess guess guess", "000000")
    answer = await sign_in(anonymous, "mallory-target", PASSWORD, totp.at(clock.now()))
    assert answer.status_code == 429
    assert "Too many failed attempts" in answer.text
    clock.advance(minutes=16)
    answer = await sign_in(anonymous, "mallory-target", PASSWORD, totp.at(clock.now()))
    assert answer.status_code == 303


async def test_the_sign_in_form_needs_its_token(
    anonymous: httpx.AsyncClient, backoffice: Backoffice, clock: MutableClock
) -> None:
    totp = await _account(backoffice, "nina")
    await anonymous.get("/backoffice/login")
    answer = await anonymous.post(
        "/backoffice/login",
        data={"username": "nina", "password": PASSWORD, "code": totp.at(clock.now())},
    )
    assert answer.status_code == 403
    assert (await anonymous.get("/backoffice")).status_code == 303


async def test_without_a_session_browsers_go_to_sign_in_and_callers_get_a_problem(
    anonymous: httpx.AsyncClient,
) -> None:
    answer = await anonymous.get("/backoffice")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/backoffice/login?next=/backoffice"
    api = await anonymous.get("/backoffice", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "SIGN_IN_REQUIRED"
    htmx = await anonymous.get("/backoffice", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/backoffice/login")
    # A fragment refreshing itself (the KYC queue's) sends the browser back to its page.
    refresh = await anonymous.get(
        "/backoffice/kyc/queue",
        headers={"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1:8000/backoffice/kyc"},
    )
    assert refresh.status_code == 401
    assert refresh.headers["HX-Redirect"] == "/backoffice/login?next=/backoffice/kyc"
    elsewhere = await anonymous.get(
        "/backoffice/kyc/queue",
        headers={"HX-Request": "true", "HX-Current-URL": "https://elsewhere.example/phish"},
    )
    assert elsewhere.headers["HX-Redirect"] == "/backoffice/login?next=/backoffice/kyc/queue"


async def test_sign_in_never_redirects_out_of_the_back_office(
    anonymous: httpx.AsyncClient, backoffice: Backoffice, clock: MutableClock
) -> None:
    totp = await _account(backoffice, "oleh")
    form = await anonymous.get("/backoffice/login?next=//evil.example/x")
    assert hidden(form.text, "next") == "/backoffice"
    answer = await anonymous.post(
        "/backoffice/login",
        data={
            "username": "oleh",
            "password": PASSWORD,
            "code": totp.at(clock.now()),
            "csrf_token": hidden(form.text, "csrf_token"),
            "next": "https://evil.example/",
        },
    )
    assert answer.headers["location"] == "/backoffice"


def _guarded_router() -> APIRouter:
    router = APIRouter(prefix="/backoffice/test-only")

    @router.get("/reviewers")
    async def reviewers(
        staff: Annotated[Staff, Depends(require(Role.KYC_REVIEWER))],
    ) -> PlainTextResponse:
        return PlainTextResponse(f"hello {staff.username}")

    @router.post("/reviewers")
    async def act(
        staff: Annotated[Staff, Depends(require(Role.KYC_REVIEWER))],
    ) -> PlainTextResponse:
        return PlainTextResponse("done")

    return router


async def test_roles_and_csrf_are_checked_on_every_request(
    app: FastAPI, staff_client: StaffFactory
) -> None:
    app.include_router(_guarded_router())
    reviewer = await staff_client(Role.KYC_REVIEWER)
    agent = await staff_client(Role.AGENT)
    admin = await staff_client(Role.ADMIN)

    assert (await reviewer.get("/backoffice/test-only/reviewers")).text.startswith("hello")
    for other in (agent, admin):
        page = await other.get("/backoffice/test-only/reviewers")
        assert page.status_code == 403
        assert "Your roles do not allow this page." in page.text
        assert (await other.post("/backoffice/test-only/reviewers")).status_code == 403

    assert (await reviewer.post("/backoffice/test-only/reviewers")).text == "done"
    no_token = await reviewer.http.post("/backoffice/test-only/reviewers", data={"x": "1"})
    assert no_token.status_code == 403
    assert "CSRF_FAILED" in no_token.text
    wrong = await reviewer.http.post(
        "/backoffice/test-only/reviewers", headers={"X-CSRF-Token": agent.csrf}
    )
    assert wrong.status_code == 403
    header = await reviewer.http.post(
        "/backoffice/test-only/reviewers", headers={"X-CSRF-Token": reviewer.csrf}
    )
    assert header.text == "done"


async def test_an_idle_session_ends(staff_client: StaffFactory, clock: MutableClock) -> None:
    agent = await staff_client(Role.AGENT)
    clock.advance(minutes=20)
    assert (await agent.get("/backoffice")).status_code == 200
    clock.advance(minutes=20)  # 20 minutes after the last page: still within 30
    assert (await agent.get("/backoffice")).status_code == 200
    clock.advance(minutes=31)
    assert (await agent.get("/backoffice")).status_code == 303


async def test_sign_out_and_deactivation_end_sessions(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    first = await staff_client(Role.AGENT)
    assert (await first.http.post("/backoffice/logout")).status_code == 403  # no token
    out = await first.post("/backoffice/logout")
    assert out.status_code == 303
    assert (await first.get("/backoffice")).status_code == 303

    second = await staff_client(Role.MARKETER)
    account = next(a for a in await backoffice.accounts.all() if a.username == second.username)
    await backoffice.accounts.set_active(account.id, False)
    assert (await second.get("/backoffice")).status_code == 303


async def test_the_language_changes_the_pages(staff_client: StaffFactory) -> None:
    agent = await staff_client(Role.AGENT)
    assert (await agent.post("/backoffice/language", {"language": "cs"})).status_code == 303
    home = await agent.get("/backoffice")
    assert "Odhlásit se" in home.text
    assert '<html lang="cs">' in home.text
    assert (await agent.post("/backoffice/language", {"language": "xx"})).status_code == 303
    assert "Odhlásit se" in (await agent.get("/backoffice")).text


def test_every_text_exists_in_every_language() -> None:
    english = set(catalog("en"))
    areas = sorted(p.name for p in (FOLDER / "en").glob("*.yaml"))
    for language in LANGUAGES:
        assert sorted(p.name for p in (FOLDER / language).glob("*.yaml")) == areas, language
        keys = set(catalog(language))
        assert keys == english, f"{language}: missing {english - keys}, extra {keys - english}"
        assert all(value.strip() for value in catalog(language).values()), language
