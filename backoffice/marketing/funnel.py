"""A program's whole funnel, per channel: link opened (our tracked links) → conversation
started (flows record the code a chat starts with) → signed up, verified, card issued,
first top-up, rewarded (core's referrals)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import func, select

from backoffice.context import Backoffice
from backoffice.marketing.links import FUNNEL_CHANNEL
from backoffice.store import link_opens
from core.referrals.codes import read_code
from core.referrals.tables import referral_codes
from flows.store.schema import transcript

STAGES = (
    "opened",
    "started",
    "signed_up",
    "verified",
    "card_issued",
    "first_topup",
    "rewarded",
)
TOTAL = "all"
CAPTURED = "referral_captured"  # flows' event when a chat starts with a code


@dataclass
class Funnel:
    """Counts per channel (``all`` for the program) and stage."""

    rows: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, channel: str, stage: str, count: int) -> None:
        for key in (TOTAL, channel):
            row = self.rows.setdefault(key, dict.fromkeys(STAGES, 0))
            row[stage] += count

    def channels(self) -> list[str]:
        """The program's row first, then the channels with anything in them."""
        return [TOTAL, *sorted(k for k in self.rows if k != TOTAL)]

    def get(self, channel: str, stage: str) -> int:
        return self.rows.get(channel, {}).get(stage, 0)


async def program_funnel(bo: Backoffice, program_id: UUID) -> Funnel:
    """``PROGRAM_NOT_FOUND`` (from core) for an unknown program."""
    core = await bo.bank.referrals.funnel(program_id)
    funnel = Funnel()
    funnel.rows[TOTAL] = dict.fromkeys(STAGES, 0)
    async with bo.db.read() as conn:
        opened = await conn.execute(
            select(link_opens.c.channel, func.count())
            .where(link_opens.c.program_id == program_id)
            .group_by(link_opens.c.channel)
        )
        for channel, count in opened:
            funnel.add(FUNNEL_CHANNEL.get(channel, channel), "opened", int(count))
        codes = set(
            (
                await conn.execute(
                    select(referral_codes.c.code).where(referral_codes.c.program_id == program_id)
                )
            ).scalars()
        )
        # The transcript keeps each chat's events as JSON; the pattern narrows the scan
        # to the captured codes, whose JSON is then read to match the program's codes.
        captured = await conn.execute(
            select(transcript.c.channel, transcript.c.user_ref, transcript.c.body).where(
                transcript.c.direction == "event", transcript.c.body.like(f'%"{CAPTURED}"%')
            )
        )
        started: set[tuple[str, str]] = set()
        for channel, user, body in captured:
            code = read_code(str(json.loads(body).get("code", "")))
            if code in codes:
                started.add((FUNNEL_CHANNEL.get(channel, channel), user))
    for channel, _ in started:
        funnel.add(channel, "started", 1)
    stages = ("signed_up", "verified", "card_issued", "first_topup", "rewarded")
    for stage in stages:
        funnel.rows[TOTAL][stage] += getattr(core.total, stage)
    for ref_channel, tally in core.by_channel.items():
        row = funnel.rows.setdefault(ref_channel.value, dict.fromkeys(STAGES, 0))
        for stage in stages:
            row[stage] += getattr(tally, stage)
    return funnel
