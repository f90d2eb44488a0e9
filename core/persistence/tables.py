"""The bank's tables, as SQLAlchemy Core metadata shared by the code and the migrations.

Core uses SQLAlchemy Core rather than the ORM: the ledger's hot path is a handful of
explicit statements, and every one of them is visible here and in the services.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from core.audit.chain import GENESIS_HASH
from core.persistence.types import BigIntPK, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Personal data is stored encrypted (core.crypto); *_index columns hold keyed hashes
    # so a customer can be found by phone or e-mail without decrypting every row.
    Column("full_name_enc", Text, nullable=False),
    Column("phone_enc", Text),
    Column("phone_index", String(64), unique=True),
    Column("email_enc", Text),
    Column("email_index", String(64), unique=True),
    Column("language", String(8), nullable=False),
    Column("kyc_status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(34), nullable=False, unique=True),
    Column("customer_id", Uuid, ForeignKey("customers.id")),
    Column("kind", String(16), nullable=False),  # customer | bank
    Column("purpose", String(24)),  # bank-side role: settlement, fee_income, ...
    Column("name", String(120), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(8), nullable=False),  # open | frozen | closed
    Column("balance", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    Column("overdraft_limit", BigInteger, nullable=False),
    # Bank-side accounts are the other leg of money entering or leaving the bank and may
    # go negative without limit; customer accounts never pass their overdraft limit.
    Column("allow_negative", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),  # postings so far: the account's seq
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("held >= 0", name="held_non_negative"),
    CheckConstraint("overdraft_limit >= 0", name="overdraft_non_negative"),
    CheckConstraint(
        "allow_negative OR balance - held + overdraft_limit >= 0", name="within_limit"
    ),
    UniqueConstraint("purpose", "currency"),
)
Index("ix_accounts_customer", accounts.c.customer_id)

entries = Table(
    "entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("description", String(200), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("reverses_entry_id", Uuid, ForeignKey("entries.id"), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

postings = Table(
    "postings",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("entry_id", Uuid, ForeignKey("entries.id"), nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),  # signed minor units: + credit, - debit
    Column("currency", String(3), nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("account_seq", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("amount <> 0", name="amount_non_zero"),
    UniqueConstraint("account_id", "account_seq"),
)
Index("ix_postings_entry", postings.c.entry_id)
Index("ix_postings_account_created", postings.c.account_id, postings.c.created_at)

holds = Table(
    "holds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("counterparty_account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(8), nullable=False),  # pending | posted | voided | expired
    Column("posted_amount", BigInteger),
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    Column("description", String(200), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
)
Index("ix_holds_status_expires", holds.c.status, holds.c.expires_at)
Index("ix_holds_account", holds.c.account_id)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("command", String(40), nullable=False),
    # The first result is found again through the resource it created; commands whose
    # resource changes later (holds) also keep the first response body.
    Column("resource_id", Uuid, nullable=False),
    Column("response", JSON),
    Column("created_at", UtcDateTime, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("type", String(60), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
)
Index("ix_events_unpublished", events.c.published_at, events.c.id)
# Subscribers scan the outbox by event type from their position (core.jobqueue).
Index("ix_events_type_id", events.c.type, events.c.id)

audit_log = Table(
    "audit_log",
    metadata,
    # The order records were written in, across chains (for "newest first" listings).
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("chain", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target", String(80), nullable=False),
    Column("outcome", String(60), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain", "seq"),
)

# One row per chain (id = chain number): its newest sequence number and hash. Updating it
# serializes appends to that chain, which is what makes it a chain; removing the newest
# records is caught because the head no longer matches the log. ``prev_hash`` is the hash
# before the newest record: one UPDATE advances the head and hands back both hashes.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False, server_default=GENESIS_HASH),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)
