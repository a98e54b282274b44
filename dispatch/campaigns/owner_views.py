"""The owner's own booking link: see feasible windows, reschedule or cancel, with the tracking token only.

Deliberately small: the token (192 random bits) identifies exactly one booking, and nothing here reveals
other bookings or lets the owner change where the van goes or which service is done.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dispatch.api.deps import ClockDep, SessionDep, SettingsDep
from dispatch.api.errors import ERROR_RESPONSES
from dispatch.campaigns import bookings as booking_service
from dispatch.campaigns.models import Booking
from dispatch.campaigns.reads import booking_read
from dispatch.campaigns.schemas import AvailabilityRead, BookingPlace, BookingRead, BookingReschedule
from dispatch.campaigns.service import get_campaign

OWNER_ACTOR = "owner"

owner_router = APIRouter(
    prefix="/api/my-booking", tags=["owner booking / 车主自助改约"], responses=ERROR_RESPONSES
)


def _booking_by_token(token: str, session: SessionDep) -> Booking:
    return booking_service.booking_by_token(session=session, token=token)


OwnBooking = Annotated[Booking, Depends(_booking_by_token)]


@owner_router.get("/{token}", response_model=BookingRead, summary="My booking / 我的预约 (owner link)")
def my_booking(booking: OwnBooking, settings: SettingsDep) -> BookingRead:
    return booking_read(booking, settings.owner_arrival_window_minutes)


@owner_router.get(
    "/{token}/availability",
    response_model=AvailabilityRead,
    summary="Other windows I could move to / 可改约时段",
)
def my_availability(
    booking: OwnBooking, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> AvailabilityRead:
    campaign = get_campaign(session=session, campaign_id=booking.campaign_id)
    place = BookingPlace(lat=booking.lat, lon=booking.lon, gathering_point=booking.gathering_point)
    return booking_service.availability(
        session=session,
        settings=settings,
        campaign=campaign,
        service_code=booking.service_code,
        place=place,
        now=clock.now(),
        exclude=booking.id,
    )


@owner_router.post("/{token}/reschedule", response_model=BookingRead, summary="Move my booking / 改约")
def reschedule_mine(
    booking: OwnBooking, body: BookingReschedule, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> BookingRead:
    booking = booking_service.reschedule_booking(
        session=session, settings=settings, booking=booking, request=body, actor=OWNER_ACTOR, now=clock.now()
    )
    return booking_read(booking, settings.owner_arrival_window_minutes)


@owner_router.post("/{token}/cancel", response_model=BookingRead, summary="Cancel my booking / 取消预约")
def cancel_mine(
    booking: OwnBooking, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> BookingRead:
    booking = booking_service.cancel_booking(
        session=session,
        settings=settings,
        booking=booking,
        actor=OWNER_ACTOR,
        now=clock.now(),
        reason="owner",
    )
    return booking_read(booking, settings.owner_arrival_window_minutes)
