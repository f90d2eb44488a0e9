"""The payments area's tables, on the core's one ``metadata``."""

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
    String,
    Table,
    Text,
    Uuid,
)

from core.persistence.tables import metadata
from core.persistence.types import UtcDateTime

# -- configuration staff change (the shipped defaults live in code) ------------------------

payment_fee_rules = Table(
    "payment_fee_rules",
    metadata,
    Column("operation", String(24), primary_key=True),
    Column("currency", String(3), primary_key=True),  # an ISO code or "*"
    Column("fixed", BigInteger, nullable=False),
    Column("percent_bp", Integer, nullable=False),
    Column("minimum", BigInteger, nullable=False),
    Column("maximum", BigInteger),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(80), nullable=False),
)

payment_limit_rules = Table(
    "payment_limit_rules",
    metadata,
    Column("kyc_level", String(8), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("daily", BigInteger, nullable=False),
    Column("monthly", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(80), nullable=False),
)

# Named JSON documents: the risk rules ("risk").
payment_settings = Table(
    "payment_settings",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(80), nullable=False),
)

payment_switches = Table(
    "payment_switches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("scope", String(16), nullable=False),
    Column("currency", String(3)),  # None: every currency
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime),  # None: until lifted
    Column("reason", String(200), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("lifted_at", UtcDateTime),
    Column("lifted_by", String(80)),
)
Index("ix_payment_switches_lifted_scope", payment_switches.c.lifted_at, payment_switches.c.scope)

# -- limits: one counter per customer, currency and period; one row per reservation -------

payment_limit_usage = Table(
    "payment_limit_usage",
    metadata,
    Column("customer_id", Uuid, ForeignKey("customers.id"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("period", String(10), primary_key=True),  # "2026-03-02" or "2026-03"
    Column("used", BigInteger, nullable=False),
    CheckConstraint("used >= 0", name="used_non_negative"),
)

payment_limit_reservations = Table(
    "payment_limit_reservations",
    metadata,
    Column("reference", String(80), primary_key=True),  # "payment:<id>", "bill:<id>", …
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("operation", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("day", String(10), nullable=False),
    Column("month", String(7), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime),
    CheckConstraint("amount > 0", name="amount_positive"),
)
Index(
    "ix_payment_limit_reservations_customer_created",
    payment_limit_reservations.c.customer_id,
    payment_limit_reservations.c.created_at,
)

# When a customer's phone or e-mail last changed (fed by ``customer.contact_changed``).
payment_contact_changes = Table(
    "payment_contact_changes",
    metadata,
    Column("customer_id", Uuid, ForeignKey("customers.id"), primary_key=True),
    Column("changed_at", UtcDateTime, nullable=False),
)

# -- transfers between customers and money requests ----------------------------------------

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("payer_customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("source_account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("recipient_customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("destination_account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("recipient_kind", String(16), nullable=False),  # how the payer named them
    # What the payer was shown ("Ivan P." and the account's last digits), encrypted.
    Column("recipient_label_enc", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("fee", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("description", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("risk_score", Integer, nullable=False),
    Column("risk_reasons", JSON, nullable=False),
    Column("held", Boolean, nullable=False),  # the risk review's verdict at creation
    Column("hold_id", Uuid, ForeignKey("holds.id")),
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    Column("decision", String(10)),  # approved | rejected | expired
    Column("reviewed_by", String(80)),
    Column("reviewed_at", UtcDateTime),
    Column("review_note", String(200)),
    Column("review_deadline", UtcDateTime),
    Column("failure_code", String(40)),
    Column("money_request_id", Uuid),
    # The caller's key, freed again if the ledger refuses the transfer.
    Column("idempotency_scope", String(80), nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("fee >= 0", name="fee_non_negative"),
)
Index("ix_payments_status_updated", payments.c.status, payments.c.updated_at)
Index("ix_payments_payer_created", payments.c.payer_customer_id, payments.c.created_at)
Index(
    "ix_payments_payer_recipient", payments.c.payer_customer_id, payments.c.recipient_customer_id
)

money_requests = Table(
    "money_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("requester_customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("requester_account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("payer_customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("note_enc", Text),  # the requester's words, encrypted like personal data
    Column("status", String(12), nullable=False),
    Column("payment_id", Uuid, ForeignKey("payments.id")),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
)
Index(
    "ix_money_requests_payer_status", money_requests.c.payer_customer_id, money_requests.c.status
)
Index(
    "ix_money_requests_requester_status",
    money_requests.c.requester_customer_id,
    money_requests.c.status,
)
Index("ix_money_requests_status_expires", money_requests.c.status, money_requests.c.expires_at)
