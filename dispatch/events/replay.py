"""Reading the event log back: what a reconnecting client missed."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from dispatch.events.envelope import EventRecord
from dispatch.events.models import Event

REPLAY_BATCH = 500


def events_after(
    session: Session, *, after_id: int, where: ColumnElement[bool], limit: int = REPLAY_BATCH
) -> list[EventRecord]:
    """Up to `limit` events with ``id > after_id`` matching `where`, oldest first."""
    statement = (
        select(Event).where(col(Event.id) > after_id).where(where).order_by(col(Event.id)).limit(limit)
    )
    return [EventRecord.from_row(row) for row in session.exec(statement)]


def latest_event_id(session: Session, where: ColumnElement[bool]) -> int:
    """The newest event id matching `where` (0 if none)."""
    latest = session.exec(select(func.max(Event.id)).where(where)).one()
    return int(latest or 0)
