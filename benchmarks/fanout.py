"""Fan-out latency: one status change (an HTTP call) until 1,000 websocket clients have received it.

Three setups measured in the same run, by the same client code (one asyncio process, 1,000 connections):

- floor: a bare `websockets` server broadcasting the same payload (``benchmarks.ws_floor``), triggered
  over a control websocket;
- one worker: ``uvicorn dispatch.app:create_app`` with the in-process bus; an agent dispatches a job and
  then cancels it through the call-center API, clients follow ``/api/streams/call-center``;
- two workers + Redis: the same, clients split over two workers, the HTTP calls go to the first.

Latency = time from just before the HTTP call (or the control message) to a client's receipt, over all
clients and rounds. Needs PostgreSQL (the database named by ``--database-url`` is dropped and re-seeded)
and Redis. ``python -m benchmarks.fanout --quick`` for a short run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session
from websockets.asyncio.client import ClientConnection, connect

from dispatch import schema
from dispatch.db import make_engine
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "fanout-bench-pw"
JOBS = "/api/call-center/jobs"
_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Fleet:
    """1,000 clients' arrival times, keyed by (job id, status) of the message."""

    size: int
    arrivals: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    complete: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)
    sample: str = ""
    http_s: list[float] = field(default_factory=list)

    def expect(self, key: tuple[str, str]) -> asyncio.Event:
        self.complete[key] = asyncio.Event()
        return self.complete[key]

    def arrived(self, text_: str, at: float) -> None:
        message = json.loads(text_)
        payload = message.get("payload") or {}
        key = (str(payload.get("job_id")), str(payload.get("to_status")))
        times = self.arrivals[key]
        times.append(at)
        if len(times) == self.size and key in self.complete:
            self.sample = text_
            self.complete[key].set()


async def _listen(ws: ClientConnection, fleet: Fleet) -> None:
    async for message in ws:
        fleet.arrived(str(message), time.perf_counter())


async def _connect_all(
    urls: list[str], fleet: Fleet, skip_first: bool
) -> tuple[list[ClientConnection], list[Any]]:
    connections: list[ClientConnection] = []
    for start in range(0, len(urls), 100):
        batch = await asyncio.gather(*(connect(u, max_queue=None) for u in urls[start : start + 100]))
        connections.extend(batch)
    if skip_first:  # stream.ready
        await asyncio.gather(*(ws.recv() for ws in connections))
    tasks = [asyncio.create_task(_listen(ws, fleet)) for ws in connections]
    return connections, tasks


async def _close_all(connections: list[ClientConnection], tasks: list[Any]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)


def _start(
    args: list[str], env: dict[str, str], pattern: re.Pattern[str]
) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        match = pattern.search(line)
        if match:
            # Keep draining the log: a full pipe would block the server's event loop on its next log line.
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            return process, int(match.group(1))
    raise RuntimeError("server did not start:\n" + "".join(lines[-20:]))


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _uvicorn(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, "-m", "uvicorn", "dispatch.app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", "0", "--no-access-log"]
    return _start(command, env, _RUNNING)


async def measure_floor(clients: int, rounds: int, payload: str) -> list[float]:
    process, port = _start([sys.executable, "-m", "benchmarks.ws_floor"], _env({}), re.compile(r"PORT (\d+)"))
    try:
        fleet = Fleet(clients)
        connections, tasks = await _connect_all([f"ws://127.0.0.1:{port}/"] * clients, fleet, False)
        latencies: list[float] = []
        async with connect(f"ws://127.0.0.1:{port}/control") as control:
            for n in range(rounds + 1):
                body = json.loads(payload)
                body["payload"]["job_id"] = str(uuid.uuid4())
                key = (body["payload"]["job_id"], str(body["payload"]["to_status"]))
                done = fleet.expect(key)
                started = time.perf_counter()
                await control.send(json.dumps(body, ensure_ascii=False))
                await asyncio.wait_for(done.wait(), 60)
                if n:  # the first round warms up
                    latencies += [t - started for t in fleet.arrivals[key]]
        await _close_all(connections, tasks)
        return latencies
    finally:
        _stop(process)


