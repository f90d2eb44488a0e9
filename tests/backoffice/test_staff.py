"""Staff accounts for admins: the list, new local accounts with their TOTP enrolment shown
once, password rules, role changes, deactivation that signs the account out everywhere,
and the admin who cannot lock themselves out."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest
from sqlalchemy import select

from backoffice.accounts import StaffAccount
from backoffice.context import Backoffice
from backoffice.roles import Role
from core.persistence.tables import audit_log
from tests.backoffice.conftest import StaffClient, StaffFactory, sign_in
from tests.fakes import MutableClock

NOT_ADMINS = [r for r in Role if r is not Role.ADMIN]
NEW = {
    "username": "nina.k",
    "name": "Nina Kovalenko",
    "password": "a long and sturdy passphrase",
    "confirmation": "a long and sturdy passphrase",
    "roles": ["agent", "kyc_reviewer"],
}


async def _by_username(backoffice: Backoffice, username: str) -> StaffAccount:
    found = [a for a in await backoffice.accounts.all() if a.username == username]
    assert found, username
    return found[0]


async def _get(backoffice: Backoffice, staff_id: str) -> StaffAccount:
    found = await backoffice.accounts.get(staff_id)
    assert found is not None
    return found


async def _records(
    backoffice: Backoffice, action: str
) -> list[tuple[str, str, dict[str, object]]]:
    async with backoffice.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.action == f"backoffice.{action}")
                .order_by(audit_log.c.id)
            )
        ).all()
    return [(r.actor, r.outcome, dict(r.details)) for r in rows]


async def _signed_in(http: httpx.AsyncClient) -> bool:
    return (await http.get("/backoffice")).status_code == 200


async def test_the_list_shows_roles_and_status(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin = await staff_client(Role.ADMIN)
    other = await staff_client(Role.AGENT, Role.AUDITOR)
    await backoffice.accounts.set_active(
        (await _by_username(backoffice, other.username)).id, False
    )
    page = await admin.get("/backoffice/staff")
    assert page.status_code == 200
    row = re.search(rf"<tr class=\"inactive\">.*?{other.username}.*?</tr>", page.text, re.S)
    assert row is not None
    for shown in ("Agent", "Auditor", "Deactivated", "Password and authenticator app"):
        assert shown in row.group(0)


async def test_a_new_account_shows_its_enrolment_once_and_can_sign_in(
    staff_client: StaffFactory, backoffice: Backoffice, clock: MutableClock, app: object
) -> None:
    admin = await staff_client(Role.ADMIN)
    page = await admin.post("/backoffice/staff/new", NEW)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'src="data:image/svg+xml,' in page.text
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert secret is not None
    account = await _by_username(backoffice, "nina.k")
    assert account.roles == {Role.AGENT, Role.KYC_REVIEWER}
    assert account.source == "local"
    assert await _records(backoffice, "staff_created") == [
        (f"staff:{admin.username}", "ok", {"username": "nina.k", "roles": "agent,kyc_reviewer"})
    ]
    # The enrolment works: the new member signs in with the password and a code from it.
    totp = pyotp.TOTP(secret.group(1).replace(" ", ""))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://teller.test",
        headers={"Accept": "text/html"},
    ) as browser:
        answer = await sign_in(browser, "nina.k", str(NEW["password"]), totp.at(clock.now()))
        assert answer.status_code == 303
        assert await _signed_in(browser)
    # Posting the form again cannot show the code again: the name is taken.
    again = await admin.post("/backoffice/staff/new", NEW)
    assert again.status_code == 422
    assert "That username is taken." in again.text
    assert "data:image/svg+xml" not in again.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "short pass", "confirmation": "short pass"}, "at least 12 characters"),
        ({"confirmation": "a different passphrase!"}, "The two passwords differ."),
        (
            {"password": "nina.k is my password", "confirmation": "nina.k is my password"},
            "must not contain the username",
        ),
        (
            {"password": "aaaaaaaaaaaaaaaa", "confirmation": "aaaaaaaaaaaaaaaa"},
            "at least 5 different characters",
        ),
        ({"roles": []}, "Choose at least one role."),
        ({"username": "nina k!"}, "letters, digits, dots, dashes and underscores"),
    ],
    ids=["short", "mismatch", "username", "repetitive", "no-roles", "bad-username"],
)
async def test_password_and_form_rules_refuse_the_account(
    staff_client: StaffFactory, backoffice: Backoffice, changes: dict[str, object], message: str
) -> None:
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post("/backoffice/staff/new", {**NEW, **changes})
    assert answer.status_code == 422
    assert message in answer.text
    assert "data:image/svg+xml" not in answer.text
    assert not [a for a in await backoffice.accounts.all() if a.username.startswith("nina")]
    assert [outcome for _, outcome, _ in await _records(backoffice, "staff_created")] == [
        "rejected:INVALID"
    ]


async def test_changing_roles_signs_the_member_out_and_is_recorded(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin = await staff_client(Role.ADMIN)
    agent = await staff_client(Role.AGENT)
    target = await _by_username(backoffice, agent.username)
    answer = await admin.post(
        f"/backoffice/staff/{target.id}/roles", {"roles": ["agent", "risk_officer"]}
    )
    assert answer.status_code == 303
    assert (await _get(backoffice, target.id)).roles == {Role.AGENT, Role.RISK_OFFICER}
    assert not await _signed_in(agent.http)
    assert await _records(backoffice, "staff_roles_changed") == [
        (
            f"staff:{admin.username}",
            "ok",
            {"username": agent.username, "before": "agent", "after": "agent,risk_officer"},
        )
    ]
    page = await admin.get(f"/backoffice/staff/{target.id}?done=roles")
    assert "The roles are saved." in page.text


async def test_an_admin_cannot_remove_their_own_admin_role(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin = await staff_client(Role.ADMIN, Role.AUDITOR)
    me = await _by_username(backoffice, admin.username)
    answer = await admin.post(f"/backoffice/staff/{me.id}/roles", {"roles": ["auditor"]})
    assert answer.status_code == 409
    assert (await _get(backoffice, me.id)).roles == {Role.ADMIN, Role.AUDITOR}
    assert [o for _, o, _ in await _records(backoffice, "staff_roles_changed")] == [
        "rejected:OWN_ADMIN"
    ]
    # Other roles of their own they may change; they stay signed in.
    kept = await admin.post(f"/backoffice/staff/{me.id}/roles", {"roles": ["admin"]})
    assert kept.status_code == 303
    assert (await _get(backoffice, me.id)).roles == {Role.ADMIN}
    assert await _signed_in(admin.http)


async def test_deactivating_ends_every_session_and_reactivating_allows_sign_in(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin = await staff_client(Role.ADMIN)
    agent = await staff_client(Role.AGENT)
    target = await _by_username(backoffice, agent.username)
    assert await _signed_in(agent.http)
    assert (await admin.post(f"/backoffice/staff/{target.id}/deactivate")).status_code == 303
    assert not await _signed_in(agent.http)
    assert not (await _get(backoffice, target.id)).active
    assert (await admin.post(f"/backoffice/staff/{target.id}/reactivate")).status_code == 303
    assert (await _get(backoffice, target.id)).active
    assert not await _signed_in(agent.http)  # the old session stays ended
    actions = [
        (action, outcome)
        for action in ("staff_deactivated", "staff_reactivated")
        for _, outcome, _ in await _records(backoffice, action)
    ]
    assert actions == [("staff_deactivated", "ok"), ("staff_reactivated", "ok")]


async def test_an_admin_cannot_deactivate_themselves(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin = await staff_client(Role.ADMIN)
    me = await _by_username(backoffice, admin.username)
    answer = await admin.post(f"/backoffice/staff/{me.id}/deactivate")
    assert answer.status_code == 409
    assert "You cannot deactivate your own account." in answer.text
    assert (await _get(backoffice, me.id)).active
    assert await _signed_in(admin.http)


async def test_roles_of_provider_accounts_are_not_changed_here(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin = await staff_client(Role.ADMIN)
    vouched = await backoffice.accounts.vouched("sub-1", "eva", "Eva", frozenset({Role.AGENT}))
    page = await admin.get(f"/backoffice/staff/{vouched.id}")
    assert "The identity provider decides these roles" in page.text
    answer = await admin.post(f"/backoffice/staff/{vouched.id}/roles", {"roles": ["admin"]})
    assert answer.status_code == 409
    assert (await _get(backoffice, vouched.id)).roles == {Role.AGENT}


async def test_an_unknown_account_is_not_found(staff_client: StaffFactory) -> None:
    admin = await staff_client(Role.ADMIN)
    assert (await admin.get("/backoffice/staff/no-such-id")).status_code == 404
    answer = await admin.post("/backoffice/staff/no-such-id/deactivate")
    assert answer.status_code == 404


@pytest.mark.parametrize("role", NOT_ADMINS, ids=lambda r: r.value)
async def test_other_roles_may_not_manage_staff(
    staff_client: StaffFactory, backoffice: Backoffice, role: Role
) -> None:
    other = await staff_client(role)
    victim = await staff_client(Role.AGENT)
    target = await _by_username(backoffice, victim.username)
    for url in ("/backoffice/staff", "/backoffice/staff/new", f"/backoffice/staff/{target.id}"):
        assert (await other.get(url)).status_code == 403, url
    assert (await other.post("/backoffice/staff/new", NEW)).status_code == 403
    assert (
        await other.post(f"/backoffice/staff/{target.id}/roles", {"roles": ["admin"]})
    ).status_code == 403
    assert (await other.post(f"/backoffice/staff/{target.id}/deactivate")).status_code == 403
    assert (await _get(backoffice, target.id)).roles == {Role.AGENT}
    assert await _signed_in(victim.http)
    assert not [a for a in await backoffice.accounts.all() if a.username == "nina.k"]


async def test_changes_without_the_csrf_token_are_refused_and_change_nothing(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    admin: StaffClient = await staff_client(Role.ADMIN)
    agent = await staff_client(Role.AGENT)
    target = await _by_username(backoffice, agent.username)
    raw = admin.http
    assert (await raw.post("/backoffice/staff/new", data=NEW)).status_code == 403
    roles = await raw.post(f"/backoffice/staff/{target.id}/roles", data={"roles": ["admin"]})
    assert roles.status_code == 403
    assert (await raw.post(f"/backoffice/staff/{target.id}/deactivate")).status_code == 403
    wrong = await raw.post(
        f"/backoffice/staff/{target.id}/deactivate", data={"csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    assert (await _get(backoffice, target.id)).roles == {Role.AGENT}
    assert (await _get(backoffice, target.id)).active
    assert not [a for a in await backoffice.accounts.all() if a.username == "nina.k"]
    assert await _signed_in(agent.http)
