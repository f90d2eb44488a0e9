"""fx spreads set by staff: a default and per-pair spreads that win over the settings

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.persistence.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_spreads",
        sa.Column("pair", sa.String(length=7), nullable=False),
        sa.Column("bps", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("bps >= 0 AND bps <= 2000", name=op.f("ck_fx_spreads_bps_range")),
        sa.PrimaryKeyConstraint("pair", name=op.f("pk_fx_spreads")),
    )


def downgrade() -> None:
    op.drop_table("fx_spreads")
