"""The fleet: fixed service stations, vans and the technicians who drive them.

A mobile service station is a van too (kind ``mobile_station``): it has a plate, a crew, a host station it
starts from and GPS pings, like a rescue van; it serves countryside campaigns instead of breakdowns.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from dispatch.db import JSONType, UTCDateTime


class Capability(StrEnum):
    LIGHT_REPAIR = "light_repair"
    TOW = "tow"
    EV = "ev"
    HEAVY_VEHICLE = "heavy_vehicle"


class VanKind(StrEnum):
    RESCUE = "rescue"
    MOBILE_STATION = "mobile_station"


class VanStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    OFF_DUTY = "off_duty"
    OUT_OF_SERVICE = "out_of_service"
    # Retired by an admin: kept for history, never matched, offered or planned again.
    RETIRED = "retired"


class ServiceStation(SQLModel, table=True):
    __tablename__ = "service_stations"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    star_rating: int = Field(ge=1, le=5)
    lat: float
    lon: float
    address: str = Field(max_length=255)
    county_adcode: str = Field(max_length=6, index=True)
    city_adcode: str = Field(max_length=6, index=True)
    phone: str = Field(default="", max_length=32)
    # Retired stations stay for history (jobs and vans point at them); they take no new vans.
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Van(SQLModel, table=True):
    __tablename__ = "vans"

    id: int | None = Field(default=None, primary_key=True)
    plate: str = Field(max_length=16, unique=True)
    name: str = Field(default="", max_length=120)
    kind: VanKind = Field(sa_type=String(20), index=True)
    station_id: int = Field(foreign_key="service_stations.id", index=True)
    capabilities: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    shift_start: time
    shift_end: time
    status: VanStatus = Field(default=VanStatus.AVAILABLE, sa_type=String(20))
    capacity_units: int = Field(default=100, ge=0)
    # One active job per van: set by a conditional UPDATE (... WHERE current_job_id IS NULL), unique.
    current_job_id: uuid.UUID | None = Field(default=None, unique=True)
    last_lat: float | None = None
    last_lon: float | None = None
    last_position_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_speed_kmh: float | None = None
    last_heading_deg: float | None = None
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Technician(SQLModel, table=True):
    __tablename__ = "technicians"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    van_id: int | None = Field(default=None, foreign_key="vans.id", index=True)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    is_active: bool = True
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def first_name(self) -> str:
        """Chinese names put the family name first; owners see the given name only."""
        return self.name[1:] if len(self.name) > 1 else self.name
