"""Notification use cases: webhook subscribers (admins), the dead-letter list and replay, owners'
preferences, and what was sent about a job or booking. All take ``*, session`` and never commit."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from dispatch.errors import Conflict, NotFound
from dispatch.notifications.models import (
    DeliveryStatus,
    MessagePreference,
    Notification,
    WebhookSubscriber,
)


def create_subscriber(
    *, session: Session, name: str, url: str, event_kinds: list[str], secret: str | None, now: datetime
) -> WebhookSubscriber:
    subscriber = WebhookSubscriber(
        name=name,
        url=url,
        event_kinds=event_kinds,
        secret=secret or secrets.token_urlsafe(32),
        created_at=now,
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def get_subscriber(*, session: Session, subscriber_id: int) -> WebhookSubscriber:
    subscriber = session.get(WebhookSubscriber, subscriber_id)
    if subscriber is None:
        raise NotFound(f"未找到推送订阅 {subscriber_id} / Webhook subscriber {subscriber_id} not found")
    return subscriber


def list_subscribers(*, session: Session) -> Sequence[WebhookSubscriber]:
    return session.exec(select(WebhookSubscriber).order_by(col(WebhookSubscriber.id))).all()


def update_subscriber(*, session: Session, subscriber: WebhookSubscriber, changes: dict[str, object]) -> None:
    for name, value in changes.items():
        setattr(subscriber, name, value)
    session.add(subscriber)
    session.flush()


def dead_letters(*, session: Session, limit: int, offset: int) -> tuple[int, Sequence[Notification]]:
    """Notifications that ran out of attempts, newest first, with the total before paging."""
    dead = col(Notification.status) == DeliveryStatus.DEAD
    total = session.exec(select(func.count()).select_from(Notification).where(dead)).one()
    rows = session.exec(
        select(Notification)
        .where(dead)
        .order_by(col(Notification.created_at).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return int(total), rows


def replay(*, session: Session, notification_id: uuid.UUID, now: datetime) -> Notification:
    """Put a dead notification back in the outbox, with fresh attempts and the same delivery id."""
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound(f"未找到通知 {notification_id} / Notification {notification_id} not found")
    if row.status != DeliveryStatus.DEAD:
        raise Conflict(
            f"只能重发死信通知（当前 {row.status}）/ "
            f"Only dead letters can be replayed (this one is {row.status})",
            details={"status": row.status},
        )
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = now
    row.claimed_until = None
    session.add(row)
    session.flush()
    return row


def sent_about(
    *, session: Session, job_id: uuid.UUID | None = None, booking_id: uuid.UUID | None = None
) -> Sequence[Notification]:
    """Everything written to the outbox about one job or booking, oldest first."""
    query = select(Notification)
    query = (
        query.where(Notification.job_id == job_id)
        if job_id
        else query.where(Notification.booking_id == booking_id)
    )
    return session.exec(query.order_by(col(Notification.created_at), col(Notification.channel))).all()


def set_preference(
    *, session: Session, phone: str, sms: bool, actor: str, now: datetime
) -> MessagePreference:
    preference = session.get(MessagePreference, phone) or MessagePreference(phone=phone, updated_by=actor)
    preference.sms = sms
    preference.updated_by = actor
    preference.updated_at = now
    session.add(preference)
    session.flush()
    return preference


def get_preference(*, session: Session, phone: str) -> MessagePreference:
    return session.get(MessagePreference, phone) or MessagePreference(
        phone=phone, sms=True, updated_by="default"
    )
