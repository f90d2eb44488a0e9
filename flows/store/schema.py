"""Flows' tables, kept in the bank's database (one file in the embedded default).

They belong to flows, not to the core: the core's migrations do not know them and flows
create them when Teller starts (``prepare``). A change to them ships with its own upgrade
step here.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from flows.ports import Transactions

metadata = MetaData()

conversations = Table(
    "flow_conversations",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("user_ref", String(128), primary_key=True),
    Column("state", Text, nullable=False),  # JSON
    Column("version", Integer, nullable=False),
    Column("customer_id", String(36), index=True),
    Column("handoff", String(16), nullable=False, default="bot"),  # bot | waiting | agent
    Column("handoff_since", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_flow_conversations_handoff", "handoff", "handoff_since"),
)

inbound = Table(
    "flow_inbound",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("message_id", String(128), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

queue = Table(
    "flow_queue",
    metadata,
    # Messages from messengers' webhooks: the webhook only writes here (and answers 200);
    # workers take them per conversation, oldest first, and mark them done. Done rows stay
    # a week as the record of platform message ids, so a redelivery is not queued again.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("user_ref", String(128), nullable=False),
    Column("message_id", String(128), nullable=False),
    Column("body", Text, nullable=False),  # JSON: the inbound message and what to fetch
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("error", String(200)),
    Column("done_at", DateTime(timezone=True)),
    UniqueConstraint("channel", "message_id", name="uq_flow_queue_message"),
    Index("ix_flow_queue_user", "channel", "user_ref", "done_at", "id"),
    Index("ix_flow_queue_waiting", "done_at", "id"),
)

contacts = Table(
    "flow_contacts",
    metadata,
    # Per person and channel: when they last wrote (the 24-hour reply windows) and
    # whether they can be reached at all (unsubscribed, blocked the bot).
    Column("channel", String(32), primary_key=True),
    Column("user_ref", String(128), primary_key=True),
    Column("last_inbound_at", DateTime(timezone=True), nullable=False),
    Column("unreachable", String(200)),
    Column("unreachable_at", DateTime(timezone=True)),
)

outbox = Table(
    "flow_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("user_ref", String(128), nullable=False),
    Column("reply", Text, nullable=False),  # JSON, see flows.messages.reply_to_dict
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("error", String(200)),
    Index("ix_flow_outbox_pending", "status", "channel", "next_attempt_at"),
    Index("ix_flow_outbox_user", "channel", "user_ref", "id"),
)

transcript = Table(
    "flow_transcript",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("user_ref", String(128), nullable=False),
    Column("direction", String(8), nullable=False),  # in | out | event
    Column("body", Text, nullable=False),  # JSON, redacted
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_flow_transcript_user", "channel", "user_ref", "id"),
)

media = Table(
    "flow_media",
    metadata,
    Column("id", String(64), primary_key=True),  # unguessable: it is the capability
    Column("content_type", String(100), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

identities = Table(
    "flow_identities",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("user_ref", String(128), primary_key=True),
    Column("customer_id", String(36), nullable=False, index=True),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

credentials = Table(
    "flow_credentials",
    metadata,
    Column("customer_id", String(36), primary_key=True),
    Column("passcode_hash", String(200)),
    Column("totp_secret", String(200)),  # encrypted with the flows key
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

secure_links = Table(
    "flow_secure_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("used_at", DateTime(timezone=True), nullable=False),
)

text_overrides = Table(
    "flow_text_overrides",
    metadata,
    # Texts marketers published over the catalog's files (flows.text_overrides).
    Column("language", String(8), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("text", Text, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
)


async def prepare(db: Transactions) -> None:
    """Create flows' tables that are missing. Several processes starting together (replicas,
    a benchmark's servers) take turns on PostgreSQL, or two would create the same table."""
    async with db.transaction() as conn:
        if db.backend == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('flows', 7))"))
        await conn.run_sync(metadata.create_all, checkfirst=True)
