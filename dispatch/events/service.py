"""Append events in the same transaction as the change they describe; publish only after commit.

`record_event` adds the row and remembers it on the session; when the session commits, the
`after_commit` hook hands each committed event to the session's publisher (``session.info["publish"]``,
set by the app's session factory). A rolled-back change therefore never reaches a live stream.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from dispatch.events.models import Event

PENDING_KEY = "dispatch_pending_events"
PUBLISH_KEY = "publish"

Publisher = Callable[[list[Event]], None]


def record_event(
    session: Session,
    *,
    kind: str,
    actor: str,
    at: datetime,
    job_id: uuid.UUID | None = None,
    booking_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    van_id: int | None = None,
    city_adcode: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event row (flushed, so it has its stream-ordered id) and queue it for publishing."""
    row = Event(
        kind=kind,
        actor=actor,
        job_id=job_id,
        booking_id=booking_id,
        plan_id=plan_id,
        van_id=van_id,
        city_adcode=city_adcode,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        created_at=at,
    )
    session.add(row)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(row)
    return row


@sa_event.listens_for(OrmSession, "after_commit")
def _publish_committed(session: OrmSession) -> None:
    pending: list[Event] = session.info.pop(PENDING_KEY, [])
    publish: Publisher | None = session.info.get(PUBLISH_KEY)
    if pending and publish is not None:
        publish(pending)


@sa_event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    session.info.pop(PENDING_KEY, None)
