"""Campaigns, their service days, bookings and the route plans built for each day."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from dispatch.db import JSONType, UTCDateTime, utcnow


class CampaignMode(StrEnum):
    DOOR_TO_DOOR = "door_to_door"
    GATHERING_POINTS = "gathering_points"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    status: CampaignStatus = Field(default=CampaignStatus.ACTIVE, sa_type=String(10))
    mode: CampaignMode = Field(sa_type=String(20))
    county_adcodes: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    area_geojson: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    start_date: date
    end_date: date
    host_station_id: int = Field(foreign_key="service_stations.id")
    # [{"code": "maintenance", "name": "保养 / Maintenance", "duration_min": 60}, ...]
    services: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    # [{"name": "...村文化礼堂", "lat": .., "lon": ..}, ...] when mode is gathering_points
    gathering_points: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    daily_capacity: int = Field(gt=0)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignVan(SQLModel, table=True):
    """A mobile station assigned to a campaign, with its crew's shift hours."""

    __tablename__ = "campaign_vans"

    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", primary_key=True)
    van_id: int = Field(foreign_key="vans.id", primary_key=True)
    shift_start: time
    shift_end: time
    lunch_start: time | None = None
    lunch_end: time | None = None
    lunch_minutes: int = 45


class CampaignVanDay(SQLModel, table=True):
    """A van (and so its crew) serving a campaign on one date: the key makes a second campaign that day
    impossible on every backend, and rescue matching leaves a lent rescue van out that day."""

    __tablename__ = "campaign_van_days"

    van_id: int = Field(foreign_key="vans.id", primary_key=True)
    service_date: date = Field(primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)


class CampaignDay(SQLModel, table=True):
    """One service day. Its version is bumped by every booking change, which serialises booking races."""

    __tablename__ = "campaign_days"
    __table_args__ = (UniqueConstraint("campaign_id", "service_date"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)
    service_date: date
    booked_count: int = 0
    version: int = 1


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    SERVED = "served"
    NO_SHOW = "no_show"


class Booking(SQLModel, table=True):
    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_open_owner_key", "open_owner_key", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=32, unique=True, index=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)
    service_date: date = Field(index=True)
    status: BookingStatus = Field(default=BookingStatus.BOOKED, sa_type=String(10))
    owner_id: int | None = Field(default=None, foreign_key="owners.id")
    vehicle_id: int | None = Field(default=None, foreign_key="vehicles.id")
    owner_name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    service_code: str = Field(max_length=32)
    duration_min: int = Field(gt=0)
    lat: float
    lon: float
    address: str = Field(default="", max_length=255)
    gathering_point: str | None = Field(default=None, max_length=120)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    # "day|owner|vehicle" while booked, NULL otherwise: one open booking per owner (and vehicle) per day.
    open_owner_key: str | None = Field(default=None, max_length=80)
    planned_arrival_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class RoutePlan(SQLModel, table=True):
    __tablename__ = "route_plans"
    __table_args__ = (UniqueConstraint("campaign_id", "service_date", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id", index=True)
    service_date: date
    version: int = 1
    status: PlanStatus = Field(default=PlanStatus.DRAFT, sa_type=String(12))
    solver_status: str = Field(default="", max_length=40)
    solve_time_s: float = 0.0
    total_km: float = 0.0
    total_travel_s: int = 0
    total_wait_s: int = 0
    # "road" when the road network priced every drive of the plan, else "estimate" (dispatch.travel_times)
    eta_kind: str | None = Field(default=None, max_length=10)
    dropped: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VisitStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SKIPPED = "skipped"


class PlanVisit(SQLModel, table=True):
    """One stop of one van on one plan, in order."""

    __tablename__ = "plan_visits"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="route_plans.id", index=True)
    van_id: int = Field(foreign_key="vans.id")
    sequence: int
    booking_id: uuid.UUID | None = Field(default=None, foreign_key="bookings.id", index=True)
    status: VisitStatus = Field(default=VisitStatus.PLANNED, sa_type=String(12))
    arrival_at: datetime = Field(sa_type=UTCDateTime)
    start_at: datetime = Field(sa_type=UTCDateTime)
    departure_at: datetime = Field(sa_type=UTCDateTime)
    wait_s: int = 0
    travel_km: float = 0.0
