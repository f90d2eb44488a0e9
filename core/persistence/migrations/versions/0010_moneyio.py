"""moneyio: top-ups from and payouts to cards of other banks (no card number in clear)

Revision ID: 0010
Revises: 0003
Create Date: 2026-11-30 05:40:51.383072
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.persistence.types


revision = '0010'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cardmoney_payouts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('card_last4', sa.String(length=4), nullable=False),
    sa.Column('card_brand', sa.String(length=20), nullable=False),
    sa.Column('card_index', sa.String(length=64), nullable=False),
    sa.Column('card_enc', sa.Text(), nullable=True),
    sa.Column('network_reference', sa.String(length=100), nullable=True),
    sa.Column('failure_reason', sa.String(length=40), nullable=True),
    sa.Column('review_reasons', sa.String(length=200), nullable=True),
    sa.Column('debit_entry_id', sa.Uuid(), nullable=True),
    sa.Column('settle_entry_id', sa.Uuid(), nullable=True),
    sa.Column('reversal_entry_id', sa.Uuid(), nullable=True),
    sa.Column('idempotency_scope', sa.String(length=80), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('next_check_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cardmoney_payouts_amount_positive')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_cardmoney_payouts_fee_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_cardmoney_payouts_account_id_accounts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_cardmoney_payouts_customer_id_customers')),
    sa.ForeignKeyConstraint(['debit_entry_id'], ['entries.id'], name=op.f('fk_cardmoney_payouts_debit_entry_id_entries')),
    sa.ForeignKeyConstraint(['reversal_entry_id'], ['entries.id'], name=op.f('fk_cardmoney_payouts_reversal_entry_id_entries')),
    sa.ForeignKeyConstraint(['settle_entry_id'], ['entries.id'], name=op.f('fk_cardmoney_payouts_settle_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cardmoney_payouts'))
    )
    with op.batch_alter_table('cardmoney_payouts', schema=None) as batch_op:
        batch_op.create_index('ix_cardmoney_payouts_customer_card', ['customer_id', 'card_index'], unique=False)
        batch_op.create_index('ix_cardmoney_payouts_stage_check', ['stage', 'next_check_at'], unique=False)

    op.create_table('cardmoney_topups',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('return_url', sa.String(length=500), nullable=False),
    sa.Column('acquirer_reference', sa.String(length=100), nullable=True),
    sa.Column('payment_url', sa.String(length=500), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('card_brand', sa.String(length=20), nullable=True),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('failure_reason', sa.String(length=40), nullable=True),
    sa.Column('expires_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cardmoney_topups_amount_positive')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_cardmoney_topups_fee_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_cardmoney_topups_account_id_accounts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_cardmoney_topups_customer_id_customers')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_cardmoney_topups_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cardmoney_topups')),
    sa.UniqueConstraint('acquirer_reference', name=op.f('uq_cardmoney_topups_acquirer_reference'))
    )
    with op.batch_alter_table('cardmoney_topups', schema=None) as batch_op:
        batch_op.create_index('ix_cardmoney_topups_account', ['account_id', 'created_at'], unique=False)
        batch_op.create_index('ix_cardmoney_topups_status_expires', ['status', 'expires_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cardmoney_topups', schema=None) as batch_op:
        batch_op.drop_index('ix_cardmoney_topups_status_expires')
        batch_op.drop_index('ix_cardmoney_topups_account')

    op.drop_table('cardmoney_topups')
    with op.batch_alter_table('cardmoney_payouts', schema=None) as batch_op:
        batch_op.drop_index('ix_cardmoney_payouts_stage_check')
        batch_op.drop_index('ix_cardmoney_payouts_customer_card')

    op.drop_table('cardmoney_payouts')
