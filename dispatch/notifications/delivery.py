"""Claim due notifications, send them, record what happened: three short steps, two transactions.

1. `claim_batch` marks up to N due rows ``sending`` until a lease runs out, in one statement
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never wait for or share a row; SQLite has one
   writer at a time, so the conditional UPDATE alone decides). Rows whose lease ran out are due again:
   a worker that died after claiming loses nothing.
2. `send_batch` hands each to its channel, outside any transaction, with its stable delivery id.
3. `record_outcomes` marks each delivered, or schedules the next attempt with exponential backoff, or
   moves it to the dead-letter list after the last attempt. Each update is conditional on the claim
   (``status = 'sending' AND attempts = claimed attempts``), so a worker whose lease expired cannot
   overwrite the outcome of the worker that claimed the row after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from dispatch.jobs.lifecycle import affected_rows
from dispatch.notifications.channels import Delivery, DeliveryFailed, MessageChannel
from dispatch.notifications.models import Channel, DeliveryStatus, Notification, WebhookSubscriber
from dispatch.notifications.texts import render_sms
from dispatch.settings import Settings


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    channel: Channel
    attempts: int
    delivery: Delivery


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    error: str | None  # None: delivered


def claim_batch(*, session: Session, now: datetime, settings: Settings) -> list[Claimed]:
    """Claim up to ``notify_batch_size`` due rows for ``notify_lease_s``; the caller commits."""
    due = or_(
        and_(col(Notification.status) == DeliveryStatus.PENDING, col(Notification.next_attempt_at) <= now),
        and_(col(Notification.status) == DeliveryStatus.SENDING, col(Notification.claimed_until) <= now),
    )
    candidates = (
        select(Notification.id)
        .where(due)
        .order_by(col(Notification.next_attempt_at))
        .limit(settings.notify_batch_size)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Notification)
        .where(col(Notification.id).in_(candidates.scalar_subquery()))
        .values(
            status=DeliveryStatus.SENDING,
            claimed_until=now + timedelta(seconds=settings.notify_lease_s),
            attempts=col(Notification.attempts) + 1,
        )
        .returning(
            col(Notification.id),
            col(Notification.channel),
            col(Notification.attempts),
            col(Notification.template),
            col(Notification.context),
            col(Notification.recipient),
            col(Notification.subscriber_id),
            col(Notification.body),
            col(Notification.next_attempt_at),
            col(Notification.created_at),
        )
        .execution_options(synchronize_session=False)
    ).all()
    # RETURNING follows no order: send in the order the messages fell due (an owner reads them in turn).
    claimed = sorted(claimed, key=lambda row: (row.next_attempt_at, row.created_at))
    subscribers = _subscribers(
        session, {row.subscriber_id for row in claimed if row.subscriber_id is not None}
    )
    return [_claimed(row, subscribers, settings) for row in claimed]


def send_one(item: Claimed, channels: Mapping[Channel, MessageChannel], *, now_s: float) -> Outcome:
    """Send one claimed notification on its channel; a refusal is an outcome, not an exception."""
    try:
        channels[item.channel].send(item.delivery, now_s=now_s)
    except DeliveryFailed as exc:
        return Outcome(item, str(exc)[:500])
    return Outcome(item, None)


def send_batch(
    claimed: list[Claimed], channels: Mapping[Channel, MessageChannel], *, now_s: float
) -> list[Outcome]:
    """Send each claimed notification in turn (the worker sends concurrently with `send_one`)."""
    return [send_one(item, channels, now_s=now_s) for item in claimed]


def record_outcomes(*, session: Session, outcomes: list[Outcome], now: datetime, settings: Settings) -> int:
    """Write what happened; returns how many rows this worker still held (the others were reclaimed)."""
    delivered = [o.claimed for o in outcomes if o.error is None]
    held = 0
    if delivered:
        # Rows rendered at send time store the text they sent; webhook bodies are already stored.
        plain = [c for c in delivered if c.channel is Channel.WEBHOOK]
        held += _mark_delivered(session, plain, now, body=False)
        for item in (c for c in delivered if c.channel is not Channel.WEBHOOK):
            held += _mark_delivered(session, [item], now, body=True)
    for outcome in (o for o in outcomes if o.error is not None):
        held += _mark_failed(session, outcome, now, settings)
    return held


def backoff_s(attempts: int, settings: Settings) -> float:
    """Seconds before attempt ``attempts + 1``: base x 2^(attempts-1), capped."""
    return float(
        min(settings.notify_backoff_base_s * 2 ** max(attempts - 1, 0), settings.notify_backoff_max_s)
    )


def _held(item: Claimed) -> Any:
    return and_(
        col(Notification.id) == item.id,
        col(Notification.status) == DeliveryStatus.SENDING,
        col(Notification.attempts) == item.attempts,
    )


def _mark_delivered(session: Session, items: list[Claimed], now: datetime, *, body: bool) -> int:
    if not items:
        return 0
    values: dict[str, Any] = {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "claimed_until": None}
    if body:
        values["body"] = items[0].delivery.body
        condition = _held(items[0])
    else:
        condition = and_(
            col(Notification.id).in_([i.id for i in items]),
            col(Notification.status) == DeliveryStatus.SENDING,
        )
    result = session.execute(
        update(Notification).where(condition).values(**values).execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def _mark_failed(session: Session, outcome: Outcome, now: datetime, settings: Settings) -> int:
    attempts = outcome.claimed.attempts
    dead = attempts >= settings.notify_max_attempts
    result = session.execute(
        update(Notification)
        .where(_held(outcome.claimed))
        .values(
            status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
            next_attempt_at=now + timedelta(seconds=backoff_s(attempts, settings)),
            claimed_until=None,
            last_error=outcome.error,
        )
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def _subscribers(session: Session, ids: set[int]) -> dict[int, WebhookSubscriber]:
    if not ids:
        return {}
    rows = session.exec(select(WebhookSubscriber).where(col(WebhookSubscriber.id).in_(ids)))
    return {s.id: s for s in rows if s.id is not None}


def _claimed(row: Any, subscribers: dict[int, WebhookSubscriber], settings: Settings) -> Claimed:
    channel = Channel(row.channel)
    if channel is Channel.WEBHOOK:
        subscriber = subscribers.get(row.subscriber_id)
        delivery = Delivery(
            id=row.id,
            recipient=row.recipient,
            body=row.body or "",
            url=subscriber.url if subscriber is not None and subscriber.active else None,
            secret=subscriber.secret if subscriber is not None else None,
        )
    else:
        text = render_sms(
            row.template, row.context, base_url=settings.public_base_url, timezone=settings.display_timezone
        )
        delivery = Delivery(id=row.id, recipient=row.recipient, body=text)
    return Claimed(id=row.id, channel=channel, attempts=int(row.attempts), delivery=delivery)
