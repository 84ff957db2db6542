"""searches kept for demand statistics, without the person (search_record)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("concepts", sa.String(length=500), nullable=False),
        sa.Column("insee", sa.String(length=5), nullable=True),
        sa.Column("departement", sa.String(length=3), nullable=True),
        sa.Column("radius_km", sa.Integer(), nullable=True),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("alert_saved", sa.Boolean(), nullable=False),
        sa.Column("person", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_record_at", "search_record", ["at"])
    op.create_index("ix_search_record_dep_at", "search_record", ["departement", "at"])


def downgrade() -> None:
    op.drop_index("ix_search_record_dep_at", table_name="search_record")
    op.drop_index("ix_search_record_at", table_name="search_record")
    op.drop_table("search_record")
