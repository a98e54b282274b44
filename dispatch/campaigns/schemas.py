"""API schemas for campaigns, bookings and day plans (separate from the table models)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from dispatch.api.ids import RowId
from dispatch.api.local_time import LocalTime
from dispatch.campaigns.models import BookingStatus, CampaignMode, CampaignStatus, PlanStatus, VisitStatus
from dispatch.fleet.crews import CrewMember
from routing.datums import Datum

Lat = Annotated[float, Field(ge=-90, le=90, description="WGS-84 latitude, degrees")]
Lon = Annotated[float, Field(ge=-180, le=180, description="WGS-84 longitude, degrees")]
Adcode = Annotated[str, Field(pattern=r"^\d{6}$")]


class ServiceOffer(BaseModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$", examples=["maintenance"])
    name: str = Field(min_length=1, max_length=80, examples=["保养 / Maintenance"])
    duration_min: int = Field(ge=5, le=480)
    skills: list[str] = Field(default_factory=list, description="skills the van's crew needs, e.g. ev")


class GatheringPoint(BaseModel):
    name: str = Field(min_length=1, max_length=120, examples=["跃龙村文化礼堂"])
    lat: Lat
    lon: Lon


class CampaignVanIn(BaseModel):
    van_id: RowId
    shift_start: LocalTime = time(8, 0)
    shift_end: LocalTime = time(18, 0)
    lunch_start: LocalTime | None = Field(default=None, description="earliest lunch start (default 11:30)")
    lunch_end: LocalTime | None = Field(default=None, description="lunch over by then (default 13:30)")
    lunch_minutes: int = Field(default=45, ge=0, le=120)


class CampaignCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    mode: CampaignMode
    county_adcodes: list[Adcode] = Field(default_factory=list)
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon/MultiPolygon, WGS-84")
    start_date: date
    end_date: date
    service_days: list[date] | None = Field(default=None, description="default: every day in the range")
    host_station_id: RowId
    vans: list[CampaignVanIn] = Field(min_length=1, max_length=20)
    services: list[ServiceOffer] = Field(min_length=1, max_length=20)
    gathering_points: list[GatheringPoint] = Field(default_factory=list, max_length=50)
    daily_capacity: int = Field(gt=0, le=500)


class CampaignVanRead(BaseModel):
    van_id: int
    plate: str
    name: str
    shift_start: LocalTime
    shift_end: LocalTime
    lunch_start: LocalTime | None
    lunch_end: LocalTime | None
    lunch_minutes: int
    technicians: list[str]
    skills: list[str]


class CampaignDayRead(BaseModel):
    service_date: date
    booked_count: int
    version: int


class CampaignRead(BaseModel):
    id: uuid.UUID
    reference: str
    name: str
    status: CampaignStatus
    mode: CampaignMode
    county_adcodes: list[str]
    area: dict[str, Any] | None
    start_date: date
    end_date: date
    host_station_id: int
    services: list[ServiceOffer]
    gathering_points: list[GatheringPoint]
    daily_capacity: int
    vans: list[CampaignVanRead]
    days: list[CampaignDayRead]
    warnings: list[str] = Field(
        default_factory=list, description="e.g. a target county far from the host station / 提醒"
    )
    created_by: str
    created_at: datetime


class VehicleDue(BaseModel):
    vehicle_id: int
    plate: str
    model: str
    last_service_date: date | None
    km_since_service: int | None
    months_since_service: float | None
    overdue_ratio: float = Field(description="1.0 = exactly due (12 months or 10,000 km), higher is later")


class Invitation(BaseModel):
    owner_id: int
    name: str
    phone: str
    address: str
    county_adcode: str
    lat: float
    lon: float
    overdue_ratio: float
    already_booked: bool
    vehicles: list[VehicleDue]


class ArrivalWindow(BaseModel):
    start: datetime
    end: datetime
    label: str = Field(description="local time, e.g. 11月24日 08:00–10:00")


class WindowOption(ArrivalWindow):
    feasible: bool


class DayAvailability(BaseModel):
    service_date: date
    booked_count: int
    daily_capacity: int
    full: bool
    windows: list[WindowOption]


class AvailabilityRead(BaseModel):
    service_code: str
    duration_min: int
    lat: float
    lon: float
    days: list[DayAvailability]


class BookingPlace(BaseModel):
    """Where the van goes: a known owner's address, a gathering point by name, or explicit coordinates."""

    owner_id: RowId | None = None
    vehicle_id: RowId | None = None
    gathering_point: str | None = Field(default=None, max_length=120)
    lat: float | None = Field(default=None, ge=-90, le=90, description="latitude in `datum`, degrees")
    lon: float | None = Field(default=None, ge=-180, le=180, description="longitude in `datum`, degrees")
    datum: Datum = Field(default=Datum.WGS84, description="datum of lat/lon (stored as WGS-84) / 坐标系")
    address: str = Field(default="", max_length=255)


