"""The bus on its own: fan-out without waiting for slow clients, shutdown, Redis across buses."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime

import pytest

from dispatch.events.bus import CloseCode, EventBus
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


async def test_publish_from_another_thread_reaches_the_loop() -> None:
    bus = EventBus()
    await bus.start()
    subscription = bus.subscribe(lambda r: True, max_pending=10)
    row = Event(id=7, kind="job.status", actor="t", created_at=T0, data={})
    await asyncio.to_thread(bus.publish, [row])
    got = await asyncio.wait_for(subscription.queue.get(), 5)
    assert got.id == 7
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
async def test_redis_bus_delivers_to_every_worker_in_publish_order() -> None:
    from dispatch.events.redis_bus import RedisBus

    await _redis_or_skip()
    channel = f"dispatch-test:{uuid.uuid4()}"
    worker_a, worker_b = RedisBus(REDIS_URL, channel), RedisBus(REDIS_URL, channel)
    await worker_a.start()
    await worker_b.start()
    try:
        on_a = worker_a.subscribe(lambda r: True, max_pending=100)
        on_b = worker_b.subscribe(lambda r: True, max_pending=100)
        rows = [Event(id=i, kind="job.status", actor="t", created_at=T0, data={"n": i}) for i in range(1, 6)]
        worker_a.publish(rows[:3])
        await asyncio.to_thread(worker_a.publish, rows[3:])
        for subscription in (on_a, on_b):
            got = [(await asyncio.wait_for(subscription.queue.get(), 5)).id for _ in range(5)]
            assert got == [1, 2, 3, 4, 5]
        assert on_b.queue.empty()
    finally:
        await worker_a.stop()
        await worker_b.stop()


@pytest.mark.redis
async def test_losing_redis_makes_every_local_client_resume_from_the_log() -> None:
    import redis.asyncio as aioredis

    from dispatch.events.redis_bus import RedisBus

    await _redis_or_skip()
    name = f"dispatch-test-{uuid.uuid4().hex[:12]}"
    bus = RedisBus(f"{REDIS_URL}?client_name={name}", f"dispatch-test:{uuid.uuid4()}")
    await bus.start()
    admin = aioredis.Redis.from_url(REDIS_URL)
    try:
        subscription = bus.subscribe(lambda r: True, max_pending=10)
        clients = await admin.client_list()
        for client in clients:
            if client.get("name") == name and "subscribe" in str(client.get("cmd", "")):
                await admin.client_kill_filter(_id=client["id"])
        await asyncio.wait_for(subscription.ended.wait(), 10)
        assert subscription.close_code is CloseCode.RESUME
        # The bus is subscribed again: new events flow to new subscribers.
        later = bus.subscribe(lambda r: True, max_pending=10)
        await asyncio.to_thread(
            bus.publish, [Event(id=9, kind="job.status", actor="t", created_at=T0, data={})]
        )
        assert (await asyncio.wait_for(later.queue.get(), 10)).id == 9
    finally:
        await admin.aclose()
        await bus.stop()
