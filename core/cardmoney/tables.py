"""Tables of top-ups and card payouts, on the core's one ``MetaData``.

No column holds a card number in clear: a top-up keeps what the acquirer shares (last
four, brand); a payout keeps the last four, the brand, a keyed blind index, and the
number encrypted only until the network has the payout (docs/decisions/0047).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

cardmoney_topups = Table(
    "cardmoney_topups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),  # credited to the account
    Column("fee", BigInteger, nullable=False),  # the card is charged amount + fee
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("return_url", String(500), nullable=False),
    Column("acquirer_reference", String(100), unique=True),
    Column("payment_url", String(500)),
    Column("card_last4", String(4)),
    Column("card_brand", String(20)),
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    Column("failure_reason", String(40)),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("fee >= 0", name="fee_not_negative"),
)
# The sweep's question: open sessions past their time, and payments still to credit.
Index(
    "ix_cardmoney_topups_status_expires", cardmoney_topups.c.status, cardmoney_topups.c.expires_at
)
Index("ix_cardmoney_topups_account", cardmoney_topups.c.account_id, cardmoney_topups.c.created_at)

cardmoney_payouts = Table(
    "cardmoney_payouts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),  # paid to the card
    Column("fee", BigInteger, nullable=False),  # the account pays amount + fee
    Column("currency", String(3), nullable=False),
    Column("stage", String(10), nullable=False),
    Column("description", String(200), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("card_brand", String(20), nullable=False),
    Column("card_index", String(64), nullable=False),  # keyed blind index of the number
    Column("card_enc", Text),  # the number, encrypted; erased once the network has it
    Column("network_reference", String(100)),
    Column("failure_reason", String(40)),
    # Why the policy wants staff to look first (None: no review); kept for the reviewer.
    Column("review_reasons", String(200)),
    Column("debit_entry_id", Uuid, ForeignKey("entries.id")),
    Column("settle_entry_id", Uuid, ForeignKey("entries.id")),
    Column("reversal_entry_id", Uuid, ForeignKey("entries.id")),
    # The caller's idempotency key, freed again when the ledger refuses the debit.
    Column("idempotency_scope", String(80), nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("checks", Integer, nullable=False),  # "pending" answers from the network so far
    Column("next_check_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("fee >= 0", name="fee_not_negative"),
)
Index(
    "ix_cardmoney_payouts_stage_check",
    cardmoney_payouts.c.stage,
    cardmoney_payouts.c.next_check_at,
)
Index(
    "ix_cardmoney_payouts_customer_card",
    cardmoney_payouts.c.customer_id,
    cardmoney_payouts.c.card_index,
)
