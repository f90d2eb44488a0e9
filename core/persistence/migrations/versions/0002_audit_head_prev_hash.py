"""audit heads keep the hash before their newest record

One UPDATE then advances a chain's head and returns both the new and the previous hash,
which lets PostgreSQL's hot path append an audit record in the statement that writes the
entry it is about.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="0" * 64)
        )
    # Heads already past their first record: the previous hash is their newest record's.
    op.execute(
        "UPDATE audit_head SET prev_hash = (SELECT l.prev_hash FROM audit_log l"
        " WHERE l.chain = audit_head.id AND l.seq = audit_head.seq) WHERE seq > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("prev_hash")
