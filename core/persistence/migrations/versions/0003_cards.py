"""cards: the vault's cards, reveal tokens, card authorizations, cashback

Card numbers are stored only encrypted (``number_enc``) with a keyed hash for lookups
(``number_index``); no CVV column exists, and PINs are argon2 hashes.

Revision ID: 0003
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.persistence.types


revision = '0003'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cashback_rates',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=120), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rate_bps BETWEEN 200 AND 3300', name=op.f('ck_cashback_rates_rate_in_range')),
    sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_cashback_rates'))
    )
    op.create_table('cards',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('block_reason', sa.String(length=8), nullable=True),
    sa.Column('number_enc', sa.Text(), nullable=False),
    sa.Column('number_index', sa.String(length=64), nullable=False),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('expiry_year', sa.SmallInteger(), nullable=False),
    sa.Column('expiry_month', sa.SmallInteger(), nullable=False),
    sa.Column('pin_hash', sa.Text(), nullable=True),
    sa.Column('pin_attempts', sa.SmallInteger(), nullable=False),
    sa.Column('pin_blocked', sa.Boolean(), nullable=False),
    sa.Column('per_transaction_limit', sa.BigInteger(), nullable=False),
    sa.Column('daily_limit', sa.BigInteger(), nullable=False),
    sa.Column('online_enabled', sa.Boolean(), nullable=False),
    sa.Column('atm_enabled', sa.Boolean(), nullable=False),
    sa.Column('replaces_card_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('per_transaction_limit > 0 AND daily_limit > 0', name=op.f('ck_cards_limits_positive')),
    sa.CheckConstraint('pin_attempts >= 0', name=op.f('ck_cards_pin_attempts_non_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_cards_account_id_accounts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_cards_customer_id_customers')),
    sa.ForeignKeyConstraint(['replaces_card_id'], ['cards.id'], name=op.f('fk_cards_replaces_card_id_cards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cards')),
    sa.UniqueConstraint('number_index', name=op.f('uq_cards_number_index')),
    sa.UniqueConstraint('replaces_card_id', name=op.f('uq_cards_replaces_card_id'))
    )
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_customer', ['customer_id'], unique=False)

    op.create_table('card_authorizations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('processor', sa.String(length=80), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('card_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('mcc', sa.String(length=4), nullable=False),
    sa.Column('merchant_name', sa.String(length=60), nullable=False),
    sa.Column('merchant_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decline_reason', sa.String(length=24), nullable=True),
    sa.Column('hold_id', sa.Uuid(), nullable=True),
    sa.Column('cleared_amount', sa.BigInteger(), nullable=True),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_card_authorizations_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_card_authorizations_account_id_accounts')),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_card_authorizations_card_id_cards')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_card_authorizations_entry_id_entries')),
    sa.ForeignKeyConstraint(['hold_id'], ['holds.id'], name=op.f('fk_card_authorizations_hold_id_holds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_authorizations')),
    sa.UniqueConstraint('processor', 'reference', name=op.f('uq_card_authorizations_processor_reference'))
    )
    with op.batch_alter_table('card_authorizations', schema=None) as batch_op:
        batch_op.create_index('ix_card_authorizations_card_created', ['card_id', 'created_at'], unique=False)
        batch_op.create_index('ix_card_authorizations_status_created', ['status', 'created_at'], unique=False)

    op.create_table('card_reveals',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('card_id', sa.Uuid(), nullable=False),
    sa.Column('expires_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_card_reveals_card_id_cards')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_card_reveals'))
    )
    with op.batch_alter_table('card_reveals', schema=None) as batch_op:
        batch_op.create_index('ix_card_reveals_card', ['card_id'], unique=False)

    op.create_table('cashback_payouts',
    sa.Column('card_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cashback_payouts_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_cashback_payouts_account_id_accounts')),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_cashback_payouts_card_id_cards')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_cashback_payouts_entry_id_entries')),
    sa.PrimaryKeyConstraint('card_id', 'month', name=op.f('pk_cashback_payouts'))
    )
    with op.batch_alter_table('cashback_payouts', schema=None) as batch_op:
        batch_op.create_index('ix_cashback_payouts_status', ['status'], unique=False)

    op.create_table('cashback_accruals',
    sa.Column('authorization_id', sa.Uuid(), nullable=False),
    sa.Column('card_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cashback_accruals_amount_positive')),
    sa.ForeignKeyConstraint(['authorization_id'], ['card_authorizations.id'], name=op.f('fk_cashback_accruals_authorization_id_card_authorizations')),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_cashback_accruals_card_id_cards')),
    sa.PrimaryKeyConstraint('authorization_id', name=op.f('pk_cashback_accruals'))
    )
    with op.batch_alter_table('cashback_accruals', schema=None) as batch_op:
        batch_op.create_index('ix_cashback_accruals_card_month', ['card_id', 'month'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cashback_accruals', schema=None) as batch_op:
        batch_op.drop_index('ix_cashback_accruals_card_month')

    op.drop_table('cashback_accruals')
    with op.batch_alter_table('cashback_payouts', schema=None) as batch_op:
        batch_op.drop_index('ix_cashback_payouts_status')

    op.drop_table('cashback_payouts')
    with op.batch_alter_table('card_reveals', schema=None) as batch_op:
        batch_op.drop_index('ix_card_reveals_card')

    op.drop_table('card_reveals')
    with op.batch_alter_table('card_authorizations', schema=None) as batch_op:
        batch_op.drop_index('ix_card_authorizations_status_created')
        batch_op.drop_index('ix_card_authorizations_card_created')

    op.drop_table('card_authorizations')
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_customer')

    op.drop_table('cards')
    op.drop_table('cashback_rates')
