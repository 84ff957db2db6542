"""requests from local companies (intra-entreprise): the request, one route per organisation
it reached, and the messages relayed between them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=False),
        sa.Column("concept_id", sa.String(length=100), nullable=True),
        sa.Column("topic_text", sa.String(length=200), nullable=False),
        sa.Column("head_count", sa.Integer(), nullable=True),
        sa.Column("place_label", sa.String(length=200), nullable=False),
        sa.Column("insee", sa.String(length=5), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("period_label", sa.String(length=100), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=True),
        sa.Column("period_end", UTCDateTime(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("share_identity", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_company_request_requester_id", "company_request", ["requester_id"], unique=False
    )
    op.create_table(
        "company_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.Column("replier_id", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["company_request.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "organisation_id"),
    )
    op.create_index(
        "ix_company_route_org_open",
        "company_route",
        ["organisation_id", "answered_at"],
        unique=False,
    )
    op.create_table(
        "company_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("from_company", sa.Boolean(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["route_id"], ["company_route.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_company_message_route_id", "company_message", ["route_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_company_message_route_id", table_name="company_message")
    op.drop_table("company_message")
    op.drop_index("ix_company_route_org_open", table_name="company_route")
    op.drop_table("company_route")
    op.drop_index("ix_company_request_requester_id", table_name="company_request")
    op.drop_table("company_request")
