"""The bus on its own: fan-out without waiting for slow clients, shutdown, Redis across buses."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from dispatch.events.bus import CloseCode, EventBus, Subscription
from dispatch.events.envelope import EventRecord
from dispatch.events.models import Event

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def record(event_id: int) -> EventRecord:
    return EventRecord(id=event_id, kind="job.status", actor="test", created_at=T0, job_id=uuid.uuid4())


async def test_a_full_mailbox_ends_only_that_subscriber() -> None:
    bus = EventBus()
    await bus.start()
    slow = bus.subscribe(lambda r: True, max_pending=3)
    fast = bus.subscribe(lambda r: True, max_pending=3)
    received: list[int] = []
    for first in range(1, 10, 2):
        bus.deliver([record(first), record(first + 1)])
        while not fast.queue.empty():
            received.append(fast.queue.get_nowait().id)
    assert received == list(range(1, 11))
    assert slow.ended.is_set() and slow.close_code is CloseCode.RESUME
    assert not fast.ended.is_set()
    await bus.stop()


class FakeLog:
    """An in-memory event log shared by the buses of one test (as the database is by several workers)."""

    def __init__(self) -> None:
        self.records: list[EventRecord] = []

    def append(self, *ids: int) -> list[Event]:
        self.records.extend(record(i) for i in ids)
        self.records.sort(key=lambda r: r.id)
        return [Event(id=i, kind="job.status", actor="t", created_at=T0, data={}) for i in ids]

    def after(self, after_id: int, limit: int = 500) -> list[EventRecord]:
        return [r for r in self.records if r.id > after_id][:limit]

    def head(self) -> int:
        return self.records[-1].id if self.records else 0


async def _ids(subscription: Subscription, count: int) -> list[int]:
    return [(await asyncio.wait_for(subscription.queue.get(), 10)).id for _ in range(count)]


async def test_publish_from_another_thread_wakes_the_log_reader() -> None:
    log = FakeLog()
    bus = EventBus(poll_interval_s=3600)
    await bus.start(log)
    subscription, after = await bus.join(lambda r: True, max_pending=10)
    assert after == 0
    await asyncio.to_thread(bus.publish, log.append(7))
    assert await _ids(subscription, 1) == [7]
    await bus.stop()


async def test_events_are_delivered_in_log_order_whatever_order_they_are_announced_in() -> None:
    log = FakeLog()
    log.append(1, 2)
    bus = EventBus(poll_interval_s=3600)
    await bus.start(log)
    subscription, after = await bus.join(lambda r: True, max_pending=10)
    assert after == 2  # a fresh subscriber gets what commits from now on
    later = log.append(5)
    earlier = log.append(3, 4)
    bus.publish(later)
    bus.publish(earlier)
    assert await _ids(subscription, 3) == [3, 4, 5]
    assert subscription.queue.empty()
    await bus.stop()


async def test_an_event_whose_announcement_was_lost_still_arrives_by_polling() -> None:
    log = FakeLog()
    bus = EventBus(poll_interval_s=0.05)
    await bus.start(log)
    subscription, _ = await bus.join(lambda r: True, max_pending=10)
    log.append(1)  # committed, but nobody announced it (a publish that failed)
    assert await _ids(subscription, 1) == [1]
    await bus.stop()


async def test_stop_ends_every_subscriber_with_going_away_and_waits_for_them() -> None:
    bus = EventBus()
    await bus.start()
    closed: list[int] = []

    async def handler() -> None:
        subscription = bus.subscribe(lambda r: True, max_pending=10)
        await subscription.ended.wait()
        await asyncio.sleep(0.01)  # closing the socket takes a moment
        closed.append(subscription.close_code)

    tasks = [asyncio.create_task(handler()) for _ in range(3)]
    await asyncio.sleep(0)
    await bus.stop()
    assert closed == [CloseCode.GOING_AWAY] * 3
    assert all(task.done() for task in tasks)


def test_records_round_trip_through_json() -> None:
    original = EventRecord(
        id=3, kind="job.status", actor="a", created_at=T0, job_id=uuid.uuid4(), van_id=2, data={"eta_s": 600}
    )
    assert EventRecord.from_json(original.to_json()) == original


async def _redis_or_skip() -> None:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_redis_wakes_every_worker_and_each_delivers_in_log_order() -> None:
    from dispatch.events.redis_bus import RedisBus

    await _redis_or_skip()
    log = FakeLog()
    channel = f"dispatch-test:{uuid.uuid4()}"
    # No polling: only Redis can wake worker B.
    worker_a, worker_b = RedisBus(REDIS_URL, channel, 3600), RedisBus(REDIS_URL, channel, 3600)
    await worker_a.start(log)
    await worker_b.start(log)
    try:
        await _until(lambda: worker_a.connected and worker_b.connected)
        on_a, _ = await worker_a.join(lambda r: True, max_pending=100)
        on_b, _ = await worker_b.join(lambda r: True, max_pending=100)
        worker_a.publish(log.append(1, 2, 3))
        await asyncio.to_thread(worker_a.publish, log.append(4, 5))
        for subscription in (on_a, on_b):
            assert await _ids(subscription, 5) == [1, 2, 3, 4, 5]
        assert on_b.queue.empty()
    finally:
        await worker_a.stop()
        await worker_b.stop()


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition never held")


@pytest.mark.redis
async def test_losing_the_redis_connection_neither_ends_clients_nor_stops_delivery() -> None:
    import redis.asyncio as aioredis

    from dispatch.events.redis_bus import RedisBus

    await _redis_or_skip()
    log = FakeLog()
    name = f"dispatch-test-{uuid.uuid4().hex[:12]}"
    bus = RedisBus(f"{REDIS_URL}?client_name={name}", f"dispatch-test:{uuid.uuid4()}", 3600)
    await bus.start(log)
    admin = aioredis.Redis.from_url(REDIS_URL)
    try:
        await _until(lambda: bus.connected)
        subscription, _ = await bus.join(lambda r: True, max_pending=10)
        for client in await admin.client_list():
            if client.get("name") == name:
                await admin.client_kill_filter(_id=client["id"])
        await asyncio.to_thread(bus.publish, log.append(9))
        assert await _ids(subscription, 1) == [9]
        await _until(lambda: bus.connected)  # subscribed again by itself
        bus.publish(log.append(10))
        assert await _ids(subscription, 1) == [10]
        assert not subscription.ended.is_set()
    finally:
        await admin.aclose()
        await bus.stop()
