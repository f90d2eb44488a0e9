"""The migrations build exactly the schema the code describes, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.bank import Bank
from core.persistence.tables import metadata


async def test_migrated_schema_matches_the_tables(bank: Bank) -> None:
    def diff(sync_conn: object) -> list[object]:
        context = MigrationContext.configure(sync_conn)  # type: ignore[arg-type]
        return list(compare_metadata(context, metadata))

    async with bank.db.read() as conn:
        assert await conn.run_sync(diff) == []
