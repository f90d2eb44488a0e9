"""Searching the audit log: filters on actor, action prefix, target, outcome and time,
newest first, one page at a time (keyset on the log's global ``id``, so a page stays
cheap however far back an auditor goes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.persistence.tables import audit_log

PAGE = 50


@dataclass(frozen=True, slots=True)
class Query:
    actor: str = ""  # exact, or a prefix ending in "*" ("staff:*")
    action: str = ""  # a prefix ("backoffice." or "payments.transfer")
    target: str = ""  # exact
    outcome: str = ""  # "ok", "rejected" (any rejection) or an exact outcome
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None  # the id of the last record on the previous page

    def details(self) -> dict[str, Any]:
        """The filters as the audit record of the search keeps them."""
        found: dict[str, Any] = {
            k: v for k in ("actor", "action", "target", "outcome") if (v := getattr(self, k))
        }
        if self.since:
            found["since"] = self.since.isoformat()
        if self.until:
            found["until"] = self.until.isoformat()
        if self.before is not None:
            found["before"] = self.before
        return found


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    chain: int
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str
    details: str  # the details as JSON text, shown as plain text


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Entry]
    older: int | None  # ``before`` for the next (older) page, None on the last


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column: Any, value: str) -> ColumnElement[bool]:
    result: ColumnElement[bool] = column.like(_escape_like(value) + "%", escape="\\")
    return result


def _conditions(query: Query) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.actor:
        if query.actor.endswith("*"):
            where.append(_prefix(audit_log.c.actor, query.actor[:-1]))
        else:
            where.append(audit_log.c.actor == query.actor)
    if query.action:
        where.append(_prefix(audit_log.c.action, query.action))
    if query.target:
        where.append(audit_log.c.target == query.target)
    if query.outcome == "rejected":
        where.append(_prefix(audit_log.c.outcome, "rejected:"))
    elif query.outcome:
        where.append(audit_log.c.outcome == query.outcome)
    if query.since is not None:
        where.append(audit_log.c.at >= query.since)
    if query.until is not None:
        where.append(audit_log.c.at < query.until)
    if query.before is not None:
        where.append(audit_log.c.id < query.before)
    return where


async def search(conn: AsyncConnection, query: Query, page: int = PAGE) -> Page:
    """One page of records matching ``query``, newest first."""
    statement = select(audit_log).order_by(audit_log.c.id.desc()).limit(page + 1)
    conditions = _conditions(query)
    if conditions:
        statement = statement.where(and_(*conditions))
    rows = (await conn.execute(statement)).all()
    entries = [
        Entry(
            int(r.id),
            int(r.chain),
            int(r.seq),
            r.at,
            str(r.actor),
            str(r.action),
            str(r.target),
            str(r.outcome),
            json.dumps(r.details, ensure_ascii=False, sort_keys=True),
        )
        for r in rows[:page]
    ]
    older = entries[-1].id if len(rows) > page else None
    return Page(entries, older)
