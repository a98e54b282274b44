"""Write notifications in the transaction of the change that causes them (the transactional outbox).

`on_event` is an event hook (`dispatch.events.service.add_event_hook`): whenever an event is appended, the
owner's SMS (if the event is one owners are told about) and one webhook row per interested subscriber are
added to the same session. Nothing is sent here; the delivery worker sends committed rows, so a rollback
sends nothing and a crash after commit loses nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from dispatch.events.models import Event
from dispatch.notifications.models import (
    Channel,
    DeliveryStatus,
    MessagePreference,
    Notification,
    WebhookSubscriber,
)

SUBSCRIBERS_KEY = "dispatch_webhook_subscribers"

# job.status target status -> the owner's message.
JOB_MESSAGES = {
    "accepted": "job.accepted",
    "en_route": "job.en_route",
    "on_site": "job.on_site",
    "completed": "job.completed",
}
BOOKING_MESSAGES = {
    "booking.created": "booking.confirmed",
    "booking.rescheduled": "booking.window_changed",
    "booking.cancelled": "booking.cancelled",
}


def on_event(session: Session, event: Event) -> None:
    """The outbox hook: the owner's message and the subscribers' webhooks for `event`."""
    template = _owner_template(session, event)
    if template is not None:
        _enqueue_owner_message(session, event, template)
    _enqueue_webhooks(session, event)


def enqueue_sms(
    session: Session,
    *,
    template: str,
    phone: str,
    context: dict[str, Any],
    now: datetime,
    job_id: uuid.UUID | None = None,
    booking_id: uuid.UUID | None = None,
    dedup_key: str | None = None,
    respect_preference: bool = True,
) -> Notification:
    """Add one SMS to the outbox; an owner who chose no messages gets a `skipped` row instead."""
    wanted = not respect_preference or sms_wanted(session, phone)
    row = Notification(
        channel=Channel.SMS,
        template=template,
        context=context,
        recipient=phone,
        job_id=job_id,
        booking_id=booking_id,
        dedup_key=dedup_key,
        status=DeliveryStatus.PENDING if wanted else DeliveryStatus.SKIPPED,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def sms_wanted(session: Session, phone: str) -> bool:
    preference = session.get(MessagePreference, phone)
    return preference is None or preference.sms


def _owner_template(session: Session, event: Event) -> str | None:
    if event.kind == "job.status":
        return JOB_MESSAGES.get(event.to_status or "")
    if event.kind == "booking.arrival_planned":
        # Owners hear about a changed window; the first published window matches what they booked.
        return "booking.window_changed" if _told_before(session, event.booking_id) else None
    return BOOKING_MESSAGES.get(event.kind)


def _told_before(session: Session, booking_id: uuid.UUID | None) -> bool:
    query = select(Notification.id).where(
        Notification.booking_id == booking_id,
        Notification.template == "booking.window_changed",
        Notification.channel == Channel.SMS,
    )
    return booking_id is not None and (
        session.exec(query.limit(1)).first() is not None or _planned_before(session, booking_id)
    )


def _planned_before(session: Session, booking_id: uuid.UUID) -> bool:
    query = select(Event.id).where(Event.booking_id == booking_id, Event.kind == "booking.arrival_planned")
    return len(session.exec(query.limit(2)).all()) > 1


def _enqueue_owner_message(session: Session, event: Event, template: str) -> None:
    from dispatch.notifications.subjects import booking_context, job_context

    subject = None
    if event.job_id is not None:
        subject = job_context(session, event.job_id)
    elif event.booking_id is not None:
        subject = booking_context(session, event.booking_id)
    if subject is None:
        return
    phone, context = subject
    enqueue_sms(
        session,
        template=template,
        phone=phone,
        context=context,
        now=event.created_at,
        job_id=event.job_id,
        booking_id=event.booking_id,
    )


def _active_subscribers(session: Session) -> list[tuple[int, list[str]]]:
    """(id, kinds) of active subscribers, read once per transaction (forgotten when it ends)."""
    cached: list[tuple[int, list[str]]] | None = session.info.get(SUBSCRIBERS_KEY)
    if cached is None:
        rows = session.exec(
            select(WebhookSubscriber.id, WebhookSubscriber.event_kinds).where(col(WebhookSubscriber.active))
        ).all()
        cached = [(sid, list(kinds)) for sid, kinds in rows if sid is not None]
        session.info[SUBSCRIBERS_KEY] = cached
    return cached


@sa_event.listens_for(OrmSession, "after_commit")
@sa_event.listens_for(OrmSession, "after_rollback")
def _forget_subscribers(session: OrmSession) -> None:
    session.info.pop(SUBSCRIBERS_KEY, None)


def _enqueue_webhooks(session: Session, event: Event) -> None:
    subscribers = _active_subscribers(session)
    interested = [sid for sid, kinds in subscribers if any(fnmatchcase(event.kind, k) for k in kinds)]
    if not interested:
        return
    payload = webhook_payload(event)
    for subscriber_id in interested:
        row = Notification(
            channel=Channel.WEBHOOK,
            template=event.kind,
            recipient=f"subscriber:{subscriber_id}",
            subscriber_id=subscriber_id,
            job_id=event.job_id,
            booking_id=event.booking_id,
            next_attempt_at=event.created_at,
            created_at=event.created_at,
        )
        row.body = json.dumps({"delivery_id": str(row.id), **payload}, ensure_ascii=False, sort_keys=True)
        session.add(row)


def webhook_payload(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.kind,
        "time": event.created_at.isoformat(),
        "actor": event.actor,
        "job_id": str(event.job_id) if event.job_id else None,
        "booking_id": str(event.booking_id) if event.booking_id else None,
        "city_adcode": event.city_adcode,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "data": event.data,
    }
