"""The bill payments' tables, on the core's one ``metadata``.

Field values are personal data (phone numbers, contract numbers): stored encrypted with the
Keyring (``fields_enc``), shown masked (``fields_masked``), and compared through a keyed
hash (``target_index``: the customer, the biller and the values) to find saved payees and
the last payment to them without decrypting anything.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from core.persistence.tables import metadata
from core.persistence.types import UtcDateTime

bill_payments = Table(
    "bill_payments",
    metadata,
    Column("id", Uuid, primary_key=True),  # also the reference the biller knows it by
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("biller_id", String(40), nullable=False),
    Column("payee_id", Uuid),  # no foreign key: deleting a payee keeps its payments
    Column("fields_enc", Text, nullable=False),
    Column("fields_masked", JSON, nullable=False),
    Column("target_index", String(64), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("fee", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    # created | submitted | unknown | completed | rejected | declined (core.bills.model)
    Column("status", String(12), nullable=False),
    Column("outcome", String(10)),  # accepted | rejected: the biller's word, decided once
    Column("reason", String(60)),
    Column("provider_reference", String(64)),
    Column("debit_entry_id", Uuid, ForeignKey("entries.id")),
    Column("final_entry_id", Uuid, ForeignKey("entries.id")),
    # Who asked, and the key they asked with: a declined payment frees its key again.
    Column("actor", String(80), nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("checks", Integer, nullable=False),  # times reconciliation asked the biller
    Column("next_check_at", UtcDateTime),  # when reconciliation looks at it; None if final
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("fee >= 0", name="fee_non_negative"),
)
Index("ix_bill_payments_customer_created", bill_payments.c.customer_id, bill_payments.c.created_at)
Index("ix_bill_payments_target", bill_payments.c.target_index, bill_payments.c.created_at)
Index("ix_bill_payments_next_check", bill_payments.c.next_check_at)

bill_payees = Table(
    "bill_payees",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("biller_id", String(40), nullable=False),
    Column("name_enc", Text, nullable=False),  # the customer's own label ("Mum's phone")
    Column("fields_enc", Text, nullable=False),
    Column("fields_masked", JSON, nullable=False),
    Column("target_index", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("customer_id", "target_index"),
)