class BookingCreate(BookingPlace):
    owner_name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\-]{5,32}$")
    service_code: str
    service_date: date
    window_start: AwareDatetime = Field(description="start of one offered arrival window")


class BookingReschedule(BaseModel):
    service_date: date
    window_start: AwareDatetime


class BookingRead(BaseModel):
    id: uuid.UUID
    reference: str
    campaign_id: uuid.UUID
    status: BookingStatus
    service_date: date
    service_code: str
    duration_min: int
    owner_id: int | None
    vehicle_id: int | None
    owner_name: str
    phone: str
    lat: float
    lon: float
    address: str
    gathering_point: str | None
    window: ArrivalWindow
    planned_arrival_at: datetime | None
    arrival_window: ArrivalWindow | None = Field(description="narrower window once the day plan is published")
    created_by: str
    created_at: datetime


class BookingCreated(BookingRead):
    tracking_token: str
    tracking_url: str


class PlanRequest(BaseModel):
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=60,
        description="search budget; the planner answers sooner when it stops improving",
    )
    max_vans: int | None = Field(
        default=None,
        ge=1,
        description="send out at most this many vans; bookings that do not fit are left out",
    )
    max_overtime_minutes: int = Field(
        default=0, ge=0, le=240, description="how long after the end of its shift a van may still be working"
    )


class PlanVisitRead(BaseModel):
    sequence: int
    booking_id: uuid.UUID | None
    booking_reference: str | None
    owner_name: str | None = None
    phone: str | None = None
    address: str | None = None
    vehicle_plate: str | None = None
    status: VisitStatus
    arrival_at: datetime
    start_at: datetime
    departure_at: datetime
    wait_s: int
    travel_km: float
    window_start: datetime | None
    window_end: datetime | None


class VanRouteRead(BaseModel):
    van_id: int
    plate: str
    crew: list[CrewMember] = Field(default_factory=list, description="names and phones of the van's crew")
    start_at: datetime | None
    end_at: datetime | None
    distance_km: float
    travel_h: float
    work_h: float
    waiting_h: float
    overtime_h: float = Field(default=0.0, description="time back after the end of the van's shift")
    lunch_start_at: datetime | None
    visits: list[PlanVisitRead]


class DroppedBookingRead(BaseModel):
    booking_id: uuid.UUID
    booking_reference: str
    reason: str
    message: str


class PlanRead(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    service_date: date
    version: int
    status: PlanStatus
    solver_status: str
    solve_time_s: float
    total_km: float
    total_travel_h: float
    total_wait_h: float
    eta_kind: str | None = None  # "road" (every drive priced by the road network) or "estimate"
    served: int
    dropped: list[DroppedBookingRead]
    changes: dict[str, Any]
    vans: list[VanRouteRead]
    created_by: str
    created_at: datetime
    published_at: datetime | None
