"""Applying the schema migrations, from the command line or from ``teller serve``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.persistence.database import Database

_MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x7E11E5  # the advisory lock that serializes migrations on PostgreSQL


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url``, with no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    config = alembic_config(db.url)

    def _upgrade(sync_conn: object) -> None:
        config.attributes["connection"] = sync_conn
        command.upgrade(config, revision)

    async with db.engine.begin() as conn:
        if db.is_postgres:
            # Several replicas may start at once: one migrates, the others wait and find
            # nothing left to do.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        await conn.run_sync(_upgrade)


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    # A plain query: cheaper and quieter than an Alembic migration context per health check.
    try:
        async with conn.begin_nested():
            value = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except DBAPIError:
        return None
    return None if value is None else str(value)


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Blocking variant for the command line."""

    async def _main() -> None:
        db = Database(url)
        try:
            await upgrade(db, revision)
        finally:
            await db.dispose()

    asyncio.run(_main())


def head_revision() -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
