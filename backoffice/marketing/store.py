"""Marketing's own table: the tracked links people opened (the funnel's first stage)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Uuid

from backoffice.store import metadata
from core.persistence.types import UtcDateTime

link_opens = Table(
    "marketing_link_opens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("program_id", Uuid, nullable=False),
    Column("code", String(32), nullable=False),
    Column("channel", String(32), nullable=False),  # the bots' channel names
    Column("at", UtcDateTime, nullable=False),
)
Index("ix_marketing_link_opens_program", link_opens.c.program_id, link_opens.c.channel)
