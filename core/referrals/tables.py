"""The referral area's tables, on the core's one ``metadata``.

Keyed hashes (blind indexes, ``core.crypto.Keyring.blind_index``) of phones and identity
documents are all the area keeps of them: enough to recognise a person coming back with
a new account, nothing to read a number from.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from core.persistence.tables import metadata
from core.persistence.types import UtcDateTime

referral_programs = Table(
    "referral_programs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # referral | partner
    Column("partner_name", String(80)),
    Column("qualifying_event", String(16), nullable=False),
    Column("min_topup", BigInteger),
    Column("min_topup_currency", String(3)),
    Column("reward_currency", String(3), nullable=False),
    Column("referrer_reward", BigInteger, nullable=False),
    Column("referee_reward", BigInteger, nullable=False),
    Column("code_prefix", String(12), nullable=False),
    Column("code_length", Integer, nullable=False),
    # Caps: NULL is no limit (see core.referrals.model.Caps).
    Column("cap_referrer_rewards", BigInteger),
    Column("cap_referrer_amount", BigInteger),
    Column("cap_referrer_rewards_per_day", BigInteger),
    Column("cap_program_referrals", BigInteger),
    Column("cap_program_amount", BigInteger),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime),
    Column("paused", Boolean, nullable=False),
    Column("descriptions", JSON, nullable=False),  # {"en": …, "cs": …, "ru": …, "uk": …}
    Column("cashback_scope", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

partner_cashback_rates = Table(
    "partner_cashback_rates",
    metadata,
    Column("program_id", Uuid, ForeignKey("referral_programs.id"), primary_key=True),
    Column("category", String(4), primary_key=True),  # ISO 18245 merchant category code
    Column("rate_bp", Integer, nullable=False),
)

referral_codes = Table(
    "referral_codes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("program_id", Uuid, ForeignKey("referral_programs.id"), nullable=False),
    # The referrer for a personal code; NULL for a partner's promo code.
    Column("owner_id", Uuid, ForeignKey("customers.id")),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("program_id", "owner_id"),  # one personal code per customer and program
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Uuid, primary_key=True),
    # One attribution per customer, ever: the unique index is what refuses a second.
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False, unique=True),
    Column("program_id", Uuid, ForeignKey("referral_programs.id"), nullable=False),
    Column("code", String(32), ForeignKey("referral_codes.code"), nullable=False),
    Column("referrer_id", Uuid, ForeignKey("customers.id")),
    Column("channel", String(16)),
    Column("status", String(12), nullable=False),  # attached | qualified | rejected
    Column("rejection", String(24)),
    # The referee's phone's keyed hash when attached and when decided: it stays here when
    # the customer later gives the number up, so the number cannot earn a second time.
    Column("phone_index", String(64)),
    Column("attached_at", UtcDateTime, nullable=False),
    Column("verified_at", UtcDateTime),
    Column("event_at", UtcDateTime),
    Column("decided_at", UtcDateTime),
)
Index("ix_referrals_program_status", referrals.c.program_id, referrals.c.status)
Index("ix_referrals_referrer", referrals.c.referrer_id)
Index("ix_referrals_phone_index", referrals.c.phone_index)

referral_rewards = Table(
    "referral_rewards",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("referral_id", Uuid, ForeignKey("referrals.id"), nullable=False),
    Column("program_id", Uuid, ForeignKey("referral_programs.id"), nullable=False),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),  # who is paid
    Column("role", String(8), nullable=False),  # referrer | referee
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(8), nullable=False),  # pending | paid | skipped
    Column("reason", String(16)),  # why skipped
    # The ledger command's key, derived from what the reward is for (program, referred
    # customer, role): a retried payment finds the first entry instead of paying twice.
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("account_id", Uuid, ForeignKey("accounts.id")),
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime),
    UniqueConstraint("referral_id", "role"),
)
Index("ix_referral_rewards_status", referral_rewards.c.status)
Index(
    "ix_referral_rewards_beneficiary",
    referral_rewards.c.program_id,
    referral_rewards.c.customer_id,
    referral_rewards.c.role,
)

# Keyed hashes of the identity documents the KYC process saw for each customer (a
# renewed passport adds a row: every document a person has shown stays recognisable).
identity_fingerprints = Table(
    "identity_fingerprints",
    metadata,
    Column("customer_id", Uuid, ForeignKey("customers.id"), primary_key=True),
    Column("document_index", String(64), primary_key=True),
    Column("recorded_at", UtcDateTime, nullable=False),
)
Index("ix_identity_fingerprints_document", identity_fingerprints.c.document_index)
