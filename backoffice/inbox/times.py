"""First-response and resolution times, from the handoff events flows write into the
transcript: ``handoff_requested`` (the customer asked for a person), ``handoff_claimed`` /
``handoff_assigned`` (a person took it), ``agent_replied`` and ``handoff_released``.

A conversation may ask for a person several times; each request opens a *cycle* and the
times are per cycle: first response = first agent reply − request, resolution = release −
request. A cycle the customer left before anybody answered has neither.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, or_, select

from core.persistence.database import Database
from flows.store.schema import transcript

HANDOFF_EVENTS = frozenset(
    {
        "handoff_requested",
        "handoff_claimed",
        "handoff_assigned",
        "agent_replied",
        "handoff_released",
    }
)
LOOK_BACK = timedelta(days=7)  # a cycle resolved today may have started days ago


@dataclass
class Cycle:
    requested: datetime
    claimed: datetime | None = None
    first_response: datetime | None = None
    released: datetime | None = None

    @property
    def first_response_time(self) -> timedelta | None:
        return None if self.first_response is None else self.first_response - self.requested

    @property
    def resolution_time(self) -> timedelta | None:
        return None if self.released is None else self.released - self.requested


def cycles(events: Iterable[tuple[datetime, str]]) -> list[Cycle]:
    """The handoff cycles in a conversation's events (time, event name), oldest first."""
    found: list[Cycle] = []
    current: Cycle | None = None
    for at, event in events:
        if event == "handoff_requested":
            current = Cycle(at)
            found.append(current)
        elif current is None:
            continue  # the request is older than what was read
        elif event in ("handoff_claimed", "handoff_assigned"):
            current.claimed = current.claimed or at
        elif event == "agent_replied":
            current.first_response = current.first_response or at
        elif event == "handoff_released":
            current.released = at
            current = None
    return found


@dataclass(frozen=True, slots=True)
class Averages:
    first_response: timedelta | None
    first_responses: int  # cycles first answered today
    resolution: timedelta | None
    resolved: int  # cycles released today


def _mean(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=round(sum(v.total_seconds() for v in values) / len(values)))


def averages(per_conversation: Iterable[list[Cycle]], since: datetime) -> Averages:
    """Averages over cycles answered (first response) or resolved at or after ``since``."""
    firsts: list[timedelta] = []
    resolutions: list[timedelta] = []
    for found in per_conversation:
        for cycle in found:
            if cycle.first_response is not None and cycle.first_response >= since:
                firsts.append(cycle.first_response - cycle.requested)
            if cycle.released is not None and cycle.released >= since:
                resolutions.append(cycle.released - cycle.requested)
    return Averages(_mean(firsts), len(firsts), _mean(resolutions), len(resolutions))


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day: "today" for the whole team, wherever they sit."""
    return datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def today(db: Database, now: datetime) -> Averages:
    """Today's average first-response and resolution times across all conversations."""
    since = start_of_day(now)
    t = transcript.c
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(t.channel, t.user_ref, t.body, t.at)
                .where(
                    and_(
                        t.direction == "event",
                        t.at >= since - LOOK_BACK,
                        or_(t.body.like("%handoff%"), t.body.like("%agent_replied%")),
                    )
                )
                .order_by(t.channel, t.user_ref, t.id)
            )
        ).all()
    grouped: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for row in rows:
        event = str(json.loads(row.body).get("event", ""))
        if event in HANDOFF_EVENTS:
            grouped.setdefault((row.channel, row.user_ref), []).append((_aware(row.at), event))
    return averages((cycles(events) for events in grouped.values()), since)
