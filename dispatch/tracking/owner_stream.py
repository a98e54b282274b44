"""The owner's live stream: the tracking view again whenever an event in its scope commits.

The snapshot sent on connect carries the newest event id in scope, read before the state (so the state is
at least that new); live events at or below it are skipped by the relay's seam, later ones re-render. An
event that changes nothing the owner sees (a part, a note, a photo) sends nothing: the owner's page would
only repeat itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from dispatch.errors import DispatchError
from dispatch.events.envelope import Envelope, EventRecord
from dispatch.events.relay import Stream, StreamContext
from dispatch.tracking import service
from dispatch.tracking.schemas import TrackingRead
from dispatch.tracking.scope import TrackingScope
from dispatch.travel_times import drive_time_for

log = logging.getLogger(__name__)


class OwnerStream:
    def __init__(self, context: StreamContext, token: str) -> None:
        self.context = context
        self.token = token
        self.scope = TrackingScope()
        self.view: TrackingRead | None = None
        self._shown: dict[str, object] | None = None
        self._drive_time = drive_time_for(context.settings)

    def refresh(self) -> TrackingRead:
        """Re-read the view (worker thread); raises NotFound / Gone for a dead link."""
        now, settings = self.context.clock.now(), self.context.settings
        with self.context.session_factory() as session:
            link = service.open_link(session=session, token=self.token, now=now, settings=settings)
            view, scope = service.tracking_view(
                session=session,
                link=link,
                now=now,
                settings=self.context.settings,
                drive_time=self._drive_time,
            )
        self.view, self.scope = view, scope
        return view

    def stream(self) -> Stream:
        return Stream(name="tracking", matches=self.matches, catch_up=self.catch_up, render=self.render)

    def matches(self, record: EventRecord) -> bool:
        return self.scope.matches(record)

    async def catch_up(self, _last_event_id: int | None) -> AsyncIterator[tuple[str, int]]:
        view = self.view if self.view is not None else await run_in_threadpool(self.refresh)
        self._shown = _what_the_owner_sees(view)
        message = _message("tracking.snapshot", view, view.last_event_id, self.context.clock.now())
        yield message, view.last_event_id

    async def render(self, record: EventRecord) -> str | None:
        try:
            view = await run_in_threadpool(self.refresh)
        except DispatchError:
            log.info("tracking link %s… no longer valid", self.token[:6])
            return None
        shown = _what_the_owner_sees(view)
        if shown == self._shown:
            return None
        self._shown = shown
        return _message("tracking.update", view, record.id, record.created_at)


def _what_the_owner_sees(view: TrackingRead) -> dict[str, object]:
    """The view minus what changes without news: the event id, and seconds-to-go counting down."""
    return view.model_dump(exclude={"last_event_id", "eta_s"})


def _message(kind: str, view: TrackingRead, event_id: int, at: datetime) -> str:
    envelope = Envelope(type=kind, event_id=event_id, time=at, payload=view.model_dump(mode="json"))
    return envelope.model_dump_json()
