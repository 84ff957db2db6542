"""sessions to confirm: a minimum of participants, a decision date, when it was confirmed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # All nullable: existing sessions are plain sessions (no minimum).
    with op.batch_alter_table("training_session") as batch:
        batch.add_column(sa.Column("min_participants", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("confirm_by", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("confirmed_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("training_session") as batch:
        batch.drop_column("confirmed_at")
        batch.drop_column("confirm_by")
        batch.drop_column("min_participants")
