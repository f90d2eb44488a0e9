"""The referral migration goes down and up again cleanly on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from core.persistence.database import Database
from core.persistence.migrate import alembic_config, upgrade

TABLES = {
    "referral_programs",
    "partner_cashback_rates",
    "referral_codes",
    "referrals",
    "referral_rewards",
    "identity_fingerprints",
}


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_downgrading_drops_the_referral_tables_and_upgrading_restores_them(
    database: Database,
) -> None:
    assert await tables(database) >= TABLES

    def downgrade(sync_conn: object) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = sync_conn
        command.downgrade(config, "0002")

    async with database.engine.begin() as conn:
        await conn.run_sync(downgrade)
    assert not TABLES & await tables(database)
    await upgrade(database)
    assert await tables(database) >= TABLES
