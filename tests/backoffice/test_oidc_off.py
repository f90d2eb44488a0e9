"""Without Keycloak settings the sign-in page offers no identity provider and its routes
answer 404 without recording anything."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from backoffice.context import Backoffice
from core.persistence.tables import audit_log


async def test_without_a_provider_there_is_no_sso(
    anonymous: httpx.AsyncClient, backoffice: Backoffice
) -> None:
    page = await anonymous.get("/backoffice/login")
    assert "/backoffice/oidc/login" not in page.text
    assert 'name="password"' in page.text
    for url in ("/backoffice/oidc/login", "/backoffice/oidc/callback?code=x&state=y"):
        answer = await anonymous.get(url)
        assert answer.status_code == 404
        assert "NOT_CONFIGURED" in answer.text
        assert "teller_staff=" not in answer.headers.get("set-cookie", "")
    async with backoffice.db.read() as conn:
        count = (
            await conn.execute(
                select(func.count()).where(audit_log.c.action == "backoffice.sign_in")
            )
        ).scalar_one()
    assert count == 0
