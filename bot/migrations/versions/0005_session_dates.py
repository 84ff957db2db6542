"""session dates as LHEO gives them: times known or not, permanent entry, open end, hours

Revision ID: 0005
Revises: 0003 (re-chained after 0004 at merge time)
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = (("times_known", "true"), ("permanent_entry", "false"), ("open_end", "false"))


def upgrade() -> None:
    # Existing sessions were loaded with their times: times_known defaults to true.
    with op.batch_alter_table("training_session") as batch:
        for name, default in _FLAGS:
            batch.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.text(default))
            )
        batch.add_column(sa.Column("hours", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_session") as batch:
        batch.drop_column("hours")
        for name, _default in reversed(_FLAGS):
            batch.drop_column(name)