async def measure_dispatch(clients: int, rounds: int, workers: list[int], fleet: Fleet) -> list[float]:
    """Create a job (not timed), then time its dispatch and its cancellation reaching every client."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{workers[0]}", timeout=60) as http:
        login = await http.post("/api/auth/token", data={"username": "agent", "password": PASSWORD})
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        urls = [
            f"ws://127.0.0.1:{workers[i % len(workers)]}/api/streams/call-center?token={token}"
            for i in range(clients)
        ]
        connections, tasks = await _connect_all(urls, fleet, True)
        latencies: list[float] = []
        for n in range(rounds + 1):
            created = await http.post(JOBS, json=_job(n), headers=headers)
            job_id = created.json()["job"]["id"]
            await asyncio.sleep(0.3)  # let the job.created fan-out finish
            for status, call in (("offered", "dispatch"), ("cancelled", "cancel")):
                done = fleet.expect((job_id, status))
                started = time.perf_counter()
                body = {"reason": "benchmark"} if call == "cancel" else None
                response = await http.post(f"{JOBS}/{job_id}/{call}", json=body, headers=headers)
                fleet.http_s.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{call}: {response.status_code} {response.text}")
                await asyncio.wait_for(done.wait(), 60)
                if n:
                    latencies += [t - started for t in fleet.arrivals[(job_id, status)]]
        await _close_all(connections, tasks)
        return latencies


def _job(n: int) -> dict[str, Any]:
    return {
        "caller_name": "压测",
        "caller_phone": "13800000000",
        "vehicle": {"plate": f"浙B{n:03d}{secrets.randbelow(100):02d}", "powertrain": "ice"},
        "fault_category": "flat_tyre",
        "location": {"lat": 29.8683, "lon": 121.5440, "datum": "wgs84"},
    }


async def measure_app(
    clients: int, rounds: int, env: dict[str, str], worker_count: int
) -> tuple[list[float], str, float]:
    """Latencies, a sample message, and the median duration of the HTTP call itself."""
    started = [_uvicorn(env) for _ in range(worker_count)]
    try:
        fleet = Fleet(clients)
        latencies = await measure_dispatch(clients, rounds, [port for _, port in started], fleet)
        return latencies, fleet.sample, statistics.median(fleet.http_s)
    finally:
        for process, _ in started:
            _stop(process)


def prepare_database(url: str) -> None:
    """Drop and re-create the benchmark database's schema, then seed the small world."""
    admin_url, name = url.rsplit("/", 1)
    admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    settings = Settings(database_url=url, secret_key="x" * 40)
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    schema.upgrade(settings)
    with Session(engine) as session:
        load_world(session, build_world("small"), demo_password=PASSWORD)
        session.commit()
    engine.dispose()


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


def percentile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    prepare_database(args.database_url)
    base = {
        "DISPATCH_DATABASE_URL": args.database_url,
        "DISPATCH_SECRET_KEY": secrets.token_urlsafe(32),
        "DISPATCH_BACKGROUND_WORKERS": "false",
        "DISPATCH_REDIS_URL": "",
    }
    one, sample, one_http = asyncio.run(measure_app(args.clients, rounds, _env(base), 1))
    print(f"one worker: {len(one)} samples", file=sys.stderr, flush=True)
    floor = asyncio.run(measure_floor(args.clients, rounds * 2, sample))
    print(f"floor: {len(floor)} samples", file=sys.stderr, flush=True)
    redis_env = base | {
        "DISPATCH_REDIS_URL": args.redis_url,
        "DISPATCH_REDIS_CHANNEL": f"bench:{uuid.uuid4()}",
    }
    two, _, two_http = asyncio.run(measure_app(args.clients, rounds, _env(redis_env), 2))
    print(f"two workers: {len(two)} samples", file=sys.stderr, flush=True)
    results = {"floor (bare websockets)": floor, "one worker": one, "two workers + Redis": two}
    print_table(args.clients, results, {"one worker": one_http, "two workers + Redis": two_http})
    return 0


def print_table(clients: int, results: dict[str, list[float]], http_s: dict[str, float]) -> None:
    floor_p99 = percentile_ms(results["floor (bare websockets)"], 0.99)
    print(f"Fan-out to {clients} websocket clients: status change -> receipt (ms)")
    print(f"{'setup':26}{'samples':>9}{'p50':>9}{'p99':>9}{'max':>9}{'p99/floor':>11}{'HTTP call p50':>15}")
    figures: dict[str, object] = {"clients": clients}
    for name, values in results.items():
        p50, p99 = percentile_ms(values, 0.5), percentile_ms(values, 0.99)
        ratio = round(p99 / floor_p99, 2) if floor_p99 else None
        call = f"{1000 * http_s[name]:.2f}" if name in http_s else "-"
        print(
            f"{name:26}{len(values):>9}{p50:>9.2f}{p99:>9.2f}{1000 * max(values):>9.2f}{ratio:>11}{call:>15}"
        )
        key = name.split(" (")[0].replace(" + ", "_").replace(" ", "_").lower()
        figures |= {f"{key}_p50_ms": p50, f"{key}_p99_ms": p99, f"{key}_p99_over_floor": ratio}
    figures["mean_floor_ms"] = round(1000 * statistics.fmean(results["floor (bare websockets)"]), 2)
    print(json.dumps(figures))


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10, help="dispatch+cancel rounds per setup")
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/fanout_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
