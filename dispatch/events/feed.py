"""Where live events come from: the event log, read in id order from the last id delivered.

The bus never carries events; it only says "the log has grown". A worker keeps one cursor, the last id it
delivered to its subscribers, and when woken (a local commit, a Redis message, or the poll timer) reads
``id > cursor`` in id order and hands the rows to its subscribers. So every worker delivers every stream
in id order, an event whose wake-up was lost is picked up by the next wake-up or poll, and a Redis outage
only adds the poll interval to cross-worker latency.

Reading ``id > cursor`` is exact because ids become visible in id order: SQLite has one writer at a time,
and on PostgreSQL every transaction draws its event ids under one advisory lock just before COMMIT, so a
later id is never visible before an earlier one (`dispatch.events.service`). Ids left unused by a
rollback are gaps that nobody waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, true
from sqlmodel import Session, col, select

from dispatch.events.envelope import EventRecord
from dispatch.events.models import Event
from dispatch.events.replay import events_after

FEED_BATCH = 500


@dataclass(frozen=True)
class EventLog:
    """Blocking reads of the event log (run in a worker thread)."""

    session_factory: Callable[[], Session]

    def after(self, after_id: int, limit: int = FEED_BATCH) -> list[EventRecord]:
        with self.session_factory() as session:
            return events_after(session, after_id=after_id, where=true(), limit=limit)

    def head(self) -> int:
        with self.session_factory() as session:
            return int(session.exec(select(func.max(col(Event.id)))).one() or 0)
