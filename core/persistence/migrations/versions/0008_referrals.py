"""referral and partner programs: programs, cashback rates, codes, referrals, rewards,
and the keyed hashes of identity documents

Revision ID: 0008
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.persistence.types


revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referral_programs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('partner_name', sa.String(length=80), nullable=True),
    sa.Column('qualifying_event', sa.String(length=16), nullable=False),
    sa.Column('min_topup', sa.BigInteger(), nullable=True),
    sa.Column('min_topup_currency', sa.String(length=3), nullable=True),
    sa.Column('reward_currency', sa.String(length=3), nullable=False),
    sa.Column('referrer_reward', sa.BigInteger(), nullable=False),
    sa.Column('referee_reward', sa.BigInteger(), nullable=False),
    sa.Column('code_prefix', sa.String(length=12), nullable=False),
    sa.Column('code_length', sa.Integer(), nullable=False),
    sa.Column('cap_referrer_rewards', sa.BigInteger(), nullable=True),
    sa.Column('cap_referrer_amount', sa.BigInteger(), nullable=True),
    sa.Column('cap_referrer_rewards_per_day', sa.BigInteger(), nullable=True),
    sa.Column('cap_program_referrals', sa.BigInteger(), nullable=True),
    sa.Column('cap_program_amount', sa.BigInteger(), nullable=True),
    sa.Column('starts_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('descriptions', sa.JSON(), nullable=False),
    sa.Column('cashback_scope', sa.String(length=8), nullable=False),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_programs')),
    sa.UniqueConstraint('name', name=op.f('uq_referral_programs_name'))
    )
    op.create_table('identity_fingerprints',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('document_index', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_identity_fingerprints_customer_id_customers')),
    sa.PrimaryKeyConstraint('customer_id', 'document_index', name=op.f('pk_identity_fingerprints'))
    )
    op.create_index('ix_identity_fingerprints_document', 'identity_fingerprints', ['document_index'], unique=False)
    op.create_table('partner_cashback_rates',
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=4), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['referral_programs.id'], name=op.f('fk_partner_cashback_rates_program_id_referral_programs')),
    sa.PrimaryKeyConstraint('program_id', 'category', name=op.f('pk_partner_cashback_rates'))
    )
    op.create_table('referral_codes',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['customers.id'], name=op.f('fk_referral_codes_owner_id_customers')),
    sa.ForeignKeyConstraint(['program_id'], ['referral_programs.id'], name=op.f('fk_referral_codes_program_id_referral_programs')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_referral_codes')),
    sa.UniqueConstraint('program_id', 'owner_id', name=op.f('uq_referral_codes_program_id_owner_id'))
    )
    op.create_table('referrals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('referrer_id', sa.Uuid(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('rejection', sa.String(length=24), nullable=True),
    sa.Column('phone_index', sa.String(length=64), nullable=True),
    sa.Column('attached_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('verified_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('event_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['code'], ['referral_codes.code'], name=op.f('fk_referrals_code_referral_codes')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_referrals_customer_id_customers')),
    sa.ForeignKeyConstraint(['program_id'], ['referral_programs.id'], name=op.f('fk_referrals_program_id_referral_programs')),
    sa.ForeignKeyConstraint(['referrer_id'], ['customers.id'], name=op.f('fk_referrals_referrer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_referrals_customer_id'))
    )
    op.create_index('ix_referrals_phone_index', 'referrals', ['phone_index'], unique=False)
    op.create_index('ix_referrals_program_status', 'referrals', ['program_id', 'status'], unique=False)
    op.create_index('ix_referrals_referrer', 'referrals', ['referrer_id'], unique=False)
    op.create_table('referral_rewards',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_referral_rewards_account_id_accounts')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_referral_rewards_customer_id_customers')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_referral_rewards_entry_id_entries')),
    sa.ForeignKeyConstraint(['program_id'], ['referral_programs.id'], name=op.f('fk_referral_rewards_program_id_referral_programs')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_rewards_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_rewards')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_referral_rewards_idempotency_key')),
    sa.UniqueConstraint('referral_id', 'role', name=op.f('uq_referral_rewards_referral_id_role'))
    )
    op.create_index('ix_referral_rewards_beneficiary', 'referral_rewards', ['program_id', 'customer_id', 'role'], unique=False)
    op.create_index('ix_referral_rewards_status', 'referral_rewards', ['status'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_referral_rewards_status', table_name='referral_rewards')
    op.drop_index('ix_referral_rewards_beneficiary', table_name='referral_rewards')
    op.drop_table('referral_rewards')
    op.drop_index('ix_referrals_referrer', table_name='referrals')
    op.drop_index('ix_referrals_program_status', table_name='referrals')
    op.drop_index('ix_referrals_phone_index', table_name='referrals')
    op.drop_table('referrals')
    op.drop_table('referral_codes')
    op.drop_table('partner_cashback_rates')
    op.drop_index('ix_identity_fingerprints_document', table_name='identity_fingerprints')
    op.drop_table('identity_fingerprints')
    op.drop_table('referral_programs')
