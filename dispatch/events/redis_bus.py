"""Wake-ups across workers: Redis pub/sub on one channel per deployment.

A worker that commits events publishes the newest id on the channel; every worker's listener then reads the
event log (`dispatch.events.bus`). Redis is a convenience for latency, never a dependency: a publish that
fails is dropped (the others find the events at their next poll), and a lost connection is retried with
back-off forever, every wait bounded and cancellable, so requests, offer expiry and shutdown never wait for
it. While it is unreachable `status` says so, and /health reports "degraded".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from dispatch.events.bus import EventBus, LogReader
from dispatch.events.models import Event

log = logging.getLogger(__name__)

RETRY_MIN_S = 0.2
RETRY_MAX_S = 2.0
LISTEN_TIMEOUT_S = 1.0
SOCKET_TIMEOUT_S = 2.0
HEALTH_CHECK_INTERVAL_S = 5


class RedisBus(EventBus):
    def __init__(self, url: str, channel: str, poll_interval_s: float = 1.0) -> None:
        super().__init__(poll_interval_s)
        self.url = url
        self.channel = channel
        self.connected = False
        self._client: aioredis.Redis | None = None
        self._outbox: asyncio.Queue[int] = asyncio.Queue()
        self._publisher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def status(self) -> dict[str, str]:
        return {"redis": "ok" if self.connected else "unreachable"}

    async def start(self, log_reader: LogReader | None = None) -> None:
        await super().start(log_reader)
        self._client = aioredis.Redis.from_url(
            self.url,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=HEALTH_CHECK_INTERVAL_S,
        )
        self._outbox = asyncio.Queue()
        self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")
        self._publisher = asyncio.create_task(self._publish_outbox(), name="redis-bus-publisher")

    async def stop(self, grace_s: float = 5.0) -> None:
        self._stopping = True
        await super().stop(grace_s)
        await _cancel_within(self._publisher, SOCKET_TIMEOUT_S)
        await _cancel_within(self._listener, SOCKET_TIMEOUT_S)
        if self._client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.aclose(), SOCKET_TIMEOUT_S)
            self._client = None
        self.connected = False

    def _announce(self, events: list[Event]) -> None:
        newest = max((event.id for event in events if event.id is not None), default=None)
        loop = self._loop
        if newest is None or loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._outbox.put_nowait, newest)

    async def _publish_outbox(self) -> None:
        """Publish the newest id, several commits at once when they queue up; drop it if Redis is away."""
        assert self._client is not None
        while True:
            newest = [await self._outbox.get()]
            while not self._outbox.empty():
                newest.append(self._outbox.get_nowait())
            if not self.connected:
                continue  # the others poll the log meanwhile
            try:
                await self._client.publish(self.channel, str(max(newest)))
            except (RedisError, OSError) as exc:
                log.warning("waking other workers through Redis failed (%s); they will poll", exc)

    async def _listen(self) -> None:
        delay = RETRY_MIN_S
        while not self._stopping:
            pubsub: PubSub | None = None
            try:
                pubsub = await self._subscribed()
                if not self.connected:
                    log.info("Redis event channel %s connected", self.channel)
                self.connected, delay = True, RETRY_MIN_S
                self.wake()  # whatever was committed while we were away is in the log
                await self._relay_wakeups(pubsub)
            except (RedisError, OSError) as exc:
                if self.connected:
                    log.warning("lost the Redis event channel (%s); polling the event log meanwhile", exc)
                self.connected = False
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(pubsub.aclose(), SOCKET_TIMEOUT_S)  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def _subscribed(self) -> PubSub:
        """A pub/sub connection whose SUBSCRIBE Redis has confirmed."""
        assert self._client is not None
        pubsub = self._client.pubsub()
        try:
            async with asyncio.timeout(SOCKET_TIMEOUT_S * 2):
                await pubsub.subscribe(self.channel)
                while True:
                    message = await pubsub.get_message(timeout=LISTEN_TIMEOUT_S)
                    if message is not None and message["type"] == "subscribe":
                        return pubsub
        except TimeoutError as exc:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise ConnectionError(f"Redis did not confirm the subscription to {self.channel}") from exc
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise

    async def _relay_wakeups(self, pubsub: PubSub) -> None:
        """Wake the log reader on every message; returns only by raising (the connection is gone)."""
        while not self._stopping:
            if pubsub.connection is None or not pubsub.subscribed:
                raise ConnectionError("the Redis pub/sub connection is closed")
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=LISTEN_TIMEOUT_S)
            if message is not None and message.get("type") == "message":
                self.wake()


async def _cancel_within(task: asyncio.Task[None] | None, timeout_s: float) -> None:
    """Cancel `task` and wait for it, but not forever: a client library may swallow one cancellation."""
    if task is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not task.done() and loop.time() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if not task.done():
        log.warning("%s did not stop within %.0f s", task.get_name(), timeout_s)
