"""Helpers of the marketing tests: a program form as a browser sends it, the programs and
audit records the bank holds. (No tests here.)"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from core.bank import Bank
from core.persistence.tables import audit_log
from core.referrals.model import Program
from tests.backoffice.conftest import StaffClient

PUBLIC = "https://teller.example"
BOT = "TellerTestBot"


def program_form(**overrides: str) -> dict[str, str]:
    """A partner program running from 2026-01-01 (UTC): 5 EUR for a verified newcomer."""
    return {
        "name": f"Autumn {uuid4().hex[:6]}",
        "kind": "partner",
        "partner_name": "Rohlík",
        "promo_code": "",
        "qualifying_event": "kyc_verified",
        "reward_currency": "EUR",
        "referrer_reward": "0",
        "referee_reward": "5.00",
        "min_topup": "",
        "starts_at": "2026-01-01T00:00",
        "ends_at": "",
        "code_prefix": "",
        "code_length": "8",
        "cap_referrals": "",
        "cap_budget": "1000",
        "cap_per_referrer": "",
        "description_en": "5 EUR for your first verified account",
        "description_uk": "",
        "description_ru": "",
        "description_cs": "",
        **overrides,
    }


async def create(client: StaffClient, **overrides: str) -> UUID:
    """Create a program through the form; its id from the redirect."""
    answer = await client.post("/backoffice/marketing/programs", program_form(**overrides))
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(
        r"/backoffice/marketing/programs/([0-9a-f-]{36})", answer.headers["location"]
    )
    assert found, answer.headers["location"]
    return UUID(found.group(1))


async def programs(bank: Bank) -> list[Program]:
    return await bank.referrals.programs.list_programs()


async def audited(bank: Bank, action: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(actor, target, outcome, details) of every staff record of ``action``, oldest first."""
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.action == action, audit_log.c.actor.startswith("staff:"))
                .order_by(audit_log.c.id)
            )
        ).all()
    return [(r.actor, r.target, r.outcome, dict(r.details)) for r in rows]
