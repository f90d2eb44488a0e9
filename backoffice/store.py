"""The back office's tables: staff accounts, sessions, failed sign-ins and the inbox's
internal notes. Created like flows' tables (missing ones at start-up, several processes
taking turns on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from core.persistence.database import Database
from core.persistence.types import UtcDateTime

metadata = MetaData()

staff = Table(
    "backoffice_staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("roles", String(200), nullable=False),  # comma-separated Role values
    Column("source", String(16), nullable=False),  # local | oidc
    Column("password_hash", String(200)),  # argon2id; local accounts only
    Column("totp_secret", String(300)),  # encrypted with the keyring; local accounts only
    Column("last_totp_step", Integer),  # a code is accepted once
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

sessions = Table(
    "backoffice_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 of the cookie's token
    Column("staff_id", String(36), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)

login_failures = Table(
    "backoffice_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, index=True),  # user:<name> or ip:<address>
    Column("at", UtcDateTime, nullable=False, index=True),
)


inbox_notes = Table(
    "backoffice_inbox_notes",
    metadata,
    # Agents' internal notes on a conversation; never sent to the customer.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("user_ref", String(128), nullable=False),
    Column("author", String(64), nullable=False),  # staff username
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_backoffice_inbox_notes_conversation", "channel", "user_ref", "id"),
)

kyc_document_links = Table(
    "backoffice_kyc_document_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the link's random token
    Column("document_id", String(36), nullable=False),
    Column("staff_id", String(36), nullable=False),  # the only one who may open it
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("used_at", UtcDateTime),  # opened once: never again
)


# Marketing's tracked links that people opened (the funnel's first stage).
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

# When each visitor's opening of a link was last counted (see links.open_link). The
# visitor is a keyed hash of the address and the browser, never the address itself.
link_visitors = Table(
    "marketing_link_visitors",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("visitor", String(64), primary_key=True),
    Column("counted_at", UtcDateTime, nullable=False),
)
Index("ix_marketing_link_visitors_counted", link_visitors.c.counted_at)


async def prepare(db: Database) -> None:
    """Create the back office's missing tables."""
    async with db.transaction() as conn:
        if db.backend == "postgresql":
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended('backoffice', 7))")
            )
        await conn.run_sync(metadata.create_all, checkfirst=True)
