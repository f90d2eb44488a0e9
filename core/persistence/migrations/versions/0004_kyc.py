"""KYC: applications (personal data encrypted, decisions, attempts) and their documents

At most three submitted applications per customer is a constraint here, not only a rule in
the code: ``attempt`` is unique per customer and between 1 and 3.

Revision ID: 0004
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.persistence.types


revision = '0004'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kyc_applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=True),
    sa.Column('personal_enc', sa.Text(), nullable=True),
    sa.Column('document_number_index', sa.String(length=64), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('review_note_enc', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('announced', sa.String(length=16), nullable=True),
    sa.Column('created_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', core.persistence.types.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempt IS NULL OR (attempt >= 1 AND attempt <= 3)', name=op.f('ck_kyc_applications_attempt_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_kyc_applications_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kyc_applications')),
    sa.UniqueConstraint('customer_id', 'attempt', name=op.f('uq_kyc_applications_customer_id_attempt'))
    )
    with op.batch_alter_table('kyc_applications', schema=None) as batch_op:
        batch_op.create_index('ix_kyc_applications_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_kyc_applications_document', ['document_number_index'], unique=False)
        batch_op.create_index('ix_kyc_applications_status', ['status', 'submitted_at'], unique=False)

    op.create_table('kyc_documents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('key_enc', sa.Text(), nullable=False),
    sa.Column('uploaded_at', core.persistence.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['kyc_applications.id'], name=op.f('fk_kyc_documents_application_id_kyc_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kyc_documents')),
    sa.UniqueConstraint('application_id', 'kind', name=op.f('uq_kyc_documents_application_id_kind'))
    )


def downgrade() -> None:
    op.drop_table('kyc_documents')
    with op.batch_alter_table('kyc_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_kyc_applications_status')
        batch_op.drop_index('ix_kyc_applications_document')
        batch_op.drop_index('ix_kyc_applications_customer')

    op.drop_table('kyc_applications')
