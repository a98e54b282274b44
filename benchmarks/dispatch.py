"""Rescue dispatch benchmark: candidate search at national scale, and create-and-rank over HTTP.

Run ``python -m benchmarks.dispatch`` (``--quick`` for a short run; ``--backends sqlite`` to skip
PostgreSQL). It builds the national seed world plus a synthetic fleet up to 10,000 rescue vans in a fresh
SQLite file and a fresh PostgreSQL database (``--pg-url``, default a ``dispatch_bench`` database on
127.0.0.1), then measures:

- search: ``search_candidates`` for random breakdowns across China (snapshot warm), p50/p99, beside its floor:
  the bare indexed SELECT of the same near vans' rows over the same connection;
- http: ``POST /api/call-center/jobs`` (create + rank) against a uvicorn server with 1 and 2 workers
  (``--workers``), at concurrency 32 in a closed loop, p50/p99, requests/s and the API's CPU time per job
  (steadier than requests/s when the machine's speed drifts), beside its floor:
  ``GET /api/fleet/vans/{id}`` (auth + one indexed SELECT) at the same concurrency; then the same creates
  in an open loop, arriving at ``--rate`` jobs/s (default 100, several times a national call center's
  peak) with at most 32 in flight, latency counted from when each call was due.

The load generator (``benchmarks/http_load.py``) is a few tens of microseconds per request, so the
server, PostgreSQL and it share this machine's cores with as little of the client as possible.

Prints one table, then one JSON line of headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import Engine, insert, select, text
from sqlmodel import Session, col

from benchmarks import http_load
from benchmarks.http_load import encode_request
from dispatch import schema
from dispatch.auth.models import User
from dispatch.auth.service import issue_access_token
from dispatch.db import make_engine
from dispatch.fleet.models import ServiceStation, Van
from dispatch.geo.divisions import Level, all_divisions
from dispatch.jobs.matching import search_candidates
from dispatch.jobs.models import RescueJob
from dispatch.settings import Settings
from seed.loader import load_world
from seed.world import build_world

FLEET = 10_000
CONCURRENCY = 32
SECRET = "benchmark-secret-key-not-for-production-0000"
# Tuesday 10:00 in Shanghai: day vans on shift.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def percentile(samples_ms: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples_ms), q)) if samples_ms else float("nan")


# -- database -----------------------------------------------------------------------------------------
def prepare(settings: Settings, seed: int) -> Engine:
    """Fresh schema, national world, synthetic vans up to FLEET."""
    engine = make_engine(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    schema.upgrade(settings)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_world(session, build_world("national"), demo_password="bench")
        session.commit()
        stations = session.exec(select(ServiceStation.id, ServiceStation.lat, ServiceStation.lon)).all()
        existing = len(session.exec(select(Van.id)).all())
        rng = random.Random(seed)
        rows = [_synthetic_van(i, rng.choice(stations), rng) for i in range(FLEET - existing)]
        for start in range(0, len(rows), 2000):
            session.execute(insert(Van), rows[start : start + 2000])
        session.commit()
    return engine


def _synthetic_van(i: int, station: Any, rng: random.Random) -> dict[str, Any]:
    capabilities = ["light_repair"] + [c for c, p in (("tow", 0.4), ("ev", 0.5)) if rng.random() < p]
    night = rng.random() < 0.25
    fresh = rng.random() < 0.5
    return {
        "plate": f"测{i:06d}",
        "name": "",
        "kind": "rescue",
        "station_id": station[0],
        "capabilities": capabilities,
        "shift_start": clock_time(20) if night else clock_time(8),
        "shift_end": clock_time(8) if night else clock_time(20),
        "status": "available",
        "capacity_units": 100,
        "last_lat": station[1] + rng.gauss(0, 0.1) if fresh else None,
        "last_lon": station[2] + rng.gauss(0, 0.1) if fresh else None,
        "last_position_at": NOW if fresh else None,
    }


def breakdown_points(n: int, seed: int) -> list[tuple[float, float]]:
    """Random points near county seats all over China (WGS-84)."""
    rng = random.Random(seed)
    counties = [d for d in all_divisions() if d.level is Level.COUNTY]
    return [
        (c.lat + rng.gauss(0, 0.05), c.lon + rng.gauss(0, 0.05))
        for c in (rng.choice(counties) for _ in range(n))
    ]


# -- search -------------------------------------------------------------------------------------------
def bench_search(engine: Engine, settings: Settings, points: list[tuple[float, float]]) -> dict[str, float]:
    search_ms, floor_ms, candidates = [], [], []
    with Session(engine) as session:
        warm = _job(*points[0])
        search_candidates(session=session, job=warm, now=NOW, settings=settings)  # builds the snapshot
        for lat, lon in points:
            job = _job(lat, lon)
            started = time.perf_counter()
            found = search_candidates(session=session, job=job, now=NOW, settings=settings)
            search_ms.append((time.perf_counter() - started) * 1000)
            candidates.append(len(found.candidates))
            ids = [c.van_id for c in found.candidates]
            started = time.perf_counter()
            if ids:
                columns = (Van.id, Van.status, Van.current_job_id, Van.last_lat, Van.last_lon)
                session.execute(select(*(col(c) for c in columns)).where(col(Van.id).in_(ids))).all()
            floor_ms.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": percentile(search_ms, 50),
        "p99_ms": percentile(search_ms, 99),
        "floor_p50_ms": percentile(floor_ms, 50),
        "floor_p99_ms": percentile(floor_ms, 99),
        "mean_candidates": float(np.mean(candidates)),
    }


def _job(lat: float, lon: float) -> RescueJob:
    return RescueJob(
        reference="RJ-BENCH", caller_name="x", caller_phone="13800000000", powertrain="ice",
        fault_category="flat_tyre", lat=lat, lon=lon, location_source="wgs84", created_by="bench",
    )  # fmt: skip


# -- HTTP ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DISPATCH_DATABASE_URL": database_url,
        "DISPATCH_SECRET_KEY": SECRET,
        "DISPATCH_BACKGROUND_WORKERS": "false",
        "DISPATCH_DEMO_SEED": "false",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "dispatch.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("server did not start")


def server_cpu_s(pid: int) -> float:
    """CPU seconds used so far by the server process and its workers (Linux /proc).

    The machine's speed drifts from minute to minute; the CPU time one job costs the API drifts far less,
    so it is the figure to compare between versions.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def agent_token(engine: Engine) -> str:
    with Session(engine) as session:
        user = session.exec(select(User).where(col(User.username) == "agent")).scalar_one()
        token, _ = issue_access_token(user=user, key=SECRET, now=datetime.now(UTC), ttl_minutes=60)
    return token


