"""bill payments and saved payees

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.persistence.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bill_payees',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('biller_id', sa.String(length=40), nullable=False),
    sa.Column('name_enc', sa.Text(), nullable=False),
    sa.Column('fields_enc', sa.Text(), nullable=False),
    sa.Column('fields_masked', sa.JSON(), nullable=False),
    sa.Column('target_index', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_bill_payees_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_payees')),
    sa.UniqueConstraint('customer_id', 'target_index', name=op.f('uq_bill_payees_customer_id_target_index'))
    )
    op.create_table('bill_payments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('biller_id', sa.String(length=40), nullable=False),
    sa.Column('payee_id', sa.Uuid(), nullable=True),
    sa.Column('fields_enc', sa.Text(), nullable=False),
    sa.Column('fields_masked', sa.JSON(), nullable=False),
    sa.Column('target_index', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.String(length=60), nullable=True),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('debit_entry_id', sa.Uuid(), nullable=True),
    sa.Column('final_entry_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('next_check_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_bill_payments_amount_positive')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_bill_payments_fee_non_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_bill_payments_account_id_accounts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_bill_payments_customer_id_customers')),
    sa.ForeignKeyConstraint(['debit_entry_id'], ['entries.id'], name=op.f('fk_bill_payments_debit_entry_id_entries')),
    sa.ForeignKeyConstraint(['final_entry_id'], ['entries.id'], name=op.f('fk_bill_payments_final_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_payments'))
    )
    op.create_index('ix_bill_payments_customer_created', 'bill_payments', ['customer_id', 'created_at'])
    op.create_index('ix_bill_payments_next_check', 'bill_payments', ['next_check_at'])
    op.create_index('ix_bill_payments_target', 'bill_payments', ['target_index', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_bill_payments_target', table_name='bill_payments')
    op.drop_index('ix_bill_payments_next_check', table_name='bill_payments')
    op.drop_index('ix_bill_payments_customer_created', table_name='bill_payments')
    op.drop_table('bill_payments')
    op.drop_table('bill_payees')
