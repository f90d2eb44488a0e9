"""The cards area's tables, on the core's one ``MetaData`` (see core.persistence.schema)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from core.persistence.tables import metadata
from core.persistence.types import UtcDateTime

cards = Table(
    "cards",
    metadata,
    Column("id", Uuid, primary_key=True),  # the card's token everywhere outside the vault
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("currency", String(3), nullable=False),  # the account's, which never changes
    Column("tier", String(16), nullable=False),
    Column("status", String(8), nullable=False),  # active | locked | blocked
    Column("block_reason", String(8)),  # lost | stolen
    # The number only as a Keyring token (key id inside) and a keyed hash for lookups.
    Column("number_enc", Text, nullable=False),
    Column("number_index", String(64), nullable=False, unique=True),
    Column("last4", String(4), nullable=False),
    Column("expiry_year", SmallInteger, nullable=False),
    Column("expiry_month", SmallInteger, nullable=False),
    Column("pin_hash", Text),  # argon2id of a keyed digest; NULL until the customer sets one
    Column("pin_attempts", SmallInteger, nullable=False),
    Column("pin_blocked", Boolean, nullable=False),
    Column("per_transaction_limit", BigInteger, nullable=False),
    Column("daily_limit", BigInteger, nullable=False),
    Column("online_enabled", Boolean, nullable=False),
    Column("atm_enabled", Boolean, nullable=False),
    Column("replaces_card_id", Uuid, ForeignKey("cards.id"), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("per_transaction_limit > 0 AND daily_limit > 0", name="limits_positive"),
    CheckConstraint("pin_attempts >= 0", name="pin_attempts_non_negative"),
)
Index("ix_cards_customer", cards.c.customer_id)

# Single-use reveal tokens: only their SHA-256 is kept.
card_reveals = Table(
    "card_reveals",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("card_id", Uuid, ForeignKey("cards.id"), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_card_reveals_card", card_reveals.c.card_id)

card_authorizations = Table(
    "card_authorizations",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Who sent it (the processor's actor) and its own id for it: the idempotency key.
    Column("processor", String(80), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # keyed: the request holds card data
    Column("card_id", Uuid, ForeignKey("cards.id"), nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("mcc", String(4), nullable=False),
    Column("merchant_name", String(60), nullable=False),
    Column("merchant_id", String(64)),
    Column("status", String(10), nullable=False),
    Column("decline_reason", String(24)),
    Column("hold_id", Uuid, ForeignKey("holds.id")),
    Column("cleared_amount", BigInteger),
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    UniqueConstraint("processor", "reference"),
)
Index(
    "ix_card_authorizations_card_created",
    card_authorizations.c.card_id,
    card_authorizations.c.created_at,
)
Index(
    "ix_card_authorizations_status_created",
    card_authorizations.c.status,
    card_authorizations.c.created_at,
)

# Rates as data: by merchant category code, or by partner (the acquirer's merchant id).
cashback_rates = Table(
    "cashback_rates",
    metadata,
    Column("kind", String(8), primary_key=True),  # mcc | partner | program
    Column("key", String(64), primary_key=True),
    Column("rate_bps", Integer, nullable=False),
    Column("description", String(120), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("rate_bps BETWEEN 200 AND 3300", name="rate_in_range"),
)

# One accrual per cleared purchase, in the month it cleared.
cashback_accruals = Table(
    "cashback_accruals",
    metadata,
    Column("authorization_id", Uuid, ForeignKey("card_authorizations.id"), primary_key=True),
    Column("card_id", Uuid, ForeignKey("cards.id"), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM, UTC
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("rate_bps", Integer, nullable=False),
    Column("source", String(8), nullable=False),  # mcc | partner | program
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
)
Index("ix_cashback_accruals_card_month", cashback_accruals.c.card_id, cashback_accruals.c.month)

# One payout per card and month: its amount is fixed before the ledger entry is posted,
# so a retried payout posts the same entry under the same key.
cashback_payouts = Table(
    "cashback_payouts",
    metadata,
    Column("card_id", Uuid, ForeignKey("cards.id"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(8), nullable=False),  # pending | paid
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime),
    CheckConstraint("amount > 0", name="amount_positive"),
)
Index("ix_cashback_payouts_status", cashback_payouts.c.status)
