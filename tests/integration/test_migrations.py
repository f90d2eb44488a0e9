"""The migrations build exactly the schema the code describes, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from backoffice.store import metadata as backoffice_metadata
from core.audit.chain import GENESIS_HASH, AuditRecord, link_hash
from core.bank import Bank
from core.persistence.database import Database
from core.persistence.migrate import alembic_config, upgrade
from core.persistence.schema import metadata
from core.persistence.tables import audit_head


async def test_migrated_schema_matches_the_tables(bank: Bank) -> None:
    def core_only(name: str | None, type_: str, parent: object) -> bool:
        # flows' and the back office's tables live in the same database but are created
        # by them, not by these migrations (decisions 0067, 0078).
        theirs = (name or "").startswith("flow_") or name in backoffice_metadata.tables
        return not (type_ == "table" and theirs)

    def diff(sync_conn: object) -> list[object]:
        context = MigrationContext.configure(
            sync_conn,  # type: ignore[arg-type]
            opts={"include_name": core_only},
        )
        return list(compare_metadata(context, metadata))

    async with bank.db.read() as conn:
        assert await conn.run_sync(diff) == []


async def test_upgrading_gives_each_audit_head_the_hash_before_its_newest_record(
    database: Database,
) -> None:
    from alembic import command

    def downgrade(sync_conn: object) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = sync_conn
        command.downgrade(config, "0001")

    async with database.engine.begin() as conn:
        await conn.run_sync(downgrade)
        prev = GENESIS_HASH
        for seq in (1, 2):  # two records on chain 7, as the first schema wrote them
            record = AuditRecord(datetime(2026, 1, seq, tzinfo=UTC), "a", "act", "t", "ok", {})
            digest = link_hash(prev, record, seq)
            await conn.execute(
                text(
                    "INSERT INTO audit_log (chain, seq, at, actor, action, target, outcome,"
                    " details, prev_hash, hash) VALUES (7, :seq, :at, 'a', 'act', 't', 'ok',"
                    " '{}', :prev, :hash)"
                ),
                {"seq": seq, "at": record.at, "prev": prev, "hash": digest},
            )
            await conn.execute(
                text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 7"),
                {"seq": seq, "hash": digest},
            )
            prev_of_newest, prev = prev, digest
    await upgrade(database)
    async with database.read() as conn:
        rows = (await conn.execute(select(audit_head.c.id, audit_head.c.prev_hash))).all()
    heads = {row.id: row.prev_hash for row in rows}
    assert heads[7] == prev_of_newest
    assert heads[8] == GENESIS_HASH
