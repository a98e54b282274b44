"""A steady, bounded mix of real work against two workers, and the clients that watch it.

Agents take calls (intake with auto-dispatch) and re-dispatch flagged jobs; technicians answer offers
(accept, decline, or let them expire), drive off and send GPS pings; agents cancel jobs under way so vans
come free again. Every request is recorded in a `Ledger`: sent, acknowledged (2xx, or the 409 that names
the job an earlier, unanswered attempt created). A request whose worker is gone is retried once on the
other (tablet writes with the same Idempotency-Key, as a tablet would).

`StreamClient`s follow the call-center stream on either worker, resume with their last event id whenever
their connection ends (on the other worker if theirs is gone), and record every event id they get.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from tests.dispatch.events.servers import Worker

JOBS = "/api/call-center/jobs"
TECHNICIANS = ("tech001", "tech002", "tech003", "tech004", "tech005", "tech006")
NINGBO = (29.8683, 121.5440)


@dataclass
class Ledger:
    sent: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)
    jobs: dict[str, str] = field(default_factory=dict)  # plate -> job id, for every acknowledged intake
    statuses: set[tuple[str, str]] = field(default_factory=set)  # (job id, status) acknowledged
    first_ack_after: dict[str, float] = field(default_factory=dict)

    def ack(self, kind: str) -> None:
        self.acknowledged[kind] += 1
        now = time.monotonic()
        for mark in [m for m in self.first_ack_after if m.startswith("@")]:
            self.first_ack_after[mark[1:]] = now - self.first_ack_after.pop(mark)

    def mark(self, name: str) -> None:
        """Measure from now until the next acknowledged request (`first_ack_after[name]`, seconds)."""
        self.first_ack_after["@" + name] = time.monotonic()


class Cluster:
    """Who to send a request to: round robin over the workers, skipping any found dead."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self.clients = [httpx.AsyncClient(base_url=w.http, timeout=10) for w in workers]
        self._turn = itertools.count()

    def order(self) -> list[int]:
        first = next(self._turn) % len(self.workers)
        alive = [i for i in range(len(self.workers)) if self.workers[i].process.poll() is None]
        return sorted(alive, key=lambda i: i != first)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        """The response of the first worker that answers; None if none did (not acknowledged)."""
        for index in self.order()[:2]:
            try:
                return await self.clients[index].request(method, url, **kwargs)
            except httpx.TransportError:
                continue
        return None

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


