"""A Redis outage is an inconvenience, not a stop: one real worker, its own redis-server, killed, restarted.

Redis only wakes workers up; the event log is the source. So while Redis is down the API answers, /health
says "degraded", events committed on this worker still reach its clients, and when Redis returns the
worker notices by itself. A SIGTERM ends the worker at any time.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session
from websockets.asyncio.client import ClientConnection, connect

from dispatch import schema
from dispatch.db import make_engine
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world
from tests.dispatch.events.redis_server import RedisServer
from tests.dispatch.events.servers import Worker, start_worker

PASSWORD = "outage-pw"
SECRET = "outage-test-secret-0123456789abcdef0123456789"

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One worker on its own SQLite world (another process's writes must not leak into the test database)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('outage') / 'outage.db'}"
    settings = Settings(database_url=url, secret_key=SECRET)
    schema.upgrade(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_world(session, build_world("small"), demo_password=PASSWORD)
        session.commit()
    engine.dispose()
    env = {
        "DISPATCH_DATABASE_URL": url,
        "DISPATCH_REDIS_URL": redis_server.url,
        "DISPATCH_REDIS_CHANNEL": f"dispatch-test:{uuid.uuid4()}",
        "DISPATCH_SECRET_KEY": SECRET,
        "DISPATCH_UPLOAD_DIR": str(Path(url.split("///")[1]).parent / "uploads"),
    }
    started = start_worker(env)
    yield started
    started.stop()


async def _next_event(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["event_id"] is not None:
            return message


async def _health_until(http: httpx.AsyncClient, status: str, attempts: int = 100) -> dict[str, Any]:
    for _ in range(attempts):
        body: dict[str, Any] = (await http.get("/health")).json()
        if body["status"] == status:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"/health never said {status!r}; last: {body}")


def _job(plate: str) -> dict[str, Any]:
    return {
        "caller_name": "钱先生",
        "caller_phone": "13700002222",
        "vehicle": {"plate": plate, "powertrain": "ev"},
        "fault_category": "battery",
        "location": {"lat": 29.8683, "lon": 121.5440, "datum": "wgs84"},
    }


async def test_the_api_keeps_working_while_redis_is_down_and_notices_its_return(
    worker: Worker, redis_server: RedisServer
) -> None:
    async with httpx.AsyncClient(base_url=worker.http, timeout=10) as http:
        assert (await _health_until(http, "ok"))["redis"] == "ok"
        login = await http.post("/api/auth/token", data={"username": "agent", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        async with connect(f"{worker.ws}/api/streams/call-center", open_timeout=10) as ws:
            await ws.send(json.dumps({"type": "auth", "token": login.json()["access_token"]}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "stream.ready"

            redis_server.stop()
            degraded = await _health_until(http, "degraded")
            assert degraded["redis"] == "unreachable" and degraded["database"] == "ok"
            created = await http.post("/api/call-center/jobs", json=_job("浙B0R001"), headers=headers)
            assert created.status_code == 201, created.text
            event = await _next_event(ws)
            assert event["payload"]["job_id"] == created.json()["job"]["id"]

            redis_server.start()
            assert (await _health_until(http, "ok"))["redis"] == "ok"
            created = await http.post("/api/call-center/jobs", json=_job("浙B0R002"), headers=headers)
            assert created.status_code == 201, created.text
            event = await _next_event(ws)
            assert event["payload"]["job_id"] == created.json()["job"]["id"]


async def test_no_credential_reaches_the_worker_log(worker: Worker) -> None:
    async with httpx.AsyncClient(base_url=worker.http, timeout=10) as http:
        login = await http.post("/api/auth/token", data={"username": "agent", "password": PASSWORD})
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        ticket = (await http.post("/api/auth/ws-ticket", headers=headers)).json()["ticket"]
        for url in (f"/api/streams/call-center?ticket={ticket}", f"/api/streams/call-center?token={token}"):
            async with connect(f"{worker.ws}{url}", open_timeout=10) as ws:
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "stream.ready"
        link = "Owner-link-token-0123456789abcdef"
        assert (await http.get(f"/api/track/{link}")).status_code == 404
        assert (await http.get(f"/api/streams/call-center?token={token}")).status_code in (403, 404)
    await asyncio.sleep(0.5)  # the log pump reads the worker's output asynchronously
    logged = "\n".join(worker.log)
    assert "/api/streams/call-center?ticket=***" in logged  # the lines are there, the secrets are not
    for secret in (token, ticket, link, token.split(".")[2]):
        assert secret not in logged


def test_sigterm_stops_the_worker_while_redis_is_down(worker: Worker, redis_server: RedisServer) -> None:
    redis_server.stop()
    with httpx.Client(base_url=worker.http, timeout=10) as http:
        for _ in range(10):  # long enough for the worker to notice the outage
            assert http.get("/health").status_code == 200
            time.sleep(0.2)
    worker.process.send_signal(signal.SIGTERM)
    # uvicorn shuts down, then re-raises the signal it caught
    assert worker.process.wait(30) in (0, -signal.SIGTERM)
