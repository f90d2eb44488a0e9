"""Staff sessions: a random token in a cookie, its hash in the database, an idle timeout,
and the session's CSRF token (synchronizer pattern: every form and htmx request carries
it back)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, insert, select, update

from backoffice.roles import Role, parse_roles
from backoffice.store import sessions as sessions_table
from backoffice.store import staff as staff_table
from core.actors import Actor, ActorKind
from core.persistence.database import Database

LANGUAGES = ("en", "uk", "ru", "cs")
TOUCH_EVERY = timedelta(seconds=30)  # a page view refreshes the idle clock at most this often


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in staff member, as a page sees them."""

    id: str
    username: str
    name: str
    roles: frozenset[Role]
    language: str
    csrf: str
    session: str  # the session's id hash

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.STAFF, self.username)

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(
        self, db: Database, clock: Callable[[], datetime], idle_timeout: timedelta
    ) -> None:
        self._db = db
        self._now = clock
        self.idle_timeout = idle_timeout

    async def start(self, staff_id: str, language: str = "en") -> str:
        """A new session; returns the cookie's token (shown to the browser only)."""
        token = secrets.token_urlsafe(32)
        now = self._now()
        async with self._db.transaction() as conn:
            await conn.execute(
                insert(sessions_table).values(
                    id_hash=_hash(token),
                    staff_id=staff_id,
                    csrf=secrets.token_urlsafe(32),
                    language=language if language in LANGUAGES else "en",
                    created_at=now,
                    seen_at=now,
                )
            )
            # Old sessions are forgotten as new ones start: the table stays small.
            await conn.execute(
                delete(sessions_table).where(sessions_table.c.seen_at < now - timedelta(days=7))
            )
        return token

    async def load(self, token: str) -> Staff | None:
        """The session's staff member, or None when it is unknown, ended, idle too long, or
        the account was deactivated. Refreshes the idle clock."""
        if not token:
            return None
        now = self._now()
        id_hash = _hash(token)
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(
                        sessions_table,
                        staff_table.c.username,
                        staff_table.c.name,
                        staff_table.c.roles,
                        staff_table.c.active,
                    )
                    .join(staff_table, staff_table.c.id == sessions_table.c.staff_id)
                    .where(sessions_table.c.id_hash == id_hash)
                )
            ).first()
        if row is None or row.ended_at is not None or not row.active:
            return None
        seen: datetime = row.seen_at
        if now - seen > self.idle_timeout:
            return None
        if now - seen > TOUCH_EVERY:
            async with self._db.transaction() as conn:
                await conn.execute(
                    update(sessions_table)
                    .where(sessions_table.c.id_hash == id_hash)
                    .values(seen_at=now)
                )
        return Staff(
            str(row.staff_id),
            str(row.username),
            str(row.name),
            parse_roles(str(row.roles)),
            str(row.language),
            str(row.csrf),
            id_hash,
        )

    async def end(self, id_hash: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                update(sessions_table)
                .where(sessions_table.c.id_hash == id_hash)
                .values(ended_at=self._now())
            )

    async def end_all(self, staff_id: str) -> None:
        """Sign a staff member out everywhere (deactivated, roles changed)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                update(sessions_table)
                .where(
                    and_(
                        sessions_table.c.staff_id == staff_id, sessions_table.c.ended_at.is_(None)
                    )
                )
                .values(ended_at=self._now())
            )

    async def set_language(self, id_hash: str, language: str) -> None:
        if language not in LANGUAGES:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                update(sessions_table)
                .where(sessions_table.c.id_hash == id_hash)
                .values(language=language)
            )
