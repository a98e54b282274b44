"""Two uvicorn workers, one PostgreSQL database, one Redis: a change made on A streams from B.

The conftest's rolled-back transaction is invisible to other processes, so everything this test needs is
committed through the workers' own HTTP API, and deleted again at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, text
from websockets.asyncio.client import ClientConnection, connect

from dispatch.settings import Settings
from tests.conftest import DEMO_PASSWORD, TEST_DATABASE_URL, is_postgres
from tests.dispatch.events.servers import Worker, start_worker

REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
JOBS = "/api/call-center/jobs"

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _redis_reachable() -> bool:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError):
        return False
    return True


@pytest.fixture(scope="module")
def workers(engine: Engine, settings: Settings) -> Iterator[tuple[Worker, Worker]]:
    if not is_postgres():
        pytest.skip("needs PostgreSQL (DISPATCH_TEST_DATABASE_URL)")
    if not _redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    assert TEST_DATABASE_URL is not None
    env = {
        "DISPATCH_DATABASE_URL": TEST_DATABASE_URL,
        "DISPATCH_REDIS_URL": REDIS_URL,
        "DISPATCH_REDIS_CHANNEL": f"dispatch-test:{uuid.uuid4()}",
        "DISPATCH_SECRET_KEY": settings.signing_key(),
        "DISPATCH_BACKGROUND_WORKERS": "false",
    }
    started: list[Worker] = []
    try:
        started.append(start_worker(env))
        started.append(start_worker(env))
        yield started[0], started[1]
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def created_jobs(engine: Engine) -> Iterator[list[str]]:
    """Ids of jobs the test commits through the API; their rows are deleted afterwards."""
    job_ids: list[str] = []
    yield job_ids
    with engine.begin() as db:
        for job_id in job_ids:
            for statement in (
                "UPDATE vans SET current_job_id = NULL, status = 'available' WHERE current_job_id = :id",
                "DELETE FROM events WHERE job_id = :id",
                "DELETE FROM job_offers WHERE job_id = :id",
                "DELETE FROM tracking_links WHERE job_id = :id",
                "DELETE FROM rescue_jobs WHERE id = :id",
            ):
                db.execute(text(statement), {"id": job_id})


async def _login(http: httpx.AsyncClient, username: str) -> str:
    response = await http.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def _next(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return message


async def _job_events(ws: ClientConnection, job_id: str, until_status: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while True:
        message = await _next(ws)
        if message["event_id"] is None or message["payload"]["job_id"] != job_id:
            continue
        got.append(message)
        if message["payload"].get("to_status") == until_status:
            return got


def _job_body(plate: str) -> dict[str, Any]:
    return {
        "caller_name": "赵女士",
        "caller_phone": "13700001111",
        "vehicle": {"plate": plate, "powertrain": "ev"},
        "fault_category": "battery",
        "location": {"lat": 29.8683, "lon": 121.5440, "datum": "wgs84"},
    }


async def test_a_change_on_worker_a_streams_from_worker_b_in_order_exactly_once(
    workers: tuple[Worker, Worker], created_jobs: list[str]
) -> None:
    a, b = workers
    async with httpx.AsyncClient(base_url=a.http, timeout=30) as http:
        token = await _login(http, "agent")
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            connect(f"{b.ws}/api/streams/call-center?token={token}") as on_b,
            connect(f"{a.ws}/api/streams/call-center?token={token}") as on_a,
        ):
            assert (await _next(on_b))["type"] == "stream.ready"
            assert (await _next(on_a))["type"] == "stream.ready"
            plate = f"浙B{uuid.uuid4().int % 100000:05d}"
            created = await http.post(JOBS, json=_job_body(plate), headers=headers)
            assert created.status_code == 201, created.text
            job_id = created.json()["job"]["id"]
            created_jobs.append(job_id)
            dispatched = await http.post(f"{JOBS}/{job_id}/dispatch", headers=headers)
            assert dispatched.status_code == 200, dispatched.text
            cancelled = await http.post(f"{JOBS}/{job_id}/cancel", json={"reason": "测试"}, headers=headers)
            assert cancelled.status_code == 200, cancelled.text

            from_b = await _job_events(on_b, job_id, "cancelled")
            from_a = await _job_events(on_a, job_id, "cancelled")
            trail = (await http.get(f"{JOBS}/{job_id}/events", headers=headers)).json()

        ids_b = [m["event_id"] for m in from_b]
        assert ids_b == [e["id"] for e in trail]  # every event, in log order, once
        assert ids_b == sorted(set(ids_b))
        assert [m["event_id"] for m in from_a] == ids_b
        assert [m["payload"]["to_status"] for m in from_b][-2:] == ["offered", "cancelled"]

        # A client of B that dropped after the first event resumes from the log on A, with no gap.
        async with connect(f"{a.ws}/api/streams/call-center?token={token}&last_event_id={ids_b[0]}") as again:
            replayed = await _job_events(again, job_id, "cancelled")
        assert [m["event_id"] for m in replayed] == ids_b[1:]


async def test_bad_token_on_a_real_server_closes_with_1008(workers: tuple[Worker, Worker]) -> None:
    from websockets.exceptions import ConnectionClosed

    _, b = workers
    async with connect(f"{b.ws}/api/streams/call-center?token=nope") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
