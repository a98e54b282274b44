"""What a message says about its subject (a rescue job or a booking), read when the change happens."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from dispatch.campaigns.models import Booking, Campaign
from dispatch.fleet.models import Van
from dispatch.jobs.models import RescueJob
from dispatch.tracking.models import TrackingLink


def job_context(session: Session, job_id: uuid.UUID) -> tuple[str, dict[str, Any]] | None:
    """The owner's phone and the message context of a rescue job (None if there is no such job)."""
    job = session.get(RescueJob, job_id)
    if job is None:
        return None
    van = session.get(Van, job.van_id) if job.van_id is not None else None
    eta_at = job.promised_eta_at or job.eta_at
    return job.caller_phone, {
        "reference": job.reference,
        "plate": van.plate if van is not None else "",
        "eta_at": eta_at.isoformat() if eta_at else None,
        "token": _token(session, TrackingLink.job_id == job_id),
    }


def booking_context(session: Session, booking_id: uuid.UUID) -> tuple[str, dict[str, Any]] | None:
    """The owner's phone and the message context of a countryside booking (None if there is none)."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        return None
    campaign = session.get(Campaign, booking.campaign_id)
    return booking.phone, booking_message_context(
        booking, campaign, _token(session, TrackingLink.booking_id == booking_id)
    )


def booking_message_context(booking: Booking, campaign: Campaign | None, token: str | None) -> dict[str, Any]:
    return {
        "reference": booking.reference,
        "campaign": campaign.name if campaign is not None else "",
        "window_start": booking.window_start.isoformat(),
        "window_end": booking.window_end.isoformat(),
        "planned_arrival_at": booking.planned_arrival_at.isoformat() if booking.planned_arrival_at else None,
        "token": token,
    }


def _token(session: Session, condition: Any) -> str | None:
    return session.exec(select(TrackingLink.token).where(condition)).first()
