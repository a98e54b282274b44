"""Request and response shapes of the tablet API (table models never leave the server)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dispatch.api.ids import RowId
from dispatch.fleet.crews import CrewMember
from dispatch.jobs.models import JobStatus
from dispatch.owners.models import Powertrain
from routing.datums import Datum

MAX_PINGS_PER_REQUEST = 500


class VanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plate: str
    name: str
    kind: str
    status: str
    last_lat: float | None
    last_lon: float | None
    last_position_at: datetime | None


class CrewRead(BaseModel):
    user_id: int
    username: str
    technician_id: int
    technician_name: str
    phone: str
    van: VanRead


class JobRead(BaseModel):
    """A job as its crew sees it: the caller's contact, the location and what is next."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str
    status: JobStatus
    priority: str
    caller_name: str
    caller_phone: str
    vehicle_plate: str | None
    vehicle_model: str
    powertrain: Powertrain
    fault_category: str
    fault_description: str
    lat: float
    lon: float
    address: str
    eta_s: int | None
    eta_at: datetime | None
    towed_to_station_id: int | None
    fault_found: str | None
    work_done: str | None
    labour_minutes: int | None
    repaired_on_site: bool | None
    closed_reason: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    allowed_next: list[str] = []


class PartRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    part_number: str
    quantity: int
    recorded_by: str
    recorded_at: datetime


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    text: str
    created_at: datetime


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    job_id: uuid.UUID
    kind: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class JobDetail(JobRead):
    parts: list[PartRead] = []
    notes: list[NoteRead] = []
    attachments: list[AttachmentRead] = []


class JobList(BaseModel):
    active: list[JobRead]
    recent: list[JobRead]


class OfferRead(BaseModel):
    """An offer waiting for the crew's answer, with what they need to decide (not the caller's phone)."""

    id: int
    job_id: uuid.UUID
    job_reference: str
    status: str
    offered_at: datetime
    expires_at: datetime
    distance_km: float | None
    eta_s: int | None
    fault_category: str
    fault_description: str
    priority: str
    vehicle_plate: str | None = None
    vehicle_model: str
    powertrain: Powertrain
    lat: float
    lon: float
    address: str


class OfferDecline(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


TechnicianStatus = Literal["en_route", "on_site", "in_service", "completed", "towed", "failed"]


class StatusChange(BaseModel):
    """A move of the crew's job; towed needs the destination station, failed needs a reason."""

    status: TechnicianStatus
    towed_to_station_id: RowId | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    recorded_at: AwareDatetime | None = Field(default=None, description="When the tablet recorded it")

    @model_validator(mode="after")
    def _step_data(self) -> StatusChange:
        if self.status == "towed" and self.towed_to_station_id is None:
            raise ValueError("towed_to_station_id is required when status is towed / 拖车须指定目的服务站")
        if self.status == "failed" and not self.reason:
            raise ValueError("reason is required when status is failed / 救援失败须说明原因")
        return self


class NoteCreate(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class PartUsed(BaseModel):
    part_number: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1000)


class PartsCreate(BaseModel):
    parts: list[PartUsed] = Field(min_length=1, max_length=50)


class LabourCreate(BaseModel):
    minutes: int = Field(gt=0, le=24 * 60, description="Labour time to add, in minutes")


class LabourRead(BaseModel):
    job_id: uuid.UUID
    labour_minutes: int


class CompletionReport(BaseModel):
    """Closes the job: repaired on site (completed) or towed to a station (towed)."""

    fault_found: str = Field(min_length=1, max_length=500)
    work_done: str = Field(min_length=1, max_length=1000)
    repaired_on_site: bool
    towed_to_station_id: RowId | None = None
    signature_id: uuid.UUID | None = Field(default=None, description="An uploaded signature attachment")

    @model_validator(mode="after")
    def _towed_where(self) -> CompletionReport:
        if not self.repaired_on_site and self.towed_to_station_id is None:
            raise ValueError(
                "towed_to_station_id is required when not repaired on site / 未现场修复须指定拖往的服务站"
            )
        return self


class PingIn(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    datum: Datum = Field(default=Datum.WGS84, description="the tablet's map datum; stored as WGS-84")
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    speed_kmh: float | None = Field(default=None, ge=0, le=400)
    heading_deg: float | None = Field(default=None, ge=0, le=360)
    recorded_at: AwareDatetime


def _one_or_many(value: Any) -> str:
    return "pings" if isinstance(value, list) else "ping"


# Tagged, so a bad list item is reported as "pings.3.lat" (not once per union branch).
PingPayload = Annotated[
    Annotated[PingIn, Tag("ping")]
    | Annotated[list[PingIn], Field(min_length=1, max_length=MAX_PINGS_PER_REQUEST), Tag("pings")],
    Discriminator(_one_or_many),
    Field(description="One ping, or up to 500 recorded while offline / 单个或最多 500 个离线记录的定位"),
]


class PingResult(BaseModel):
    accepted: int
    ignored_future: int
    rejected_outside: int = Field(default=0, description="pings outside China: not stored, van not moved")
    position_updated: bool
    last_position_at: datetime | None
    job_id: uuid.UUID | None = None
    eta_s: int | None = None
    eta_at: datetime | None = None
    eta_changed: bool = False
    # "road" (road network) or "estimate" (straight-line model, or the road service failed)
    eta_kind: str | None = None


class PlannedStopRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    visit_id: int = Field(description="what POST /api/field/visits/{visit_id}/status takes")
    booking_id: uuid.UUID | None
    sequence: int
    booking_reference: str | None
    owner_name: str | None
    phone: str | None
    address: str | None
    lat: float | None
    lon: float | None
    service_code: str | None
    window_start: datetime | None
    window_end: datetime | None
    planned_arrival_at: datetime
    planned_start_at: datetime = Field(description="when the service starts (after any wait for the window)")
    planned_departure_at: datetime
    status: str
    allowed_next: list[str] = []


VisitMove = Literal["in_progress", "completed", "skipped"]


class VisitStatusChange(BaseModel):
    """A move of one of the crew's campaign visits; skipped needs a reason."""

    status: VisitMove
    reason: str | None = Field(default=None, min_length=1, max_length=500, validate_default=True)
    recorded_at: AwareDatetime | None = Field(default=None, description="When the tablet recorded it")

    @field_validator("reason")
    @classmethod
    def _reason_for_a_skip(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("status") == "skipped" and not reason:
            raise ValueError("reason is required when status is skipped / 跳过须说明原因")
        return reason


class VisitRead(BaseModel):
    """A campaign visit as its crew sees it after a move, with what is next."""

    visit_id: int
    plan_id: uuid.UUID
    van_id: int
    sequence: int
    booking_id: uuid.UUID | None
    booking_reference: str | None
    booking_status: str | None
    status: str
    allowed_next: list[str]
    planned_arrival_at: datetime
    planned_departure_at: datetime


class TodaysPlan(BaseModel):
    van_id: int
    plate: str = ""
    crew: list[CrewMember] = Field(default_factory=list)
    service_date: date
    lunch_start_at: datetime | None = Field(
        default=None, description="when the plan puts the crew's lunch (possibly while waiting at a stop)"
    )
    lunch_minutes: int | None = None
    stops: list[PlannedStopRead]


class BatchRequest(BaseModel):
    """Actions queued while offline, applied in this order; each item is validated on its own."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class BatchItemResult(BaseModel):
    index: int
    type: str | None
    status_code: int
    body: Any = None
    error: dict[str, Any] | None = None
    replayed: bool = False


class BatchResult(BaseModel):
    applied: int
    failed: int
    results: list[BatchItemResult]
