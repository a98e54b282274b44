"""The event bus across workers: Redis pub/sub on one channel per deployment.

Each worker publishes the events its requests committed and relays everything on the channel to its own
subscribers (its own events included, so every worker delivers in the channel's order). Pub/sub keeps no
history: if the listener loses Redis, every local client is told to resume from the event log, which is
the durable record; the bus only has to be fast.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from dispatch.events.bus import EventBus, cancel_quietly
from dispatch.events.envelope import EventRecord

log = logging.getLogger(__name__)

RETRY_DELAY_S = 0.5


class RedisBus(EventBus):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self._client: aioredis.Redis | None = None
        self._outbox: asyncio.Queue[Sequence[EventRecord]] = asyncio.Queue()
        self._publisher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        self._client = aioredis.Redis.from_url(self.url)
        self._outbox = asyncio.Queue()
        pubsub = await self._subscribed()
        self._listener = asyncio.create_task(self._listen(pubsub), name="redis-bus-listener")
        self._publisher = asyncio.create_task(self._publish_outbox(), name="redis-bus-publisher")

    async def stop(self, grace_s: float = 5.0) -> None:
        await super().stop(grace_s)
        await cancel_quietly(self._publisher)
        await cancel_quietly(self._listener)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _dispatch(self, records: Sequence[EventRecord]) -> None:
        self._outbox.put_nowait(records)

    async def _subscribed(self) -> PubSub:
        """A pub/sub connection whose SUBSCRIBE Redis has confirmed, so nothing published later is missed."""
        assert self._client is not None
        pubsub = self._client.pubsub()
        await pubsub.subscribe(self.channel)
        for _ in range(10):
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message["type"] == "subscribe":
                return pubsub
        raise ConnectionError(f"Redis did not confirm the subscription to {self.channel}")

    async def _publish_outbox(self) -> None:
        assert self._client is not None
        while True:
            records = await self._outbox.get()
            for record in records:
                await self._publish_one(record)

    async def _publish_one(self, record: EventRecord) -> None:
        assert self._client is not None
        for attempt in range(3):
            try:
                await self._client.publish(self.channel, record.to_json())
                return
            except RedisError:
                log.warning("publishing event %s to Redis failed (attempt %d)", record.id, attempt + 1)
                await asyncio.sleep(RETRY_DELAY_S)
        log.error("event %s not streamed: Redis unreachable; clients will catch up on reconnect", record.id)

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            try:
                await self._relay(pubsub)
            except (RedisError, OSError):
                log.warning("lost the Redis event channel; reconnecting")
                await asyncio.sleep(RETRY_DELAY_S)
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                    pubsub = await self._subscribed()
                except (RedisError, OSError):
                    continue
                # Whatever was published while we were away is only in the event log now.
                self.evict_all("event bus reconnected, resume from your last event id / 事件通道重连，请续传")

    async def _relay(self, pubsub: PubSub) -> None:
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            try:
                record = EventRecord.from_json(message["data"])
            except (ValueError, TypeError, KeyError):
                log.exception("ignoring a malformed message on %s", self.channel)
                continue
            self.deliver([record])
