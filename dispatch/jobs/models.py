"""Rescue jobs, the offers made to vans, and the work recorded on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from dispatch.db import JSONType, UTCDateTime, utcnow


class JobStatus(StrEnum):
    CREATED = "created"
    UNCOVERED = "uncovered"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    TOWED = "towed"
    CANCELLED = "cancelled"
    FAILED = "failed"


CLOSED_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.TOWED, JobStatus.CANCELLED, JobStatus.FAILED})
# A van is committed to a job from the moment it is offered until the job closes.
VAN_HOLDING_STATUSES = frozenset(
    {JobStatus.OFFERED, JobStatus.ACCEPTED, JobStatus.EN_ROUTE, JobStatus.ON_SITE, JobStatus.IN_SERVICE}
)


class FaultCategory(StrEnum):
    FLAT_TYRE = "flat_tyre"
    BATTERY = "battery"
    LOCKOUT = "lockout"
    OUT_OF_FUEL = "out_of_fuel"
    WONT_START = "wont_start"
    ACCIDENT = "accident"
    NEEDS_TOW = "needs_tow"
    OTHER = "other"


class JobPriority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class LocationSource(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"
    ADDRESS = "address"


class GeocodePrecision(StrEnum):
    EXACT = "exact"
    STREET = "street"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"


class RescueJob(SQLModel, table=True):
    __tablename__ = "rescue_jobs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=32, unique=True, index=True)
    status: JobStatus = Field(default=JobStatus.CREATED, sa_type=String(20), index=True)
    priority: JobPriority = Field(default=JobPriority.NORMAL, sa_type=String(10))
    priority_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))

    caller_name: str = Field(max_length=100)
    caller_phone: str = Field(max_length=32)
    vehicle_id: int | None = Field(default=None, foreign_key="vehicles.id")
    vehicle_plate: str | None = Field(default=None, max_length=16)
    vehicle_vin: str | None = Field(default=None, max_length=17)
    vehicle_model: str = Field(default="", max_length=64)
    powertrain: str = Field(sa_type=String(10))
    # Set to the plate (or VIN) while the job is open, NULL once closed: a unique column makes a second
    # open job for the same vehicle impossible on every backend.
    open_vehicle_key: str | None = Field(default=None, max_length=20, unique=True)

    fault_category: FaultCategory = Field(sa_type=String(20))
    fault_description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    lat: float
    lon: float
    location_source: LocationSource = Field(sa_type=String(10))
    reported_lat: float | None = None
    reported_lon: float | None = None
    address: str = Field(default="", max_length=255)
    # caller (as told), division (the nearest division's name, for a job from coordinates) or online
    address_source: str = Field(default="caller", max_length=12)
    # set when the caller's address lies this far from the coordinates (the coordinates are used)
    location_conflict_km: float | None = None
    geocode_precision: GeocodePrecision = Field(default=GeocodePrecision.EXACT, sa_type=String(10))
    province_name: str = Field(default="", max_length=32)
    city_adcode: str | None = Field(default=None, max_length=6, index=True)
    county_adcode: str | None = Field(default=None, max_length=6)

    van_id: int | None = Field(default=None, foreign_key="vans.id", index=True)
    eta_s: int | None = None
    eta_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    eta_kind: str | None = Field(default=None, max_length=10)  # dispatch.travel_times.EtaKind
    promised_eta_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_count: int = 0
    needs_attention: bool = False
    attention_reason: str | None = Field(default=None, max_length=255)

    towed_to_station_id: int | None = Field(default=None, foreign_key="service_stations.id")
    closed_reason: str | None = Field(default=None, max_length=500)
    closed_by: str | None = Field(default=None, max_length=64)
    fault_found: str | None = Field(default=None, max_length=500)
    work_done: str | None = Field(default=None, max_length=1000)
    labour_minutes: int | None = None
    repaired_on_site: bool | None = None

    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class JobOffer(SQLModel, table=True):
    __tablename__ = "job_offers"
    __table_args__ = (Index("ix_job_offers_status_expires_at", "status", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: uuid.UUID = Field(foreign_key="rescue_jobs.id", index=True)
    van_id: int = Field(foreign_key="vans.id", index=True)
    status: OfferStatus = Field(default=OfferStatus.PENDING, sa_type=String(10))
    rank: int | None = None
    distance_km: float | None = None
    eta_s: int | None = None
    eta_kind: str | None = Field(default=None, max_length=10)  # dispatch.travel_times.EtaKind
    offered_by: str = Field(max_length=64)
    override_reason: str | None = Field(default=None, max_length=500)
    offered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_reason: str | None = Field(default=None, max_length=500)


class JobPart(SQLModel, table=True):
    """A part used on a job."""

    __tablename__ = "job_parts"

    id: int | None = Field(default=None, primary_key=True)
    job_id: uuid.UUID = Field(foreign_key="rescue_jobs.id", index=True)
    part_number: str = Field(max_length=64)
    quantity: int = Field(gt=0)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JobNote(SQLModel, table=True):
    __tablename__ = "job_notes"

    id: int | None = Field(default=None, primary_key=True)
    job_id: uuid.UUID = Field(foreign_key="rescue_jobs.id", index=True)
    author: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    SIGNATURE = "signature"


class JobAttachment(SQLModel, table=True):
    """A photo or signature image stored on disk (or object storage) with its checksum."""

    __tablename__ = "job_attachments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    job_id: uuid.UUID = Field(foreign_key="rescue_jobs.id", index=True)
    kind: AttachmentKind = Field(sa_type=String(10))
    file_name: str = Field(max_length=255)
    content_type: str = Field(max_length=64)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_path: str = Field(max_length=500)
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
