"""Applying the schema migrations, from the command line or from ``teller serve``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

from core.persistence.database import Database

_MIGRATIONS = Path(__file__).parent / "migrations"


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
        await conn.run_sync(_upgrade)


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    def _current(sync_conn: object) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()  # type: ignore[arg-type]

    return await conn.run_sync(_current)


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Blocking variant for the command line."""

    async def _main() -> None:
        db = Database(url)
        try:
            await upgrade(db, revision)
        finally:
            await db.dispose()

    asyncio.run(_main())
