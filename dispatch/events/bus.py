"""The event bus: committed events in, every local subscriber's bounded mailbox out.

    publish(events)  any thread (the after-commit hook runs in the request's worker thread)
        │ loop.call_soon_threadsafe
        ▼
    InProcessBus ─────────────────────────────► Fanout.deliver ──► Subscription.offer (put_nowait)
    RedisBus ── PUBLISH channel ── every worker's listener ──► Fanout.deliver ──► ...

Publishing never awaits a client: `offer` is a non-blocking put into a bounded queue, and a subscriber whose
queue is full is ended with `CloseCode.RESUME` (its handler closes the socket; the client reconnects with its
last event id and catches up from the event log). With Redis every worker, the publishing one included,
delivers from the channel, so all workers see one order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from dispatch.events.envelope import EventRecord
from dispatch.events.models import Event
from dispatch.settings import Settings

log = logging.getLogger(__name__)

Matcher = Callable[[EventRecord], bool]


class CloseCode(IntEnum):
    """Websocket close codes the streams use."""

    GOING_AWAY = 1001  # server shutting down: reconnect (to another worker) with your last event id
    # (uvicorn itself closes open sockets with 1012 "service restart" before the app's shutdown; same advice)
    POLICY_VIOLATION = 1008  # missing, bad or expired token; sent before any data
    INTERNAL_ERROR = 1011
    RESUME = 4008  # you fell behind (or the bus reconnected): reconnect with your last event id


class Subscription:
    """One client's bounded mailbox on this worker."""

    def __init__(self, matches: Matcher, max_pending: int) -> None:
        self._matches = matches
        self.queue: asyncio.Queue[EventRecord] = asyncio.Queue(max_pending)
        self.ended = asyncio.Event()
        self.close_code = CloseCode.RESUME
        self.close_reason = ""
        self.task: asyncio.Task[Any] | None = asyncio.current_task()

    def offer(self, record: EventRecord) -> None:
        """Queue `record` if this client wants it; never blocks. Runs on the event loop thread."""
        if self.ended.is_set():
            return
        try:
            wanted = self._matches(record)
        except Exception:
            log.exception("stream filter failed on event %s", record.id)
            return
        if not wanted:
            return
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.end(CloseCode.RESUME, "too slow, resume from your last event id / 接收过慢，请续传")

    def end(self, code: CloseCode, reason: str) -> None:
        if not self.ended.is_set():
            self.close_code = code
            self.close_reason = reason
            self.ended.set()


class EventBus:
    """The in-process bus (the embedded default) and the base of the Redis one."""

    def __init__(self) -> None:
        self.subscriptions: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self, grace_s: float = 5.0) -> None:
        """End every subscription with 1001 and wait for their handlers to close their sockets."""
        self._loop = None
        for subscription in list(self.subscriptions):
            subscription.end(CloseCode.GOING_AWAY, "server shutting down / 服务器重启")
        tasks = {
            s.task for s in self.subscriptions if s.task is not None and s.task is not asyncio.current_task()
        }
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)

    def subscribe(self, matches: Matcher, max_pending: int) -> Subscription:
        subscription = Subscription(matches, max_pending)
        self.subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def publish(self, events: list[Event]) -> None:
        """Hand committed events to the loop; safe from any thread (this is ``session.info["publish"]``)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # not serving (CLI, scripts): nobody is listening
        records = [EventRecord.from_row(event) for event in events]
        try:
            loop.call_soon_threadsafe(self._dispatch, records)
        except RuntimeError:  # the loop closed between the check and the call
            log.debug("event loop closed; %d events not streamed", len(records))

    def _dispatch(self, records: Sequence[EventRecord]) -> None:
        self.deliver(records)

    def deliver(self, records: Sequence[EventRecord]) -> None:
        """Offer each record to every local subscriber, in order. Event loop thread only."""
        for record in records:
            for subscription in list(self.subscriptions):
                subscription.offer(record)

    def evict_all(self, reason: str) -> None:
        """Events may have been lost (bus reconnected): make every client resume from the event log."""
        for subscription in list(self.subscriptions):
            subscription.end(CloseCode.RESUME, reason)


def make_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        from dispatch.events.redis_bus import RedisBus

        return RedisBus(settings.redis_url, settings.redis_channel)
    return EventBus()


async def cancel_quietly(task: asyncio.Task[Any] | None) -> None:
    if task is None or task.done():
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
