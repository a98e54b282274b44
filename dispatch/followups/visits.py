"""Recording that a countryside visit was served (the crew's or an agent's confirmation).

The visit's end is what starts its follow-up calls and opens the owner's survey; the booking's status
and a ``booking.served`` event are written together, like every other change.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from dispatch.campaigns.models import Booking, BookingStatus
from dispatch.errors import Conflict, NotFound
from dispatch.events.service import record_event
from dispatch.jobs.lifecycle import affected_rows


def mark_served(*, session: Session, booking_id: uuid.UUID, actor: str, now: datetime) -> Booking:
    """booked -> served (409 from any other status; a conditional UPDATE decides between racers)."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"未找到预约 {booking_id} / Booking {booking_id} not found")
    result = session.execute(
        update(Booking)
        .where(col(Booking.id) == booking_id, col(Booking.status) == BookingStatus.BOOKED)
        .values(status=BookingStatus.SERVED, updated_at=now, version=col(Booking.version) + 1)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        session.refresh(booking)
        raise Conflict(
            f"预约状态为 {booking.status}，不能标记为已服务 / Booking is {booking.status}, not booked",
            details={"current_status": booking.status},
        )
    session.refresh(booking)
    record_event(
        session,
        kind="booking.served",
        actor=actor,
        at=now,
        booking_id=booking.id,
        from_status=BookingStatus.BOOKED,
        to_status=BookingStatus.SERVED,
        data={"reference": booking.reference, "campaign_id": str(booking.campaign_id)},
    )
    return booking