def bench_http(
    engine: Engine, database_url: str, points: list[tuple[float, float]], workers: int, rate: float
) -> dict[str, float]:
    port = free_port()
    server = start_server(database_url, port, workers)
    try:
        host = f"127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {agent_token(engine)}"}
        with Session(engine) as session:
            van_ids = [int(v) for v in session.exec(select(Van.id).limit(500)).scalars()]

        def create(i: int, lat: float, lon: float) -> bytes:
            body = {
                "caller_name": "压测", "caller_phone": "13800000000", "fault_category": "flat_tyre",
                "vehicle": {"plate": f"压{os.getpid() % 1000:03d}{workers}{i:06d}", "powertrain": "ice"},
                "location": {"lat": lat, "lon": lon, "datum": "wgs84"},
            }  # fmt: skip
            return encode_request("POST", "/api/call-center/jobs", host=host, headers=headers, json_body=body)

        def read_van(van_id: int) -> bytes:
            return encode_request("GET", f"/api/fleet/vans/{van_id}", host=host, headers=headers)

        warm = [create(10**6 + i, *points[i % len(points)]) for i in range(CONCURRENCY * workers * 2)]
        http_load.run("127.0.0.1", port, warm, CONCURRENCY)
        creates = [create(i, lat, lon) for i, (lat, lon) in enumerate(points)]
        cpu_before = server_cpu_s(server.pid)
        created = http_load.run("127.0.0.1", port, creates, CONCURRENCY)
        cpu_ms_per_job = (server_cpu_s(server.pid) - cpu_before) * 1000 / len(creates)
        reads = [read_van(van_ids[i % len(van_ids)]) for i in range(len(points))]
        floor = http_load.run("127.0.0.1", port, reads, CONCURRENCY)
        offered = [create(10**7 + i, lat, lon) for i, (lat, lon) in enumerate(points)]
        at_rate = http_load.run_at_rate("127.0.0.1", port, offered, rate, CONCURRENCY)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "p50_ms": percentile(created.latencies_ms, 50),
        "p99_ms": percentile(created.latencies_ms, 99),
        "rps": len(created.latencies_ms) / created.wall_s,
        "cpu_ms": cpu_ms_per_job,
        "failures": created.failures + floor.failures,
        "floor_p50_ms": percentile(floor.latencies_ms, 50),
        "floor_p99_ms": percentile(floor.latencies_ms, 99),
        "floor_rps": len(floor.latencies_ms) / floor.wall_s,
        "rate_p50_ms": percentile(at_rate.latencies_ms, 50),
        "rate_p99_ms": percentile(at_rate.latencies_ms, 99),
        "rate_offered": rate,
        "rate_rps": len(at_rate.latencies_ms) / at_rate.wall_s,
        "rate_failures": at_rate.failures,
    }


