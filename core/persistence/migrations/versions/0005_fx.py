"""fx: rates, rate overrides, quotes and exchanges

Rates and rates in quotes are decimals stored as text (exact on SQLite and PostgreSQL,
see ``core.fx.tables.DecimalText``).

Revision ID: 0005
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.persistence.types import BigIntPK, UtcDateTime

revision = "0005"
down_revision = "0009"
branch_labels = None
depends_on = None


def _decimal() -> sa.String:
    return sa.String(length=40)


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", _decimal(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("as_of", UtcDateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint(
            "source", "currency", "as_of", name=op.f("uq_fx_rates_source_currency_as_of")
        ),
    )
    op.create_index("ix_fx_rates_currency_as_of", "fx_rates", ["currency", "as_of"])

    op.create_table(
        "fx_rate_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("quote_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", _decimal(), nullable=False),
        sa.Column("valid_from", UtcDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "valid_until > valid_from", name=op.f("ck_fx_rate_overrides_window")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rate_overrides")),
    )
    op.create_index("ix_fx_rate_overrides_valid_until", "fx_rate_overrides", ["valid_until"])

    op.create_table(
        "fx_quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sell_currency", sa.String(length=3), nullable=False),
        sa.Column("buy_currency", sa.String(length=3), nullable=False),
        sa.Column("sell_amount", sa.BigInteger(), nullable=False),
        sa.Column("buy_amount", sa.BigInteger(), nullable=False),
        sa.Column("fixed_side", sa.String(length=4), nullable=False),
        sa.Column("mid_rate", _decimal(), nullable=False),
        sa.Column("rate", _decimal(), nullable=False),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("rates_source", sa.String(length=40), nullable=False),
        sa.Column("rates_as_of", UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sell_amount > 0 AND buy_amount > 0", name=op.f("ck_fx_quotes_amounts_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_quotes")),
    )

    op.create_table(
        "fx_exchanges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("sell_account_id", sa.Uuid(), nullable=False),
        sa.Column("buy_account_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=80), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["fx_quotes.id"], name=op.f("fk_fx_exchanges_quote_id_fx_quotes")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_fx_exchanges_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["sell_account_id"],
            ["accounts.id"],
            name=op.f("fk_fx_exchanges_sell_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["buy_account_id"],
            ["accounts.id"],
            name=op.f("fk_fx_exchanges_buy_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_fx_exchanges_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_exchanges")),
        sa.UniqueConstraint("quote_id", name=op.f("uq_fx_exchanges_quote_id")),
    )
    op.create_index(
        "ix_fx_exchanges_status_created", "fx_exchanges", ["status", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_fx_exchanges_status_created", table_name="fx_exchanges")
    op.drop_table("fx_exchanges")
    op.drop_table("fx_quotes")
    op.drop_index("ix_fx_rate_overrides_valid_until", table_name="fx_rate_overrides")
    op.drop_table("fx_rate_overrides")
    op.drop_index("ix_fx_rates_currency_as_of", table_name="fx_rates")
    op.drop_table("fx_rates")
