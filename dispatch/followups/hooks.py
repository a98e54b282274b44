"""The after-sales event hooks: run inside the transaction that appends each event.

- the notification outbox (`dispatch.notifications.outbox.on_event`);
- follow-up calls when a rescue job closes served (completed or towed) or a countryside visit is served.
"""

from __future__ import annotations

from sqlmodel import Session

from dispatch.campaigns.models import Booking
from dispatch.events.models import Event
from dispatch.events.service import add_event_hook
from dispatch.followups.subjects import FOLLOWED_UP_JOB_STATUSES, booking_subject, job_subject
from dispatch.followups.tasks import create_followups
from dispatch.jobs.models import RescueJob
from dispatch.notifications.outbox import on_event as queue_notifications


def install_after_sales_hooks() -> None:
    """Register the hooks (idempotent); the app factory calls it."""
    add_event_hook(queue_notifications)
    add_event_hook(follow_up_completions)


def follow_up_completions(session: Session, event: Event) -> None:
    if event.kind == "job.status" and event.to_status in FOLLOWED_UP_JOB_STATUSES and event.job_id:
        job = session.get(RescueJob, event.job_id)
        if job is not None:
            create_followups(session=session, subject=job_subject(session, job))
    elif event.kind == "booking.served" and event.booking_id:
        booking = session.get(Booking, event.booking_id)
        if booking is not None:
            create_followups(session=session, subject=booking_subject(session, booking))