# -- main ---------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer jobs and requests")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/dispatch_bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="jobs/s offered in the open-loop run (calls arriving at a steady rate, at most 32 in flight)",
    )
    parser.add_argument(
        "--workers", default="1,2", help="uvicorn worker counts to measure HTTP with (comma-separated)"
    )
    args = parser.parse_args(argv)
    worker_counts = [int(w) for w in args.workers.split(",")]
    if args.rate <= 0:
        parser.error("--rate must be positive")
    searches, requests = (200, 320) if args.quick else (1000, 1600)

    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}", "postgresql": args.pg_url}
        for backend in args.backends.split(","):
            url = urls[backend]
            if backend == "postgresql":
                _ensure_pg_database(url)
            settings = Settings(database_url=url, secret_key=SECRET, background_workers=False)
            print(f"[{backend}] preparing national world + {FLEET} vans ...", file=sys.stderr, flush=True)
            engine = prepare(settings, args.seed)
            results[backend] = {
                "search": bench_search(engine, settings, breakdown_points(searches, args.seed))
            }
            for workers in worker_counts:
                points = breakdown_points(requests, args.seed + workers)
                results[backend][f"http_w{workers}"] = bench_http(engine, url, points, workers, args.rate)
            engine.dispose()
    _print(results)


def _ensure_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _print(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"\nRescue dispatch benchmark: {FLEET} vans, national seed, concurrency {CONCURRENCY} for HTTP\n")
    header = f"{'backend':<11}{'measure':<34}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}  floor p50/p99 ms (req/s)"
    print(header)
    print("-" * len(header))
    for backend, figures in results.items():
        s = figures["search"]
        print(
            f"{backend:<11}{'candidate search + ranking':<34}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}{'':>9}"
            f"  {s['floor_p50_ms']:.2f}/{s['floor_p99_ms']:.2f} (indexed SELECT of same rows)"
        )
        failures = 0.0
        for part, h in figures.items():
            if not part.startswith("http_w"):
                continue
            measure = f"HTTP create job + rank, {part[6:]} worker(s)"
            print(
                f"{'':<11}{measure:<34}{h['p50_ms']:>9.1f}{h['p99_ms']:>9.1f}{h['rps']:>9.0f}"
                f"  {h['floor_p50_ms']:.1f}/{h['floor_p99_ms']:.1f} ({h['floor_rps']:.0f}) GET one van;"
                f" API CPU {h['cpu_ms']:.1f} ms/job"
            )
            print(
                f"{'':<11}{'  same, ' + format(h['rate_offered'], '.0f') + ' jobs/s offered':<34}"
                f"{h['rate_p50_ms']:>9.1f}{h['rate_p99_ms']:>9.1f}{h['rate_rps']:>9.0f}"
                "  open loop: latency counted from when the call was due"
            )
            failures += h["failures"] + h["rate_failures"]
        print(f"{'':<11}mean candidates per job {s['mean_candidates']:.1f}; HTTP failures {failures:.0f}")
    headline = {
        f"{backend}_{part}_{key}": round(value, 2)
        for backend, figures in results.items()
        for part, values in figures.items()
        for key, value in values.items()
    }
    print(json.dumps(headline, sort_keys=True))


if __name__ == "__main__":
    main()
