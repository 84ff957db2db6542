"""indexes for the queries a tap runs: a course's other dates, the finder's window, the
reminders of an appointment, a session or a user

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_training_session_course",
        "training_session",
        ["organisation_id", "title", "status", "starts_at"],
    )
    op.create_index("ix_slot_start", "availability_slot", ["starts_at"])
    op.create_index("ix_reminder_appointment", "reminder", ["appointment_id"])
    op.create_index("ix_reminder_session", "reminder", ["session_id"])
    op.create_index("ix_reminder_recipient", "reminder", ["recipient_id"])


def downgrade() -> None:
    op.drop_index("ix_reminder_recipient", table_name="reminder")
    op.drop_index("ix_reminder_session", table_name="reminder")
    op.drop_index("ix_reminder_appointment", table_name="reminder")
    op.drop_index("ix_slot_start", table_name="availability_slot")
    op.drop_index("ix_training_session_course", table_name="training_session")
