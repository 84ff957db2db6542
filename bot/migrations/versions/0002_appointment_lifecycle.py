"""appointment lifecycle: reasons, nudges, reschedules, attendance, one active per slot

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column("nudged_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rescheduled_from_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("attendance_by", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "rating_comment", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
            )
        )
        batch_op.create_foreign_key(
            "fk_appointment_rescheduled_from_id", "appointment", ["rescheduled_from_id"], ["id"]
        )
        batch_op.create_index(
            "uq_appointment_active_learner_slot",
            ["slot_id", "learner_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'confirmed', 'proposed')"),
            postgresql_where=sa.text("status IN ('pending', 'confirmed', 'proposed')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("uq_appointment_active_learner_slot")
        batch_op.drop_constraint("fk_appointment_rescheduled_from_id", type_="foreignkey")
        batch_op.drop_column("rating_comment")
        batch_op.drop_column("attendance_by")
        batch_op.drop_column("rescheduled_from_id")
        batch_op.drop_column("nudged_at")
        batch_op.drop_column("reason")
