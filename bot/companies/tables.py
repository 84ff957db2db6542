"""The rows of company requests: the request, one route per organisation it reached, and the
messages relayed between them (so a restart loses nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, utcnow


class CompanyRequestStatus:
    OPEN = "open"
    CLOSED = "closed"


class CompanyRequest(SQLModel, table=True):
    """A company's request for a training of its staff (intra-entreprise)."""

    __tablename__ = "company_request"
    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(
        sa_type=BigInteger, foreign_key="app_user.id", index=True, ondelete="CASCADE"
    )
    concept_id: str | None = Field(default=None, max_length=100)  # from data/topics.toml
    topic_text: str = Field(default="", max_length=200)  # as written, when no concept fits
    head_count: int | None = None
    place_label: str = Field(default="", max_length=200)
    insee: str | None = Field(default=None, max_length=5)
    latitude: float
    longitude: float
    period_label: str = Field(default="", max_length=100)
    period_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contact: str = Field(default="", max_length=200)
    share_identity: bool = False  # the requester's Telegram name shown to organisations
    status: str = Field(default=CompanyRequestStatus.OPEN, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CompanyRoute(SQLModel, table=True):
    """The request as one organisation received it: answered or not, who writes for it."""

    __tablename__ = "company_route"
    __table_args__ = (
        UniqueConstraint("request_id", "organisation_id"),  # nothing reaches an org twice
        Index("ix_company_route_org_open", "organisation_id", "answered_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="company_request.id", ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    distance_km: float = 0.0
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: int | None = Field(default=None, sa_type=BigInteger)
    # The organisation's admin who last wrote: the company's replies go to them.
    replier_id: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CompanyMessage(SQLModel, table=True):
    """One message relayed between an organisation and the company."""

    __tablename__ = "company_message"
    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="company_route.id", index=True, ondelete="CASCADE")
    from_company: bool
    sender_id: int | None = Field(default=None, sa_type=BigInteger)  # None once forgotten
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
