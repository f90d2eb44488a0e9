"""The queue of escalated conversations, read from flows' conversations table (the row
staff tools read; the conversation's own store keeps it current, Redis or SQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.sql.elements import ColumnElement

from core.persistence.database import Database
from flows.store.schema import conversations, transcript

LIMIT = 200  # the oldest first: the ones waiting longest are the ones to see


class View(StrEnum):
    WAITING = "waiting"  # nobody holds them yet
    MINE = "mine"  # held by the signed-in agent
    CLAIMED = "claimed"  # held by any agent


@dataclass(frozen=True, slots=True)
class Escalated:
    """One conversation as the queue and the conversation page see it."""

    channel: str
    user: str
    state: str  # waiting | agent | bot (a released one, reopened from history)
    agent: str | None
    reason: str | None
    language: str
    customer_id: str | None
    since: datetime | None  # when the customer asked for a person
    stack: tuple[str, ...]  # the flows in progress, outermost first

    def waited(self, now: datetime) -> timedelta | None:
        return now - self.since if self.since is not None else None

    @property
    def flow(self) -> str | None:
        return self.stack[-1] if self.stack else None


def _escalated(channel: str, user: str, raw_state: str, row_since: datetime | None) -> Escalated:
    state: dict[str, Any] = json.loads(raw_state)
    handoff: dict[str, Any] = state.get("handoff", {})
    since = row_since
    if since is None and handoff.get("since"):
        since = datetime.fromisoformat(str(handoff["since"]))
    return Escalated(
        channel=channel,
        user=user,
        state=str(handoff.get("state", "bot")),
        agent=handoff.get("agent"),
        reason=handoff.get("reason"),
        language=str(state.get("language", "en")),
        customer_id=state.get("customer_id"),
        since=_aware(since),
        stack=tuple(str(f.get("flow", "")) for f in state.get("stack", [])),
    )


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; flows write them in UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def queue(db: Database, view: View, agent: str) -> list[Escalated]:
    """The conversations a view lists, the longest waiting first."""
    c = conversations.c
    where: ColumnElement[bool] = c.handoff == ("waiting" if view is View.WAITING else "agent")
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(c.channel, c.user_ref, c.state, c.handoff_since)
                .where(where)
                .order_by(c.handoff_since, c.channel, c.user_ref)
                .limit(LIMIT if view is not View.MINE else LIMIT * 5)
            )
        ).all()
    found = [_escalated(r.channel, r.user_ref, r.state, r.handoff_since) for r in rows]
    if view is View.MINE:
        found = [e for e in found if e.agent == agent][:LIMIT]
    return found


async def counts(db: Database, agent: str) -> dict[View, int]:
    """How many conversations each view lists (the tabs' numbers)."""
    waiting = await queue(db, View.WAITING, agent)
    claimed = await queue(db, View.CLAIMED, agent)
    return {
        View.WAITING: len(waiting),
        View.MINE: sum(1 for e in claimed if e.agent == agent),
        View.CLAIMED: len(claimed),
    }


async def find(db: Database, channel: str, user: str) -> Escalated | None:
    """A conversation agents may open: one waiting for or held by a person, or one that
    asked for a person before (its history stays readable). None for any other."""
    c = conversations.c
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(c.channel, c.user_ref, c.state, c.handoff_since).where(
                    and_(c.channel == channel, c.user_ref == user)
                )
            )
        ).first()
        if row is None:
            return None
        found = _escalated(row.channel, row.user_ref, row.state, row.handoff_since)
        if found.state in ("waiting", "agent"):
            return found
        t = transcript.c
        asked = (
            await conn.execute(
                select(t.id)
                .where(
                    and_(
                        t.channel == channel,
                        t.user_ref == user,
                        t.direction == "event",
                        t.body.like('%"handoff_requested"%'),
                    )
                )
                .limit(1)
            )
        ).first()
    return found if asked is not None else None
