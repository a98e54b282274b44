"""Where vans are, and the links owners follow."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dispatch.db import UTCDateTime, utcnow


class GpsPing(SQLModel, table=True):
    __tablename__ = "gps_pings"
    __table_args__ = (Index("ix_gps_pings_van_id_recorded_at", "van_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    van_id: int = Field(foreign_key="vans.id")
    lat: float
    lon: float
    accuracy_m: float | None = None
    speed_kmh: float | None = None
    heading_deg: float | None = None
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TrackingLink(SQLModel, table=True):
    """An owner's view of one job or one booking; the token is the only credential."""

    __tablename__ = "tracking_links"

    token: str = Field(primary_key=True, max_length=64)
    job_id: uuid.UUID | None = Field(default=None, foreign_key="rescue_jobs.id", unique=True)
    booking_id: uuid.UUID | None = Field(default=None, foreign_key="bookings.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the job or booking closes: the link lives on for a day so the owner sees the outcome.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
