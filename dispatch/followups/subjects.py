"""What is followed up: a completed rescue job or a served countryside visit, read once from its tables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from dispatch.campaigns.models import Booking, BookingStatus, Campaign
from dispatch.fleet.models import ServiceStation, Van
from dispatch.jobs.models import JobStatus, RescueJob

FOLLOWED_UP_JOB_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.TOWED})


@dataclass(frozen=True)
class Subject:
    key: str
    reference: str
    owner_name: str
    phone: str
    completed_at: datetime | None
    job_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    station_id: int | None = None
    city_adcode: str | None = None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


def job_subject(session: Session, job: RescueJob) -> Subject:
    """A rescue job; completed once it closed with service given (completed, or towed to a station)."""
    van = session.get(Van, job.van_id) if job.van_id is not None else None
    served = JobStatus(job.status) in FOLLOWED_UP_JOB_STATUSES
    return Subject(
        key=f"job:{job.id}",
        reference=job.reference,
        owner_name=job.caller_name,
        phone=job.caller_phone,
        completed_at=job.closed_at if served else None,
        job_id=job.id,
        station_id=van.station_id if van is not None else None,
        city_adcode=job.city_adcode,
    )


def booking_subject(session: Session, booking: Booking) -> Subject:
    """A countryside visit; completed once it was served."""
    campaign = session.get(Campaign, booking.campaign_id)
    station = session.get(ServiceStation, campaign.host_station_id) if campaign is not None else None
    return Subject(
        key=f"booking:{booking.id}",
        reference=booking.reference,
        owner_name=booking.owner_name,
        phone=booking.phone,
        completed_at=booking.updated_at if booking.status == BookingStatus.SERVED else None,
        booking_id=booking.id,
        station_id=station.id if station is not None else None,
        city_adcode=station.city_adcode if station is not None else None,
    )
