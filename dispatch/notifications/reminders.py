"""The day-before reminder: from the configured local hour, every booking of tomorrow gets one SMS.

The sweep may run in several workers and many times: each reminder has a dedup key (unique), so a booking
is reminded once whoever writes the row first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.campaigns.models import Booking, BookingStatus, Campaign
from dispatch.notifications.models import Notification
from dispatch.notifications.outbox import enqueue_sms
from dispatch.notifications.subjects import booking_message_context
from dispatch.settings import Settings
from dispatch.tracking.models import TrackingLink


def queue_booking_reminders(*, session: Session, now: datetime, settings: Settings) -> int:
    """Add the reminders due by `now` that nobody wrote yet; returns how many this call added."""
    local = now.astimezone(ZoneInfo(settings.display_timezone))
    if local.hour < settings.booking_reminder_hour:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    bookings = session.exec(
        select(Booking).where(Booking.service_date == tomorrow, Booking.status == BookingStatus.BOOKED)
    ).all()
    keys = {f"reminder:{b.id}": b for b in bookings}
    if not keys:
        return 0
    taken = set(session.exec(select(Notification.dedup_key).where(col(Notification.dedup_key).in_(keys))))
    added = 0
    for key, booking in keys.items():
        if key not in taken and _add_reminder(session, booking, key, now):
            added += 1
    return added


def _add_reminder(session: Session, booking: Booking, key: str, now: datetime) -> bool:
    campaign = session.get(Campaign, booking.campaign_id)
    token = session.exec(select(TrackingLink.token).where(TrackingLink.booking_id == booking.id)).first()
    try:
        with session.begin_nested():
            enqueue_sms(
                session,
                template="booking.reminder",
                phone=booking.phone,
                context=booking_message_context(booking, campaign, token),
                now=now,
                booking_id=booking.id,
                dedup_key=key,
            )
            session.flush()
    except IntegrityError:
        return False  # another worker wrote it first
    return True
