"""The rows of demand statistics: one per search, without the person (see `recording`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime


class SearchRecord(SQLModel, table=True):
    """One search, kept for demand statistics without the person (`bot/demand/`): no user
    id, only `person`, a keyed hash of it whose key changes every month (so distinct people
    can be counted within a month, never followed across months). Purged after
    DEMAND_RETENTION_MONTHS (13 by default)."""

    __tablename__ = "search_record"
    __table_args__ = (
        # The aggregation reads a period, by département or by commune.
        Index("ix_search_record_at", "at"),
        Index("ix_search_record_dep_at", "departement", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    # Concept ids understood (`data/topics.toml`), space-separated: "excel word".
    concepts: str = Field(default="", max_length=500)
    insee: str | None = Field(default=None, max_length=5)  # the commune searched around
    departement: str | None = Field(default=None, max_length=3)
    radius_km: int | None = None
    results: int = 0
    alert_saved: bool = False
    person: str = Field(max_length=16)  # HMAC(secret + month, user id), hex, truncated
