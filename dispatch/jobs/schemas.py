"""Call-center API schemas for rescue jobs (separate from the table models)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dispatch.api.ids import RowId
from dispatch.fleet.crews import CrewMember, VanSummary
from dispatch.jobs.models import FaultCategory, GeocodePrecision, JobPriority, JobStatus, LocationSource
from dispatch.owners.models import Powertrain
from dispatch.owners.plates import PlateIn
from routing.datums import Datum

if TYPE_CHECKING:
    from dispatch.jobs.matching import CandidateSearch

Vin = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-HJ-NPR-Z0-9]{17}$")
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 -]{4,30}$")]


class PriorityReason(StrEnum):
    HIGHWAY = "highway"
    UNSAFE_LOCATION = "unsafe_location"
    ELDERLY_ON_BOARD = "elderly_on_board"
    CHILDREN_ON_BOARD = "children_on_board"
    MEDICAL = "medical"
    EXTREME_WEATHER = "extreme_weather"


class LocationIn(BaseModel):
    """Either coordinates with their datum, or a Chinese address."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    datum: Datum = Datum.WGS84
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None


class VehicleIn(BaseModel):
    plate: PlateIn | None = None
    vin: Vin | None = None
    model: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    powertrain: Powertrain | None = None


class JobCreate(BaseModel):
    caller_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    caller_phone: Phone
    vehicle: VehicleIn
    fault_category: FaultCategory
    fault_description: Annotated[str, StringConstraints(max_length=2000)] = ""
    priority: JobPriority = JobPriority.NORMAL
    priority_reasons: list[PriorityReason] = Field(default_factory=list, max_length=6)
    location: LocationIn
    auto_dispatch: bool = Field(default=False, description="Offer the job to the best free van at once")


class JobUpdate(BaseModel):
    """An agent's correction of an open job; `version` is the one the agent saw (409 if it moved on)."""

    version: RowId
    caller_phone: Phone | None = None
    fault_category: FaultCategory | None = None
    fault_description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    location: LocationIn | None = None


class DispatchRequest(BaseModel):
    """Empty for auto-dispatch; a `van_id` with a `reason` for the agent's own pick."""

    van_id: RowId | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class CancelRequest(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class PendingOffer(BaseModel):
    id: int
    van_id: int
    plate: str
    expires_at: datetime


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str
    status: JobStatus
    priority: JobPriority
    priority_reasons: list[str]
    caller_name: str
    caller_phone: str
    vehicle_plate: str | None
    vehicle_vin: str | None
    vehicle_model: str
    powertrain: Powertrain
    fault_category: FaultCategory
    fault_description: str
    lat: float
    lon: float
    location_source: LocationSource
    reported_lat: float | None
    reported_lon: float | None
    address: str
    address_source: str = Field(
        description="caller: as told; division: the nearest division (job from coordinates); online"
    )
    location_used: str = Field(
        default="coordinates", description="coordinates or address: what the van is sent to"
    )
    location_conflict_km: float | None = Field(
        description="how far the caller's address lies from the coordinates, when they disagree"
    )
    geocode_precision: GeocodePrecision
    province_name: str
    city_adcode: str | None
    county_adcode: str | None
    van_id: int | None
    van: VanSummary | None = Field(default=None, description="the van holding the job, with its crew")
    offer: PendingOffer | None = Field(default=None, description="the offer waiting for a van's answer")
    eta_s: int | None
    eta_at: datetime | None
    eta_kind: str | None = None  # "road", "estimate" (model or road-service fallback) or "technician"
    promised_eta_at: datetime | None
    decline_count: int
    needs_attention: bool
    attention_reason: str | None
    towed_to_station_id: int | None
    closed_reason: str | None
    closed_by: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    version: int


class CandidateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    van_id: int
    plate: str
    station_id: int
    station_name: str
    rank: int
    distance_km: float
    eta_s: int
    eta_kind: str = "estimate"  # "road" or "estimate" (model, or the road service failed)
    home_station_km: float
    starts_from: str
    available_now: bool
    busy_for_s: int


class ExcludedVanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    van_id: int
    plate: str
    home_station_km: float
    reasons: list[str]


class NearbyVanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    van_id: int
    plate: str
    kind: str
    station_name: str
    distance_km: float


class CandidatesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    radius_km: float
    required_capabilities: list[str]
    candidates: list[CandidateRead]
    excluded: list[ExcludedVanRead] = Field(description="Only with explain=true: near vans left out, and why")
    excluded_counts: dict[str, int]
    nearest_beyond_radius: list[NearbyVanRead]
    nearest_mobile_stations: list[NearbyVanRead]

    @classmethod
    def from_search(cls, search: CandidateSearch) -> CandidatesRead:
        """Built without validation: every value comes typed from the matcher, and validating a hundred
        candidates from their attributes cost more than ranking them."""
        return cls.model_construct(
            radius_km=search.radius_km,
            required_capabilities=sorted(search.required_capabilities),
            candidates=[CandidateRead.model_construct(**vars(c)) for c in search.candidates],
            excluded=[
                ExcludedVanRead.model_construct(**{**vars(e), "reasons": list(e.reasons)})
                for e in search.excluded
            ],
            excluded_counts=dict(search.excluded_counts),
            nearest_beyond_radius=[
                NearbyVanRead.model_construct(**vars(v)) for v in search.nearest_beyond_radius
            ],
            nearest_mobile_stations=[
                NearbyVanRead.model_construct(**vars(v)) for v in search.nearest_mobile_stations
            ],
        )


class OfferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: uuid.UUID
    van_id: int
    status: str
    rank: int | None
    distance_km: float | None
    eta_s: int | None
    eta_kind: str | None = None
    offered_by: str
    override_reason: str | None
    offered_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    decline_reason: str | None
    plate: str = ""
    crew: list[CrewMember] = Field(default_factory=list)


class JobCreated(BaseModel):
    job: JobRead
    tracking_token: str
    tracking_url: str
    candidates: CandidatesRead
    offer: OfferRead | None = None
    offer_skipped_reason: str | None = Field(
        default=None, description="with auto_dispatch: why no van was offered the job"
    )


class DispatchResult(BaseModel):
    job: JobRead
    offer: OfferRead | None
    candidates: CandidatesRead | None = None
    offer_skipped_reason: str | None = Field(default=None, description="why no van was offered the job")


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor: str
    from_status: str | None
    to_status: str | None
    van_id: int | None
    data: dict[str, Any]
    created_at: datetime
