"""The FX tables: rates as fetched, admins' overrides, quotes and exchanges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from core.persistence.tables import metadata
from core.persistence.types import BigIntPK, UtcDateTime


class DecimalText(TypeDecorator[Decimal]):
    """A ``Decimal`` stored as its plain text: exact on every backend.

    SQLite has no decimal type (SQLAlchemy would store floats there, and warn); text
    keeps "24.312" exactly as the source published it.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError("a finite Decimal is expected")
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


# Every rate a source gave, per 1 EUR. The newest ``as_of`` of a currency is its rate;
# a source that says the same date again updates it (the ECB corrects rarely, but does).
fx_rates = Table(
    "fx_rates",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("currency", String(3), nullable=False),
    Column("rate", DecimalText, nullable=False),
    Column("source", String(20), nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
    UniqueConstraint("source", "currency", "as_of"),
)
Index("ix_fx_rates_currency_as_of", fx_rates.c.currency, fx_rates.c.as_of)

# A manual rate for a pair (1 base = rate quote) during [valid_from, valid_until).
fx_rate_overrides = Table(
    "fx_rate_overrides",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("base_currency", String(3), nullable=False),
    Column("quote_currency", String(3), nullable=False),
    Column("rate", DecimalText, nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("cancelled_at", UtcDateTime),
    Column("cancelled_by", String(80)),
    CheckConstraint("valid_until > valid_from", name="window"),
)
Index("ix_fx_rate_overrides_valid_until", fx_rate_overrides.c.valid_until)

fx_quotes = Table(
    "fx_quotes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sell_currency", String(3), nullable=False),
    Column("buy_currency", String(3), nullable=False),
    Column("sell_amount", BigInteger, nullable=False),
    Column("buy_amount", BigInteger, nullable=False),
    Column("fixed_side", String(4), nullable=False),  # sell | buy
    Column("mid_rate", DecimalText, nullable=False),
    Column("rate", DecimalText, nullable=False),  # the customer's: buy units per sell unit
    Column("spread_bps", Integer, nullable=False),
    Column("rates_source", String(40), nullable=False),
    Column("rates_as_of", UtcDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    CheckConstraint("sell_amount > 0 AND buy_amount > 0", name="amounts_positive"),
)

# At most one exchange per quote (the unique quote_id); ``pending`` until its ledger
# entry is written, which a retry or the completion job finishes after a crash.
fx_exchanges = Table(
    "fx_exchanges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("quote_id", Uuid, ForeignKey("fx_quotes.id"), nullable=False, unique=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    Column("sell_account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("buy_account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("status", String(10), nullable=False),  # pending | completed
    Column("entry_id", Uuid, ForeignKey("entries.id")),
    # Who asked, and their key: the ledger entry is posted as them, in their key scope.
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(80), nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
)
Index("ix_fx_exchanges_status_created", fx_exchanges.c.status, fx_exchanges.c.created_at)

# Staff's spreads (docs/decisions/0093): one row per pair ("CZK/EUR", codes in order, both
# directions) or the default ("*"). What is not here comes from the deployment settings;
# each change, and who made it, is also in the audit log.
fx_spreads = Table(
    "fx_spreads",
    metadata,
    Column("pair", String(7), primary_key=True),
    Column("bps", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("set_by", String(80), nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
    CheckConstraint("bps >= 0 AND bps <= 2000", name="bps_range"),
)
