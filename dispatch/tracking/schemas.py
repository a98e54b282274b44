"""What an owner's tracking link shows: deliberately little (one job or booking, no one else's data)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from dispatch.travel_times import EtaKind


class VanPosition(BaseModel):
    lat: float
    lon: float
    recorded_at: datetime


class Destination(BaseModel):
    """Where the van is coming to: the owner's own breakdown or visit place (WGS-84)."""

    lat: float
    lon: float


class TrackingRead(BaseModel):
    """The owner's view. Times are UTC (ISO 8601); pages show them in Asia/Shanghai."""

    kind: Literal["rescue", "booking"]
    reference: str
    status: str
    status_text: str
    eta_at: datetime | None = None
    eta_s: int | None = None
    eta_source: Literal["van_position", "dispatch", "plan"] | None = None
    # How the ETA was priced: "road" network, "estimate" (straight-line model, or the road service failed),
    # or the crew's own ("technician"); None for a planned window.
    eta_kind: EtaKind | None = None
    # Only while the van is on its way to this owner.
    van_position: VanPosition | None = None
    technician_first_name: str | None = None
    contact_phone_masked: str
    # Bookings only.
    window_start: datetime | None = None
    window_end: datetime | None = None
    planned_arrival_at: datetime | None = None
    stops_before_yours: int | None = None
    # The crew's progress at this stop: planned, in_progress, completed or skipped (None: not on a plan).
    visit_status: str | None = None
    last_event_id: int
    expires_at: datetime | None = None
    # Issue 11: the owner's page draws it on a map.
    destination: Destination | None = None


class TrackingLinkRead(BaseModel):
    """For the agent: the link to send to the owner by SMS."""

    token: str
    job_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    url: str
    page_url: str
    sms_text: str
    expires_at: datetime | None
