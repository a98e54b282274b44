"""Faults under load: two real workers on PostgreSQL, their own redis-server, a steady mix of real work.

Each test runs the load (`tests.faults.driver`), injects one fault, lets the clients catch up, and checks
every invariant (`tests.faults.invariants`): every acknowledged write present, no van with two jobs, no job
with two vans, every client's events complete and in order, every overdue offer expired once. It prints
one line of figures per fault (run with ``-s`` to see them): requests sent, acknowledged, found, lost,
duplicated, and the seconds to recover.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import Engine

from tests.faults.conftest import OFFER_TIMEOUT_S, PASSWORD, Cluster
from tests.faults.driver import TECHNICIANS, Ledger, Load, StreamClient, sign_in
from tests.faults.driver import Cluster as Targets
from tests.faults.invariants import (
    Figures,
    assert_offers_answered_once,
    assert_one_van_one_job,
    assert_streams_complete,
    check_writes,
    head_job_event,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REDIS_OUTAGE_S = 20.0  # the outage the issue describes
CATCH_UP_S = 30.0

Fault = Callable[[Targets, list[StreamClient]], Awaitable[float | None]]


async def _run(
    name: str, cluster: Cluster, engine: Engine, fault: Fault, *, reconnect_every_event: bool = False
) -> Figures:
    targets = Targets(cluster.workers)
    try:
        agent = await sign_in(targets, "agent", PASSWORD)
        technicians = {username: await sign_in(targets, username, PASSWORD) for username in TECHNICIANS}
        ledger = Ledger()
        load = Load(targets, ledger, agent, technicians)
        token = agent["Authorization"].removeprefix("Bearer ")
        clients = [
            StreamClient(
                f"{name}-{i}", targets, token, home=i % 2, reconnect_every_event=reconnect_every_event
            )
            for i in range(4)
        ]
        stop_watching = asyncio.Event()
        watchers = [asyncio.create_task(client.follow(stop_watching)) for client in clients]
        await asyncio.wait_for(asyncio.gather(*(client.ready.wait() for client in clients)), 20)
        working = asyncio.create_task(load.run())
        recover_s = await fault(targets, clients)
        load.stop.set()
        await working

        head = head_job_event(engine)
        await _until(lambda: all((c.last or 0) >= head for c in clients), CATCH_UP_S)
        stop_watching.set()
        await asyncio.gather(*watchers)
        await asyncio.sleep(OFFER_TIMEOUT_S + 2)  # every offer still pending is now overdue for the sweep

        found, lost, duplicated = check_writes(engine, ledger)
        duplicated += assert_streams_complete(engine, clients, head)
        assert_one_van_one_job(engine)
        expired = assert_offers_answered_once(engine)
        figures = Figures(
            fault=name,
            sent=sum(ledger.sent.values()),
            acknowledged=sum(ledger.acknowledged.values()),
            found=found,
            lost=lost,
            duplicated=duplicated,
            recover_s=recover_s,
        )
        print(
            f"\n{figures.row()}  expired_offers {expired}  stream_events {head}  {dict(ledger.acknowledged)}"
        )
        assert lost == 0 and duplicated == 0
        assert ledger.acknowledged["intake"] > 0 and expired > 0, "the mix did not exercise intake and expiry"
        return figures
    finally:
        await targets.close()
        for worker in cluster.workers:
            trouble = [line for line in worker.log if "ERROR" in line or "WARNING" in line or "rror" in line]
            print(f"worker {worker.port}: {len(worker.log)} log lines", *trouble[-15:], sep="\n  ")


async def _until(condition: Callable[[], bool], timeout_s: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"not reached within {timeout_s} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_sigkill_of_one_worker_mid_run(cluster: Cluster, faults_engine: Engine) -> None:
    async def kill_worker(targets: Targets, clients: list[StreamClient]) -> float:
        await asyncio.sleep(3)
        head = head_job_event(faults_engine)
        cluster.workers[1].process.kill()
        # Recovered when every client, those of the dead worker included, has events committed after the kill.
        recover_s = await _until(lambda: all((c.last or 0) > head for c in clients), CATCH_UP_S)
        await asyncio.sleep(3)
        return recover_s

    await _run("sigkill one worker", cluster, faults_engine, kill_worker)


async def test_redis_outage_mid_run(cluster: Cluster, faults_engine: Engine) -> None:
    async def stop_redis(targets: Targets, clients: list[StreamClient]) -> float:
        await asyncio.sleep(3)
        cluster.redis.stop()
        await asyncio.sleep(2)
        for client in targets.clients:
            health = (await client.get("/health")).json()
            assert health["status"] == "degraded" and health["redis"] == "unreachable"
        await asyncio.sleep(REDIS_OUTAGE_S - 2)
        cluster.redis.start()
        recover_s = await _until_healthy(targets)
        await asyncio.sleep(3)
        return recover_s

    await _run(f"redis down {REDIS_OUTAGE_S:.0f} s", cluster, faults_engine, stop_redis)


async def _until_healthy(targets: Targets) -> float:
    started = time.monotonic()
    while True:
        states = []
        for client in targets.clients:
            try:
                states.append((await client.get("/health")).json()["status"])
            except httpx.TransportError:
                states.append("unreachable")
        if all(state == "ok" for state in states):
            return time.monotonic() - started
        if time.monotonic() - started > CATCH_UP_S:
            raise AssertionError(f"workers not healthy again: {states}")
        await asyncio.sleep(0.1)


async def test_clients_reconnecting_after_every_event_with_both_workers_writing(
    cluster: Cluster, faults_engine: Engine
) -> None:
    async def steady(targets: Targets, clients: list[StreamClient]) -> None:
        await asyncio.sleep(8)
        assert all(client.connections > 3 for client in clients)

    await _run("reconnect after every event", cluster, faults_engine, steady, reconnect_every_event=True)
