"""The event bus: the event log in, every local subscriber's bounded mailbox out.

    commit (any thread) ── publish() ──► wake ──┐
    RedisBus: other workers' commits ─► wake ───┼──► tail the log (id > cursor) ──► Subscription.offer
    poll timer (every event_poll_interval_s) ───┘                                   (put_nowait)

The bus carries no events, only wake-ups: each worker reads what it delivers from the event log
(`dispatch.events.feed`), in id order, so no stream sees a gap or a duplicate whatever order commits are
announced in, and nothing depends on a message surviving the trip. Publishing never awaits a client:
`offer` is a non-blocking put into a bounded queue, and a subscriber whose queue is full is ended with
`CloseCode.RESUME` (its handler closes the socket; the client reconnects with its last event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool

from dispatch.events.envelope import EventRecord
from dispatch.events.feed import FEED_BATCH
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
    RESUME = 4008  # you fell behind: reconnect with your last event id


class LogReader(Protocol):
    """The event log as the bus reads it (`dispatch.events.feed.EventLog`; tests pass their own)."""

    def after(self, after_id: int, limit: int = FEED_BATCH) -> list[EventRecord]: ...

    def head(self) -> int: ...


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

    def __init__(self, poll_interval_s: float = 1.0) -> None:
        self.subscriptions: set[Subscription] = set()
        self.poll_interval_s = poll_interval_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._log: LogReader | None = None
        self._wake = asyncio.Event()
        self._tail: asyncio.Task[None] | None = None
        # The last id delivered to this worker's subscribers; None while nobody is subscribed.
        self._cursor: int | None = None

    @property
    def status(self) -> dict[str, str]:
        """What /health reports about the bus ("ok", or why it is degraded)."""
        return {}

    async def start(self, log_reader: LogReader | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._log = log_reader
        self._wake = asyncio.Event()
        if log_reader is not None:
            self._tail = asyncio.create_task(self._tail_log(), name="event-log-tail")

    async def stop(self, grace_s: float = 5.0) -> None:
        """End every subscription with 1001 and wait for their handlers to close their sockets."""
        self._loop = None
        await cancel_quietly(self._tail)
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

    async def join(self, matches: Matcher, max_pending: int) -> tuple[Subscription, int]:
        """Subscribe; also the id after which the bus delivers live events to this subscription."""
        subscription = self.subscribe(matches, max_pending)
        if self._cursor is None and self._log is not None:
            head = await run_in_threadpool(self._log.head)
            if self._cursor is None:
                self._cursor = head
        return subscription, self._cursor or 0

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)
        if not self.subscriptions:
            self._cursor = None  # nobody to deliver to: stop reading until someone joins

    def publish(self, events: list[Event]) -> None:
        """Say the log has grown; safe from any thread (this is ``session.info["publish"]``)."""
        self._announce(events)
        self.wake_threadsafe()

    def _announce(self, events: list[Event]) -> None:
        """Tell other workers (the Redis bus); nothing to do in one process."""

    def wake_threadsafe(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # not serving (CLI, scripts): nobody is listening
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
            loop.call_soon_threadsafe(self._wake.set)

    def wake(self) -> None:
        """Read the log now (event loop thread)."""
        self._wake.set()

    def deliver(self, records: Sequence[EventRecord]) -> None:
        """Offer each record to every local subscriber, in order. Event loop thread only."""
        for record in records:
            for subscription in list(self.subscriptions):
                subscription.offer(record)

    async def _tail_log(self) -> None:
        failing = False
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._read_new()
            except Exception as exc:  # the database is down: try again at the next wake-up or poll
                if not failing:
                    log.warning("reading the event log failed (%s); retrying", type(exc).__name__)
                failing = True
            else:
                failing = False

    async def _read_new(self) -> None:
        assert self._log is not None
        while self._cursor is not None and self.subscriptions:
            batch = await run_in_threadpool(self._log.after, self._cursor)
            cursor = self._cursor
            if cursor is None:
                return
            fresh = [record for record in batch if record.id > cursor]
            if fresh:
                self._cursor = fresh[-1].id
                self.deliver(fresh)
            if len(batch) < FEED_BATCH:
                return


def make_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        from dispatch.events.redis_bus import RedisBus

        return RedisBus(settings.redis_url, settings.redis_channel, settings.event_poll_interval_s)
    return EventBus(settings.event_poll_interval_s)


async def cancel_quietly(task: asyncio.Task[Any] | None) -> None:
    if task is None or task.done():
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
