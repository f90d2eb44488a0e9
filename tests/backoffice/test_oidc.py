"""Sign-in with Keycloak against a fake OpenID provider on loopback: the right answer
opens a session with the mapped roles; a wrong state, nonce, audience or issuer, an
expired token, a token signed by another key, a wrong PKCE verifier or no mapped role are
refused, recorded, and open no session."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from backoffice.context import Backoffice
from backoffice.oidc.provider import mapped_roles, realm_of
from backoffice.roles import Role
from core.persistence.tables import audit_log
from teller.backoffice import backoffice_config
from teller.settings import ConfigurationError, Settings
from tests.backoffice.oidc_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeProvider,
    new_key,
    running_provider,
)

CALLBACK = "http://127.0.0.1:8000/backoffice/oidc/callback"  # from the settings' base URL


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, provider: FakeProvider) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        nlu_engine="off",
        oidc_issuer=provider.issuer,
        backoffice_oidc_client_id=CLIENT_ID,
        backoffice_oidc_client_secret=CLIENT_SECRET,
    )


async def _start(anonymous: httpx.AsyncClient, language: str = "en") -> str:
    answer = await anonymous.get(
        "/backoffice/oidc/login", params={"next": "/backoffice/audit", "lang": language}
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


async def _sign_ins(backoffice: Backoffice) -> list[tuple[str, str, dict[str, Any]]]:
    async with backoffice.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.action == "backoffice.sign_in")
                .order_by(audit_log.c.id)
            )
        ).all()
    return [(r.actor, r.outcome, dict(r.details)) for r in rows]


async def test_the_login_page_offers_the_identity_provider(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/backoffice/login", params={"next": "/backoffice/kyc"})
    assert 'href="/backoffice/oidc/login?lang=en&amp;next=/backoffice/kyc"' in page.text
    assert 'name="password"' in page.text  # local sign-in stays on unless turned off


async def test_a_right_sign_in_opens_a_session_with_the_mapped_roles(
    anonymous: httpx.AsyncClient, provider: FakeProvider, backoffice: Backoffice
) -> None:
    target = await _start(anonymous, "cs")
    assert target.startswith(f"{provider.issuer}/protocol/openid-connect/auth?")
    flow_cookie = anonymous.cookies.get("teller_staff_oidc", path="/backoffice/oidc")
    assert flow_cookie
    back = provider.authorize(target)
    answer = await anonymous.get("/backoffice/oidc/callback", params=back)
    assert answer.status_code == 200, answer.text
    assert 'http-equiv="refresh" content="0; url=/backoffice/audit"' in answer.text
    assert "Jste přihlášeni" in answer.text  # the language chosen on the sign-in page
    cookie = answer.headers.get_list("set-cookie")
    assert any(c.startswith("teller_staff=") and "SameSite=strict" in c for c in cookie)
    # The token request carried the PKCE verifier, the client's secret and the same
    # redirect URI as the authorization request.
    (request,) = provider.token_requests
    assert request["redirect_uri"] == CALLBACK
    assert len(request["code_verifier"]) >= 43
    page = await anonymous.get("/backoffice/audit")
    assert page.status_code == 200
    accounts = [a for a in await backoffice.accounts.all() if a.source == "oidc"]
    assert [(a.username, a.name, a.roles) for a in accounts] == [
        ("anna@sso", "Anna Novak", frozenset({Role.AGENT, Role.AUDITOR}))
    ]
    assert ("staff:anna@sso", "ok", {"address": "127.0.0.1", "method": "oidc"}) in (
        await _sign_ins(backoffice)
    )
    # The next sign-in takes the provider's roles of that moment.
    again = provider.authorize(
        await _start(anonymous), realm_access={"roles": ["teller-kyc-reviewer"]}
    )
    assert (await anonymous.get("/backoffice/oidc/callback", params=again)).status_code == 200
    (account,) = [a for a in await backoffice.accounts.all() if a.source == "oidc"]
    assert account.roles == {Role.KYC_REVIEWER}


def _wrong_state(back: dict[str, str]) -> None:
    back["state"] = "forged-state"


REFUSALS: list[tuple[str, dict[str, Any], Any, str]] = [
    ("state", {}, _wrong_state, "STATE_MISMATCH"),
    ("nonce", {"nonce": "another-sign-in"}, None, "NONCE_MISMATCH"),
    ("audience", {"aud": "teller-api", "azp": "teller-api"}, None, "INVALID_ID_TOKEN"),
    ("issuer", {"iss": "http://127.0.0.1:9/realms/other"}, None, "INVALID_ID_TOKEN"),
    (
        "expired",
        {"iat": int(time.time()) - 900, "exp": int(time.time()) - 600},
        None,
        "INVALID_ID_TOKEN",
    ),
    ("other-key", {"_other_key": True}, None, "INVALID_ID_TOKEN"),
    ("no-nonce", {"nonce": None}, None, "INVALID_ID_TOKEN"),
    ("no-role", {"realm_access": {"roles": ["offline_access", "agent"]}}, None, "NO_ROLE"),
]


@pytest.mark.parametrize(
    ("changes", "tamper", "code"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
async def test_a_wrong_answer_is_refused_and_opens_no_session(
    anonymous: httpx.AsyncClient,
    provider: FakeProvider,
    backoffice: Backoffice,
    changes: dict[str, Any],
    tamper: Any,
    code: str,
) -> None:
    changes = dict(changes)
    key = new_key() if changes.pop("_other_key", False) else None
    back = provider.authorize(await _start(anonymous), key=key, **changes)
    if tamper is not None:
        tamper(back)
    answer = await anonymous.get("/backoffice/oidc/callback", params=back)
    assert answer.status_code == 403
    assert code in answer.text
    assert not any(c.startswith("teller_staff=") for c in answer.headers.get_list("set-cookie"))
    assert (await anonymous.get("/backoffice")).status_code == 303
    assert [a for a in await backoffice.accounts.all() if a.source == "oidc"] == []
    outcomes = [outcome for _, outcome, _ in await _sign_ins(backoffice)]
    assert outcomes == [f"rejected:{code}"]


async def test_a_wrong_pkce_verifier_is_refused(
    anonymous: httpx.AsyncClient, provider: FakeProvider, backoffice: Backoffice
) -> None:
    back = provider.authorize(await _start(anonymous))
    provider.grants[back["code"]].challenge = "not-the-challenge-of-this-verifier"
    answer = await anonymous.get("/backoffice/oidc/callback", params=back)
    assert answer.status_code == 403
    assert "CODE_REFUSED" in answer.text
    assert (await anonymous.get("/backoffice")).status_code == 303


async def test_a_callback_without_its_attempt_is_refused(
    anonymous: httpx.AsyncClient, provider: FakeProvider, app: Any
) -> None:
    back = provider.authorize(await _start(anonymous))
    # Another browser (no attempt cookie) brings the same code and state.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://teller.test"
    ) as other:
        answer = await other.get("/backoffice/oidc/callback", params=back)
        assert answer.status_code == 403
        assert "STATE_MISMATCH" in answer.text
        assert (await other.get("/backoffice", headers={"Accept": "text/html"})).status_code == 303
    assert back["code"] in provider.grants  # the code was never even exchanged


async def test_a_deactivated_account_is_refused(
    anonymous: httpx.AsyncClient, provider: FakeProvider, backoffice: Backoffice
) -> None:
    first = provider.authorize(await _start(anonymous))
    assert (await anonymous.get("/backoffice/oidc/callback", params=first)).status_code == 200
    (account,) = [a for a in await backoffice.accounts.all() if a.source == "oidc"]
    await backoffice.accounts.set_active(account.id, False)
    anonymous.cookies.clear()
    again = provider.authorize(await _start(anonymous))
    answer = await anonymous.get("/backoffice/oidc/callback", params=again)
    assert answer.status_code == 403
    assert "DEACTIVATED" in answer.text


async def test_a_second_subject_with_a_taken_username_is_refused(
    anonymous: httpx.AsyncClient, provider: FakeProvider, backoffice: Backoffice
) -> None:
    await backoffice.accounts.vouched("an-older-subject", "anna", "Anna", frozenset({Role.AGENT}))
    back = provider.authorize(await _start(anonymous))
    answer = await anonymous.get("/backoffice/oidc/callback", params=back)
    assert answer.status_code == 403
    assert "USERNAME_TAKEN" in answer.text
    assert (await anonymous.get("/backoffice")).status_code == 303


async def _signed_in_csrf(anonymous: httpx.AsyncClient, provider: FakeProvider) -> str:
    back = provider.authorize(await _start(anonymous))
    assert (await anonymous.get("/backoffice/oidc/callback", params=back)).status_code == 200
    page = await anonymous.get("/backoffice/audit")
    assert page.status_code == 200
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def test_signing_out_ends_the_provider_s_session_too(
    anonymous: httpx.AsyncClient, provider: FakeProvider, backoffice: Backoffice
) -> None:
    csrf = await _signed_in_csrf(anonymous, provider)
    sealed = anonymous.cookies.get("teller_staff_oidc_id", path="/backoffice")
    assert sealed
    assert provider.id_tokens[-1] not in sealed  # kept encrypted, not as it came

    answer = await anonymous.post("/backoffice/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{provider.issuer}/protocol/openid-connect/logout"
    )
    assert parse_qs(target.query) == {
        "client_id": [CLIENT_ID],
        "id_token_hint": [provider.id_tokens[-1]],
        "post_logout_redirect_uri": ["http://127.0.0.1:8000/backoffice/login"],
    }
    assert anonymous.cookies.get("teller_staff_oidc_id", path="/backoffice") is None
    assert (await anonymous.get("/backoffice/audit")).status_code == 303  # Teller's ended


async def test_without_the_provider_s_end_session_signing_out_ends_teller_s_session(
    anonymous: httpx.AsyncClient, provider: FakeProvider
) -> None:
    csrf = await _signed_in_csrf(anonymous, provider)
    provider.end_session = False
    answer = await anonymous.post("/backoffice/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/backoffice/login"
    assert (await anonymous.get("/backoffice/audit")).status_code == 303


async def test_a_forged_id_token_cookie_sends_nobody_to_the_provider(
    anonymous: httpx.AsyncClient, provider: FakeProvider
) -> None:
    csrf = await _signed_in_csrf(anonymous, provider)
    anonymous.cookies.set("teller_staff_oidc_id", "v1.forged", path="/backoffice")
    answer = await anonymous.post("/backoffice/logout", data={"csrf_token": csrf})
    assert answer.headers["location"] == "/backoffice/login"


async def test_password_sign_in_can_be_turned_off(
    anonymous: httpx.AsyncClient, backoffice: Backoffice
) -> None:
    backoffice.config.local_signin = False
    page = await anonymous.get("/backoffice/login")
    assert 'name="password"' not in page.text
    assert 'href="/backoffice/oidc/login?' in page.text
    answer = await anonymous.post(
        "/backoffice/login",
        data={
            "username": "anyone",
            "password": "whatever it is",
            "code": "123456",
            # The form is gone; a hand-made post carries the sign-in cookie's token.
            "csrf_token": anonymous.cookies.get("teller_staff_login", path="/backoffice") or "",
        },
    )
    assert answer.status_code == 403
    assert "Sign-in with a password is turned off here." in answer.text


def test_turning_password_sign_in_off_needs_the_identity_provider(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, backoffice_local_signin=False)
    with pytest.raises(ConfigurationError):
        backoffice_config(settings)


def test_the_realm_comes_from_the_issuer() -> None:
    assert realm_of("http://keycloak:8080/realms/teller") == ("http://keycloak:8080/", "teller")
    assert realm_of("https://id.bank.example/auth/realms/staff/") == (
        "https://id.bank.example/auth/",
        "staff",
    )
    with pytest.raises(ValueError, match="realm"):
        realm_of("https://id.bank.example/")


def test_realm_roles_map_by_prefix() -> None:
    claims = {"realm_access": {"roles": ["teller-risk-officer", "teller-admin", "admin", 7]}}
    assert mapped_roles(claims, "teller-") == {Role.RISK_OFFICER, Role.ADMIN}
    assert mapped_roles({"realm_access": "admin"}, "teller-") == frozenset()
    assert mapped_roles({}, "teller-") == frozenset()
