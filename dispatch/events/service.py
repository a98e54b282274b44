"""Append events in the same transaction as the change they describe; publish only after commit.

`record_event` adds the row and remembers it on the session; when the session commits, the
`after_commit` hook hands each committed event to the session's publisher (``session.info["publish"]``,
set by the app's session factory, or the one registered for the session's engine, which covers
background `unit_of_work` sessions). A rolled-back change therefore never reaches a live stream.

Ids follow commit order. Clients resume from "everything after id N", so an event must never become
visible after a higher id did. SQLite serialises writers, which gives that for free; on PostgreSQL two
transactions can flush ids 10 and 11 and commit 11 first. So just before commit, under one transaction-level
advisory lock, the transaction's events get fresh ids from the sequence: the lock is taken at the very end,
after every row lock the transaction needs, so it cannot deadlock, and whoever commits later numbers later.
Taking the lock and renumbering are one statement, so the lock is held for two round trips (it and COMMIT).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from dispatch.events.models import Event

PENDING_KEY = "dispatch_pending_events"
PUBLISH_KEY = "publish"

# Any constant shared by every process: the key of the PostgreSQL advisory lock that orders event commits.
EVENT_ORDER_LOCK_KEY = 0x6576656E7473  # "events"

Publisher = Callable[[list[Event]], None]
# Work that must happen in the same transaction as an event (the notification outbox, follow-up tasks).
EventHook = Callable[[Session, Event], None]

_event_hooks: list[EventHook] = []

_engine_publishers: WeakKeyDictionary[Engine, Publisher] = WeakKeyDictionary()


def register_engine_publisher(engine: Engine, publish: Publisher | None) -> None:
    """Publish events committed by any session on `engine` (background work) unless it has its own."""
    if publish is None:
        _engine_publishers.pop(engine, None)
    else:
        _engine_publishers[engine] = publish


def add_event_hook(hook: EventHook) -> None:
    """Call `hook(session, event)` for every event appended from now on, inside the same transaction."""
    if hook not in _event_hooks:
        _event_hooks.append(hook)


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
    for hook in _event_hooks:
        hook(session, row)
    return row


# One round trip: take the lock, then draw new ids in the order the events were recorded (PostgreSQL
# evaluates a volatile output column after the ORDER BY), and return (old id, new id) pairs. The lock row
# must exist before any id is drawn, so no nextval can run before the lock is held. Keeping this to one
# statement matters: the lock is held until COMMIT, and every extra step inside it is a wait for the
# database and for the GIL that every other committing worker queues behind.
_LOCK_AND_RENUMBER = text(
    """
    UPDATE events AS e SET id = fresh.new_id
    FROM (
        SELECT given.old_id, nextval(pg_get_serial_sequence('events', 'id')) AS new_id
        FROM (SELECT pg_advisory_xact_lock(:key)) AS ordered,
             unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS given(old_id, position)
        ORDER BY given.position
    ) AS fresh
    WHERE e.id = fresh.old_id
    RETURNING fresh.old_id, e.id
    """
)


@sa_event.listens_for(OrmSession, "before_commit")
def _number_in_commit_order(session: OrmSession) -> None:
    pending: list[Event] = session.info.get(PENDING_KEY, [])
    if not pending or session.get_nested_transaction() is not None:
        return  # a savepoint's release: the real commit numbers the events
    # Events recorded inside a savepoint that was rolled back have left the session: they never happened.
    pending = session.info[PENDING_KEY] = [row for row in pending if row in session]
    if not pending:
        return
    session.flush()
    connection = session.connection()
    # A session joined to an outer transaction (the test suite's savepoints) does not really commit here.
    if connection.dialect.name != "postgresql" or connection.in_nested_transaction():
        return
    old_ids = [int(row.id) for row in pending if row.id is not None]  # all flushed above
    renumbered = connection.execute(_LOCK_AND_RENUMBER, {"key": EVENT_ORDER_LOCK_KEY, "ids": old_ids})
    new_ids = {int(old_id): int(new_id) for old_id, new_id in renumbered}
    for row, old_id in zip(pending, old_ids, strict=True):
        # The row keeps living in the caller's hands with its final id; the session must not re-flush it.
        session.expunge(row)
        set_committed_value(row, "id", new_ids[old_id])


@sa_event.listens_for(OrmSession, "after_commit")
def _publish_committed(session: OrmSession) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released (SQLAlchemy calls that a commit too): wait for the real one
    pending: list[Event] = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    publish: Publisher | None = session.info.get(PUBLISH_KEY) or _engine_publisher(session)
    if publish is not None:
        publish(pending)


def _engine_publisher(session: OrmSession) -> Publisher | None:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _engine_publishers.get(engine) if isinstance(engine, Engine) else None


@sa_event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    """Forget the transaction's events; a savepoint's rollback only drops its own (see before_commit)."""
    if session.get_nested_transaction() is None:
        session.info.pop(PENDING_KEY, None)