async def sign_in(cluster: Cluster, username: str, password: str) -> dict[str, str]:
    response = await cluster.request(
        "POST", "/api/auth/token", data={"username": username, "password": password}
    )
    assert response is not None and response.status_code == 200, response and response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class Load:
    cluster: Cluster
    ledger: Ledger
    agent: dict[str, str]
    technicians: dict[str, dict[str, str]]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    plates: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def run(self, intake_interval_s: float = 0.4) -> None:
        tasks = [asyncio.create_task(self._intake(intake_interval_s)), asyncio.create_task(self._agent())]
        tasks += [asyncio.create_task(self._technician(h)) for h in self.technicians.values()]
        await self.stop.wait()
        await asyncio.gather(*tasks)

    async def _intake(self, interval_s: float) -> None:
        while not self.stop.is_set():
            n = next(self.plates)
            plate = f"浙F{n:05d}"
            body = {
                "caller_name": "故障测试",
                "caller_phone": "13700003333",
                "vehicle": {"plate": plate, "powertrain": "ice"},
                "fault_category": "flat_tyre",
                "location": {"lat": NINGBO[0] + (n % 7) * 0.01, "lon": NINGBO[1], "datum": "wgs84"},
                "auto_dispatch": True,
            }
            self.ledger.sent["intake"] += 1
            response = await self.cluster.request("POST", JOBS, json=body, headers=self.agent)
            if response is not None and response.status_code == 201:
                self.ledger.jobs[plate] = response.json()["job"]["id"]
                self.ledger.ack("intake")
            elif response is not None and response.status_code == 409:
                details = response.json()["error"]["details"]
                if "job_id" in details:  # an earlier attempt did create it
                    self.ledger.jobs[plate] = details["job_id"]
                    self.ledger.ack("intake")
            await asyncio.sleep(interval_s)

    async def _agent(self) -> None:
        while not self.stop.is_set():
            await asyncio.sleep(0.5)
            under_way = await self.cluster.request(
                "GET", JOBS, params={"status": "en_route"}, headers=self.agent
            )
            for job in under_way.json() if under_way is not None and under_way.status_code == 200 else []:
                await self._write(
                    "cancel",
                    f"{JOBS}/{job['id']}/cancel",
                    self.agent,
                    {"reason": "测试结束"},
                    status=(job["id"], "cancelled"),
                )
            flagged = await self.cluster.request(
                "GET", JOBS, params={"status": "created", "needs_attention": "true"}, headers=self.agent
            )
            for job in (flagged.json() if flagged is not None and flagged.status_code == 200 else [])[:2]:
                await self._write("dispatch", f"{JOBS}/{job['id']}/dispatch", self.agent, None)

    async def _technician(self, headers: dict[str, str]) -> None:
        while not self.stop.is_set():
            await asyncio.sleep(0.5)
            offers = await self.cluster.request("GET", "/api/field/offers", headers=headers)
            for offer in offers.json() if offers is not None and offers.status_code == 200 else []:
                choice = offer["id"] % 3
                if choice == 0:
                    accepted = await self._write(
                        "accept",
                        f"/api/field/offers/{offer['id']}/accept",
                        headers,
                        None,
                        idempotent=True,
                        status=(offer["job_id"], "accepted"),
                    )
                    if accepted:
                        await self._write(
                            "status",
                            f"/api/field/jobs/{offer['job_id']}/status",
                            headers,
                            {"status": "en_route"},
                            idempotent=True,
                            status=(offer["job_id"], "en_route"),
                        )
                elif choice == 1:
                    await self._write(
                        "decline",
                        f"/api/field/offers/{offer['id']}/decline",
                        headers,
                        {"reason": "车辆故障"},
                        idempotent=True,
                    )
                # else: let it expire
            ping = {"lat": NINGBO[0], "lon": NINGBO[1], "recorded_at": datetime.now(UTC).isoformat()}
            await self._write("ping", "/api/field/pings", headers, ping, idempotent=True)

    async def _write(
        self,
        kind: str,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any] | None,
        *,
        idempotent: bool = False,
        status: tuple[str, str] | None = None,
    ) -> bool:
        if idempotent:
            headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        self.ledger.sent[kind] += 1
        response = await self.cluster.request("POST", url, json=body, headers=headers)
        if response is None or response.status_code >= 300:
            return False
        self.ledger.ack(kind)
        if status is not None:
            self.ledger.statuses.add(status)
        return True


@dataclass
class StreamClient:
    """A call-center screen: follows the stream, resumes after every disconnect, records what it got."""

    name: str
    cluster: Cluster
    token: str
    home: int
    reconnect_every_event: bool = False
    started_after: int | None = None
    received: list[int] = field(default_factory=list)
    log: list[tuple[float, int, str]] = field(default_factory=list)
    connections: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last(self) -> int | None:
        return self.received[-1] if self.received else self.started_after

    async def follow(self, stop: asyncio.Event) -> None:
        worker = self.home
        while not stop.is_set():
            alive = [i for i, w in enumerate(self.cluster.workers) if w.process.poll() is None]
            if worker not in alive:
                worker = alive[0]
            url = f"{self.cluster.workers[worker].ws}/api/streams/call-center"
            if self.last is not None:
                url += f"?last_event_id={self.last}"
            try:
                await self._session(url, stop)
            except (OSError, WebSocketException, TimeoutError):
                await asyncio.sleep(0.1)
            if self.reconnect_every_event:
                worker = (worker + 1) % len(self.cluster.workers)

    async def _session(self, url: str, stop: asyncio.Event) -> None:
        async with connect(url, open_timeout=5, close_timeout=1) as ws:
            self.connections += 1
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            while not stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                except TimeoutError:
                    continue
                if message["type"] == "stream.ready":
                    if self.started_after is None:
                        self.started_after = message["payload"]["last_event_id"]
                    self.ready.set()
                elif message["event_id"] is not None:
                    self.received.append(message["event_id"])
                    self.log.append((time.monotonic(), message["event_id"], url[-30:]))
                    if self.reconnect_every_event:
                        return
