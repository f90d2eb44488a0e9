"""A conversation's transcript as an agent reads it: flows' transcript rows (already
redacted by flows) turned into lines said by the customer, the bot, an agent, or noted by
the system (handoff events)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select

from backoffice.inbox.times import HANDOFF_EVENTS, Cycle, cycles
from core.persistence.database import Database
from flows.store.schema import transcript

LIMIT = 300  # the newest lines; older ones stay in flows' transcript
MASK = "••••••"  # what a secret reply shows


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    at: datetime
    who: str  # customer | bot | agent | system
    text: str
    agent: str | None = None  # the agent who wrote it, or whom an event names
    event: str | None = None  # for system lines: the handoff event
    extra: tuple[str, ...] = ()  # button titles, a file's name


@dataclass(frozen=True, slots=True)
class Transcript:
    lines: list[Line]
    cycles: list[Cycle]
    # The flow the customer was in when they last asked for a person (flows empty the
    # stack at the handoff, so the state no longer says).
    flow_before_handoff: str | None = None

    @property
    def last_id(self) -> int:
        return self.lines[-1].id if self.lines else 0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _customer_line(row_id: int, at: datetime, body: dict[str, Any]) -> Line:
    text = str(body.get("text", ""))
    extra: tuple[str, ...] = ()
    if body.get("file"):
        extra = (str(body["file"]),)
    elif not text and body.get("payload"):
        extra = (str(body["payload"]),)
    return Line(row_id, at, "customer", text, extra=extra)


def _reply_line(row_id: int, at: datetime, body: dict[str, Any], agent: str | None) -> Line:
    kind = body.get("type")
    text = MASK if body.get("secret") else str(body.get("text") or body.get("caption") or "")
    extra: tuple[str, ...] = ()
    if kind == "buttons":
        extra = tuple(str(b.get("title", "")) for b in body.get("buttons", []))
    elif kind in ("image", "document"):
        extra = (str(body.get("filename", "")),)
    elif kind == "link":
        extra = (str(body.get("title", "")),)
    elif kind == "request_contact":
        extra = (str(body.get("button", "")),)
    if agent is not None:
        return Line(row_id, at, "agent", text, agent=agent, extra=extra)
    return Line(row_id, at, "bot", text, extra=extra)


async def read(db: Database, channel: str, user: str) -> Transcript:
    """The conversation's newest lines, oldest first, and its handoff cycles."""
    t = transcript.c
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(t.id, t.direction, t.body, t.at)
                .where(and_(t.channel == channel, t.user_ref == user))
                .order_by(t.id.desc())
                .limit(LIMIT)
            )
        ).all()
    lines: list[Line] = []
    events: list[tuple[datetime, str]] = []
    replying: str | None = None  # the agent whose reply the next "out" row is
    last_flow: str | None = None
    before_handoff: str | None = None
    for row in reversed(rows):
        body: dict[str, Any] = json.loads(row.body)
        at = _aware(row.at)
        if row.direction == "in":
            lines.append(_customer_line(row.id, at, body))
        elif row.direction == "out":
            lines.append(_reply_line(row.id, at, body, replying))
            replying = None
        else:
            event = str(body.get("event", ""))
            if event == "flow_started" and body.get("flow") != "handoff":
                last_flow = str(body.get("flow", ""))
            elif event == "handoff_requested":
                before_handoff = last_flow
            if event == "agent_replied":
                replying = str(body.get("agent", ""))
            if event in HANDOFF_EVENTS:
                events.append((at, event))
                if event != "agent_replied":
                    agent = body.get("agent")
                    lines.append(
                        Line(
                            row.id,
                            at,
                            "system",
                            str(body.get("reason", "")),
                            agent=str(agent) if agent else None,
                            event=event,
                            extra=(str(body["by"]),) if body.get("by") else (),
                        )
                    )
    return Transcript(lines, cycles(events), before_handoff)
