"""The audit log in the back office: searched and paged newest first, the chains verified
on demand (and a broken link shown), details as escaped text, readers only, reading itself
recorded."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backoffice.context import Backoffice
from backoffice.roles import Role
from core.actors import Actor, ActorKind
from core.audit import log as audit_log
from core.persistence.tables import audit_log as audit_table
from tests.backoffice.conftest import StaffFactory
from tests.fakes import MutableClock

ALL_BUT_READERS = [r for r in Role if r not in (Role.AUDITOR, Role.ADMIN)]


async def _write(backoffice: Backoffice, clock: MutableClock, *records: tuple[str, ...]) -> None:
    """Records (actor, action, target[, outcome]) one second apart."""
    for actor, action, target, *outcome in records:
        clock.advance(seconds=1)
        async with backoffice.db.transaction() as conn:
            await audit_log.record(
                conn,
                clock.now(),
                Actor(ActorKind.STAFF, actor),
                action,
                target,
                {"note": f"{action} on {target}"},
                outcome[0] if outcome else "ok",
            )


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


async def test_the_log_is_searched_by_actor_action_target_outcome_and_time(
    staff_client: StaffFactory, backoffice: Backoffice, clock: MutableClock
) -> None:
    auditor = await staff_client(Role.AUDITOR)
    await _write(
        backoffice,
        clock,
        ("anna", "backoffice.kyc_approved", "kyc:1"),
        ("boris", "backoffice.kyc_rejected", "kyc:2"),
        ("anna", "payments.transfer", "account:7", "rejected:INSUFFICIENT_FUNDS"),
    )
    middle = clock.now() - timedelta(seconds=1)

    by_actor = _rows((await auditor.get("/backoffice/audit", params={"actor": "staff:anna"})).text)
    assert len(by_actor) == 2
    assert all("staff:anna" in r for r in by_actor)
    assert "payments.transfer" in by_actor[0]  # newest first

    prefix = await auditor.get(
        "/backoffice/audit", params={"actor": "staff:*", "action": "backoffice.kyc"}
    )
    assert [("kyc:2" in r, "kyc:1" in r) for r in _rows(prefix.text)] == [
        (True, False),
        (False, True),
    ]

    target = _rows((await auditor.get("/backoffice/audit", params={"target": "kyc:2"})).text)
    assert len(target) == 1
    assert "staff:boris" in target[0]

    rejected = _rows((await auditor.get("/backoffice/audit", params={"outcome": "rejected"})).text)
    assert len(rejected) == 1
    assert "rejected:INSUFFICIENT_FUNDS" in rejected[0]

    window = {
        "since": middle.strftime("%Y-%m-%dT%H:%M:%S"),
        "until": (middle + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S"),
    }
    timed = _rows((await auditor.get("/backoffice/audit", params=window)).text)
    assert len(timed) == 1
    assert "kyc:2" in timed[0]

    # An action prefix is literal: "%" and "_" match themselves, not anything.
    wild = _rows((await auditor.get("/backoffice/audit", params={"action": "%"})).text)
    assert wild == []


async def test_pages_go_back_in_time_fifty_at_a_time(
    staff_client: StaffFactory, backoffice: Backoffice, clock: MutableClock
) -> None:
    auditor = await staff_client(Role.AUDITOR)
    await _write(backoffice, clock, *[("bulk", "test.bulk", f"item:{i}") for i in range(60)])
    first = await auditor.get("/backoffice/audit", params={"action": "test.bulk"})
    rows = _rows(first.text)
    assert len(rows) == 50
    assert "item:59" in rows[0]
    assert "item:10" in rows[-1]
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older is not None
    second = await auditor.get(older.group(1).replace("&amp;", "&"))
    rows = _rows(second.text)
    assert len(rows) == 10
    assert "item:9" in rows[0]
    assert "item:0" in rows[-1]
    assert 'rel="next"' not in second.text


async def test_details_are_shown_as_escaped_text(
    staff_client: StaffFactory, backoffice: Backoffice, clock: MutableClock
) -> None:
    auditor = await staff_client(Role.AUDITOR)
    async with backoffice.db.transaction() as conn:
        await audit_log.record(
            conn,
            clock.now(),
            "staff:mallory",
            "test.xss",
            "x:1",
            {"name": "<script>alert(1)</script>"},
        )
    page = await auditor.get("/backoffice/audit", params={"action": "test.xss"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_verifying_shows_the_chains_intact(
    staff_client: StaffFactory, backoffice: Backoffice, clock: MutableClock
) -> None:
    admin = await staff_client(Role.ADMIN)
    await _write(backoffice, clock, ("anna", "test.one", "x:1"), ("anna", "test.two", "x:2"))
    answer = await admin.post("/backoffice/audit/verify", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert 'data-chain="ok"' in answer.text
    assert "Verified:" in answer.text
    # Without htmx the whole page comes back with the result in it.
    page = await admin.post("/backoffice/audit/verify")
    assert page.status_code == 200
    assert 'data-chain="ok"' in page.text
    assert "<table" in page.text
    async with backoffice.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_table).where(audit_table.c.action == "backoffice.audit_verified")
            )
        ).all()
    assert len(rows) == 2
    assert rows[0].details["problems"] == 0


@pytest.mark.tampers
async def test_a_tampered_record_shows_the_first_broken_link(
    staff_client: StaffFactory, backoffice: Backoffice, clock: MutableClock
) -> None:
    auditor = await staff_client(Role.AUDITOR)
    await _write(backoffice, clock, ("anna", "test.one", "x:1"))
    async with backoffice.db.transaction() as conn:
        await conn.execute(
            update(audit_table)
            .where(audit_table.c.action == "test.one")
            .values(details={"note": "rewritten"})
        )
        row = (
            await conn.execute(select(audit_table).where(audit_table.c.action == "test.one"))
        ).one()
    answer = await auditor.post("/backoffice/audit/verify", headers={"HX-Request": "true"})
    assert 'data-chain="broken"' in answer.text
    assert f"chain {row.chain} record {row.seq}: content does not match its hash" in answer.text


async def test_reading_the_log_is_recorded_with_the_filters(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    auditor = await staff_client(Role.AUDITOR)
    await auditor.get("/backoffice/audit", params={"actor": "staff:anna", "outcome": "rejected"})
    async with backoffice.db.read() as conn:
        row = (
            await conn.execute(
                select(audit_table).where(audit_table.c.action == "backoffice.audit_searched")
            )
        ).one()
    assert row.actor == f"staff:{auditor.username}"
    assert row.details == {"actor": "staff:anna", "outcome": "rejected"}


@pytest.mark.parametrize("role", ALL_BUT_READERS, ids=lambda r: r.value)
async def test_other_roles_may_not_read_the_log(staff_client: StaffFactory, role: Role) -> None:
    other = await staff_client(role)
    assert (await other.get("/backoffice/audit")).status_code == 403
    assert (await other.post("/backoffice/audit/verify")).status_code == 403


async def test_verifying_without_the_csrf_token_is_refused_and_not_recorded(
    staff_client: StaffFactory, backoffice: Backoffice
) -> None:
    auditor = await staff_client(Role.AUDITOR)
    answer = await auditor.http.post("/backoffice/audit/verify", data={})
    assert answer.status_code == 403
    async with backoffice.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_table).where(audit_table.c.action == "backoffice.audit_verified")
            )
        ).all()
    assert rows == []


async def test_signed_out_visitors_are_sent_to_sign_in(anonymous: httpx.AsyncClient) -> None:
    answer = await anonymous.get("/backoffice/audit")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/backoffice/login")
